"""Missing pages: the missing-now board, reporting and the episode, the return, interviews,
Philomena profiles and carers, and the police import. Views parse, authorise through
``permissions``, call a service or selector, render."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from cse_portal.accounts.models import Agency, User
from cse_portal.funnel import uuid_or_none
from cse_portal.pagination import CappedPaginator, audited_page, record_page_shown
from cse_portal.view_helpers import require, show_service_errors
from cse_portal.young_people.models import YoungPerson
from cse_portal.young_people.selectors import young_person_matches

from . import importing, permissions, selectors, services
from .forms import (
    AssignForm,
    AttemptForm,
    CarerForm,
    CarerRevokeForm,
    DeclineForm,
    EpisodeReportForm,
    FindingsForm,
    ImportForm,
    InterviewForm,
    MatchForm,
    PhotoForm,
    ProfileForm,
    ReturnForm,
    RiskGradeForm,
    SendToPoliceForm,
)
from .models import (
    ImportMatch,
    InterviewStatus,
    MatchStatus,
    PhilomenaProfile,
    PoliceImport,
    ReturnInterview,
)
from .pdf import render_profile_pdf

PAGE_SIZE = 25

INTERVIEW_LISTS = {
    "due": "Due",
    "overdue": "Overdue",
    "done": "Done or declined",
}


def _invalid(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, context, status=400)


# --- The board ------------------------------------------------------------------------------------


@require_http_methods(["GET"])
def board(request: HttpRequest) -> HttpResponse:
    """Missing now: every open episode the user may see, high risk on top, longest first."""
    require(permissions.can_see_board(request.user))
    page = audited_page(
        request, selectors.missing_now(request.user), per_page=PAGE_SIZE, channel="missing now"
    )
    return render(request, "missing/board.html", {"page": page, "query": request.GET})


@require_http_methods(["GET"])
def mine(request: HttpRequest) -> HttpResponse:
    """What a reporter, interviewer or carer has here: the episodes they reported, the interviews
    given to them, and the profiles they keep."""
    require(permissions.can_report(request.user))
    page = audited_page(
        request, selectors.my_reports(request.user), per_page=PAGE_SIZE, channel="my reports"
    )
    interviews = list(selectors.my_interviews(request.user).filter(status=InterviewStatus.DUE)[:50])
    profiles = list(
        permissions.cared_for_profiles(request.user).select_related("young_person")[:20]
    )
    if interviews:
        record_page_shown(
            request,
            interviews,
            model=ReturnInterview,
            result_count=len(interviews),
            channel="my interviews",
        )
    if profiles:
        record_page_shown(
            request,
            profiles,
            model=PhilomenaProfile,
            result_count=len(profiles),
            channel="profiles I keep",
        )
    return render(
        request,
        "missing/mine.html",
        {"page": page, "interviews": interviews, "profiles": profiles, "query": request.GET},
    )


# --- Reporting ------------------------------------------------------------------------------------


def _report_matches(user: Any, form: EpisodeReportForm) -> list[Any]:
    """Search before create: likely records among those the reporter may see."""
    data = form.cleaned_data
    if not (data.get("given_name") and data.get("family_name")):
        return []
    matches = young_person_matches(
        given_name=data["given_name"],
        family_name=data["family_name"],
        date_of_birth=data.get("date_of_birth"),
        postcode=data.get("postcode") or "",
    )
    allowed = set(
        permissions.young_people_to_report(user)
        .filter(pk__in=[m.record.pk for m in matches])
        .values_list("pk", flat=True)
    )
    return [m for m in matches if m.record.pk in allowed]


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """Report a child missing: a record the reporter may see (from the record page or the
    carer's profile), or the child's details, offered the reporter's likely records first."""
    user = request.user
    require(permissions.can_report(user))
    chosen_id = request.POST.get("young_person") or request.GET.get("young_person")
    young_person = (
        permissions.get_young_person_to_report(user, chosen_id, channel="report missing")
        if chosen_id
        else None
    )
    form = EpisodeReportForm(request.POST or None)
    matches: list[Any] = []
    if request.method == "POST" and form.is_valid():
        existing = request.POST.get("existing_record", "")
        details = None
        if young_person is None:
            if existing and existing != "new":
                young_person = permissions.get_young_person_to_report(
                    user, existing, channel="report missing: match chosen"
                )
            else:
                matches = [] if existing == "new" else _report_matches(user, form)
                details = {
                    name: form.cleaned_data.get(name)
                    for name in (
                        "given_name",
                        "family_name",
                        "date_of_birth",
                        "estimated_age",
                        "postcode",
                        "looked_after",
                    )
                }
        if not matches:
            try:
                episode = services.episode_report(
                    reported_by=user,
                    young_person=young_person,
                    young_person_details=details,
                    confirmed_new=existing == "new",
                    missing_since=form.when("missing"),
                    last_seen=form.cleaned_data["last_seen"],
                    risk_grade=form.cleaned_data["risk_grade"],
                    circumstances=form.cleaned_data["circumstances"],
                    clothing=form.cleaned_data["clothing"],
                    reported_to_police_by=form.cleaned_data["reported_to_police_by"],
                    police_reference=form.cleaned_data["police_reference"],
                    looked_after=form.cleaned_data["looked_after"]
                    if young_person is None
                    else None,
                )
            except ValidationError as error:
                show_service_errors(form, error, {"missing_since": "missing_date"})
            else:
                messages.success(request, "The missing episode has been reported.")
                return redirect("missing:episode", pk=episode.pk)
    if matches:
        records = [m.record for m in matches]
        record_page_shown(
            request,
            records,
            model=YoungPerson,
            result_count=len(records),
            channel="report missing: likely records",
        )
    status = 400 if request.method == "POST" and not matches else 200
    return render(
        request,
        "missing/report.html",
        {"form": form, "young_person": young_person, "matches": matches},
        status=status,
    )


# --- The episode ----------------------------------------------------------------------------------


def _episode_context(user: Any, episode: Any) -> dict[str, Any]:
    interview = getattr(episode, "interview", None)
    profile = selectors_profile(episode.young_person)
    can_see_record = permissions.works_cases(
        user
    ) and permissions.yp_permissions.can_view_young_person(user, episode.young_person)
    return {
        "episode": episode,
        "young_person": episode.young_person,
        "interview": interview,
        "changes": list(episode.grade_changes.select_related("changed_by")),
        # The rules speak of the record's history (three episodes in 90 days): only for those
        # who may see the record, not a reporter whose details were linked to it silently.
        "firings": list(episode.firings.all()) if can_see_record else [],
        "profile": profile if profile and permissions.can_edit_profile(user, profile) else None,
        "can_return": permissions.can_record_return(user, episode),
        "can_grade": permissions.can_change_grade(user, episode),
        "can_see_record": can_see_record,
        "grade_form": RiskGradeForm(),
    }


def selectors_profile(young_person: YoungPerson) -> Any:
    return PhilomenaProfile.objects.filter(young_person=young_person).first()


@require_http_methods(["GET"])
def episode(request: HttpRequest, pk: Any) -> HttpResponse:
    found = permissions.get_episode_for_user(request.user, pk)
    return render(request, "missing/episode.html", _episode_context(request.user, found))


@require_POST
def risk_grade(request: HttpRequest, pk: Any) -> HttpResponse:
    found = permissions.get_episode_for_user(request.user, pk)
    require(permissions.can_change_grade(request.user, found))
    form = RiskGradeForm(request.POST)
    if form.is_valid():
        try:
            services.episode_set_risk_grade(
                episode=found,
                grade=form.cleaned_data["risk_grade"],
                changed_by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The risk grade has been changed.")
            return redirect("missing:episode", pk=found.pk)
    context = _episode_context(request.user, found)
    context["grade_form"] = form
    return _invalid(request, "missing/episode.html", context)


@require_http_methods(["GET", "POST"])
def record_return(request: HttpRequest, pk: Any) -> HttpResponse:
    found = permissions.get_episode_for_user(request.user, pk)
    if not found.is_open:
        # The form sent again (a double click, Back and send): the episode says what was recorded.
        messages.info(request, services.ALREADY_RETURNED)
        return redirect("missing:episode", pk=found.pk)
    require(permissions.can_record_return(request.user, found))
    form = ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.episode_return(
                episode=found,
                returned_by=request.user,
                returned_at=form.when("returned"),
                found_location={
                    "name": data["found_name"],
                    "address": data["found_address"],
                    "postcode": data["found_postcode"],
                },
                found_with=data["found_with"],
                return_method=data["return_method"],
                cse_indicators=data["cse_indicators"],
            )
        except ValidationError as error:
            show_service_errors(form, error, {"returned_at": "returned_date"})
        else:
            messages.success(
                request, "The return has been recorded. A return home interview is due."
            )
            return redirect("missing:episode", pk=found.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "missing/return.html", {"form": form, "episode": found}, status=status)


# --- Interviews -----------------------------------------------------------------------------------


@require_http_methods(["GET"])
def interviews(request: HttpRequest) -> HttpResponse:
    """The team's return home interviews: due (with time left), overdue, and done within the
    deadline or not."""
    user = request.user
    require(permissions.can_see_board(user))
    querysets = {
        "due": selectors.interviews_due(user),
        "overdue": selectors.interviews_overdue(user),
        "done": selectors.interviews_done(user),
    }
    shown = request.GET.get("show", "due")
    if shown not in INTERVIEW_LISTS:
        shown = "due"
    counts = {key: CappedPaginator(rows, PAGE_SIZE) for key, rows in querysets.items()}
    tabs = [
        {
            "key": key,
            "label": label,
            "count": counts[key].count,
            "capped": counts[key].capped,
            "current": key == shown,
        }
        for key, label in INTERVIEW_LISTS.items()
    ]
    page = audited_page(
        request,
        querysets[shown],
        per_page=PAGE_SIZE,
        channel=f"return interviews: {INTERVIEW_LISTS[shown]}",
        paginator=counts[shown],
    )
    return render(
        request,
        "missing/interviews.html",
        {
            "tabs": tabs,
            "shown": shown,
            "title": INTERVIEW_LISTS[shown],
            "page": page,
            "query": request.GET,
            "deadline_hours": settings.MISSING_INTERVIEW_HOURS,
        },
    )


def _interview_context(user: Any, interview: Any, **forms: Any) -> dict[str, Any]:
    agency = forms.pop("agency", None) or interview.agency
    interviewers = (
        list(permissions.interviewer_choices(agency, interview.young_person)) if agency else []
    )
    return {
        "interview": interview,
        "episode": interview.episode,
        "young_person": interview.young_person,
        "attempts": list(interview.attempts.select_related("recorded_by")),
        "can_record": permissions.can_record_interview(user, interview),
        "can_assign": permissions.can_assign_interview(user) and interview.status == "due",
        "can_share": permissions.can_share_findings(user, interview),
        "chosen_agency": agency,
        "assign_form": forms.get("assign_form")
        or AssignForm(
            initial={"agency": agency, "interviewer": interview.interviewer_id},
            interviewers=interviewers,
        ),
        "attempt_form": forms.get("attempt_form") or AttemptForm(prefix="attempt"),
        "deadline_hours": settings.MISSING_INTERVIEW_HOURS,
    }


@require_http_methods(["GET"])
def interview(request: HttpRequest, pk: Any) -> HttpResponse:
    found = permissions.get_interview_for_user(request.user, pk)
    agency = None
    agency_id = uuid_or_none(request.GET.get("agency"))
    if agency_id and permissions.can_assign_interview(request.user):
        agency = Agency.objects.filter(pk=agency_id, is_active=True).first()
    return render(
        request, "missing/interview.html", _interview_context(request.user, found, agency=agency)
    )


@require_POST
def interview_assign(request: HttpRequest, pk: Any) -> HttpResponse:
    found = permissions.get_interview_for_user(request.user, pk)
    require(permissions.can_assign_interview(request.user))
    agency = Agency.objects.filter(
        pk=uuid_or_none(request.POST.get("agency")), is_active=True
    ).first()
    choices = list(permissions.interviewer_choices(agency, found.young_person)) if agency else []
    allocated = []
    if agency:
        # An allocated practitioner can still be chosen, with the reason written down.
        allocated = list(
            User.objects.filter(agency=agency, is_active=True).filter(
                pk__in=permissions.yp_permissions.allocated_users(found.young_person).values("pk")
            )
        )
    form = AssignForm(request.POST, interviewers=[*choices, *allocated])
    if form.is_valid():
        interviewer = next(
            u for u in [*choices, *allocated] if str(u.pk) == form.cleaned_data["interviewer"]
        )
        try:
            changed = services.interview_assign(
                interview=found,
                assigned_by=request.user,
                agency=form.cleaned_data["agency"],
                interviewer=interviewer,
                independence_note=form.cleaned_data["independence_note"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            if changed:
                messages.success(request, "The interviewer has been chosen.")
            else:
                messages.info(request, "Nothing changed")
            return redirect("missing:interview", pk=found.pk)
    return _invalid(
        request,
        "missing/interview.html",
        _interview_context(request.user, found, agency=agency, assign_form=form),
    )


@require_POST
def interview_attempt(request: HttpRequest, pk: Any) -> HttpResponse:
    found = permissions.get_interview_for_user(request.user, pk)
    require(permissions.can_record_interview(request.user, found))
    form = AttemptForm(request.POST, prefix="attempt")
    if form.is_valid():
        try:
            services.interview_attempt_add(
                interview=found,
                recorded_by=request.user,
                attempted_at=form.when("attempted"),
                method=form.cleaned_data["method"],
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            show_service_errors(form, error, {"attempted_at": "attempted_date"})
        else:
            messages.success(request, "The attempt has been recorded.")
            return redirect("missing:interview", pk=found.pk)
    return _invalid(
        request,
        "missing/interview.html",
        _interview_context(request.user, found, attempt_form=form),
    )


@require_http_methods(["GET", "POST"])
def interview_record(request: HttpRequest, pk: Any) -> HttpResponse:
    found = permissions.get_interview_for_user(request.user, pk)
    if found.status != "due":
        # The form sent again (a double click, Back and send): the interview shows what was kept.
        messages.info(request, services.ALREADY_RECORDED)
        return redirect("missing:interview", pk=found.pk)
    require(permissions.can_record_interview(request.user, found))
    form = InterviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.interview_complete(
                interview=found,
                recorded_by=request.user,
                held_at=form.when("held"),
                cse_indicators=data["cse_indicators"],
                **{name: data[name] for name in services.INTERVIEW_FIELDS},
            )
        except ValidationError as error:
            show_service_errors(form, error, {"held_at": "held_date"})
        else:
            messages.success(request, "The interview has been recorded.")
            return redirect("missing:interview", pk=found.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "missing/interview_form.html", {"form": form, "interview": found}, status=status
    )


@require_http_methods(["GET", "POST"])
def interview_decline(request: HttpRequest, pk: Any) -> HttpResponse:
    found = permissions.get_interview_for_user(request.user, pk)
    if found.status != "due":
        # The form sent again (a double click, Back and send): the interview shows what was kept.
        messages.info(request, services.ALREADY_RECORDED)
        return redirect("missing:interview", pk=found.pk)
    require(permissions.can_record_interview(request.user, found))
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.interview_decline(
                interview=found,
                recorded_by=request.user,
                declined_at=form.when("declined"),
                reason=data["declined_reason"],
                carers_offered=data["carers_offered"],
                carers_information=data["carers_information"],
            )
        except ValidationError as error:
            show_service_errors(form, error, {"declined_at": "declined_date"})
        else:
            messages.success(request, "The declined interview has been recorded.")
            return redirect("missing:interview", pk=found.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "missing/interview_decline.html", {"form": form, "interview": found}, status=status
    )


def _findings_text(interview: Any) -> str:
    parts = [
        ("Where they had been", interview.where_been),
        ("With whom", interview.with_whom),
        ("How they got there and back", interview.travel),
        ("Harm disclosed", interview.harm_disclosed),
    ]
    return "\n\n".join(f"{title}: {text}" for title, text in parts if text)


@require_http_methods(["GET", "POST"])
def interview_findings(request: HttpRequest, pk: Any) -> HttpResponse:
    """The interview's findings as intelligence, in one action."""
    found = permissions.get_interview_for_user(request.user, pk)
    if found.intelligence_item_id is not None:
        messages.info(request, services.ALREADY_SHARED)
        return redirect("missing:interview", pk=found.pk)
    require(permissions.can_share_findings(request.user, found))
    form = FindingsForm(request.POST or None, initial={"content": _findings_text(found)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.interview_share_findings(
                interview=found,
                shared_by=request.user,
                content=data["content"],
                subjects=form.subjects(),
                source_evaluation=data["source_evaluation"],
                intelligence_evaluation=data["intelligence_evaluation"],
                handling_code=data["handling_code"],
                handling_conditions=data["handling_conditions"],
                priority=data["priority"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(
                request, f"The findings are on the analyst's desk as intelligence {item.reference}."
            )
            return redirect("missing:interview", pk=found.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "missing/findings.html", {"form": form, "interview": found}, status=status
    )


# --- Philomena profiles and carers ----------------------------------------------------------------


def _profile_context(user: Any, profile: Any, **extra: Any) -> dict[str, Any]:
    episode_open = selectors.open_episode(profile)
    return {
        "profile": profile,
        "young_person": profile.young_person,
        "episodes": selectors.profile_episodes(profile),
        "open_episode": episode_open,
        "send_form": extra.get("send_form")
        or SendToPoliceForm(
            initial={"police_reference": episode_open.police_reference if episode_open else ""}
        ),
        "photo_form": extra.get("photo_form") or PhotoForm(),
        "can_report": permissions.can_report(user),
    }


@require_http_methods(["GET"])
def profile(request: HttpRequest, pk: Any) -> HttpResponse:
    found = permissions.get_profile_for_user(request.user, pk)
    return render(request, "missing/profile.html", _profile_context(request.user, found))


@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    found = permissions.get_profile_for_user(request.user, pk)
    initial = {name: getattr(found, name) for name in services.PROFILE_FIELDS}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.profile_update(
                profile=found, updated_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            if changed:
                messages.success(request, "The profile has been saved.")
            else:
                messages.info(request, "Nothing changed")
            return redirect("missing:profile", pk=found.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "missing/profile_edit.html", {"form": form, "profile": found}, status=status
    )


@require_POST
def profile_photo_upload(request: HttpRequest, pk: Any) -> HttpResponse:
    found = permissions.get_profile_for_user(request.user, pk)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.profile_photo_set(
                profile=found,
                uploaded_by=request.user,
                upload=form.cleaned_data["photo"],
                taken_on=form.cleaned_data["photo_taken_on"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The photo has been saved.")
            return redirect("missing:profile", pk=found.pk)
    return _invalid(
        request, "missing/profile.html", _profile_context(request.user, found, photo_form=form)
    )


@require_http_methods(["GET"])
def profile_photo(request: HttpRequest, pk: Any) -> HttpResponse:
    """The photo, only through the funnel (its consultation audited), never cached."""
    found = permissions.get_profile_for_user(request.user, pk, channel="photo")
    path = services.photo_path(found)
    if path is None or not path.exists():
        raise Http404("No photo")
    response = FileResponse(path.open("rb"), content_type=found.photo_content_type)
    response["Cache-Control"] = "no-store, private"
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def profile_send(request: HttpRequest, pk: Any) -> HttpResponse:
    """Send to police: the one-page PDF, its disclosure recorded."""
    found = permissions.get_profile_for_user(request.user, pk)
    form = SendToPoliceForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            pdf = services.profile_send_to_police(
                profile=found,
                sent_by=request.user,
                recipient=data["recipient"],
                police_reference=data["police_reference"],
                render=lambda: render_profile_pdf(
                    found,
                    selectors.profile_episodes(found),
                    recipient=data["recipient"],
                    police_reference=data["police_reference"],
                    sent_by=request.user,
                ),
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="philomena-{found.pk}.pdf"'
            response["Cache-Control"] = "no-store"
            return response
    return _invalid(
        request, "missing/profile.html", _profile_context(request.user, found, send_form=form)
    )


@require_http_methods(["GET", "POST"])
def carers(request: HttpRequest, pk: Any) -> HttpResponse:
    """Name (or stop naming) carers of a young person; starts the profile if there is none."""
    young_person = permissions.get_young_person_for_carers(request.user, pk)
    require(permissions.can_name_carer(request.user, young_person))
    choices = list(permissions.carer_choices())
    form = CarerForm(request.POST or None, carers=choices)
    current = selectors_profile(young_person)
    if request.method == "POST" and "start" in request.POST:
        started = services.profile_start(young_person=young_person, started_by=request.user)
        return redirect("missing:profile", pk=started.pk)
    if request.method == "POST" and form.is_valid():
        carer = next(u for u in choices if str(u.pk) == form.cleaned_data["carer"])
        try:
            services.carer_name(young_person=young_person, carer=carer, named_by=request.user)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"{carer.get_full_name() or carer.username} is named carer.")
            return redirect("missing:carers", pk=young_person.pk)
    named = list(permissions.carers_of(current)) if current else []
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "missing/carers.html",
        {
            "young_person": young_person,
            "form": form,
            "profile": current,
            "carers": named,
            "revoke_form": CarerRevokeForm(),
        },
        status=status,
    )


@require_POST
def carer_revoke(request: HttpRequest, pk: Any) -> HttpResponse:
    young_person = permissions.get_young_person_for_carers(request.user, pk)
    require(permissions.can_name_carer(request.user, young_person))
    current = selectors_profile(young_person)
    form = CarerRevokeForm(request.POST)
    if current is None or not form.is_valid():
        messages.error(request, "Say why this carer no longer keeps the profile.")
        return redirect("missing:carers", pk=young_person.pk)
    carer = permissions.carers_of(current).filter(pk=form.cleaned_data["carer"]).first()
    if carer is None:
        raise Http404("No such carer")
    services.carer_revoke(
        profile=current, carer=carer, revoked_by=request.user, reason=form.cleaned_data["reason"]
    )
    messages.success(request, "The carer no longer keeps the profile.")
    return redirect("missing:carers", pk=young_person.pk)


# --- The police import ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def imports(request: HttpRequest) -> HttpResponse:
    require(permissions.can_import(request.user))
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = importing.import_create(
                uploaded_by=request.user, upload=form.cleaned_data["file"]
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            return redirect("missing:import", pk=created.pk)
    recent = list(permissions.visible_imports(request.user)[:20])
    if recent:
        record_page_shown(
            request, recent, model=PoliceImport, result_count=len(recent), channel="recent imports"
        )
    waiting = CappedPaginator(permissions.match_queue(request.user), PAGE_SIZE).count
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "missing/imports.html",
        {"form": form, "recent": recent, "waiting": waiting},
        status=status,
    )


@require_http_methods(["GET"])
def import_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    """The import's progress (polled while it runs, see ``import_progress``) and every rejected
    row with its line and reason."""
    found = permissions.get_import_for_user(request.user, pk)
    return render(request, "missing/import.html", {"police_import": found})


@require_http_methods(["GET"])
def import_progress(request: HttpRequest, pk: Any) -> HttpResponse:
    """The progress panel alone, polled by the import's page (htmx) until the import is over:
    the page itself never refreshes (no ``meta refresh``, which WCAG 2.2.1 rules out)."""
    found = permissions.get_import_for_user(request.user, pk, channel="progress")
    return render(request, "missing/_import_progress.html", {"police_import": found})


@require_http_methods(["GET"])
def matches(request: HttpRequest) -> HttpResponse:
    require(permissions.can_import(request.user))
    page = audited_page(
        request,
        permissions.match_queue(request.user)
        .select_related("police_import")
        .order_by("created_at", "id"),
        per_page=PAGE_SIZE,
        channel="import match queue",
    )
    return render(request, "missing/matches.html", {"page": page, "query": request.GET})


def _candidates(user: Any, match: Any) -> list[YoungPerson]:
    ids = [uuid_or_none(v) for v in match.candidate_ids]
    return list(
        permissions.yp_permissions.visible_young_people(user).filter(pk__in=[i for i in ids if i])
    )


@require_http_methods(["GET", "POST"])
def match(request: HttpRequest, pk: Any) -> HttpResponse:
    done = ImportMatch.objects.filter(pk=uuid_or_none(pk)).exclude(status=MatchStatus.WAITING)
    answered = (
        done.values_list("episode_id", flat=True).first()
        if permissions.can_import(request.user)
        else None
    )
    if answered:
        # Answered already (the form sent twice, or by another manager): its episode says how.
        messages.info(request, importing.ALREADY_MATCHED)
        return redirect("missing:episode", pk=answered)
    found = permissions.get_match_for_user(request.user, pk)
    candidates = _candidates(request.user, found)
    if candidates:
        record_page_shown(
            request,
            candidates,
            model=YoungPerson,
            result_count=len(candidates),
            channel="import match",
        )
    form = MatchForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        choice = form.cleaned_data["record"]
        chosen = None if choice == "new" else next(r for r in candidates if str(r.pk) == choice)
        try:
            created = importing.match_resolve(
                match=found, resolved_by=request.user, young_person=chosen
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The police report has been matched.")
            return redirect(reverse("missing:episode", kwargs={"pk": created.pk}))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "missing/match.html",
        {"match": found, "form": form, "candidates": candidates},
        status=status,
    )
