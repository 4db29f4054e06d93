"""Every write of outreach, training and participation: keyword-only functions, one transaction
each, that check the rule, write, and record the audit entry (and the chronology entry on a young
person's record). Pages, the API, the import task and the demo data all come through here.
Intelligence is written only through ``intelligence.services``."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Min, Value, When
from django.db.models.functions import Lower
from django.utils import timezone

from cse_portal.audit.models import AuditAction
from cse_portal.audit.services import audit_record
from cse_portal.young_people import permissions as yp_permissions
from cse_portal.young_people import services as yp_services
from intelligence import services as intelligence_services
from intelligence.models import AlertOutcome, EntityKind, Origin, Scheme, SourceKind

from . import permissions
from .models import (
    Course,
    CourseKind,
    ElearningCompletion,
    ElearningImport,
    Feedback,
    ImportStatus,
    OutreachSession,
    ParticipationActivity,
    Premises,
    PremisesVisit,
    SessionEngagement,
    SessionStatus,
    TrainingAudience,
    TrainingSession,
    VisitOutcome,
)

SOURCE_APP = "outreach"


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- Outreach sessions ---------------------------------------------------------------------------


def _new_reference() -> str:
    while True:
        reference = f"OR{timezone.now():%y}-{secrets.token_hex(3).upper()}"
        if not OutreachSession.objects.filter(reference=reference).exists():
            return reference


#: At most this many workers with an account on one session (a page posting more is refused).
MAX_WORKERS = 200


def named_workers(ids: Iterable[Any]) -> list[Any]:
    """The staff accounts named by id (the boxes ticked on a page, the API's ``workers``), once
    each, in the order given: ``ValidationError`` on ``workers`` for an id that names no account.
    Whether each may take part is ``_worker_errors``'s to say."""
    from cse_portal.funnel import uuid_or_none

    from .selectors import staff_named

    given = list(dict.fromkeys(ids))
    if len(given) > MAX_WORKERS:
        raise ValidationError({"workers": [f"Name at most {MAX_WORKERS} workers"]})
    keys = [uuid_or_none(value) for value in given]
    found = {user.pk: user for user in staff_named([k for k in keys if k is not None])}
    missing = [str(value) for value, key in zip(given, keys, strict=True) if key not in found]
    if missing:
        raise ValidationError(
            {
                "workers": [
                    f"No staff account has the id {value[:40]}: choose workers from the list"
                    for value in missing[:5]
                ]
            }
        )
    return [found[key] for key in keys]


def _worker_errors(
    workers: list[Any],
    agencies: Iterable[Any],
    *,
    kept: Iterable[Any] = (),
    agencies_before: Iterable[Any] = (),
) -> list[str]:
    """Who may be named as a worker taking part, the same on planning, changing the plan and
    recording: an active account of a role that goes out on outreach
    (``permissions.outreach_workers``), of an agency taking part. A worker already named on the
    session (``kept``) stays even if their account has been closed, their role or agency changed
    since (so that the rest of the plan can still be changed; they can be unticked), unless the
    change takes their agency out of the session (``agencies_before`` and not ``agencies``)."""
    kept_ids = {worker.pk for worker in kept}
    checked = [worker.pk for worker in workers if worker.pk not in kept_ids]
    going = (
        set(permissions.outreach_workers().filter(pk__in=checked).values_list("pk", flat=True))
        if checked
        else set()
    )
    agency_ids = {agency.pk for agency in agencies}
    removed = {agency.pk for agency in agencies_before} - agency_ids
    errors = []
    for worker in workers:
        name = str(worker)
        is_kept = worker.pk in kept_ids
        if not is_kept and worker.pk not in going:
            if not worker.is_active:
                errors.append(
                    f"{name}'s account is closed: untick them, or name them among the others "
                    "taking part"
                )
            else:
                errors.append(
                    f"{name} ({worker.role_label}) cannot be named: only practitioners, "
                    "team managers and frontline staff of youth services and the voluntary "
                    "sector take part in outreach"
                )
        elif (not is_kept and worker.agency_id not in agency_ids) or (
            is_kept and worker.agency_id in removed
        ):
            agency = worker.agency.name if worker.agency_id else "no agency"
            errors.append(
                f"{name} is of {agency}, which is not taking part: choose the agency too, "
                f"or untick {name}"
            )
    return errors


def _worker_ids(workers: Iterable[Any]) -> list[str]:
    return sorted(str(worker.pk) for worker in workers)


def _check_plan(
    *,
    place: Any,
    starts_at: datetime | None,
    ends_at: datetime | None,
    alert: Any,
    worker_errors: list[str] = (),
):
    """The rules of a session's plan, the same on planning and on changing the plan:
    ``ValidationError`` with every field's error."""
    errors: dict[str, list[str]] = {}
    if worker_errors:
        errors["workers"] = list(worker_errors)
    if place is None or getattr(place, "kind", None) != EntityKind.LOCATION:
        errors["place"] = ["Choose the place the session is at"]
    if starts_at is None:
        errors["starts_at"] = ["Enter when the session starts"]
    elif ends_at is not None and ends_at < starts_at:
        errors["ends_at"] = ["The session must end after it starts"]
    if alert is not None and place is not None and alert.entity_id != place.pk:
        errors["alert"] = ["The alert is about another place"]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def session_plan(
    *,
    actor: Any,
    place: Any,
    starts_at: datetime,
    ends_at: datetime | None = None,
    alert: Any = None,
    agencies: Iterable[Any] = (),
    workers: Iterable[Any] | None = None,
    other_workers: str = "",
) -> OutreachSession:
    """Plan a session at a hot spot (a location of intelligence), perhaps answering an alert.
    The planner's agency takes part; the workers with an account are those named (the planner
    alone when none are given), each of an agency taking part (``_worker_errors``)."""
    _require(permissions.can_do_outreach(actor), "Your role does not plan outreach")
    agencies = list(dict.fromkeys(a for a in [actor.agency, *agencies] if a is not None))
    if workers is None:
        workers = [actor] if actor.agency_id else []
    workers = list(dict.fromkeys(workers))
    _check_plan(
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        alert=alert,
        worker_errors=_worker_errors(workers, agencies),
    )
    session = OutreachSession(
        reference=_new_reference(),
        place=place,
        alert=alert,
        starts_at=starts_at,
        ends_at=ends_at,
        other_workers=(other_workers or "").strip(),
        planned_by=actor,
    )
    session.full_clean()
    session.save()
    session.workers.set(workers)
    session.agencies.set(agencies)
    audit_record(
        actor=actor,
        action=AuditAction.COLLECT,
        obj=session,
        summary=f"Outreach session {session.reference} planned",
        detail={
            "place": str(place.pk),
            "alert": str(alert.pk) if alert else None,
            "workers": _worker_ids(workers),
        },
    )
    return session


def _instant(value: datetime | None) -> str | None:
    """A time as the same text whatever zone it was given in (the page's local time, the API's
    UTC, the database's)."""
    return value.astimezone(UTC).isoformat() if value is not None else None


def _plan_state(session: OutreachSession) -> dict[str, Any]:
    return {
        "place": str(session.place_id),
        "starts_at": _instant(session.starts_at),
        "ends_at": _instant(session.ends_at),
        "agencies": sorted(str(pk) for pk in session.agencies.values_list("pk", flat=True)),
        "workers": sorted(str(pk) for pk in session.workers.values_list("pk", flat=True)),
        "other_workers": session.other_workers,
    }


def _changes(changed: list[str], before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """An alteration's audit detail: which fields changed, what each held before and what it
    holds now."""
    return {
        "changed": changed,
        **{f"was_{name}": before[name] for name in changed},
        **{f"now_{name}": after[name] for name in changed},
    }


@transaction.atomic
def session_plan_edit(
    *,
    actor: Any,
    session: OutreachSession,
    place: Any,
    starts_at: datetime,
    ends_at: datetime | None,
    agencies: Iterable[Any],
    workers: Iterable[Any] | None = None,
    other_workers: str = "",
) -> list[str]:
    """Change a planned session's plan (when, where, the agencies and workers taking part), by
    whoever plans outreach and may see it, under the rules of planning (``workers`` left out
    keeps those named). Returns the names of the fields that changed: none means nothing was
    written and nothing audited."""
    _require(
        permissions.can_edit_session(actor, session),
        "Only a planned session you may see, and only if you plan outreach, is changed",
    )
    agencies = list(dict.fromkeys(agencies))
    named = list(session.workers.all())
    workers = named if workers is None else list(dict.fromkeys(workers))
    try:
        _check_plan(
            place=place,
            starts_at=starts_at,
            ends_at=ends_at,
            alert=session.alert,
            worker_errors=_worker_errors(
                workers, agencies, kept=named, agencies_before=session.agencies.all()
            ),
        )
    except ValidationError as error:
        errors = error.message_dict
        if errors.pop("alert", None):
            # The alert is not changed with the plan: the place is what is wrong.
            errors.setdefault("place", []).append(
                "The session answers an alert about another place: plan a new session there"
            )
        raise ValidationError(errors) from None
    before = _plan_state(session)
    after = {
        "place": str(place.pk),
        "starts_at": _instant(starts_at),
        "ends_at": _instant(ends_at),
        "agencies": sorted(str(a.pk) for a in agencies),
        "workers": _worker_ids(workers),
        "other_workers": (other_workers or "").strip(),
    }
    changed = [name for name in after if after[name] != before[name]]
    if not changed:
        return []
    session.place = place
    session.starts_at = starts_at
    session.ends_at = ends_at
    session.other_workers = after["other_workers"]
    session.full_clean()
    session.save()
    if "agencies" in changed:
        session.agencies.set(agencies)
    if "workers" in changed:
        session.workers.set(workers)
    audit_record(
        actor=actor,
        action=AuditAction.ALTER,
        obj=session,
        summary=f"Outreach session {session.reference} plan changed",
        detail=_changes(changed, before, after),
    )
    return changed


def _record_state(session: OutreachSession, linked: Iterable[Any]) -> dict[str, Any]:
    """What a record of the session holds, as comparable values: ``linked`` is the young people
    linked to it that the recorder may see (only those are theirs to change)."""
    return {
        "status": session.status,
        "young_people_count": session.young_people_count,
        "materials_given": session.materials_given,
        "what_seen": session.what_seen,
        "linked": sorted(str(yp.pk) for yp in linked),
        "visits": {str(v.premises_id): v.outcome for v in session.premises_visits.all()},
        "workers": _worker_ids(session.workers.all()),
    }


@transaction.atomic
def session_record(
    *,
    actor: Any,
    session: OutreachSession,
    young_people_count: int,
    young_people: Iterable[Any] | None = None,
    materials_given: str = "",
    what_seen: str = "",
    visits: Iterable[tuple[Any, str]] = (),
    workers: Iterable[Any] | None = None,
) -> list[str]:
    """Record what happened: how many young people were engaged, the known ones linked (only
    those ``actor`` may see), materials given, what was seen, the businesses and groups visited
    with the outcome of each visit, and the workers with an account who went (under the rules of
    planning, of the agencies taking part).

    Recording again corrects the record. ``young_people`` is then the whole list of the linked
    young people ``actor`` may see: one left out is unlinked (links ``actor`` cannot see stay);
    left out altogether (``None``), the links stay as they are. A visit with the outcome ``""``
    says the premises was not visited after all; premises not named keep their visit. Workers
    left out stay. Returns the names of what changed: a correction that changes nothing writes
    nothing and audits nothing, and returns an empty list."""
    _require(permissions.can_do_outreach(actor), "Your role does not record outreach")
    visible = yp_permissions.visible_young_people(actor)
    linked_before = [
        e.young_person
        for e in session.engagements.select_related("young_person").filter(young_person__in=visible)
    ]
    linked = linked_before if young_people is None else list(dict.fromkeys(young_people))
    hidden_links = session.engagements.exclude(young_person__in=visible).count()
    # A premises named twice: the last word stands.
    visits = list({premises.pk: (premises, outcome) for premises, outcome in visits}.values())
    named = list(session.workers.all())
    workers = named if workers is None else list(dict.fromkeys(workers))
    errors: dict[str, list[str]] = {}
    worker_errors = _worker_errors(workers, session.agencies.all(), kept=named)
    if worker_errors:
        errors["workers"] = worker_errors
    if young_people_count is None or young_people_count < 0:
        errors["young_people_count"] = ["Enter how many young people were engaged, 0 or more"]
    elif young_people_count < len(linked) + hidden_links:
        others = f" and the {hidden_links} others linked to it" if hidden_links else ""
        errors["young_people_count"] = [
            f"The number engaged cannot be less than the young people you linked{others}"
        ]
    if any(not yp_permissions.can_view_young_person(actor, yp) for yp in linked):
        errors["young_people"] = ["Link only young people whose records you can see"]
    if any(outcome not in ("", *VisitOutcome.values) for _, outcome in visits):
        errors["visits"] = ["Choose the outcome of each visit"]
    if session.starts_at > timezone.now():
        start = timezone.localtime(session.starts_at)
        errors["__all__"] = [
            f"The session starts at {start:%H:%M} on {start:%-d %B %Y}: record it once it has "
            "started, or change the plan if it was held earlier"
        ]
    if errors:
        raise ValidationError(errors)
    before = _record_state(session, linked_before)
    after = {
        "status": SessionStatus.RECORDED,
        "young_people_count": young_people_count,
        "materials_given": (materials_given or "").strip(),
        "what_seen": (what_seen or "").strip(),
        "linked": sorted(str(yp.pk) for yp in linked),
        "visits": {**before["visits"], **{str(p.pk): outcome for p, outcome in visits}},
        "workers": _worker_ids(workers),
    }
    after["visits"] = {pk: outcome for pk, outcome in after["visits"].items() if outcome}
    changed = [name for name in after if after[name] != before[name]]
    if not changed:
        return []
    first_time = "status" in changed
    session.status = SessionStatus.RECORDED
    session.young_people_count = young_people_count
    session.materials_given = after["materials_given"]
    session.what_seen = after["what_seen"]
    session.recorded_by = actor
    session.recorded_at = timezone.now()
    session.full_clean()
    session.save()
    unlinked = [yp for yp in linked_before if yp not in linked]
    _link_young_people(actor, session, [yp for yp in linked if yp not in linked_before])
    _unlink_young_people(actor, session, unlinked)
    _set_visits(actor, session, visits)
    if "workers" in changed:
        session.workers.set(workers)
    detail = {
        "young_people_count": young_people_count,
        "linked": after["linked"],
        "visits": len(after["visits"]),
    }
    if unlinked:
        detail["unlinked"] = [str(yp.pk) for yp in unlinked]
    # First recorded, what it holds is the detail above, and who went beside who was planned;
    # corrected, each changed field as it was and is.
    detail |= _changes(
        [n for n in changed if n == "workers" or (not first_time and n != "status")], before, after
    )
    audit_record(
        actor=actor,
        action=AuditAction.COLLECT if first_time else AuditAction.ALTER,
        obj=session,
        summary=f"Outreach session {session.reference} "
        + ("recorded" if first_time else "record corrected"),
        detail=detail,
    )
    return changed


def _link_young_people(actor: Any, session: OutreachSession, young_people: list[Any]) -> None:
    for young_person in young_people:
        SessionEngagement.objects.create(
            session=session, young_person=young_person, linked_by=actor
        )
        yp_services.chronology_add(
            young_person=young_person,
            title=f"Engaged during outreach at {session.place.label}",
            source_app=SOURCE_APP,
            occurred_at=session.starts_at,
            obj=session,
            recorded_by=actor,
        )


def _unlink_young_people(actor: Any, session: OutreachSession, young_people: list[Any]) -> None:
    """A link made in error is taken off; the young person's chronology keeps the line that said
    so and gains one that says it was taken off (the chronology is never rewritten)."""
    session.engagements.filter(young_person__in=young_people).delete()
    for young_person in young_people:
        yp_services.chronology_add(
            young_person=young_person,
            title=f"Link to outreach at {session.place.label} taken off (recorded in error)",
            source_app=SOURCE_APP,
            occurred_at=session.starts_at,
            obj=session,
            recorded_by=actor,
        )


def _set_visits(actor: Any, session: OutreachSession, visits: list[tuple[Any, str]]) -> None:
    """Each premises named: its visit in this session with the outcome given, or none (``""``)."""
    existing = {v.premises_id: v for v in session.premises_visits.all()}
    visited_on = timezone.localtime(session.starts_at).date()
    for premises, outcome in visits:
        visit = existing.get(premises.pk)
        if not outcome:
            if visit is not None:
                visit.delete()
        elif visit is None:
            PremisesVisit.objects.create(
                premises=premises,
                session=session,
                visited_on=visited_on,
                outcome=outcome,
                visited_by=actor,
            )
        elif visit.outcome != outcome:
            visit.outcome = outcome
            visit.visited_by = actor
            visit.save(update_fields=["outcome", "visited_by"])


def _place_subject(place: Any) -> dict[str, Any]:
    """The session's place as a subject of intelligence that names the same location entity (the
    hot spot), never a new one: intelligence finds a location by its key (postcode and venue
    name, or the address for a place without a name), so the subject is given the name whose key
    is the place's own. The name shown in the label comes first; the address alone (a place with
    no name) next; the key's own words last, for a label that no longer gives the name back."""
    from intelligence.normalise import location_key

    shown = place.label.removesuffix(f", {place.postcode}") if place.postcode else place.label
    words = place.key.partition("|")[2] if place.key else ""
    name = next(
        (
            candidate
            for candidate in (shown, "", words)
            if location_key(name=candidate, address=place.address, postcode=place.postcode)
            == place.key
        ),
        shown,
    )
    return {
        "kind": EntityKind.LOCATION,
        "name": name,
        "address": place.address,
        "postcode": place.postcode,
        "venue_kind": place.venue_kind,
    }


@transaction.atomic
def session_to_intelligence(
    *,
    actor: Any,
    session: OutreachSession,
    source_evaluation: str,
    intelligence_evaluation: str,
    handling_code: str,
    priority: str,
    content: str = "",
) -> Any:
    """What was seen becomes a 5x5x5 intelligence report in one action: the worker's own
    observation at the session's place, through ``intelligence.services.item_submit``."""
    _require(permissions.can_do_outreach(actor), "Your role does not record outreach")
    if session.intelligence_item_id is not None:
        raise ValidationError({"content": "What was seen is already intelligence"})
    text = (content or session.what_seen).strip()
    if not text:
        raise ValidationError({"content": "Record what was seen first"})
    place = session.place
    item = intelligence_services.item_submit(
        actor=actor,
        scheme=Scheme.FIVE_BY_FIVE,
        source_evaluation=source_evaluation,
        intelligence_evaluation=intelligence_evaluation,
        handling_code=handling_code,
        priority=priority,
        # A session recorded before its planned start time was seen no later than now.
        obtained_at=min(session.starts_at, timezone.now()),
        content=text,
        source_kind=SourceKind.OWN_OBSERVATION,
        source_description=f"Outreach session {session.reference}",
        subjects=[_place_subject(place)],
        origin=Origin.OUTREACH,
        origin_reference=session.reference,
    )
    session.intelligence_item = item
    session.save(update_fields=["intelligence_item"])
    audit_record(
        actor=actor,
        action=AuditAction.ALTER,
        obj=session,
        summary=f"What was seen at {session.reference} submitted as intelligence {item.reference}",
    )
    return item


@transaction.atomic
def session_close_alert(*, actor: Any, session: OutreachSession, reason: str) -> Any:
    """Close the pattern alert the session answered, with the outcome "outreach"."""
    if session.alert_id is None:
        raise ValidationError({"reason": "This session does not answer an alert"})
    if not session.is_recorded:
        raise ValidationError({"reason": "Record the session before closing its alert"})
    if session.alert_closed:
        raise ValidationError({"alert": "The session already closed its alert"})
    alert = intelligence_services.alert_close(
        actor=actor, alert=session.alert, outcome=AlertOutcome.OUTREACH, reason=reason
    )
    session.alert_closed = True
    session.save(update_fields=["alert_closed"])
    return alert


def young_person_merged(*, survivor: Any, duplicate: Any, merged_by: Any) -> dict[str, int]:
    """Merge hook: engagements of the duplicate become the survivor's (once per session)."""
    both = SessionEngagement.objects.filter(young_person=survivor).values("session")
    SessionEngagement.objects.filter(young_person=duplicate, session__in=both).delete()
    moved = SessionEngagement.objects.filter(young_person=duplicate).update(young_person=survivor)
    return {SessionEngagement._meta.label_lower: moved}


# --- Premises ------------------------------------------------------------------------------------

PREMISES_FIELDS = (
    "name",
    "sector",
    "address",
    "postcode",
    "contact_name",
    "contact_phone",
    "contact_email",
    "team_interest",
    "materials_displayed",
)


def premises_postcode(value: str) -> str:
    """A premises' postcode as the register keeps it (``""`` for none), or the reason it is
    not one: the page's form and the API check it with the other fields, the service again."""
    from intelligence.normalise import clean_postcode

    return clean_postcode(value) if (value or "").strip() else ""


def _clean_postcode(value: str) -> str:
    try:
        return premises_postcode(value)
    except ValidationError as error:
        raise ValidationError({"postcode": error.messages}) from None


def _premises_values(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields given, as the register keeps them: text trimmed, the postcode cleaned."""
    unknown = set(fields) - set(PREMISES_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    values = {
        name: value.strip() if isinstance(value, str) else value for name, value in fields.items()
    }
    if "postcode" in values:
        values["postcode"] = _clean_postcode(values["postcode"])
    return values


@transaction.atomic
def premises_save(*, actor: Any, premises: Premises | None = None, **fields: Any) -> Premises:
    """Add a business or community group to the register, or correct one (``premises_edit``)."""
    _require(permissions.can_do_outreach(actor), "Your role does not keep the register")
    if premises is not None:
        premises_edit(actor=actor, premises=premises, **fields)
        return premises
    premises = Premises(created_by=actor, **_premises_values(fields))
    premises.full_clean()
    premises.save()
    audit_record(
        actor=actor,
        action=AuditAction.COLLECT,
        obj=premises,
        summary=f"{premises.name} added to the register",
    )
    return premises


@transaction.atomic
def premises_edit(*, actor: Any, premises: Premises, **fields: Any) -> list[str]:
    """Correct a business or group on the register. Returns the names of the fields that
    changed: none means nothing was written and nothing audited."""
    _require(permissions.can_do_outreach(actor), "Your role does not keep the register")
    values = _premises_values(fields)
    return _correct(
        actor=actor,
        record=premises,
        values={name: values[name] for name in PREMISES_FIELDS if name in values},
        summary=lambda p: f"{p.name} changed on the register",
    )


def _correct(
    *, actor: Any, record: Any, values: dict[str, Any], summary: Callable[[Any], str]
) -> list[str]:
    """Write the ``values`` that differ from ``record``'s, checked, and audit which changed
    (``summary`` of the record as corrected). Returns their names: none means nothing was
    written and nothing audited."""
    changed = [name for name, value in values.items() if value != getattr(record, name)]
    if not changed:
        return []
    for name in changed:
        setattr(record, name, values[name])
    record.full_clean()
    record.save()
    audit_record(
        actor=actor,
        action=AuditAction.ALTER,
        obj=record,
        summary=summary(record),
        detail={"changed": changed},
    )
    return changed


@transaction.atomic
def premises_visit_add(
    *,
    actor: Any,
    premises: Premises,
    visited_on: date,
    outcome: str,
    note: str = "",
    materials_displayed: bool | None = None,
) -> PremisesVisit:
    """A visit with its outcome; what the visit found about the materials updates the register."""
    _require(permissions.can_do_outreach(actor), "Your role does not record visits")
    if visited_on is not None and visited_on > timezone.localdate():
        raise ValidationError({"visited_on": ["The date of the visit must be today or earlier"]})
    visit = PremisesVisit(
        premises=premises,
        visited_on=visited_on,
        outcome=outcome,
        note=(note or "").strip(),
        visited_by=actor,
    )
    visit.full_clean()
    visit.save()
    if materials_displayed is not None and materials_displayed != premises.materials_displayed:
        premises.materials_displayed = materials_displayed
        premises.save(update_fields=["materials_displayed"])
    audit_record(
        actor=actor,
        action=AuditAction.COLLECT,
        obj=premises,
        summary=f"Visit to {premises.name} recorded: {visit.get_outcome_display()}",
    )
    return visit


# --- Training ------------------------------------------------------------------------------------


def _training_errors(
    *,
    actor: Any,
    delivered_on: date | None,
    attendance_count: int | None,
    trainer: Any,
    attendees: list[Any],
    sectors: list[str],
) -> dict[str, list[str]]:
    """The rules of a training session, the same on recording and on editing."""
    from .models import Sector

    errors: dict[str, list[str]] = {}
    if not permissions.is_team_manager(actor) and (trainer is None or trainer != actor):
        errors["trainer"] = ["Record only the training you delivered yourself"]
    if delivered_on is None:
        errors["delivered_on"] = ["Enter the date the course was delivered"]
    elif delivered_on > timezone.localdate():
        errors["delivered_on"] = ["The date the course was delivered must be today or earlier"]
    if attendance_count is None or attendance_count < 1:
        errors["attendance_count"] = ["Enter how many people attended, 1 or more"]
    elif attendance_count < len(attendees):
        errors["attendance_count"] = ["The number attending cannot be less than those named"]
    if trainer is not None and trainer in attendees:
        errors["attendees"] = ["The trainer is not one of the attendees"]
    if set(sectors) - set(Sector.values):
        errors["audience_sectors"] = ["Choose sectors from the list"]
    return errors


def _checked_training(
    *,
    actor: Any,
    delivered_on: date,
    attendance_count: int,
    trainer: Any,
    trainer_name: str,
    attendees: Iterable[Any],
    audience_sectors: Iterable[str],
) -> tuple[Any, list[Any], list[str]]:
    """Recording and correcting alike: the trainer (the actor when nobody is named), the named
    attendees once each and the sectors, or ``ValidationError`` with every field's error."""
    attendees = list(dict.fromkeys(attendees))
    sectors = sorted(set(audience_sectors))
    if trainer is None and not (trainer_name or "").strip():
        trainer = actor
    errors = _training_errors(
        actor=actor,
        delivered_on=delivered_on,
        attendance_count=attendance_count,
        trainer=trainer,
        attendees=attendees,
        sectors=sectors,
    )
    if errors:
        raise ValidationError(errors)
    return trainer, attendees, sectors


@transaction.atomic
def training_session_record(
    *,
    actor: Any,
    course: Course,
    delivered_on: date,
    attendance_count: int,
    trainer: Any = None,
    trainer_name: str = "",
    audience_sectors: Iterable[str] = (),
    audience_agencies: Iterable[Any] = (),
    attendees: Iterable[Any] = (),
    premises: Iterable[Any] = (),
) -> TrainingSession:
    """A delivery of a course. Anyone but the team manager records only sessions they delivered
    themselves; the named attendees are staff users, counted in ``attendance_count``."""
    _require(permissions.can_record_training(actor), "Your role does not record training")
    trainer, attendees, sectors = _checked_training(
        actor=actor,
        delivered_on=delivered_on,
        attendance_count=attendance_count,
        trainer=trainer,
        trainer_name=trainer_name,
        attendees=attendees,
        audience_sectors=audience_sectors,
    )
    session = TrainingSession(
        course=course,
        delivered_on=delivered_on,
        trainer=trainer,
        trainer_name="" if trainer is not None else trainer_name.strip(),
        attendance_count=attendance_count,
        recorded_by=actor,
    )
    session.full_clean()
    session.save()
    session.attendees.set(attendees)
    session.audience_agencies.set(list(audience_agencies))
    TrainingAudience.objects.bulk_create(
        [TrainingAudience(session=session, sector=sector) for sector in sectors]
    )
    session.premises.set(list(premises))
    training_cascade_refresh([session.trainer_id, *(user.pk for user in attendees)])
    audit_record(
        actor=actor,
        action=AuditAction.COLLECT,
        obj=session,
        summary=f"Training recorded: {course.title} on {delivered_on:%d %b %Y}",
        detail={"attendance": attendance_count, "named": len(attendees)},
    )
    return session


def training_cascade_refresh(user_ids: Iterable[Any] | None = None) -> None:
    """Work out again ``TrainingSession.cascade`` for the sessions these users deliver (every
    session when None): true where the trainer attended a session here delivered before it. A
    session's date, trainer and attendees decide it for the sessions its trainer and attendees
    deliver, so the services that change them call this in the same transaction. Two queries:
    each trainer's first training here, then one update."""
    attended = TrainingSession.attendees.through.objects.order_by()
    sessions = TrainingSession.objects.order_by()
    if user_ids is not None:
        ids = {pk for pk in user_ids if pk is not None}
        if not ids:
            return
        attended = attended.filter(user_id__in=ids)
        sessions = sessions.filter(trainer_id__in=ids)
    firsts = attended.values("user_id").annotate(first=Min("trainingsession__delivered_on"))
    trained = [
        When(trainer_id=row["user_id"], delivered_on__gt=row["first"], then=Value(True))
        for row in firsts
    ]
    sessions.update(cascade=Case(*trained, default=Value(False)) if trained else Value(False))


def _training_state(session: TrainingSession) -> dict[str, Any]:
    return {
        "course": session.course_id,
        "delivered_on": session.delivered_on.isoformat() if session.delivered_on else None,
        "trainer": str(session.trainer_id) if session.trainer_id else None,
        "trainer_name": session.trainer_name,
        "attendance_count": session.attendance_count,
        "attendees": sorted(str(pk) for pk in session.attendees.values_list("pk", flat=True)),
        "audience_sectors": sorted(session.audience_sectors.values_list("sector", flat=True)),
        "audience_agencies": sorted(
            str(pk) for pk in session.audience_agencies.values_list("pk", flat=True)
        ),
    }


@transaction.atomic
def training_session_edit(
    *,
    actor: Any,
    session: TrainingSession,
    course: Course,
    delivered_on: date,
    attendance_count: int,
    trainer: Any = None,
    trainer_name: str = "",
    audience_sectors: Iterable[str] = (),
    audience_agencies: Iterable[Any] = (),
    attendees: Iterable[Any] = (),
) -> list[str]:
    """Correct a training session already recorded, by whoever recorded it or the team manager,
    under the rules of recording it. Returns the names of the fields that changed: none means
    nothing was written and nothing audited."""
    _require(
        permissions.can_edit_training_session(actor, session),
        "Only who recorded the training, or the team manager, corrects it",
    )
    trainer, attendees, sectors = _checked_training(
        actor=actor,
        delivered_on=delivered_on,
        attendance_count=attendance_count,
        trainer=trainer,
        trainer_name=trainer_name,
        attendees=attendees,
        audience_sectors=audience_sectors,
    )
    agencies = list(dict.fromkeys(audience_agencies))
    before = _training_state(session)
    after = {
        "course": course.pk,
        "delivered_on": delivered_on.isoformat(),
        "trainer": str(trainer.pk) if trainer is not None else None,
        "trainer_name": "" if trainer is not None else trainer_name.strip(),
        "attendance_count": attendance_count,
        "attendees": sorted(str(u.pk) for u in attendees),
        "audience_sectors": sectors,
        "audience_agencies": sorted(str(a.pk) for a in agencies),
    }
    changed = [name for name in after if after[name] != before[name]]
    if not changed:
        return []
    session.course = course
    session.delivered_on = delivered_on
    session.trainer = trainer
    session.trainer_name = after["trainer_name"]
    session.attendance_count = attendance_count
    session.full_clean()
    session.save()
    if "attendees" in changed:
        session.attendees.set(attendees)
    if "audience_agencies" in changed:
        session.audience_agencies.set(agencies)
    if "audience_sectors" in changed:
        session.audience_sectors.all().delete()
        TrainingAudience.objects.bulk_create(
            [TrainingAudience(session=session, sector=sector) for sector in sectors]
        )
    if {"delivered_on", "trainer", "attendees"} & set(changed):
        training_cascade_refresh(
            [before["trainer"], after["trainer"], *before["attendees"], *after["attendees"]]
        )
    audit_record(
        actor=actor,
        action=AuditAction.ALTER,
        obj=session,
        summary=f"Training corrected: {course.title} on {delivered_on:%d %b %Y}",
        detail=_changes(changed, before, after),
    )
    return changed


# --- E-learning import ---------------------------------------------------------------------------

IMPORT_COLUMNS = ("email", "module", "completed_on")
MAX_IMPORT_ROWS = 20_000
#: Rows written between two progress updates.
IMPORT_BATCH = 200


@transaction.atomic
def elearning_import_start(*, actor: Any, filename: str, content: str) -> ElearningImport:
    """Accept a CSV export from the learning platform: its header is checked now, its rows in
    the background (``tasks.elearning_import``), queued once this transaction commits."""
    _require(permissions.can_import_elearning(actor), "Only the team manager imports e-learning")
    reader = csv.reader(io.StringIO(content))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in IMPORT_COLUMNS if c not in header]
    if missing:
        raise ValidationError(
            {
                "file": [
                    f"The file must have the columns {', '.join(IMPORT_COLUMNS)} "
                    f"(missing: {', '.join(missing)})"
                ]
            }
        )
    rows = content.count("\n")
    if rows > MAX_IMPORT_ROWS + 1:
        raise ValidationError({"file": [f"Import at most {MAX_IMPORT_ROWS:,} rows at a time"]})
    record = ElearningImport(filename=filename[:200], content=content, uploaded_by=actor)
    record.full_clean()
    record.save()
    audit_record(
        actor=actor,
        action=AuditAction.COLLECT,
        obj=record,
        summary=f"E-learning export {record.filename} uploaded",
    )
    from .tasks import elearning_import

    transaction.on_commit(lambda: elearning_import.delay(str(record.pk)))
    return record


def _parse_date(value: str) -> date | None:
    value = value.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, pattern).date()  # noqa: DTZ007 (a date, not a time)
        except ValueError:
            continue
    return None


def _row_errors(
    row: dict[str, str], users: dict[str, Any], courses: dict[str, Course]
) -> tuple[list[str], tuple[Any, Course, date, int | None] | None]:
    errors = []
    email = (row.get("email") or "").strip().lower()
    module = (row.get("module") or "").strip().lower()
    user = users.get(email)
    if not email:
        errors.append("email: missing")
    elif user is None:
        errors.append(f"email: no staff user has the email {email}")
    course = courses.get(module)
    if not module:
        errors.append("module: missing")
    elif course is None:
        errors.append(f"module: {module} is not an e-learning module of the portal")
    completed = _parse_date(row.get("completed_on") or "")
    if completed is None:
        errors.append("completed_on: give the date as YYYY-MM-DD or DD/MM/YYYY")
    elif completed > timezone.localdate():
        errors.append("completed_on: the date is in the future")
    score: int | None = None
    raw_score = (row.get("score") or "").strip()
    if raw_score:
        if raw_score.isdigit() and int(raw_score) <= 100:
            score = int(raw_score)
        else:
            errors.append("score: give a whole number from 0 to 100")
    if errors:
        return errors, None
    return [], (user, course, completed, score)


def _import_rows(content: str) -> list[dict[str, Any]]:
    """The file's rows, each with the number of its line in the file (``line``, the last one
    for a row whose quoted cell runs over several), so an error names the line a text editor
    shows even after blank lines; a row of empty cells (a spreadsheet's blank line) is no row."""
    reader = csv.DictReader(io.StringIO(content))
    rows = []
    for raw in reader:
        row: dict[str, Any] = {(k or "").strip().lower(): (v or "") for k, v in raw.items()}
        if any(str(v).strip() for v in row.values()):
            rows.append({**row, "line": reader.line_num})
    return rows


def elearning_import_run(*, import_id: Any) -> ElearningImport:
    """Import the rows of one upload: each valid row once (a completion already recorded, by this
    upload or an earlier one, is counted as such and not repeated), each bad row kept with its
    errors. Safe to run again: a finished import is left as it is; an interrupted one starts over,
    and rows written before the interruption count as already recorded."""
    record = ElearningImport.objects.get(pk=import_id)
    if record.status in (ImportStatus.DONE, ImportStatus.FAILED):
        return record
    rows = _import_rows(record.content)
    emails = {(r.get("email") or "").strip().lower() for r in rows} - {""}
    users = {
        u.email_lower: u
        for u in get_user_model()
        .objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails, is_active=True)
    }
    courses = {c.code: c for c in Course.objects.filter(kind=CourseKind.ELEARNING, is_active=True)}
    record.status, record.rows_total, record.progress = ImportStatus.RUNNING, len(rows), 0
    record.rows_added = record.rows_already = record.rows_failed = 0
    record.errors = []
    record.save(
        update_fields=[
            "status",
            "rows_total",
            "progress",
            "rows_added",
            "rows_already",
            "rows_failed",
            "errors",
        ]
    )
    for start in range(0, len(rows), IMPORT_BATCH):
        _import_batch(record, rows[start : start + IMPORT_BATCH], start, users, courses)
    record.status = ImportStatus.DONE
    record.progress = 100
    record.finished_at = timezone.now()
    with transaction.atomic():
        record.save(update_fields=["status", "progress", "finished_at"])
        audit_record(
            actor=record.uploaded_by,
            action=AuditAction.COLLECT,
            obj=record,
            summary=(
                f"E-learning import {record.filename}: {record.rows_added} added, "
                f"{record.rows_already} already recorded, {record.rows_failed} with errors"
            ),
        )
    return record


