"""Intelligence pages: submit a report (draft, submit), "My intelligence", what was shared with
me, the analyst's desk and review, entities, and community concerns to record. Each view parses,
authorises through ``permissions``, calls a service or selector, and renders."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from cse_portal.funnel import uuid_or_none
from cse_portal.pagination import audited_page, record_page_shown
from cse_portal.view_helpers import require, show_service_errors
from cse_portal.young_people import services as yp_services

from . import permissions, selectors, services
from .forms import (
    GRADING_NAMES,
    SCHEME_FIELDS,
    CoordinatesForm,
    DisseminateForm,
    ItemForm,
    RegradeForm,
    SanitiseForm,
    content_parts,
    subject_formsets,
    subjects_from,
)
from .models import EntityKind, IntelligenceItem, Scheme

PAGE_SIZE = 25
NOTHING_CHANGED = "Nothing changed"


# --- Submission ----------------------------------------------------------------------------------


def _service_field_map(scheme: str) -> dict[str, str]:
    """Where a service's field error shows on the form."""
    mapping = dict(zip(GRADING_NAMES, SCHEME_FIELDS.get(scheme, ()), strict=False))
    return {**mapping, "obtained_at": "obtained_on", "content": "what", "subjects": "__all__"}


def _item_form(request: HttpRequest, item: IntelligenceItem | None = None) -> HttpResponse:
    """One page for a new report and for a draft: add subject rows, save as a draft, or submit."""
    user = request.user
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST":
        form = ItemForm(request.POST)
        groups = subject_formsets(request.POST, add=action.removeprefix("add:"))
    else:
        form = ItemForm(initial=ItemForm.initial_from(item) if item else None)
        groups = subject_formsets(subjects=item.subjects if item else None)
    if action in {"draft", "submit"} and form.is_valid():
        fields = form.item_fields()
        subjects = subjects_from(groups)
        try:
            if action == "draft":
                item = services.item_save_draft(
                    actor=user, item=item, subjects=subjects or [], **fields
                )
                messages.success(request, f"Draft {item.reference} saved")
                return redirect("intelligence:edit", pk=item.pk)
            if subjects is not None:
                item = services.item_submit(actor=user, item=item, subjects=subjects, **fields)
                messages.success(request, f"Intelligence {item.reference} submitted")
                return redirect("intelligence:detail", pk=item.pk)
            form.add_error(None, "Check the subjects: one of them has a problem")
        except ValidationError as error:
            mapping = _service_field_map(fields["scheme"])
            if hasattr(error, "error_dict") and "subjects" in error.error_dict:
                for message in error.message_dict["subjects"]:
                    form.add_error(None, message)
                error = ValidationError(
                    {k: v for k, v in error.error_dict.items() if k != "subjects"}
                )
            if hasattr(error, "error_dict") and error.error_dict:
                show_service_errors(form, error, mapping)
    return render(
        request,
        "intelligence/form.html",
        {"form": form, "groups": groups, "item": item, "schemes": Scheme},
    )


@require_http_methods(["GET", "POST"])
def item_new(request: HttpRequest) -> HttpResponse:
    require(permissions.can_submit(request.user))
    return _item_form(request)


@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    item = permissions.get_own_item(request.user, pk)
    if not item.is_draft:
        return redirect("intelligence:detail", pk=item.pk)
    return _item_form(request, item)


@require_http_methods(["GET"])
def my_items(request: HttpRequest) -> HttpResponse:
    require(permissions.can_submit(request.user))
    page = audited_page(
        request, selectors.my_items(request.user), per_page=PAGE_SIZE, channel="my intelligence"
    )
    return render(request, "intelligence/mine.html", {"page": page, "query": request.GET.copy()})


@require_http_methods(["GET"])
def item_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    """The submitter's view: what they sent and its status; never the analyst's work."""
    item = permissions.get_own_item(request.user, pk)
    return render(
        request,
        "intelligence/detail.html",
        {"item": item, "parts": content_parts(item.content), "subjects": item.subjects},
    )


# --- Shared with me ------------------------------------------------------------------------------


