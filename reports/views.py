"""Reports pages: the LSCB dashboard (charts and tables, CSV and XLSX of what is shown), the team
manager's and the analyst's dashboards, and background reports (request, progress, commentary,
publish, share, download, subscriptions). Each view parses, authorises through ``permissions``,
calls a service or selector, and renders."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from cse_portal.audit.models import AuditAction
from cse_portal.audit.services import audit_record
from cse_portal.funnel import id_or_404
from cse_portal.pagination import audited_page, record_page_shown, record_rows_shown
from cse_portal.view_helpers import require, show_service_errors

from . import documents, exports, measures, permissions, selectors, services, suppression
from .forms import CommentaryForm, RequestForm, ShareForm, SubscriptionForm
from .models import ReportKind
from .periods import Granularity, Period, recent_periods

PAGE_SIZE = 25


def _period_from(request: HttpRequest, default: str) -> tuple[Period | None, str]:
    text = request.GET.get("period", "").strip()
    if not text:
        return Period.containing(timezone.localdate(), default), ""
    try:
        return Period.parse(text), ""
    except ValidationError as error:
        return None, error.messages[0]


# --- LSCB dashboard ------------------------------------------------------------------------------


@require_http_methods(["GET"])
def lscb_dashboard(request: HttpRequest) -> HttpResponse:
    """The measures for a chosen period beside the previous one, small counts suppressed: each
    section an SVG chart (prints, no script) with its table beside it."""
    require(permissions.can_see_lscb_dashboard(request.user))
    period, error = _period_from(request, Granularity.QUARTER)
    context: dict[str, Any] = {"offered": recent_periods(), "error": error, "period": period}
    if period is not None:
        figures = measures.figures_for(period)
        context |= {
            "figures": figures,
            "sections": documents.section_charts(figures),
            "small_count_max": suppression.threshold() - 1,
            "annual_review_year": period.year,
            "quarter": Period.containing(period.first_day, Granularity.QUARTER),
        }
    return render(request, "reports/lscb.html", context, status=400 if error else 200)


@require_http_methods(["GET"])
def lscb_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Exactly the dashboard's tables, as CSV or XLSX; the export audited."""
    require(permissions.can_see_lscb_dashboard(request.user))
    period, error = _period_from(request, Granularity.QUARTER)
    if period is None:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    rows = exports.table(measures.figures_for(period))
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="reports.measures",
        object_id=period.key,
        summary=f"LSCB measures exported ({fmt}): {period.label}",
        detail={"period": period.key, "format": fmt, "suppressed": True},
    )
    name = f"cse-measures-{period.key}"
    if fmt == "csv":
        response = HttpResponse(exports.to_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    else:
        response = HttpResponse(
            exports.to_xlsx(rows, sheet_name=period.key),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET"])
def definitions(request: HttpRequest) -> HttpResponse:
    require(permissions.can_see_lscb_dashboard(request.user))
    return render(request, "reports/definitions.html", {"definitions": measures.definitions()})


# --- Team manager and analyst --------------------------------------------------------------------


@require_http_methods(["GET"])
def team_dashboard(request: HttpRequest) -> HttpResponse:
    require(permissions.can_see_team_dashboard(request.user))
    day = selectors.team_day(request.user)
    from intelligence.models import Alert

    record_rows_shown(
        request,
        [alert["pk"] for alert in day["alerts"]],
        model=Alert,
        result_count=day["alerts_open"],
        channel="team dashboard: open alerts",
    )
    triage = reverse("referrals:queue")
    assessments = reverse("assessments:list")
    figures = [
        ("Referrals waiting for triage", day["triage_waiting"], triage, ""),
        ("Waiting past the triage target", day["triage_overdue"], triage, ""),
        (
            "Assessments awaiting approval",
            day["awaiting_approval"],
            f"{assessments}?show=awaiting",
            "",
        ),
        ("Reviews overdue", day["reviews_overdue"], f"{assessments}?show=overdue", ""),
        ("Reviews due in the next 28 days", day["reviews_due"], assessments, ""),
        ("Open pattern alerts", day["alerts_open"], "#open-alerts", ""),
        ("Missing now", day["missing_now"], reverse("missing:board"), ""),
        (
            "Return interviews due",
            day["interviews_due"],
            reverse("missing:interviews"),
            "Not yet past their deadline",
        ),
        ("Return interviews overdue", day["interviews_overdue"], reverse("missing:interviews"), ""),
    ]
    return render(request, "reports/team.html", {"day": day, "figures": figures})


@require_http_methods(["GET"])
def analyst_dashboard(request: HttpRequest) -> HttpResponse:
    require(permissions.can_see_analyst_dashboard(request.user))
    period, error = _period_from(request, Granularity.MONTH)
    context: dict[str, Any] = {"offered": recent_periods(), "error": error, "period": period}
    if period is not None:
        picture = selectors.analyst_picture(request.user, period)
        from intelligence.models import Entity

        record_page_shown(  # each alert is shown as the entity it is about, linked
            request,
            [alert.entity for alert in picture["alerts"]],
            model=Entity,
            result_count=picture["alerts_open"],
            channel="analyst dashboard: open alerts",
        )
        record_page_shown(
            request,
            picture["hot_spots"],
            model=Entity,
            result_count=len(picture["hot_spots"]),
            channel="analyst dashboard: hot spots",
        )
        context["picture"] = picture
    return render(request, "reports/analyst.html", context, status=400 if error else 200)


# --- Background reports --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def report_list(request: HttpRequest) -> HttpResponse:
    """The caller's reports, those shared with them and (for the LSCB and team managers) every
    LSCB report; a form to request one."""
    user = request.user
    require(permissions.can_use_reports(user))
    kinds = permissions.requestable_kinds(user)
    # A link may fill in the kind and period (the LSCB dashboard's "request the annual review").
    initial = {key: request.GET[key][:20] for key in ("kind", "period") if key in request.GET}
    form = RequestForm(request.POST or None, kinds=kinds, initial=initial) if kinds else None
    if request.method == "POST":
        require(bool(kinds))
        if form.is_valid():
            try:
                run = services.report_request(user=user, **form.cleaned_data)
            except ValidationError as error:
                show_service_errors(form, error)
            else:
                messages.success(request, f"{run} requested: it is being generated")
                return redirect("reports:detail", pk=run.pk)
    page = audited_page(
        request, selectors.runs_listed(user), per_page=PAGE_SIZE, channel="reports list"
    )
    return render(
        request,
        "reports/list.html",
        {"page": page, "form": form, "query": request.GET.copy()},
        status=400 if form is not None and form.errors else 200,
    )


def _detail_context(request: HttpRequest, run: Any, **forms_: Any) -> dict[str, Any]:
    user = request.user
    context: dict[str, Any] = {
        "run": run,
        "can_write": permissions.can_write_commentary(user, run),
        "can_share": permissions.can_share(user, run),
    }
    if context["can_write"]:
        context["commentary_form"] = forms_.get("commentary_form") or CommentaryForm(run=run)
    if context["can_share"]:
        context["share_form"] = forms_.get("share_form") or ShareForm(
            choices=selectors.share_choices(user)
        )
        context["grantees"] = list(permissions.grantees(run))
    return context


@require_http_methods(["GET"])
def report_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    run = permissions.get_run_for_user(request.user, pk)
    return render(request, "reports/detail.html", _detail_context(request, run))


@require_http_methods(["GET"])
def report_progress(request: HttpRequest, pk: Any) -> HttpResponse:
    """The progress panel alone, polled by the detail page (htmx) until the report is finished."""
    run = permissions.get_run_for_user(request.user, pk, channel="progress")
    return render(request, "reports/_progress.html", {"run": run})


@require_http_methods(["GET"])
def report_download(request: HttpRequest, pk: Any) -> HttpResponse:
    run = permissions.get_run_for_user(request.user, pk, channel="download")
    try:
        content = services.report_file_read(run=run, user=request.user, channel="page")
    except ValidationError:
        raise Http404("This report is not ready") from None
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{run.kind}-{run.period}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def report_commentary(request: HttpRequest, pk: Any) -> HttpResponse:
    run = permissions.get_run_for_user(request.user, pk, channel="commentary")
    require(permissions.can_write_commentary(request.user, run))
    form = CommentaryForm(request.POST, run=run)
    if form.is_valid():
        try:
            services.report_commentary_save(
                run=run, user=request.user, commentary=form.cleaned_data
            )
            if request.POST.get("action") == "publish":
                services.report_publish(run=run, user=request.user)
                messages.success(request, "Published: the final PDF is being generated")
            else:
                messages.success(request, "Commentary saved")
            return redirect("reports:detail", pk=run.pk)
        except ValidationError as error:
            show_service_errors(form, error)
    context = _detail_context(request, run, commentary_form=form)
    return render(request, "reports/detail.html", context, status=400)


@require_POST
def report_share(request: HttpRequest, pk: Any) -> HttpResponse:
    run = permissions.get_run_for_user(request.user, pk, channel="share")
    require(permissions.can_share(request.user, run))
    form = ShareForm(request.POST, choices=selectors.share_choices(request.user))
    if form.is_valid():
        try:
            services.report_share(
                run=run,
                user=request.user,
                recipients=list(form.cleaned_data["recipients"]),
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, "Shared")
            return redirect("reports:detail", pk=run.pk)
        except ValidationError as error:
            show_service_errors(form, error)
    context = _detail_context(request, run, share_form=form)
    return render(request, "reports/detail.html", context, status=400)


@require_POST
def report_unshare(request: HttpRequest, pk: Any, user_pk: Any) -> HttpResponse:
    run = permissions.get_run_for_user(request.user, pk, channel="share")
    require(permissions.can_share(request.user, run))
    grant = permissions.grantees(run).filter(user_id=id_or_404(user_pk, what="user")).first()
    if grant is None:
        raise Http404("No such grant")
    services.report_unshare(run=run, user=request.user, recipient=grant.user)
    messages.success(request, f"No longer shared with {grant.user.get_username()}")
    return redirect("reports:detail", pk=run.pk)


@require_http_methods(["GET", "POST"])
def subscriptions(request: HttpRequest) -> HttpResponse:
    user = request.user
    kinds = [
        (kind, label)
        for kind, label in permissions.requestable_kinds(user)
        if kind in services.SUBSCRIBABLE
    ]
    require(bool(kinds))
    form = SubscriptionForm(request.POST or None, kinds=kinds)
    if request.method == "POST":
        if request.POST.get("remove"):
            subscription = (
                selectors.subscriptions_of(user).filter(pk=request.POST["remove"]).first()
                if request.POST["remove"].isdigit()
                else None
            )
            if subscription is None:
                raise Http404("No such subscription")
            services.subscription_delete(subscription=subscription, user=user)
            messages.success(request, "Subscription ended")
            return redirect("reports:subscriptions")
        if form.is_valid():
            try:
                services.subscription_create(user=user, **form.cleaned_data)
            except ValidationError as error:
                show_service_errors(form, error)
            else:
                messages.success(request, "Subscribed")
                return redirect("reports:subscriptions")
    return render(
        request,
        "reports/subscriptions.html",
        {
            "form": form,
            "subscriptions": list(selectors.subscriptions_of(user)),
            "kinds": dict(ReportKind.choices),
        },
        status=400 if form.errors else 200,
    )
