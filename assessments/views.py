"""Assessment pages: the team's lists, starting, completing, deciding, reading and printing an
assessment. Views parse, authorise through ``permissions``, call a service or selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from cse_portal.pagination import CappedPaginator, audited_page
from cse_portal.view_helpers import require, show_service_errors

from . import permissions, selectors, services
from .forms import AssessmentForm, Decision, DecisionForm
from .models import Assessment
from .pdf import render_assessment_pdf

PAGE_SIZE = 25

LISTS = {
    "to_do": "Requested, to do",
    "in_progress": "In progress",
    "awaiting": "Awaiting approval",
    "overdue": "Overdue reviews",
}


@require_http_methods(["GET"])
def team_list(request: HttpRequest) -> HttpResponse:
    """The team's assessment work: requests to do, assessments in progress, awaiting approval
    and overdue reviews, one paginated list at a time."""
    user = request.user
    require(permissions.can_see_team_lists(user))
    querysets = {
        "to_do": selectors.requests_to_do(user),
        "in_progress": selectors.assessments_in_progress(user),
        "awaiting": selectors.awaiting_approval(user),
        "overdue": selectors.overdue_reviews(user),
    }
    shown = request.GET.get("show", "to_do")
    if shown not in LISTS:
        shown = "to_do"
    # Each tab's count stops at the cap, as the lists' own do.
    counts = {key: CappedPaginator(rows, PAGE_SIZE) for key, rows in querysets.items()}
    tabs = [
        {
            "key": key,
            "label": label,
            "count": counts[key].count,
            "capped": counts[key].capped,
            "current": key == shown,
        }
        for key, label in LISTS.items()
    ]
    page = audited_page(
        request, querysets[shown], per_page=PAGE_SIZE, channel=f"team list: {LISTS[shown]}"
    )
    return render(
        request,
        "assessments/team_list.html",
        {"tabs": tabs, "shown": shown, "title": LISTS[shown], "page": page, "query": request.GET},
    )


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, pk: Any) -> HttpResponse:
    """Start an assessment of a young person (optionally answering a request for one)."""
    young_person = permissions.get_young_person_to_assess(request.user, pk)
    require(permissions.can_assess(request.user, young_person))
    request_id = request.POST.get("request") or request.GET.get("request")
    assessment_request = (
        permissions.get_request_for_user(request.user, request_id) if request_id else None
    )
    if request.method == "POST":
        try:
            assessment = services.assessment_start(
                young_person=young_person, assessor=request.user, request=assessment_request
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            return redirect("assessments:edit", pk=assessment.pk)
    return render(
        request,
        "assessments/start.html",
        {
            "young_person": young_person,
            "assessment_request": assessment_request,
            "instrument": selectors.current_instrument(),
        },
    )


@require_http_methods(["GET"])
def detail(request: HttpRequest, pk: Any) -> HttpResponse:
    assessment = permissions.get_assessment_for_user(request.user, pk)
    return render(request, "assessments/detail.html", _detail_context(request.user, assessment))


def _detail_context(user: Any, assessment: Any) -> dict[str, Any]:
    return {
        "assessment": assessment,
        "young_person": assessment.young_person,
        "sections": selectors.answers_by_section(assessment),
        "actions": list(assessment.actions.select_related("recorded_by")),
        "later_reasons": selectors.reasons_since_start(assessment),
        "can_edit": permissions.can_edit_assessment(user, assessment),
        "can_decide": permissions.can_decide_assessment(user, assessment),
    }


def _answers_form(assessment: Assessment, data: Any = None) -> AssessmentForm:
    initial = None if data is not None else AssessmentForm.initial_for(assessment)
    return AssessmentForm(
        data,
        initial=initial,
        definition=assessment.instrument.parsed,
        suggested=assessment.suggested_items,
    )


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: Any) -> HttpResponse:
    """Answer the items; each section's "Save and continue" and "Save and continue later" keep a
    draft, "Submit" sends it for approval (the answers are saved first, so nothing entered is lost
    if something is missing)."""
    assessment = permissions.get_assessment_for_user(request.user, pk)
    require(permissions.can_edit_assessment(request.user, assessment))
    if request.method == "POST":
        form = _answers_form(assessment, request.POST)
        submitting = request.POST.get("action") == "submit"
        if form.is_valid():
            try:
                services.assessment_save(
                    assessment=assessment,
                    user=request.user,
                    answers=form.answers(),
                    judgement_level=form.cleaned_data["judgement_level"],
                    judgement_rationale=form.cleaned_data["judgement_rationale"],
                    submit=submitting,
                )
            except ValidationError as error:
                show_service_errors(form, error, form.item_fields())
            else:
                if submitting:
                    messages.success(request, "Assessment submitted for approval")
                    return redirect("assessments:detail", pk=assessment.pk)
                messages.success(request, "Your answers have been saved")
                anchor = form.continue_to(request.POST.get("continue_to", ""))
                url = reverse("assessments:edit", args=[assessment.pk])
                return redirect(f"{url}#{anchor}" if anchor else url)
    else:
        form = _answers_form(assessment)
    return render(
        request,
        "assessments/edit.html",
        {
            "assessment": assessment,
            "young_person": assessment.young_person,
            "form": form,
            "later_reasons": selectors.reasons_since_start(assessment),
        },
    )


@require_http_methods(["POST"])
def autosave(request: HttpRequest, pk: Any) -> HttpResponse:
    """Save the answers as they are ticked: the edit page posts its form here with htmx on each
    change. The judgement is left as recorded: a level chosen before its rationale is typed is
    not an error yet, and the page's buttons save it."""
    assessment = permissions.get_assessment_for_user(request.user, pk)
    require(permissions.can_edit_assessment(request.user, assessment))
    if not request.htmx:
        return redirect("assessments:edit", pk=assessment.pk)
    form = _answers_form(assessment, request.POST)
    if form.is_valid():
        try:
            services.assessment_save(
                assessment=assessment, user=request.user, answers=form.given_answers()
            )
        except ValidationError as error:
            show_service_errors(form, error, form.item_fields())
    return render(
        request,
        "assessments/_autosave_status.html",
        {
            "assessment": assessment,
            "form": form,
            "saved_at": timezone.localtime(),
            "item_count": len(form.definition.items),
        },
        # 422 says the save failed; the page's htmx configuration still shows the message.
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, pk: Any) -> HttpResponse:
    """The team manager approves a submitted assessment, or returns it with comments."""
    assessment = permissions.get_assessment_for_user(request.user, pk)
    require(permissions.can_decide_assessment(request.user, assessment))
    form = DecisionForm(request.POST or None, assessment=assessment)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == Decision.RETURN:
                services.assessment_return(
                    assessment=assessment, returned_by=request.user, comments=data["comments"]
                )
                messages.success(request, "Assessment returned to the assessor")
            else:
                services.assessment_approve(
                    assessment=assessment,
                    approved_by=request.user,
                    comments=data["comments"],
                    partner_agency=data.get("partner_agency"),
                    approve_lowering=bool(data.get("approve_lowering")),
                    universal_information=data.get("universal_information", ""),
                )
                messages.success(request, "Assessment approved")
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            return redirect("assessments:detail", pk=assessment.pk)
    context = _detail_context(request.user, assessment)
    context["form"] = form
    return render(request, "assessments/decide.html", context)


@require_http_methods(["GET"])
def pdf(request: HttpRequest, pk: Any) -> HttpResponse:
    """The assessment as a PDF, with the questions of its own version. Printing is recorded."""
    assessment = permissions.get_assessment_for_user(request.user, pk)
    content = render_assessment_pdf(request, _detail_context(request.user, assessment))
    services.assessment_printed(assessment=assessment, user=request.user)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="cse-assessment-{assessment.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