@require_http_methods(["GET"])
def received(request: HttpRequest) -> HttpResponse:
    require(permissions.can_submit(request.user))
    page = audited_page(
        request,
        selectors.received_list(request.user),
        per_page=PAGE_SIZE,
        channel="intelligence shared with me",
    )
    return render(
        request, "intelligence/received.html", {"page": page, "query": request.GET.copy()}
    )


@require_http_methods(["GET", "POST"])
def received_item(request: HttpRequest, pk: Any) -> HttpResponse:
    """The recipient's view: the sanitised text, the grading, the conditions and the reference;
    a 3x5x2 C item's text only after its conditions are accepted."""
    user = request.user
    item = permissions.get_received_item(user, pk)
    if request.method == "POST":
        if request.POST.get("accept") == "yes":
            services.conditions_acknowledge(actor=user, item=item)
            return redirect("intelligence:received_item", pk=item.pk)
        messages.error(request, "Confirm that you accept the conditions to read the text")
    needs_acceptance = item.conditions_need_acknowledgement and not selectors.acknowledged(
        user, item
    )
    return render(
        request,
        "intelligence/received_item.html",
        {"item": item, "needs_acceptance": needs_acceptance},
    )


# --- The analyst's desk --------------------------------------------------------------------------


@require_http_methods(["GET"])
def desk(request: HttpRequest) -> HttpResponse:
    require(permissions.is_analyst(request.user))
    page = audited_page(
        request,
        selectors.desk_queue(request.user),
        per_page=PAGE_SIZE,
        channel="intelligence desk",
    )
    recent = selectors.recently_assessed(request.user)
    record_page_shown(
        request,
        recent,
        model=IntelligenceItem,
        result_count=len(recent),
        channel="intelligence desk: recently assessed",
    )
    now = timezone.now()
    rows = [{"item": item, "waiting": now - item.submitted_at} for item in page.object_list]
    return render(
        request,
        "intelligence/desk.html",
        {"page": page, "rows": rows, "recent": recent, "query": request.GET.copy()},
    )


def _review_forms(request: HttpRequest, item: IntelligenceItem, action: str) -> dict[str, Any]:
    data = request.POST if request.method == "POST" else None
    users, agencies = selectors.dissemination_choices(request.user)
    initial = {
        "source_evaluation": item.current_source_evaluation,
        "intelligence_evaluation": item.current_intelligence_evaluation,
        "handling_code": item.current_handling_code,
        "handling_conditions": item.current_handling_conditions,
    }
    return {
        "regrade": RegradeForm(
            data if action == "regrade" else None,
            initial=initial,
            scheme=item.scheme,
            prefix="regrade",
        ),
        "sanitise": SanitiseForm(
            data if action == "sanitise" else None,
            initial={"sanitised_content": item.sanitised_content or item.content},
            prefix="sanitise",
        ),
        "disseminate": DisseminateForm(
            data if action == "disseminate" else None,
            users=users,
            agencies=agencies,
            prefix="disseminate",
        ),
        "_users": {str(u.pk): u for u in users},
        "_agencies": {str(a.pk): a for a in agencies},
    }


def _review_action(
    request: HttpRequest, item: IntelligenceItem, action: str, forms: dict[str, Any]
) -> str | None:
    """Carry out the review page's action; the message to show on success, or None."""
    user = request.user
    if action == "take":
        services.item_take(actor=user, item=item)
        return "Assessment started"
    if action == "assessed":
        services.item_mark_assessed(actor=user, item=item)
        return "Marked as assessed"
    form = forms.get(action)
    if form is None or not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        if action == "regrade":
            done = services.item_regrade(actor=user, item=item, **data)
            changed = done.graded_at != item.graded_at
            return "New grading recorded" if changed else NOTHING_CHANGED
        if action == "sanitise":
            done = services.item_sanitise(actor=user, item=item, **data)
            changed = done.sanitised_at != item.sanitised_at
            return "Sanitised version saved" if changed else NOTHING_CHANGED
        services.item_disseminate(
            actor=user,
            item=item,
            recipients=[forms["_users"][pk] for pk in data["recipients"]],
            recipient_agencies=[forms["_agencies"][pk] for pk in data["recipient_agencies"]],
            purpose=data["purpose"],
            authority=data["authority"],
        )
        return "Sanitised version disseminated"
    except ValidationError as error:
        show_service_errors(form, error)
        return None