@transaction.atomic
def _import_batch(
    record: ElearningImport,
    rows: list[dict[str, str]],
    offset: int,
    users: dict[str, Any],
    courses: dict[str, Course],
) -> None:
    wanted: dict[tuple[Any, int, date], int | None] = {}
    for row in rows:
        errors, parsed = _row_errors(row, users, courses)
        if parsed is None:
            record.errors.append({"row": row["line"], "errors": errors})
            record.rows_failed += 1
            continue
        user, course, completed, score = parsed
        key = (user.pk, course.pk, completed)
        if key in wanted:
            record.rows_already += 1
            continue
        wanted[key] = score
    existing = set(
        ElearningCompletion.objects.filter(
            user_id__in={k[0] for k in wanted}, completed_on__in={k[2] for k in wanted}
        ).values_list("user_id", "course_id", "completed_on")
    )
    new = [
        ElearningCompletion(
            user_id=user, course_id=course, completed_on=completed, score=score, source=record
        )
        for (user, course, completed), score in wanted.items()
        if (user, course, completed) not in existing
    ]
    ElearningCompletion.objects.bulk_create(new, ignore_conflicts=True)
    record.rows_added += len(new)
    record.rows_already += len(wanted) - len(new)
    done = offset + len(rows)
    record.progress = min(99, done * 100 // max(record.rows_total, 1))
    record.save(update_fields=["progress", "rows_added", "rows_already", "rows_failed", "errors"])


def elearning_import_fail(*, import_id: Any) -> None:
    """The task gave up: say so on the upload's page."""
    ElearningImport.objects.filter(pk=import_id).exclude(status=ImportStatus.DONE).update(
        status=ImportStatus.FAILED, finished_at=timezone.now()
    )


# --- Participation -------------------------------------------------------------------------------


@transaction.atomic
def feedback_receive(*, address: str, fields: dict[str, Any], robot: bool = False) -> bool:
    """Feedback through the public form, counted against the same per-address limit as the other
    public pages (keyed hash only, never the address). False when the address is at the
    ceiling and nothing was kept; a robot is answered like anyone else, and nothing is kept."""
    from referrals.models import PublicAdmission
    from referrals.services import public_submission_admit

    if public_submission_admit(address=address) == PublicAdmission.REFUSE:
        return False
    if robot:
        return True
    feedback = Feedback(**{k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()})
    feedback.full_clean()
    feedback.save()
    audit_record(
        actor=None,
        actor_username="public (feedback)",
        action=AuditAction.COLLECT,
        obj=feedback,
        summary="Feedback received" + ("" if feedback.anonymous else " with contact details"),
    )
    return True


ACTIVITY_FIELDS = (
    "kind",
    "title",
    "held_on",
    "young_people_count",
    "families_count",
    "summary",
    "what_changed",
)


def _activity_values(fields: dict[str, Any]) -> dict[str, Any]:
    """The values of an activity as they are kept, checked by the rules of recording one."""
    held_on = fields.get("held_on")
    if held_on is not None and held_on > timezone.localdate():
        raise ValidationError({"held_on": ["The date must be today or earlier"]})
    return {
        "kind": fields.get("kind"),
        "title": (fields.get("title") or "").strip(),
        "held_on": held_on,
        "young_people_count": fields.get("young_people_count") or 0,
        "families_count": fields.get("families_count") or 0,
        "summary": (fields.get("summary") or "").strip(),
        "what_changed": (fields.get("what_changed") or "").strip(),
    }


@transaction.atomic
def activity_record(
    *,
    actor: Any,
    kind: str,
    title: str,
    held_on: date,
    young_people_count: int = 0,
    families_count: int = 0,
    summary: str = "",
    what_changed: str = "",
) -> ParticipationActivity:
    _require(permissions.can_see_participation(actor), "Your role does not record participation")
    values = _activity_values(
        {
            "kind": kind,
            "title": title,
            "held_on": held_on,
            "young_people_count": young_people_count,
            "families_count": families_count,
            "summary": summary,
            "what_changed": what_changed,
        }
    )
    activity = ParticipationActivity(**values, recorded_by=actor)
    activity.full_clean()
    activity.save()
    audit_record(
        actor=actor,
        action=AuditAction.COLLECT,
        obj=activity,
        summary=f"Participation activity recorded: {activity.title}",
    )
    return activity


@transaction.atomic
def activity_edit(*, actor: Any, activity: ParticipationActivity, **fields: Any) -> list[str]:
    """Correct a participation activity, by whoever recorded it or the team manager, under the
    rules of recording it. Returns the names of the fields that changed: none means nothing was
    written and nothing audited."""
    _require(
        permissions.can_edit_activity(actor, activity),
        "Only who recorded the activity, or the team manager, corrects it",
    )
    unknown = set(fields) - set(ACTIVITY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    values = _activity_values({name: getattr(activity, name) for name in ACTIVITY_FIELDS} | fields)
    return _correct(
        actor=actor,
        record=activity,
        values={name: values[name] for name in ACTIVITY_FIELDS},
        summary=lambda a: f"Participation activity corrected: {a.title}",
    )
