"""Pages of the young person's record: search, create (search before create), record, edit,
allocation, flags, involvement, case notes, merge and the access log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from cse_portal.pagination import PAGING_PARAMETERS, CappedPaginator, audited_page
from cse_portal.view_helpers import require, show_service_errors

from . import panels, permissions, selectors, services
from .forms import (
    AllocateForm,
    FlagForm,
    MergeForm,
    NoteForm,
    ReasonForm,
    SearchForm,
    YoungPersonForm,
)
from .models import ChronologyAudience, YoungPerson
from .validators import format_nhs_number

PAGE_SIZE = 25
CHRONOLOGY_PAGE_SIZE = 20
ACCESS_LOG_PAGE_SIZE = 50


@require_http_methods(["GET"])
def search(request: HttpRequest) -> HttpResponse:
    require(permissions.can_search_young_people(request.user))
    # A page number alone is the list paged, not a search: its heading stays "records you can see".
    asked = any(key not in PAGING_PARAMETERS for key in request.GET)
    form = SearchForm(request.GET if asked else None)
    page = None
    searched = asked and form.is_valid()
    if searched or not asked:
        criteria = form.criteria() if searched else {}
        results = selectors.young_people_page_results(request.user, **criteria)
        page = audited_page(request, results, per_page=PAGE_SIZE, channel="search page")
    return render(
        request,
        "young_people/search.html",
        {
            "form": form,
            "page": page,
            "searched": searched,
            "can_create": permissions.can_create_young_person(request.user),
            "query": request.GET.copy(),
        },
    )


@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    """Search before create: the details entered are first checked against every record."""
    require(permissions.can_create_young_person(request.user))
    form = YoungPersonForm(request.POST or None)
    matches: list[selectors.Match] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not request.POST.get("confirmed_new"):
            matches = selectors.young_person_matches(
                given_name=data["given_name"],
                family_name=data["family_name"],
                date_of_birth=data["date_of_birth"],
                nhs_number=data["nhs_number"],
                postcode=data["postcode"],
            )
            services.young_people_search_record(
                user=request.user,
                criteria={"matching": f"{data['given_name']} {data['family_name']}"},
                result_count=len(matches),
                shown=[match.record for match in matches],
            )
        if not matches:
            try:
                record = services.young_person_create(
                    created_by=request.user, aliases=form.aliases(), **form.identity()
                )
            except ValidationError as error:
                show_service_errors(form, error)
            else:
                messages.success(request, f"Record created for {record.full_name}")
                return redirect("young_people:detail", pk=record.pk)
    return render(
        request, "young_people/form.html", {"form": form, "matches": matches, "creating": True}
    )


def _record_context(request: HttpRequest, record: YoungPerson) -> dict[str, Any]:
    user = request.user
    chronology = CappedPaginator(selectors.chronology_for(user, record), CHRONOLOGY_PAGE_SIZE)
    context = {
        "record": record,
        "involvements": list(record.involvements.all()),
        "open_involvement": next((i for i in record.involvements.all() if i.is_open), None),
        "allocated": list(permissions.allocated_users(record)),
        "chronology": chronology.get_page(request.GET.get("page")),
        "can_allocate": permissions.can_allocate(user),
        "can_edit": permissions.can_edit_young_person(user, record),
        "can_merge": permissions.can_merge(user),
        "can_manage_involvement": permissions.can_manage_involvement(user),
        "can_see_access_log": permissions.can_see_access_log(user),
        "flag_form": FlagForm(),
        "record_panels": panels.panels_for(user, record),
        # Written out in full so that it can be read aloud, printed or sent in a text message. It
        # says nothing about the young person: the feedback stays anonymous unless they choose.
        "feedback_url": settings.SITE_URL.rstrip("/") + reverse("feedback"),
    }
    if context["can_see_access_log"]:
        context["recent_access"] = selectors.recent_accessors(record)
    return context


@require_http_methods(["GET"])
def detail(request: HttpRequest, pk: Any) -> HttpResponse:
    try:
        record = permissions.get_young_person_for_user(request.user, pk)
    except Http404:
        # A merged-away record's address (bookmarks, emails, old links) leads to the record it
        # was merged into, for those who may see that one; for anyone else it stays a 404.
        survivor = permissions.get_survivor_for_user(request.user, pk)
        return redirect("young_people:detail", pk=survivor.pk)
    record = selectors.young_person_record(record)
    return render(request, "young_people/detail.html", _record_context(request, record))


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: Any) -> HttpResponse:
    record = permissions.get_young_person_for_user(request.user, pk)
    require(permissions.can_edit_young_person(request.user, record))
    initial = {name: getattr(record, name) for name in services.IDENTITY_FIELDS}
    initial["nhs_number"] = format_nhs_number(record.nhs_number)
    initial["other_names"] = "\n".join(record.aliases.values_list("name", flat=True))
    form = YoungPersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.young_person_update(
                young_person=record,
                updated_by=request.user,
                aliases=form.aliases(),
                **form.identity(),
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "Identity details saved")
            if form.cleaned_data["nhs_number"] != record.nhs_number:
                messages.info(request, services.NHS_NUMBER_HELD_MESSAGE)
            return redirect("young_people:detail", pk=record.pk)
    return render(request, "young_people/form.html", {"form": form, "record": record})


@require_http_methods(["GET", "POST"])
def allocate(request: HttpRequest, pk: Any) -> HttpResponse:
    record = permissions.get_young_person_for_user(request.user, pk)
    require(permissions.can_allocate(request.user))
    allocated = list(permissions.allocated_users(record))
    form = AllocateForm(request.POST or None, initial={"practitioners": allocated})
    if request.method == "POST" and form.is_valid():
        try:
            added = services.young_person_allocate(
                young_person=record,
                practitioners=form.cleaned_data["practitioners"],
                allocated_by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            names = ", ".join(str(p) for p in added) or "nobody new"
            messages.success(request, f"Allocated to {names}")
            return redirect("young_people:detail", pk=record.pk)
    return render(
        request,
        "young_people/allocate.html",
        {"record": record, "form": form, "allocated": allocated, "end_form": ReasonForm()},
    )


@require_POST
def deallocate(request: HttpRequest, pk: Any, user_pk: Any) -> HttpResponse:
    record = permissions.get_young_person_for_user(request.user, pk)
    require(permissions.can_allocate(request.user))
    practitioner = permissions.allocated_users(record).filter(pk=user_pk).first()
    if practitioner is None:
        raise Http404
    form = ReasonForm(request.POST)
    if form.is_valid():
        services.young_person_deallocate(
            young_person=record,
            practitioner=practitioner,
            deallocated_by=request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, f"Allocation of {practitioner} ended")
        return redirect("young_people:allocate", pk=record.pk)
    return render(
        request,
        "young_people/allocate.html",
        {
            "record": record,
            "form": AllocateForm(),
            "allocated": list(permissions.allocated_users(record)),
            "end_form": form,
            "ending": practitioner,
        },
    )


@require_POST
def flag_raise(request: HttpRequest, pk: Any) -> HttpResponse:
    record = permissions.get_young_person_for_user(request.user, pk)
    form = FlagForm(request.POST)
    if form.is_valid():
        services.flag_raise(
            young_person=record,
            kind=form.cleaned_data["kind"],
            reason=form.cleaned_data["reason"],
            raised_by=request.user,
        )
        messages.success(request, "Flag raised")
        return redirect("young_people:detail", pk=record.pk)
    record = selectors.young_person_record(record)
    context = _record_context(request, record) | {"flag_form": form}
    return render(request, "young_people/detail.html", context, status=400)


@require_http_methods(["GET", "POST"])
def flag_remove(request: HttpRequest, pk: Any, flag_pk: int) -> HttpResponse:
    record = permissions.get_young_person_for_user(request.user, pk)
    flag = permissions.get_active_flag(record, flag_pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.flag_remove(flag=flag, removed_by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, f"Flag removed: {flag.get_kind_display()}")
        return redirect("young_people:detail", pk=record.pk)
    return render(
        request,
        "young_people/reason.html",
        {
            "record": record,
            "form": form,
            "heading": f"Remove the flag “{flag.get_kind_display()}”",
            "button": "Remove flag",
        },
    )


@require_http_methods(["GET", "POST"])
def involvement_close(request: HttpRequest, pk: Any) -> HttpResponse:
    record = permissions.get_young_person_for_user(request.user, pk)
    require(permissions.can_manage_involvement(request.user))
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.involvement_close(
                young_person=record, closed_by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "Involvement closed")
            return redirect("young_people:detail", pk=record.pk)
    return render(
        request,
        "young_people/reason.html",
        {
            "record": record,
            "form": form,
            "heading": "Close the CSE team's involvement",
            "button": "Close involvement",
        },
    )


@require_http_methods(["GET", "POST"])
def note_add(request: HttpRequest, pk: Any) -> HttpResponse:
    record = permissions.get_young_person_for_user(request.user, pk)
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        audience = ChronologyAudience.MANAGERS if data["managers_only"] else ChronologyAudience.CASE
        if audience == ChronologyAudience.MANAGERS:
            require(permissions.is_team_manager(request.user))
        occurred = dt.datetime.combine(
            data["occurred_on"], dt.time(12), tzinfo=timezone.get_current_timezone()
        )
        services.case_note_add(
            young_person=record,
            recorded_by=request.user,
            title=data["title"],
            detail=data["detail"],
            occurred_at=occurred,
            audience=audience,
        )
        messages.success(request, "Added to the chronology")
        return redirect("young_people:detail", pk=record.pk)
    return render(
        request,
        "young_people/note.html",
        {"record": record, "form": form, "may_restrict": permissions.is_team_manager(request.user)},
    )


@require_http_methods(["GET", "POST"])
def merge(request: HttpRequest, pk: Any) -> HttpResponse:
    """Merge another record (the duplicate) into this one (the survivor)."""
    survivor = permissions.get_young_person_for_user(request.user, pk)
    require(permissions.can_merge(request.user))
    search_form = SearchForm(request.GET or None)
    candidates = None
    if request.GET and search_form.is_valid():
        found = selectors.young_people_search(request.user, **search_form.criteria())
        candidates = audited_page(
            request, found.exclude(pk=survivor.pk), per_page=20, channel="merge search"
        )
    duplicate = None
    comparison: list[services.MergeField] = []
    chosen = request.POST.get("duplicate") or request.GET.get("duplicate")
    if chosen:
        duplicate = permissions.get_young_person_for_user(request.user, chosen)
        if duplicate.pk == survivor.pk:
            raise Http404
        comparison = services.merge_comparison(survivor, duplicate)
    form = MergeForm(
        request.POST or None,
        initial={"duplicate": request.GET.get("duplicate")},
        comparison=comparison,
    )
    if request.method == "POST" and form.is_valid() and duplicate is not None:
        try:
            with transaction.atomic():
                services.young_person_merge(
                    survivor=survivor,
                    duplicate=duplicate,
                    merged_by=request.user,
                    reason=form.cleaned_data["reason"],
                    keep=form.keep(),
                )
        except ValidationError as error:
            show_service_errors(
                form, error, {name: f"keep_{name}" for name in services.IDENTITY_FIELDS}
            )
        else:
            messages.success(request, f"{duplicate.full_name}'s record was merged into this one")
            return redirect("young_people:detail", pk=survivor.pk)
    return render(
        request,
        "young_people/merge.html",
        {
            "record": survivor,
            "search_form": search_form,
            "candidates": candidates,
            "duplicate": duplicate,
            "comparison": comparison,
            "form": form,
        },
    )


@require_http_methods(["GET"])
def access_log(request: HttpRequest, pk: Any) -> HttpResponse:
    record = permissions.get_young_person_for_user(request.user, pk, channel="access log")
    require(permissions.can_see_access_log(request.user))
    entries = audited_page(
        request, selectors.access_log(record), per_page=ACCESS_LOG_PAGE_SIZE, channel="access log"
    )
    return render(
        request,
        "young_people/access_log.html",
        {
            "record": record,
            "entries": entries,
            "lines": selectors.access_log_lines(entries.object_list),
        },
    )