def _link_action(request: HttpRequest, item: IntelligenceItem) -> str | None:
    """Link a person mentioned in the item to a young person's record found by identity."""
    user = request.user
    number = request.POST.get("mention", "")
    mention = None
    if number.isascii() and number.isdigit() and len(number) <= 18:
        mention = item.mentions.filter(pk=int(number)).select_related("entity").first()
    record = (
        selectors.young_people_for_linking(user)
        .filter(pk=uuid_or_none(request.POST.get("young_person")))
        .first()
    )
    if mention is None or record is None or mention.entity.kind != EntityKind.PERSON:
        messages.error(request, "Choose a person in this item and a young person's record")
        return None
    services.entity_link_young_person(actor=user, entity=mention.entity, young_person=record)
    return f"{mention.entity.label} linked to {record.given_name} {record.family_name}'s record"


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: Any) -> HttpResponse:
    user = request.user
    item = permissions.get_item_for_analyst(user, pk, channel="analyst review")
    action = request.POST.get("action", "") if request.method == "POST" else ""
    forms = _review_forms(request, item, action)
    if request.method == "POST":
        done = _link_action(request, item) if action == "link" else None
        if action != "link":
            done = _review_action(request, item, action, forms)
        if done:
            (messages.info if done == NOTHING_CHANGED else messages.success)(request, done)
            return redirect("intelligence:review", pk=item.pk)
    item = selectors.item_for_review(item)
    find = request.GET.get("find", "").strip()[:100]
    found: list[Any] = []
    if find:
        records = selectors.young_people_for_linking(user)
        for word in find.split()[:3]:
            records = records.filter(Q(given_name__icontains=word) | Q(family_name__icontains=word))
        found = list(records.order_by("family_name", "given_name", "id")[:20])
        yp_services.young_people_search_record(
            user=user,
            criteria={"intelligence link": find, "item": item.reference},
            result_count=len(found),
            shown=found,
        )
    people = [m for m in item.mentions.all() if m.entity.kind == EntityKind.PERSON]
    return render(
        request,
        "intelligence/review.html",
        {
            "item": item,
            "forms": forms,
            "action": action,
            "parts": content_parts(item.content),
            "find": find,
            "found": found,
            "people": people,
            "now": timezone.now(),
        },
    )


@require_http_methods(["GET", "POST"])
def mention_resolve(request: HttpRequest, pk: Any, mention: int) -> HttpResponse:
    """Re-point one subject of an item to another entity of the same kind (the same man under
    another spelling, a registration typed wrong): the likely duplicates are offered, and any
    entity of that kind can be found by name. Nothing changes until one is chosen."""
    user = request.user
    item = permissions.get_item_for_analyst(user, pk, channel="analyst review: resolve a subject")
    subject = get_object_or_404(item.mentions.select_related("entity"), pk=mention)
    if request.method == "POST":
        chosen = (
            permissions.visible_entities(user)
            .filter(pk=uuid_or_none(request.POST.get("entity")), kind=subject.entity.kind)
            .first()
        )
        if chosen is None:
            messages.error(request, f"Choose the {subject.entity.get_kind_display().lower()}")
        else:
            try:
                services.mention_resolve(actor=user, mention=subject, entity=chosen)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, f"{subject.entity.label} is now {chosen.label}")
                return redirect("intelligence:review", pk=item.pk)
    q = request.GET.get("q", "").strip()[:100]
    duplicates = selectors.likely_duplicates(user, subject.entity)
    found = (
        list(
            selectors.entities_search(user, q=q, kind=subject.entity.kind).exclude(
                pk=subject.entity_id
            )[:PAGE_SIZE]
        )
        if q
        else []
    )
    shown = [row["entity"] for row in duplicates] + found
    if shown:
        record_page_shown(
            request,
            shown,
            model=type(subject.entity),
            result_count=len(shown),
            channel="analyst review: entities to resolve a subject to",
        )
    return render(
        request,
        "intelligence/resolve.html",
        {"item": item, "mention": subject, "duplicates": duplicates, "found": found, "q": q},
    )


