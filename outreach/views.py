"""Outreach pages: sessions at hot spots (plan, record, make what was seen intelligence, close
the alert), the register of businesses and groups, training and the cascade, the e-learning
import, participation, and the public feedback form."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cse_portal.accounts.client_address import client_address
from cse_portal.pagination import CappedPaginator, audited_page, record_page_shown
from cse_portal.view_helpers import require, show_service_errors
from cse_portal.young_people import permissions as yp_permissions
from cse_portal.young_people import services as yp_services
from intelligence import services as intelligence_services
from referrals import services as referral_services
from referrals.models import PublicFormState
from referrals.views import sent_from_another_site

from . import permissions, selectors, services
from .forms import (
    ActivityForm,
    CloseAlertForm,
    FeedbackForm,
    ImportForm,
    IntelligenceForm,
    PremisesForm,
    SessionPlanForm,
    SessionRecordForm,
    TrainingSessionForm,
    VisitForm,
    plan_agencies,
    session_plan_initial,
    training_initial,
)
from .models import (
    ImportStatus,
    OutreachSession,
    ParticipationActivity,
    Sector,
    SessionStatus,
    TrainingSession,
)

PAGE_SIZE = 25


# --- Outreach sessions ---------------------------------------------------------------------------


@require_GET
def sessions(request: HttpRequest) -> HttpResponse:
    require(permissions.can_do_outreach(request.user))
    status = request.GET.get("status", "")
    page = audited_page(
        request,
        selectors.sessions_list(request.user, status=status),
        per_page=PAGE_SIZE,
        channel="outreach sessions",
    )
    return render(
        request,
        "outreach/sessions.html",
        {
            "page": page,
            "status": status,
            "statuses": SessionStatus.choices,
            "query": request.GET.copy(),
        },
    )


@require_GET
def hot_spots(request: HttpRequest) -> HttpResponse:
    """Where to go: intelligence's hot spots and, for those who see them, its open alerts; a
    session is planned from either in one click."""
    require(permissions.can_do_outreach(request.user))
    return render(
        request,
        "outreach/hot_spots.html",
        {
            "spots": selectors.hot_spots_for_outreach(request.user),
            "alerts": selectors.open_alerts(request.user),
        },
    )


def _places_offered(request: HttpRequest, chosen: Any) -> list[Any]:
    """The places a plan's form offers: the one chosen, the hot spots, those found by name, and
    one posted from a page shown earlier (only places ``user`` may pick)."""
    user = request.user
    places = [p for p in [chosen] if p is not None]
    places += [p for p in selectors.hot_spots_for_outreach(user, limit=10) if p not in places]
    places += [
        p for p in selectors.places_matching(user, request.GET.get("find", "")) if p not in places
    ]
    if request.method == "POST":
        posted = selectors.place_for(user, request.POST.get("place"))
        if posted is not None and posted not in places:
            places.append(posted)
    return places


def _place_from_form(user: Any, data: dict[str, Any], current: Any = None) -> Any:
    """The place a valid plan form names: one offered (the session's own even when the user can
    no longer pick it), or a new place found or added by intelligence."""
    if data["place"]:
        if current is not None and data["place"] == str(current.pk):
            return current
        place = selectors.place_for(user, data["place"])
        if place is not None:
            return place
    return intelligence_services.location_find_or_create(
        actor=user, name=data["new_place_name"], postcode=data["new_place_postcode"]
    )


#: Where a plan's service errors are shown on the form.
PLAN_ERROR_FIELDS = {
    "name": "new_place_name",
    "postcode": "new_place_postcode",
    "starts_at": "day",
    "ends_at": "end_time",
}


@require_http_methods(["GET", "POST"])
def session_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(permissions.can_do_outreach(user))
    source = request.POST if request.method == "POST" else request.GET
    alert = selectors.alert_for(user, source.get("alert"))
    chosen = alert.entity if alert is not None else selectors.place_for(user, source.get("place"))
    places = _places_offered(request, chosen)
    initial = {
        "place": str(chosen.pk) if chosen else "",
        "alert": str(alert.pk) if alert else "",
        # The planner is going, unless they untick themselves.
        "workers": [str(user.pk)] if user.agency_id else [],
    }
    form = SessionPlanForm(
        request.POST or None,
        places=places,
        initial=initial,
        workers=selectors.workers_on_offer(
            agencies=plan_agencies(), named=[user, *_workers_ticked(request)]
        ),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.session_plan(
                actor=user,
                place=_place_from_form(user, data),
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                alert=alert,
                agencies=data["agencies"],
                workers=services.named_workers(data["workers"]),
                other_workers=data["other_workers"],
            )
        except ValidationError as error:
            show_service_errors(form, error, PLAN_ERROR_FIELDS)
        else:
            messages.success(request, f"Outreach session {session.reference} planned")
            return redirect("outreach:session", pk=session.pk)
    return render(
        request,
        "outreach/session_form.html",
        {"form": form, "alert": alert, "find": request.GET.get("find", "")},
    )


@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    """Change a planned session's plan: whoever plans outreach and may see it (anyone else, and a
    session already recorded, 404)."""
    user = request.user
    session = permissions.get_session_for_editing(user, pk)
    # The workers named are read once, for the boxes on offer and those ticked.
    prefetch_related_objects([session], "workers")
    named = list(session.workers.all())
    form = SessionPlanForm(
        request.POST or None,
        places=_places_offered(request, session.place),
        initial=session_plan_initial(session),
        session=session,
        workers=selectors.workers_on_offer(
            agencies=plan_agencies(session), named=[*named, *_workers_ticked(request)]
        ),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changed = services.session_plan_edit(
                actor=user,
                session=session,
                place=_place_from_form(user, data, current=session.place),
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                agencies=data["agencies"],
                workers=services.named_workers(data["workers"]),
                other_workers=data["other_workers"],
            )
        except ValidationError as error:
            show_service_errors(form, error, PLAN_ERROR_FIELDS)
        else:
            if changed:
                messages.success(request, f"Plan of outreach session {session.reference} changed")
            else:
                messages.info(request, "Nothing changed")
            return redirect("outreach:session", pk=session.pk)
    return render(
        request,
        "outreach/session_form.html",
        {
            "form": form,
            "session": session,
            "alert": session.alert,
            "find": request.GET.get("find", ""),
        },
        status=400 if form.is_bound else 200,
    )


@require_GET
def session_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    session = permissions.get_session_for_user(request.user, pk)
    context = selectors.session_for_page(request.user, session)
    session = context["session"]
    form = IntelligenceForm(initial={"content": session.what_seen})
    return render(
        request,
        "outreach/session.html",
        {
            **context,
            "intelligence_form": form,
            "close_form": CloseAlertForm(),
            "can_close_alert": _can_close_alert(request.user, session),
            "can_edit": permissions.can_edit_session(request.user, session),
        },
    )


def _can_close_alert(user: Any, session: OutreachSession) -> bool:
    from intelligence.permissions import can_close_alert

    return bool(
        session.alert_id
        and session.is_recorded
        and not session.alert_closed
        and can_close_alert(user, "outreach")
    )


@require_http_methods(["GET", "POST"])
def session_record(request: HttpRequest, pk: Any) -> HttpResponse:
    user = request.user
    session = permissions.get_session_for_user(user, pk)
    require(permissions.can_do_outreach(user))
    find = request.GET.get("find", "")
    linked = [
        e.young_person
        for e in session.engagements.filter(
            young_person__in=yp_permissions.visible_young_people(user)
        ).select_related("young_person")
    ]
    found = selectors.young_people_to_link(user, find)
    if find.strip():
        yp_services.young_people_search_record(
            user=user, criteria={"outreach link": find}, result_count=len(found), shown=found
        )
    people = linked + [p for p in found if p not in linked]
    if request.method == "POST":
        # The boxes ticked on a page shown earlier: only records this worker may see.
        ticked = request.POST.getlist("young_people")
        people += [
            p
            for p in yp_permissions.visible_young_people(user).filter(pk__in=_uuids(ticked))
            if p not in people
        ]
    premises = selectors.premises_near(session, request.GET.get("premises", ""))
    visits = {v.premises_id: v.outcome for v in session.premises_visits.all()}
    named = list(session.workers.all())
    offered = selectors.workers_on_offer(
        agencies=session.agencies.all(), named=[*named, *_workers_ticked(request)]
    )
    initial = {
        "workers": [str(w.pk) for w in named],
        "young_people_count": session.young_people_count if session.is_recorded else None,
        "young_people": [str(p.pk) for p in linked],
        "materials_given": session.materials_given,
        "what_seen": session.what_seen,
        **{f"visit_{pid}": outcome for pid, outcome in visits.items()},
    }
    form = SessionRecordForm(
        request.POST or None, people=people, premises=premises, workers=offered, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        chosen = set(form.cleaned_data["young_people"])
        try:
            changed = services.session_record(
                actor=user,
                session=session,
                young_people_count=form.cleaned_data["young_people_count"],
                young_people=[p for p in people if str(p.pk) in chosen],
                materials_given=form.cleaned_data["materials_given"],
                what_seen=form.cleaned_data["what_seen"],
                visits=form.visits(),
                workers=services.named_workers(form.cleaned_data["workers"]),
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            if changed:
                messages.success(request, f"Outreach session {session.reference} recorded")
            else:
                messages.info(request, "Nothing changed")
            return redirect("outreach:session", pk=session.pk)
    return render(
        request,
        "outreach/session_record.html",
        {"form": form, "session": session, "find": find, "can_link": permissions.works_cases(user)},
    )


def _workers_ticked(request: HttpRequest) -> list[Any]:
    """The accounts ticked on a page shown earlier, kept on offer (and ticked) when the page is
    shown again with an error, whoever they are: the service says who may be named."""
    if request.method != "POST":
        return []
    return selectors.staff_named(_uuids(request.POST.getlist("workers")))


def _uuids(values: list[str]) -> list[Any]:
    from cse_portal.funnel import uuid_or_none

    return [key for key in map(uuid_or_none, values[:200]) if key is not None]


@require_POST
def session_intelligence(request: HttpRequest, pk: Any) -> HttpResponse:
    """What was seen becomes intelligence in one action."""
    user = request.user
    session = permissions.get_session_for_user(user, pk)
    require(permissions.can_do_outreach(user))
    form = IntelligenceForm(request.POST)
    if form.is_valid():
        try:
            item = services.session_to_intelligence(
                actor=user, session=session, **form.cleaned_data
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"Intelligence {item.reference} submitted to the analyst")
            return redirect("outreach:session", pk=session.pk)
    context = selectors.session_for_page(user, session)
    return render(
        request,
        "outreach/session.html",
        {
            **context,
            "intelligence_form": form,
            "close_form": CloseAlertForm(),
            "can_close_alert": _can_close_alert(user, context["session"]),
            "can_edit": permissions.can_edit_session(user, context["session"]),
        },
        status=400,
    )


@require_POST
def session_close_alert(request: HttpRequest, pk: Any) -> HttpResponse:
    user = request.user
    session = permissions.get_session_for_user(user, pk)
    require(_can_close_alert(user, session))
    form = CloseAlertForm(request.POST)
    if form.is_valid():
        try:
            services.session_close_alert(
                actor=user, session=session, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "Alert closed: outreach")
            return redirect("outreach:session", pk=session.pk)
    context = selectors.session_for_page(user, session)
    return render(
        request,
        "outreach/session.html",
        {
            **context,
            "intelligence_form": IntelligenceForm(initial={"content": session.what_seen}),
            "close_form": form,
            "can_close_alert": True,
            "can_edit": permissions.can_edit_session(user, session),
        },
        status=400,
    )


# --- Premises ------------------------------------------------------------------------------------


@require_GET
def premises_list(request: HttpRequest) -> HttpResponse:
    require(permissions.can_do_outreach(request.user))
    q, sector = request.GET.get("q", ""), request.GET.get("sector", "")
    page = audited_page(
        request,
        selectors.premises_list(request.user, q=q, sector=sector),
        per_page=PAGE_SIZE,
        channel="premises register",
    )
    return render(
        request,
        "outreach/premises_list.html",
        {
            "page": page,
            "q": q,
            "sector": sector,
            "sectors": Sector.choices,
            "query": request.GET.copy(),
        },
    )


@require_http_methods(["GET", "POST"])
def premises_new(request: HttpRequest) -> HttpResponse:
    require(permissions.can_do_outreach(request.user))
    return _premises_form(request, None)


@require_http_methods(["GET", "POST"])
def premises_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    premises = permissions.get_premises_for_user(request.user, pk)
    return _premises_form(request, premises)


def _premises_form(request: HttpRequest, premises: Any) -> HttpResponse:
    initial = None
    if premises is not None:
        initial = {name: getattr(premises, name) for name in services.PREMISES_FIELDS}
    form = PremisesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if premises is None:
                premises = services.premises_save(actor=request.user, **form.cleaned_data)
                changed = True
            else:
                changed = bool(
                    services.premises_edit(
                        actor=request.user, premises=premises, **form.cleaned_data
                    )
                )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            if changed:
                messages.success(request, f"{premises.name} saved")
            else:
                messages.info(request, "Nothing changed")
            return redirect("outreach:premises", pk=premises.pk)
    return render(request, "outreach/premises_form.html", {"form": form, "premises": premises})


@require_http_methods(["GET", "POST"])
def premises_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    user = request.user
    premises = permissions.get_premises_for_user(user, pk)
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.premises_visit_add(
                actor=user,
                premises=premises,
                visited_on=form.cleaned_data["visited_on"],
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                materials_displayed=form.materials_displayed(),
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "Visit recorded")
            return redirect("outreach:premises", pk=premises.pk)
    context = selectors.premises_for_page(user, premises)
    if context["concerns"]:
        from referrals.models import Referral

        record_page_shown(
            request,
            context["concerns"],
            model=Referral,
            result_count=context["concerns_count"],
            channel="premises: concerns reported",
        )
    return render(
        request,
        "outreach/premises.html",
        {"premises": premises, "form": form, **context},
        status=400 if form.is_bound else 200,
    )


# --- Training ------------------------------------------------------------------------------------


@require_GET
def training(request: HttpRequest) -> HttpResponse:
    require(permissions.can_see_training_record(request.user))
    page = audited_page(
        request,
        selectors.training_sessions_list(request.user),
        per_page=PAGE_SIZE,
        channel="training sessions",
    )
    return render(
        request,
        "outreach/training.html",
        {
            "page": page,
            "query": request.GET.copy(),
            "can_record": permissions.can_record_training(request.user),
            "is_manager": permissions.is_team_manager(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def training_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(permissions.can_record_training(user))
    form = TrainingSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.training_session_record(
                actor=user,
                **form.service_arguments(),
            )
        except ValidationError as error:
            show_service_errors(form, error, {"trainer": "trainer_username"})
        else:
            messages.success(request, "Training recorded")
            return redirect("outreach:training_session", pk=session.pk)
    return render(
        request,
        "outreach/training_form.html",
        {"form": form, "is_manager": permissions.is_team_manager(user)},
    )


@require_http_methods(["GET", "POST"])
def training_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    """Correct a training session: whoever recorded it, or the team manager (anyone else 404)."""
    user = request.user
    session = permissions.get_training_session_for_editing(user, pk)
    form = TrainingSessionForm(
        request.POST or None, initial=training_initial(session), session=session
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.training_session_edit(
                actor=user,
                session=session,
                **form.service_arguments(),
            )
        except ValidationError as error:
            show_service_errors(form, error, {"trainer": "trainer_username"})
        else:
            if changed:
                messages.success(request, "Training corrected")
            else:
                messages.info(request, "Nothing changed")
            return redirect("outreach:training_session", pk=session.pk)
    return render(
        request,
        "outreach/training_form.html",
        {
            "form": form,
            "session": session,
            "is_manager": permissions.is_team_manager(user),
        },
        status=400 if form.is_bound else 200,
    )


@require_GET
def training_session(request: HttpRequest, pk: Any) -> HttpResponse:
    session = permissions.get_training_session_for_user(request.user, pk)
    session = selectors.training_session_for_page(session)
    reach = (
        selectors.cascade_reach([session.trainer_id]).get(session.trainer_id)
        if (session.trainer_id)
        else None
    )
    return render(
        request,
        "outreach/training_session.html",
        {
            "session": session,
            "reach": reach,
            "can_edit": permissions.can_edit_training_session(request.user, session),
        },
    )


@require_GET
def my_training(request: HttpRequest) -> HttpResponse:
    require(permissions.can_see_training_record(request.user))
    record = selectors.training_record(request.user)
    shown = record["attended"] + record["delivered"]
    record_page_shown(
        request, shown, model=TrainingSession, result_count=len(shown), channel="my training"
    )
    return render(request, "outreach/my_training.html", record)


@require_GET
def team_training(request: HttpRequest) -> HttpResponse:
    require(permissions.is_team_manager(request.user))
    context = selectors.team_training(request.user)
    members = context["members"]
    record_page_shown(
        request, members, model=get_user_model(), result_count=len(members), channel="team training"
    )
    return render(request, "outreach/team_training.html", context)


@require_GET
def cascade(request: HttpRequest) -> HttpResponse:
    """Each trainer's reach down the train-the-trainer cascade (one recursive query a page)."""
    require(permissions.is_team_manager(request.user))
    page = CappedPaginator(selectors.cascade_page(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    trainers = list(page.object_list)
    page.object_list = trainers
    record_page_shown(
        request,
        trainers,
        model=get_user_model(),
        result_count=page.paginator.count,
        channel="training cascade",
    )
    reach = selectors.cascade_reach([t.pk for t in trainers])
    rows = [{"trainer": t, "reach": reach.get(t.pk)} for t in trainers]
    return render(
        request, "outreach/cascade.html", {"page": page, "rows": rows, "query": request.GET.copy()}
    )


@require_http_methods(["GET", "POST"])
def imports(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(permissions.can_import_elearning(user))
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        filename, content = form.cleaned_data["file"]
        try:
            record = services.elearning_import_start(actor=user, filename=filename, content=content)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"{record.filename} uploaded: importing")
            return redirect("outreach:import", pk=record.pk)
    page = audited_page(
        request, selectors.imports_list(user), per_page=PAGE_SIZE, channel="e-learning imports"
    )
    return render(
        request,
        "outreach/imports.html",
        {"form": form, "page": page, "query": request.GET.copy()},
        status=400 if form.is_bound else 200,
    )


def _import_context(record: Any) -> dict[str, Any]:
    running = record.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
    return {"record": record, "running": running, "errors": record.errors[:500]}


@require_GET
def import_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    record = permissions.get_import_for_user(request.user, pk)
    return render(request, "outreach/import.html", _import_context(record))


@require_GET
def import_progress(request: HttpRequest, pk: Any) -> HttpResponse:
    """The progress panel alone, polled by the import's page (htmx) until the import is over:
    the page itself never refreshes (no ``meta refresh``, which WCAG 2.2.1 rules out)."""
    record = permissions.get_import_for_user(request.user, pk, channel="progress")
    return render(request, "outreach/_import_progress.html", _import_context(record))


# --- Participation -------------------------------------------------------------------------------


@require_GET
def participation(request: HttpRequest) -> HttpResponse:
    require(permissions.can_see_participation(request.user))
    page = audited_page(
        request,
        selectors.feedback_list(request.user),
        per_page=PAGE_SIZE,
        channel="participation feedback",
    )
    activities = list(selectors.activities_list(request.user)[:20])
    editable = set(
        permissions.editable_activities(request.user)
        .filter(pk__in=[a.pk for a in activities])
        .values_list("pk", flat=True)
    )
    if activities:
        record_page_shown(
            request,
            activities,
            model=ParticipationActivity,
            result_count=len(activities),
            channel="participation activities",
        )
    return render(
        request,
        "outreach/participation.html",
        {
            "page": page,
            "activities": activities,
            "editable": editable,
            "query": request.GET.copy(),
        },
    )


@require_http_methods(["GET", "POST"])
def activity_new(request: HttpRequest) -> HttpResponse:
    require(permissions.can_see_participation(request.user))
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_record(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "Participation activity recorded")
            return redirect("outreach:participation")
    return render(request, "outreach/activity_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    """Correct a participation activity: whoever recorded it, or the team manager (anyone else
    404)."""
    activity = permissions.get_activity_for_editing(request.user, pk)
    initial = {name: getattr(activity, name) for name in services.ACTIVITY_FIELDS}
    form = ActivityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.activity_edit(
                actor=request.user, activity=activity, **form.cleaned_data
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            if changed:
                messages.success(request, "Participation activity corrected")
            else:
                messages.info(request, "Nothing changed")
            return redirect("outreach:participation")
    return render(
        request,
        "outreach/activity_form.html",
        {"form": form, "activity": activity},
        status=400 if form.is_bound else 200,
    )


# --- The public feedback form --------------------------------------------------------------------
#
# The same safety as the other public pages (see referrals/views.py): no cookie at all (no
# session, no CSRF cookie: a post from another site is turned back by ``sent_from_another_site``
# instead), "Exit this page", a single-use form token so that Back or reload never shows what was
# written to the next person, the honeypot, and the per-address limit shared with the other
# public doors.


def _public_render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context["exit_url"] = settings.REFERRALS_EXIT_URL
    if "form" in context:
        context["form_token"] = referral_services.public_form_token()
    return render(request, template, context, status=status)


@csrf_exempt  # cookie-less: see referrals.views.sent_from_another_site
@login_not_required
@require_http_methods(["GET", "POST"])
def feedback(request: HttpRequest) -> HttpResponse:
    template = "outreach/public/feedback.html"
    form = FeedbackForm(request.POST or None)
    if request.method != "POST":
        return _public_render(request, template, {"form": form})
    if sent_from_another_site(request):
        form.is_valid()
        return _public_render(request, template, {"form": form, "notice": "another_site"}, 403)
    state = referral_services.public_form_token_use(token=request.POST.get("form_token", ""))
    valid = form.is_valid()
    if state == PublicFormState.USED or (state == PublicFormState.UNKNOWN and not valid):
        return _public_render(request, template, {"form": FeedbackForm(), "notice": "not_again"})
    if not valid:
        return _public_render(request, template, {"form": form})
    kept = services.feedback_receive(
        address=client_address(request) or "", fields=form.submission(), robot=form.is_robot()
    )
    if not kept:
        return _public_render(request, template, {"form": form, "notice": "ceiling"}, 429)
    response = redirect("feedback_sent")
    response.status_code = 303
    return response


@login_not_required
@require_GET
def feedback_sent(request: HttpRequest) -> HttpResponse:
    return _public_render(request, "outreach/public/feedback_done.html", {})