# --- Entities ------------------------------------------------------------------------------------


@require_http_methods(["GET"])
def entities(request: HttpRequest) -> HttpResponse:
    require(permissions.is_analyst(request.user))
    q = request.GET.get("q", "").strip()[:100]
    kind = request.GET.get("kind", "")
    page = audited_page(
        request,
        selectors.entities_search(request.user, q=q, kind=kind),
        per_page=PAGE_SIZE,
        channel="entities",
    )
    return render(
        request,
        "intelligence/entities.html",
        {"page": page, "q": q, "kind": kind, "kinds": EntityKind.choices},
    )


@require_http_methods(["GET", "POST"])
def entity(request: HttpRequest, pk: Any) -> HttpResponse:
    user = request.user
    subject = selectors.entity_for(user=user, pk=pk)
    place_form = None
    if permissions.is_analyst(user) and subject.kind == EntityKind.LOCATION:
        place_form = CoordinatesForm(
            initial={
                name: "" if getattr(subject, name) is None else getattr(subject, name)
                for name in ("latitude", "longitude")
            }
        )
    if request.method == "POST" and request.POST.get("action") == "coordinates":
        require(place_form is not None)
        place_form = CoordinatesForm(request.POST)
        if place_form.is_valid():
            try:
                changed = services.location_set_coordinates(
                    actor=user, entity=subject, **place_form.cleaned_data
                )
            except ValidationError as error:
                show_service_errors(place_form, error)
            else:
                if changed:
                    messages.success(request, f"Coordinates of {subject.label} saved")
                else:
                    messages.info(request, NOTHING_CHANGED)
                return redirect("intelligence:entity", pk=subject.pk)
    elif request.method == "POST":
        require(permissions.is_analyst(user))
        duplicate = permissions.visible_entities(user).filter(
            pk=uuid_or_none(request.POST.get("duplicate"))
        )
        duplicate = duplicate.first()
        if duplicate is None:
            messages.error(request, "Choose a likely duplicate to merge")
        else:
            try:
                services.entity_merge(actor=user, survivor=subject, duplicate=duplicate)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, f"{duplicate.label} merged into {subject.label}")
            return redirect("intelligence:entity", pk=subject.pk)
    page = audited_page(
        request,
        selectors.entity_mentions(user, subject),
        per_page=PAGE_SIZE,
        channel="entity page: mentions",
    )
    # The mentions show each item's reference, date and grading: the items are named too.
    record_page_shown(
        request,
        [mention.item for mention in page.object_list],
        model=IntelligenceItem,
        result_count=page.paginator.count,
        channel="entity page: items mentioning it",
    )
    duplicates = selectors.likely_duplicates(user, subject)
    if duplicates:
        record_page_shown(
            request,
            [row["entity"] for row in duplicates],
            model=type(subject),
            result_count=len(duplicates),
            channel="entity page: likely duplicates",
        )
    return render(
        request,
        "intelligence/entity.html",
        {
            "entity": subject,
            "page": page,
            "duplicates": duplicates,
            "is_analyst": permissions.is_analyst(user),
            "query": request.GET.copy(),
            "place_form": place_form,
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        },
    )


# --- Community concerns --------------------------------------------------------------------------


@require_http_methods(["GET"])
def concerns(request: HttpRequest) -> HttpResponse:
    require(permissions.can_convert_concern(request.user))
    page = audited_page(
        request,
        selectors.concerns_to_record(request.user),
        per_page=PAGE_SIZE,
        channel="community concerns to record as intelligence",
    )
    return render(request, "intelligence/concerns.html", {"page": page, "query": request.GET})


@require_POST
def concern_record(request: HttpRequest, pk: Any) -> HttpResponse:
    """Turn one community concern into an intelligence item: one action, no retyping."""
    referral = selectors.concern_for(request.user, pk)
    try:
        item = services.concern_to_item(actor=request.user, referral=referral)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("intelligence:concerns")
    messages.success(
        request, f"Community concern {referral.reference} recorded as intelligence {item.reference}"
    )
    if permissions.is_analyst(request.user):
        return redirect("intelligence:review", pk=item.pk)
    return redirect("intelligence:concerns")
