"""Every write to intelligence: keyword-only functions, one transaction each, that check the rule,
write, and record the audit entry (and the chronology entry on a linked young person's record).
The pages, the API, other apps' debriefs and the demo data all come through here."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from cse_portal.audit.models import AuditAction
from cse_portal.audit.services import audit_record
from cse_portal.dates import validate_date_of_birth, validate_not_before_1900
from cse_portal.fields import REASON_MAX_LENGTH, SHORT_TEXT_MAX_LENGTH
from cse_portal.young_people import services as yp_services
from cse_portal.young_people.models import ChronologyAudience, ChronologyEntry, YoungPerson

from . import handling, linking, normalise, notifications, permissions, picture_links
from .models import (
    CONDITIONS_REQUIRED,
    DEFAULT_ROLE,
    GRADING_CODES,
    PERSON_ROLES,
    PRIORITY_RANK,
    Alert,
    AlertOutcome,
    AlertStatus,
    AuthorisedRecipient,
    ConditionsAcknowledgement,
    Dissemination,
    DisseminationRecipient,
    Entity,
    EntityKind,
    GradingChange,
    IntelligenceItem,
    ItemStatus,
    Mention,
    MentionRole,
    Origin,
    Priority,
    ReferenceCounter,
    Scheme,
    SourceKind,
    VenueKind,
)

SUBJECT_FIELDS: dict[str, tuple[str, ...]] = {
    EntityKind.PERSON: ("name", "alias", "date_of_birth", "age", "description", "young_person"),
    EntityKind.VEHICLE: ("registration", "make", "model", "colour"),
    EntityKind.LOCATION: ("name", "address", "postcode", "venue_kind", "latitude", "longitude"),
    EntityKind.PHONE: ("number",),
    EntityKind.ACCOUNT: ("platform", "handle"),
}

#: The longest each subject's text may be: the page's form fields' limits, so the API refuses
#: what the page cannot send instead of cutting it short or failing on the entity. A place's
#: name may be longer, as long as its entity's key holds (postcode and name in 300): a place
#: named elsewhere (a missing episode's found-at place) comes back as an outreach session's.
SUBJECT_TEXT_LIMITS: dict[str, dict[str, int]] = {
    EntityKind.PERSON: {"name": 200, "alias": 200, "description": SHORT_TEXT_MAX_LENGTH},
    EntityKind.VEHICLE: {"registration": 12, "make": 60, "model": 60, "colour": 40},
    EntityKind.LOCATION: {"name": 280, "address": SHORT_TEXT_MAX_LENGTH, "postcode": 10},
    EntityKind.PHONE: {"number": 30},
    EntityKind.ACCOUNT: {"platform": 60, "handle": 100},
}


def _check_text_lengths(kind: str, subject: dict[str, Any]) -> None:
    errors = {}
    for name, limit in SUBJECT_TEXT_LIMITS[kind].items():
        length = len(str(subject.get(name) or "").strip())
        if length > limit:
            errors[name] = [f"Enter at most {limit} characters (this has {length})"]
    if errors:
        raise ValidationError(errors)


# --- Grading -------------------------------------------------------------------------------------


def grading_errors(
    *,
    scheme: str,
    source_evaluation: str,
    intelligence_evaluation: str,
    handling_code: str,
    handling_conditions: str,
    prefix: str = "",
) -> dict[str, list[str]]:
    """Field errors for a grading in its scheme (empty when it is valid)."""
    if scheme not in Scheme.values:
        return {"scheme": ["Choose 5x5x5 or 3x5x2"]}
    codes = GRADING_CODES[scheme]
    errors: dict[str, list[str]] = {}
    chosen = {
        "source_evaluation": source_evaluation,
        "intelligence_evaluation": intelligence_evaluation,
        "handling_code": handling_code,
    }
    words = {
        "source_evaluation": "the source evaluation",
        "intelligence_evaluation": "the intelligence evaluation",
        "handling_code": "the handling code",
    }
    for name, value in chosen.items():
        if value not in codes[name]:
            allowed = ", ".join(codes[name])
            errors[prefix + name] = [f"Choose {words[name]} for {scheme}: one of {allowed}"]
    if (scheme, handling_code) in CONDITIONS_REQUIRED and not (handling_conditions or "").strip():
        errors[prefix + "handling_conditions"] = [
            f"Write the handling conditions: handling code {handling_code} needs them"
        ]
    return errors


# --- Entities ------------------------------------------------------------------------------------


@transaction.atomic
def location_set_coordinates(*, actor: Any, entity: Entity, latitude: Any, longitude: Any) -> bool:
    """The analyst places a location (typed, or picked on the map): both coordinates, or neither
    to clear them. Audited; the same coordinates again write nothing. Returns whether they
    changed."""
    _require_analyst(actor)
    if entity.kind != EntityKind.LOCATION:
        raise ValidationError({"latitude": ["Only a place has coordinates"]})
    coordinates: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for field, value in (("latitude", latitude), ("longitude", longitude)):
        try:
            coordinates[field] = _decimal_or_none(
                value.strip() if isinstance(value, str) else value, field
            )
        except ValidationError as error:
            errors.update(error.message_dict)
    if not errors and (coordinates["latitude"] is None) != (coordinates["longitude"] is None):
        missing = "latitude" if coordinates["latitude"] is None else "longitude"
        errors[missing] = [f"Enter the {missing} too, or leave both empty to clear them"]
    if errors:
        raise ValidationError(errors)
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    before = (entity.latitude, entity.longitude)
    after = (coordinates["latitude"], coordinates["longitude"])
    if before == after:
        return False
    entity.latitude, entity.longitude = after
    entity.save(update_fields=["latitude", "longitude"])
    audit_record(
        actor=actor,
        action=AuditAction.ALTER,
        obj=entity,
        summary="Location's coordinates " + ("set" if after[0] is not None else "cleared"),
        detail={
            "was": [str(v) if v is not None else None for v in before],
            "now": [str(v) if v is not None else None for v in after],
        },
    )
    return True


def _survivor(entity: Entity) -> Entity:
    """Follow a merged entity to the one it was merged into (merges repoint, so this is short)."""
    seen = set()
    while entity.merged_into_id is not None and entity.pk not in seen:
        seen.add(entity.pk)
        entity = Entity.objects.get(pk=entity.merged_into_id)
    return entity


def _find_or_create(*, kind: str, key: str, actor: Any, **fields: Any) -> tuple[Entity, bool]:
    """The entity of ``kind`` with ``key`` (its survivor if merged), or a new one. Never
    duplicates a keyed entity: a race to create the same one falls back to the winner's row."""
    if key:
        found = Entity.objects.filter(kind=kind, key=key).first()
        if found is not None:
            return _survivor(found), False
    entity = Entity(kind=kind, key=key, created_by=actor, **fields)
    entity.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            entity.save(force_insert=True)
    except IntegrityError:
        found = Entity.objects.filter(kind=kind, key=key).first()
        if found is None:
            raise
        return _survivor(found), False
    return entity, True


def _decimal_or_none(value: Any, name: str) -> Any:
    if value in (None, ""):
        return None
    from decimal import Decimal, InvalidOperation

    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({name: "Enter a number of degrees, like 53.38"}) from None
    limit = 90 if name == "latitude" else 180
    if not number.is_finite() or not -limit <= number <= limit:
        raise ValidationError({name: f"Enter a {name} between -{limit} and {limit}"})
    return number.quantize(Decimal("0.000001"))


@transaction.atomic
def location_find_or_create(
    *,
    actor: Any,
    name: str = "",
    address: str = "",
    postcode: str = "",
    venue_kind: str = "",
    latitude: Any = None,
    longitude: Any = None,
) -> Entity:
    """The location with this postcode and venue name (or address), creating it if new; never a
    duplicate. Coordinates and a venue kind given later fill in what the stored one lacks."""
    name, address = (name or "").strip(), (address or "").strip()
    errors: dict[str, Any] = {}
    try:
        postcode = normalise.clean_postcode(postcode) if postcode else ""
    except ValidationError as error:
        errors["postcode"] = error.messages
    if venue_kind and venue_kind not in VenueKind.values:
        errors["venue_kind"] = ["Choose the kind of place from the list"]
    coordinates: dict[str, Any] = {}
    for field, value in (("latitude", latitude), ("longitude", longitude)):
        try:
            coordinates[field] = _decimal_or_none(value, field)
        except ValidationError as error:
            errors.update(error.message_dict)
    if not (name or address or postcode) and not errors:
        errors["name"] = ["Give the place a name, an address or a postcode"]
    if errors:
        raise ValidationError(errors)
    key = normalise.location_key(name=name, address=address, postcode=postcode)
    label = ", ".join(part for part in (name, postcode) if part) or address.splitlines()[0][:300]
    entity, created = _find_or_create(
        kind=EntityKind.LOCATION,
        key=key,
        actor=actor,
        label=label[:300],
        address=address,
        postcode=postcode,
        venue_kind=venue_kind,
        **coordinates,
    )
    if not created:
        filled = {
            field: value
            for field, value in (
                ("address", address),
                ("venue_kind", venue_kind),
                *coordinates.items(),
            )
            if value not in (None, "") and getattr(entity, field) in (None, "")
        }
        if filled:
            for field, value in filled.items():
                setattr(entity, field, value)
            entity.save(update_fields=list(filled))
    if created:
        audit_record(
            actor=actor, action=AuditAction.COLLECT, obj=entity, summary="Location recorded"
        )
    return entity


def _as_date(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        parsed = parse_date(str(value)[:40])
    except ValueError:  # well formed but not a day of the calendar (2009-02-30)
        parsed = None
    if parsed is None:
        raise ValidationError({name: "Enter a real date, like 2009-03-27"})
    return parsed


def _young_person(actor: Any, value: Any) -> YoungPerson | None:
    """A young person's record given by another app's service (an instance) or by id, which must
    be one the actor may see or, for the analyst, link to."""
    if value in (None, ""):
        return None
    if isinstance(value, YoungPerson):
        return value
    from .selectors import young_people_for_linking

    found = young_people_for_linking(actor).filter(pk=_uuid(value)).first()
    if found is None:
        raise ValidationError({"young_person": "Select a young person's record you may link to"})
    return found


def _uuid(value: Any) -> Any:
    from cse_portal.funnel import uuid_or_none

    return uuid_or_none(value)


def _clean_person(actor: Any, subject: dict[str, Any]) -> dict[str, Any]:
    name = " ".join(str(subject.get("name") or "").split())
    alias = " ".join(str(subject.get("alias") or "").split())
    description = str(subject.get("description") or "").strip()
    born = _as_date(subject.get("date_of_birth"), "date_of_birth")
    try:
        validate_date_of_birth(born)
    except ValidationError as error:
        raise ValidationError({"date_of_birth": error.messages}) from None
    age = subject.get("age")
    if age not in (None, ""):
        try:
            age = int(age)
        except (TypeError, ValueError):
            raise ValidationError({"age": "Enter an age in years, like 15"}) from None
        if not 0 <= age <= 120:
            raise ValidationError({"age": "Enter an age between 0 and 120"})
    else:
        age = None
    young_person = _young_person(actor, subject.get("young_person"))
    if not (name or alias or description or young_person):
        raise ValidationError({"name": "Give the person's name, an alias or a description"})
    role = subject.get("role") or ""
    if not isinstance(role, str) or role not in PERSON_ROLES:
        raise ValidationError({"role": "Choose the person's role"})
    return {
        "name": name,
        "alias": alias,
        "date_of_birth": born,
        "age": age,
        "description": description,
        "young_person": young_person,
        "role": role,
    }


def _clean_subject(actor: Any, subject: dict[str, Any]) -> dict[str, Any]:
    """One subject, checked and normalised; a ``ValidationError`` naming its fields."""
    for name, value in subject.items():
        if isinstance(value, (dict, list, tuple, set)):
            raise ValidationError({str(name)[:40]: "Enter one value, not a list or an object"})
    kind = subject.get("kind")
    if not isinstance(kind, str) or kind not in SUBJECT_FIELDS:
        raise ValidationError({"kind": "Choose person, vehicle, location, phone or account"})
    _check_text_lengths(kind, subject)
    if kind == EntityKind.PERSON:
        return {"kind": kind, **_clean_person(actor, subject)}
    role = subject.get("role") or DEFAULT_ROLE[kind]
    if role != DEFAULT_ROLE[kind]:
        raise ValidationError({"role": f"A {kind} is mentioned as {DEFAULT_ROLE[kind].label}"})
    text = {name: " ".join(str(subject.get(name) or "").split()) for name in SUBJECT_FIELDS[kind]}
    cleaned: dict[str, Any] = {"kind": kind, "role": role}
    if kind == EntityKind.VEHICLE:
        registration = text["registration"]
        try:
            cleaned["registration"] = (
                normalise.normalise_registration(registration) if registration else ""
            )
        except ValidationError as error:
            raise ValidationError({"registration": error.messages}) from None
        if not (cleaned["registration"] or text["make"] or text["model"] or text["colour"]):
            raise ValidationError({"registration": "Give the registration or describe the car"})
        for name in ("make", "model", "colour"):
            cleaned[name] = text[name][:60]
    elif kind == EntityKind.PHONE:
        try:
            cleaned["number"] = normalise.normalise_phone(text["number"])
        except ValidationError as error:
            raise ValidationError({"number": error.messages}) from None
    elif kind == EntityKind.ACCOUNT:
        if not text["handle"].lstrip("@"):
            raise ValidationError({"handle": "Give the account's name or handle"})
        if not text["platform"]:
            raise ValidationError({"platform": "Say where the account is, like Snapchat"})
        cleaned.update(platform=text["platform"][:60], handle=text["handle"].lstrip("@")[:100])
    else:
        cleaned.update(
            name=text["name"],
            address=str(subject.get("address") or "").strip(),
            postcode=text["postcode"],
            venue_kind=text["venue_kind"],
            latitude=subject.get("latitude"),
            longitude=subject.get("longitude"),
        )
        if cleaned["postcode"]:
            try:
                cleaned["postcode"] = normalise.clean_postcode(cleaned["postcode"])
            except ValidationError as error:
                raise ValidationError({"postcode": error.messages}) from None
        if not (cleaned["name"] or cleaned["address"] or cleaned["postcode"]):
            raise ValidationError({"name": "Give the place a name, an address or a postcode"})
        for field in ("latitude", "longitude"):
            cleaned[field] = _decimal_or_none(cleaned[field], field)
    return cleaned


def clean_subjects(actor: Any, subjects: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every subject checked; the errors of all of them together, under ``subjects`` (the API)
    with the subject's number and field named."""
    cleaned, messages = [], []
    for number, subject in enumerate(subjects or [], start=1):
        if not isinstance(subject, dict):
            messages.append(f"Subject {number}: not a subject")
            continue
        try:
            cleaned.append(_clean_subject(actor, subject))
        except ValidationError as error:
            fields = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
            for field, errors in fields.items():
                messages.extend(f"Subject {number} ({field}): {e}" for e in errors)
    if messages:
        raise ValidationError({"subjects": messages})
    return cleaned


def _json_subject(subject: dict[str, Any]) -> dict[str, Any]:
    """A cleaned subject as stored on the item (what the submitter entered, normalised)."""
    stored = {}
    for name, value in subject.items():
        if isinstance(value, YoungPerson):
            value = str(value.pk)
        elif isinstance(value, date):
            value = value.isoformat()
        elif value is not None and not isinstance(value, (str, int)):
            value = str(value)
        stored[name] = value
    return stored


def _person_entity(actor: Any, subject: dict[str, Any]) -> Entity:
    """A person: the entity already linked to the young person's record, an exact match of name
    and date of birth, or a new one. Anything looser is offered to the analyst, never merged."""
    young_person = subject.get("young_person")
    if young_person is not None:
        linked = Entity.objects.filter(
            kind=EntityKind.PERSON, young_person=young_person, merged_into__isnull=True
        ).first()
        if linked is not None:
            return linked
    name = subject["name"] or subject["alias"]
    if not name and young_person is not None:
        name = f"{young_person.given_name} {young_person.family_name}"
    key = normalise.person_key(name, subject["date_of_birth"]) if name else ""
    if key and subject["date_of_birth"] and young_person is None:
        found = Entity.objects.filter(
            kind=EntityKind.PERSON, key=key, merged_into__isnull=True
        ).first()
        if found is not None:
            return found
    label = name or subject["description"][:80] or "Unnamed person"
    if subject["alias"] and subject["name"]:
        label = f"{subject['name']} (also known as {subject['alias']})"
    entity = Entity(
        kind=EntityKind.PERSON,
        key=key,
        label=label[:300],
        date_of_birth=subject["date_of_birth"],
        description=subject["description"],
        young_person=young_person,
        created_by=actor,
    )
    entity.full_clean(validate_constraints=False)
    entity.save(force_insert=True)
    return entity


def subject_entity(actor: Any, subject: dict[str, Any]) -> Entity:
    """The entity a cleaned subject names, found or created."""
    kind = subject["kind"]
    if kind == EntityKind.PERSON:
        return _person_entity(actor, subject)
    if kind == EntityKind.LOCATION:
        return location_find_or_create(
            actor=actor,
            name=subject["name"],
            address=subject["address"],
            postcode=subject["postcode"],
            venue_kind=subject["venue_kind"],
            latitude=subject["latitude"],
            longitude=subject["longitude"],
        )
    if kind == EntityKind.VEHICLE:
        registration = subject["registration"]
        described = " ".join(p for p in (subject["colour"], subject["make"], subject["model"]) if p)
        label = normalise.format_registration(registration) if registration else described
        if registration and described:
            label = f"{label} ({described})"
        entity, _ = _find_or_create(
            kind=kind,
            key=registration,
            actor=actor,
            label=label[:300],
            make=subject["make"],
            model=subject["model"],
            colour=subject["colour"],
        )
        return entity
    if kind == EntityKind.PHONE:
        entity, _ = _find_or_create(
            kind=kind,
            key=subject["number"],
            actor=actor,
            label=normalise.format_phone(subject["number"]),
        )
        return entity
    key = normalise.account_key(subject["platform"], subject["handle"])
    entity, _ = _find_or_create(
        kind=kind, key=key, actor=actor, label=f"{subject['platform']}: @{subject['handle']}"
    )
    return entity


# --- Submission ----------------------------------------------------------------------------------


def _next_reference(now: datetime) -> str:
    year = timezone.localtime(now).year
    counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"INT-{year}-{counter.last:06d}"


def _as_datetime(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value)[:40]
        try:
            moment = parse_datetime(text)
            day = parse_date(text) if moment is None else None
        except ValueError:  # well formed but not a real moment (2026-02-30, 25:00)
            moment = day = None
        if moment is None:
            if day is None:
                raise ValidationError({"obtained_at": "Enter the date and time, like 2026-03-27"})
            moment = datetime(
                day.year, day.month, day.day, 12, 0, tzinfo=timezone.get_current_timezone()
            )
    if timezone.is_naive(moment):
        try:
            moment = timezone.make_aware(moment)
        except (ValueError, OverflowError):
            raise ValidationError({"obtained_at": "Enter a real date and time"}) from None
    return moment


#: A clock a little ahead of the server's is not the future.
CLOCK_SKEW = timedelta(minutes=5)


def obtained_at_error(moment: datetime | None) -> str | None:
    """Why this cannot be when the information was obtained (``None`` when it can): from 1900
    (``cse_portal.dates``) to now, as every date a person types."""
    if moment is None:
        return None
    try:
        validate_not_before_1900(moment)
    except ValidationError:
        return "The information must have been obtained in 1900 or later: check the year"
    if moment > timezone.now() + CLOCK_SKEW:
        return "The information cannot have been obtained in the future"
    return None


def _item_fields(
    *,
    scheme: str,
    source_evaluation: str,
    intelligence_evaluation: str,
    handling_code: str,
    handling_conditions: str,
    priority: str,
    obtained_at: Any,
    content: str,
    source_kind: str,
    source_description: str,
) -> dict[str, Any]:
    return {
        "scheme": scheme or Scheme.FIVE_BY_FIVE,
        "source_evaluation": (source_evaluation or "").strip().upper(),
        "intelligence_evaluation": (intelligence_evaluation or "").strip().upper(),
        "handling_code": (handling_code or "").strip().upper(),
        "handling_conditions": (handling_conditions or "").strip(),
        "priority": priority,
        "obtained_at": _as_datetime(obtained_at),
        "content": (content or "").strip(),
        "source_kind": source_kind or "",
        "source_description": (source_description or "").strip(),
    }


def _submission_errors(fields: dict[str, Any]) -> dict[str, list[str]]:
    errors = grading_errors(
        scheme=fields["scheme"],
        source_evaluation=fields["source_evaluation"],
        intelligence_evaluation=fields["intelligence_evaluation"],
        handling_code=fields["handling_code"],
        handling_conditions=fields["handling_conditions"],
    )
    if fields["priority"] not in Priority.values:
        errors["priority"] = ["Choose the priority: high, medium or low"]
    if fields["obtained_at"] is None:
        errors["obtained_at"] = ["Say when the information was obtained"]
    elif why := obtained_at_error(fields["obtained_at"]):
        errors["obtained_at"] = [why]
    if not fields["content"]:
        errors["content"] = ["Write what you know: who, what, where, when, why and how"]
    if fields["source_kind"] not in SourceKind.values:
        errors["source_kind"] = ["Say where the information came from"]
    return errors


def _chronicle(item: IntelligenceItem, actor: Any) -> None:
    """A line on each linked young person's record: the reference and date, for the managers,
    never the content. Once per item and record."""
    linked = set(
        Entity.objects.filter(
            mentions__item=item, young_person__isnull=False, merged_into__isnull=True
        ).values_list("young_person_id", flat=True)
    )
    if item.young_person_id:
        linked.add(item.young_person_id)
    if not linked:
        return
    already = set(
        ChronologyEntry.objects.filter(
            young_person_id__in=linked, source_app="intelligence", object_id=str(item.pk)
        ).values_list("young_person_id", flat=True)
    )
    for young_person in YoungPerson.objects.filter(pk__in=linked - already):
        yp_services.chronology_add(
            young_person=young_person,
            title=f"Intelligence {item.reference} linked",
            source_app="intelligence",
            occurred_at=item.obtained_at or item.submitted_at,
            obj=item,
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
            audience=ChronologyAudience.MANAGERS,
        )


def _mention(item: IntelligenceItem, entity: Entity, role: str) -> Mention:
    mention, _ = Mention.objects.get_or_create(item=item, entity=entity, role=role)
    return mention


def _link_subjects(item: IntelligenceItem, subjects: list[dict[str, Any]], actor: Any) -> list[Any]:
    entity_ids = []
    for subject in subjects:
        entity = subject_entity(actor, subject)
        _mention(item, entity, subject["role"])
        entity_ids.append(entity.pk)
    if item.young_person_id:
        entity = _person_entity(
            actor,
            {
                "name": "",
                "alias": "",
                "date_of_birth": item.young_person.date_of_birth,
                "description": "",
                "young_person": item.young_person,
            },
        )
        _mention(item, entity, MentionRole.YOUNG_PERSON_AT_RISK)
        entity_ids.append(entity.pk)
    return entity_ids


@transaction.atomic
def item_submit(
    *,
    actor: Any,
    scheme: str,
    source_evaluation: str,
    intelligence_evaluation: str,
    handling_code: str,
    handling_conditions: str = "",
    priority: str,
    obtained_at: Any,
    content: str,
    source_kind: str,
    source_description: str = "",
    subjects: list[dict[str, Any]] | None = None,
    origin: str = Origin.SUBMISSION,
    origin_reference: str = "",
    young_person: YoungPerson | None = None,
    item: IntelligenceItem | None = None,
    community_concern: Any = None,
) -> IntelligenceItem:
    """Submit an intelligence report (or the draft ``item``): checked, given its reference, its
    subjects found or created as entities and mentioned, in status "received" on the analyst's
    desk, and the linking listeners (the pattern alerts) told. A ``ValidationError`` with field
    errors for anything wrong, and nothing saved."""
    if not permissions.can_submit(actor) and origin == Origin.SUBMISSION:
        raise PermissionDenied("Your role does not submit intelligence")
    if origin not in Origin.values:
        raise ValidationError({"origin": "Not a known origin"})
    if item is not None and not (item.is_draft and item.submitted_by_id == actor.pk):
        raise PermissionDenied("Only your own draft can be submitted")
    fields = _item_fields(
        scheme=scheme,
        source_evaluation=source_evaluation,
        intelligence_evaluation=intelligence_evaluation,
        handling_code=handling_code,
        handling_conditions=handling_conditions,
        priority=priority,
        obtained_at=obtained_at,
        content=content,
        source_kind=source_kind,
        source_description=source_description,
    )
    errors = _submission_errors(fields)
    try:
        cleaned = clean_subjects(actor, subjects or [])
    except ValidationError as error:
        errors.update(error.message_dict)
        cleaned = []
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    if item is None:
        item = IntelligenceItem(reference=_next_reference(now), created_at=now)
    for name, value in fields.items():
        setattr(item, name, value)
    item.priority_rank = PRIORITY_RANK[item.priority]
    item.status = ItemStatus.RECEIVED
    item.submitted_at = now
    item.submitted_by = actor if getattr(actor, "is_authenticated", False) else None
    item.agency = getattr(actor, "agency", None) if item.submitted_by else None
    item.origin = origin
    item.origin_reference = (origin_reference or "")[:100]
    item.young_person = young_person
    item.community_concern = community_concern
    item.subjects = [_json_subject(s) for s in cleaned]
    item.full_clean()
    item.save()
    entity_ids = _link_subjects(item, cleaned, actor)
    audit_record(
        actor=actor,
        action=AuditAction.COLLECT,
        obj=item,
        subject_id=item.young_person_id,
        summary=f"Intelligence {item.reference} submitted",
        detail={"origin": origin, "subjects": len(cleaned), "priority": item.priority},
    )
    _chronicle(item, actor)
    notifications.high_priority_notify(item)
    linking.item_linked(entity_ids=entity_ids, item=item, linked_by=actor)
    return item


#: What a draft holds, to tell a draft saved again unchanged.
DRAFT_FIELDS = (
    "scheme",
    "source_evaluation",
    "intelligence_evaluation",
    "handling_code",
    "handling_conditions",
    "priority",
    "obtained_at",
    "content",
    "source_kind",
    "source_description",
    "subjects",
)


def _draft_state(item: IntelligenceItem) -> tuple[Any, ...]:
    return tuple(getattr(item, name) for name in DRAFT_FIELDS)


@transaction.atomic
def item_save_draft(
    *,
    actor: Any,
    item: IntelligenceItem | None = None,
    scheme: str = "",
    source_evaluation: str = "",
    intelligence_evaluation: str = "",
    handling_code: str = "",
    handling_conditions: str = "",
    priority: str = Priority.LOW,
    obtained_at: Any = None,
    content: str = "",
    source_kind: str = "",
    source_description: str = "",
    subjects: list[dict[str, Any]] | None = None,
) -> IntelligenceItem:
    """Keep an unfinished report as the submitter's draft: nothing is checked but the lengths
    and the codes' shape, and nobody else sees it. Subjects stay as typed until submission. A
    draft saved again unchanged writes nothing."""
    if not permissions.can_submit(actor):
        raise PermissionDenied("Your role does not submit intelligence")
    if item is not None and not (item.is_draft and item.submitted_by_id == actor.pk):
        raise PermissionDenied("Only your own draft can be saved")
    fields = _item_fields(
        scheme=scheme,
        source_evaluation=source_evaluation,
        intelligence_evaluation=intelligence_evaluation,
        handling_code=handling_code,
        handling_conditions=handling_conditions,
        priority=priority or Priority.LOW,
        obtained_at=obtained_at,
        content=content,
        source_kind=source_kind,
        source_description=source_description,
    )
    if why := obtained_at_error(fields["obtained_at"]):
        raise ValidationError({"obtained_at": [why]})
    created = item is None
    if item is None:
        now = timezone.now()
        item = IntelligenceItem(reference=_next_reference(now), created_at=now)
    saved = None if created else _draft_state(item)
    for name, value in fields.items():
        setattr(item, name, value)
    if fields["scheme"] in Scheme.values:
        codes = GRADING_CODES[fields["scheme"]]
        for name in ("source_evaluation", "intelligence_evaluation", "handling_code"):
            if getattr(item, name) not in codes[name]:
                setattr(item, name, "")
    item.priority_rank = PRIORITY_RANK.get(item.priority, 2)
    item.status = ItemStatus.DRAFT
    item.submitted_by = actor
    item.agency = actor.agency
    item.subjects = [
        {k: str(v)[:1000] for k, v in s.items() if v not in (None, "")}
        for s in (subjects or [])
        if isinstance(s, dict)
    ][:50]
    if saved is not None and _draft_state(item) == saved:
        return item  # Saved again unchanged: nothing written.
    item.full_clean()
    item.save()
    if created:
        audit_record(
            actor=actor,
            action=AuditAction.COLLECT,
            obj=item,
            summary=f"Intelligence {item.reference} saved as a draft",
        )
    return item


# --- Alerts --------------------------------------------------------------------------------------


@transaction.atomic
def alert_close(*, actor: Any, alert: Alert, outcome: str, reason: str) -> Alert:
    """Close an open alert with its outcome (operation, outreach, disruption, no further action)
    and the reason. The outreach app closes one with the outcome "outreach"."""
    if not permissions.can_close_alert(actor, outcome):
        raise PermissionDenied("Your role does not close alerts")
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    errors: dict[str, list[str]] = {}
    if alert.status != AlertStatus.OPEN:
        errors["outcome"] = ["This alert is already closed"]
    if outcome not in AlertOutcome.values:
        errors["outcome"] = ["Choose the outcome: operation, outreach, disruption or no action"]
    if not (reason or "").strip():
        errors["reason"] = ["Give the reason for closing the alert"]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    alert.status = AlertStatus.CLOSED
    alert.outcome = outcome
    alert.reason = reason.strip()
    alert.closed_at = now
    alert.closed_by = actor
    alert.updated_at = now
    alert.full_clean()
    alert.save()
    audit_record(
        actor=actor,
        action=AuditAction.ALTER,
        obj=alert,
        summary=f"Alert closed: {alert.get_outcome_display()}",
        justification=alert.reason,
    )
    return alert


# --- Merging young people's records --------------------------------------------------------------


def young_person_merged(*, survivor: YoungPerson, duplicate: YoungPerson, merged_by: Any) -> dict:
    """Merge hook: entities and items about the duplicate now concern the survivor."""
    entities = Entity.objects.filter(young_person=duplicate).update(young_person=survivor)
    items = IntelligenceItem.objects.filter(young_person=duplicate).update(young_person=survivor)
    # The picture counts the people now linked to the survivor as one young person.
    picture_links.links_refresh(
        Mention.objects.filter(entity__young_person=survivor).values_list("item_id", flat=True)
    )
    return {Entity._meta.label_lower: entities, IntelligenceItem._meta.label_lower: items}


# --- The analyst's desk --------------------------------------------------------------------------


def _require_analyst(actor: Any) -> None:
    if not permissions.is_analyst(actor):
        raise PermissionDenied("Only the analyst does this")


def _audit_item(actor: Any, item: IntelligenceItem, summary: str, **extra: Any) -> None:
    audit_record(
        actor=actor,
        action=extra.pop("action", AuditAction.ALTER),
        obj=item,
        subject_id=item.young_person_id,
        summary=f"Intelligence {item.reference}: {summary}",
        **extra,
    )


def _start_assessing(item: IntelligenceItem) -> None:
    if item.status == ItemStatus.RECEIVED:
        item.status = ItemStatus.BEING_ASSESSED


@transaction.atomic
def item_take(*, actor: Any, item: IntelligenceItem) -> IntelligenceItem:
    """The analyst starts on an item: the submitter now sees "being assessed"."""
    _require_analyst(actor)
    item = IntelligenceItem.objects.select_for_update().get(pk=item.pk)
    if item.status != ItemStatus.RECEIVED:
        return item
    item.status = ItemStatus.BEING_ASSESSED
    item.save(update_fields=["status", "updated_at"])
    _audit_item(actor, item, "assessment started")
    return item


@transaction.atomic
def item_regrade(
    *,
    actor: Any,
    item: IntelligenceItem,
    source_evaluation: str,
    intelligence_evaluation: str,
    handling_code: str,
    handling_conditions: str = "",
    reason: str,
) -> IntelligenceItem:
    """The analyst's re-evaluation, in the item's scheme. The submitted grading is kept; the
    change and its reason are a ``GradingChange`` and an audit entry, the analyst's confirmation
    of the submitted grading too. The analyst's own grading given again changes nothing: no
    write, no audit."""
    _require_analyst(actor)
    item = IntelligenceItem.objects.select_for_update().get(pk=item.pk)
    current = {
        "source_evaluation": (source_evaluation or "").strip().upper(),
        "intelligence_evaluation": (intelligence_evaluation or "").strip().upper(),
        "handling_code": (handling_code or "").strip().upper(),
        "handling_conditions": (handling_conditions or "").strip(),
    }
    errors = grading_errors(scheme=item.scheme, **current)
    previous = {
        "source_evaluation": item.current_source_evaluation,
        "intelligence_evaluation": item.current_intelligence_evaluation,
        "handling_code": item.current_handling_code,
        "handling_conditions": item.current_handling_conditions,
    }
    if not errors and item.graded_at is not None and current == previous:
        # The analyst's own grading given again: nothing to record, audit or withdraw. (The
        # first time the analyst confirms the submitted grading is recorded: it is their call.)
        return item
    if not (reason or "").strip():
        errors["reason"] = ["Give the reason for the new grading"]
    if errors:
        raise ValidationError(errors)
    item.analyst_source_evaluation = current["source_evaluation"]
    item.analyst_intelligence_evaluation = current["intelligence_evaluation"]
    item.analyst_handling_code = current["handling_code"]
    item.analyst_handling_conditions = current["handling_conditions"]
    item.graded_at = timezone.now()
    item.graded_by = actor
    _start_assessing(item)
    item.full_clean()
    item.save()
    change = GradingChange(
        item=item, changed_by=actor, previous=previous, current=current, reason=reason.strip()
    )
    change.full_clean()
    change.save()
    _audit_item(
        actor,
        item,
        f"regraded {item.submitted_grading} to {item.grading}",
        justification=change.reason,
        detail={"previous": previous, "current": current},
    )
    _withdraw_forbidden(actor, item)
    # The picture counts the grading in force: its links carry it.
    picture_links.links_refresh([item.pk])
    return item


def _withdraw_forbidden(actor: Any, item: IntelligenceItem) -> int:
    """After a regrading, every recipient the handling code now in force forbids (code 5 or 3,
    code 4 outside the originating agency, code 2 without the authority, ...) loses the item:
    its dissemination to them is withdrawn, with the rule as the reason, and audited. The rule
    is ``handling.refusal``, with each dissemination's own purpose and authority."""
    live = list(
        DisseminationRecipient.objects.filter(dissemination__item=item, withdrawn_at__isnull=True)
        .select_related("dissemination", "user__agency", "agency")
        .order_by("pk")
    )
    if not live:
        return 0
    users = [row.user for row in live if row.user_id]
    agencies = [row.agency for row in live if row.agency_id]
    authorised = _authorised(users, agencies)
    now = timezone.now()
    withdrawn = []
    for row in live:
        request = handling.Request(
            scheme=item.scheme,
            handling_code=item.current_handling_code,
            conditions=item.current_handling_conditions,
            originating_agency_id=item.agency_id,
            purpose=row.dissemination.purpose,
            authority=row.dissemination.authority,
            sanitised=bool(item.sanitised_content.strip()),
        )
        recipient = (
            _recipient_for_user(row.user, authorised)
            if row.user_id
            else _recipient_for_agency(row.agency, authorised)
        )
        why = handling.refusal(request, recipient)
        if why:
            row.withdrawn_at, row.withdrawn_reason = now, why[:REASON_MAX_LENGTH]
            row.save(update_fields=["withdrawn_at", "withdrawn_reason"])
            withdrawn.append(row)
    if withdrawn:
        audit_record(
            actor=actor,
            action=AuditAction.ALTER,
            obj=item,
            subject_id=item.young_person_id,
            summary=f"Intelligence {item.reference}: dissemination withdrawn after regrading",
            justification=withdrawn[0].withdrawn_reason,
            recipients=[_recipient_name(row) for row in withdrawn],
            detail={"handling_code": item.current_handling_code, "scheme": item.scheme},
        )
    return len(withdrawn)


def _recipient_name(row: DisseminationRecipient) -> str:
    return f"user:{row.user.username}" if row.user_id else f"agency:{row.agency.name}"


@transaction.atomic
def item_sanitise(
    *, actor: Any, item: IntelligenceItem, sanitised_content: str
) -> IntelligenceItem:
    """The analyst's sanitised version: what may be shared, with whatever would identify the
    source (or third parties) taken out. The original is kept. The same text again writes
    nothing. Recipients read the version in force, so a new one after a dissemination is a
    disclosure to each of them, in the audit log with their names."""
    _require_analyst(actor)
    text = (sanitised_content or "").strip()
    if not text:
        raise ValidationError({"sanitised_content": ["Write the sanitised version"]})
    item = IntelligenceItem.objects.select_for_update().get(pk=item.pk)
    if item.sanitised_content == text:
        return item  # The same text saved again: nothing written, nothing audited.
    item.sanitised_content = text
    item.sanitised_at = timezone.now()
    item.sanitised_by = actor
    _start_assessing(item)
    item.full_clean()
    item.save()
    _audit_item(actor, item, "sanitised version written")
    # Recipients read the sanitised version in force: a new one is disclosed to each of them.
    live = list(
        DisseminationRecipient.objects.filter(dissemination__item=item, withdrawn_at__isnull=True)
        .select_related("user", "agency")
        .order_by("pk")
    )
    if live:
        audit_record(
            actor=actor,
            action=AuditAction.DISCLOSE,
            obj=item,
            subject_id=item.young_person_id,
            summary=f"Intelligence {item.reference}: new sanitised version shown to its recipients",
            recipients=sorted({_recipient_name(row) for row in live}),
            detail={"handling_code": item.current_handling_code, "scheme": item.scheme},
        )
    return item


@transaction.atomic
def item_mark_assessed(*, actor: Any, item: IntelligenceItem) -> IntelligenceItem:
    """The analyst has finished: the submitter sees "assessed"."""
    _require_analyst(actor)
    item = IntelligenceItem.objects.select_for_update().get(pk=item.pk)
    if item.status == ItemStatus.ASSESSED:
        return item
    item.status = ItemStatus.ASSESSED
    item.assessed_at = timezone.now()
    item.save(update_fields=["status", "assessed_at", "updated_at"])
    _audit_item(actor, item, "assessed")
    return item


def _relink(actor: Any, entity_ids: list[Any], items: Iterable[IntelligenceItem]) -> None:
    for item in items:
        _chronicle(item, actor)
    linking.item_linked(entity_ids=entity_ids, item=None, linked_by=actor)


@transaction.atomic
def mention_resolve(*, actor: Any, mention: Mention, entity: Entity) -> Mention:
    """The analyst resolves a subject to an existing entity of the same kind (the same man under
    another spelling, say): the mention now names that entity."""
    _require_analyst(actor)
    entity = _survivor(entity)
    if entity.kind != mention.entity.kind:
        raise ValidationError({"entity": ["Choose an entity of the same kind"]})
    if entity.pk == mention.entity_id:
        return mention
    previous = mention.entity_id
    existing = Mention.objects.filter(item=mention.item, entity=entity, role=mention.role).first()
    if existing is not None:
        mention.delete()
        mention = existing
    else:
        mention.entity = entity
        mention.save(update_fields=["entity"])
    _audit_item(
        actor,
        mention.item,
        f"subject resolved to {entity.label}",
        action=AuditAction.COMBINE,
        detail={"from": str(previous), "to": str(entity.pk)},
    )
    _chronicle(mention.item, actor)
    linking.item_linked(entity_ids=[previous, entity.pk], item=mention.item, linked_by=actor)
    return mention


@transaction.atomic
def entity_link_young_person(
    *, actor: Any, entity: Entity, young_person: YoungPerson | None
) -> Entity:
    """The analyst links a person to a young person's record (found with the identity-only
    look-up), or unlinks it with ``None``. Each item mentioning the person then writes its line
    on the record's chronology."""
    _require_analyst(actor)
    if entity.kind != EntityKind.PERSON:
        raise ValidationError({"young_person": ["Only a person is linked to a record"]})
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    if entity.young_person_id == (young_person.pk if young_person else None):
        return entity  # Already so: nothing written, audited or relinked.
    entity.young_person = young_person
    entity.save(update_fields=["young_person"])
    audit_record(
        actor=actor,
        action=AuditAction.COMBINE,
        obj=entity,
        subject_id=young_person.pk if young_person else None,
        summary=(
            "Person linked to a young person's record"
            if young_person
            else "Person unlinked from a young person's record"
        ),
    )
    items = IntelligenceItem.objects.filter(mentions__entity=entity).exclude(
        status=ItemStatus.DRAFT
    )
    _relink(actor, [entity.pk], items.distinct())
    return entity


@transaction.atomic
def entity_merge(*, actor: Any, survivor: Entity, duplicate: Entity) -> Entity:
    """The analyst merges a likely duplicate into ``survivor``: its mentions move, alerts about it
    follow (an open one closes into the survivor's), and it is kept, pointing at the survivor."""
    _require_analyst(actor)
    survivor, duplicate = _survivor(survivor), _survivor(duplicate)
    if survivor.pk == duplicate.pk:
        raise ValidationError({"duplicate": ["These are already the same entity"]})
    if survivor.kind != duplicate.kind:
        raise ValidationError({"duplicate": ["Only entities of the same kind are merged"]})
    for mention in Mention.objects.filter(entity=duplicate):
        if Mention.objects.filter(
            item=mention.item_id, entity=survivor, role=mention.role
        ).exists():
            mention.delete()
        else:
            mention.entity = survivor
            mention.save(update_fields=["entity"])
    open_alert = Alert.objects.filter(entity=survivor, status=AlertStatus.OPEN).exists()
    for alert in Alert.objects.filter(entity=duplicate):
        if alert.status == AlertStatus.OPEN and open_alert:
            alert_close(
                actor=actor,
                alert=alert,
                outcome=AlertOutcome.NO_FURTHER_ACTION,
                reason=f"Merged into the alert on {survivor.label}",
            )
            alert.refresh_from_db()
        alert.entity = survivor
        alert.save(update_fields=["entity"])
    Entity.objects.filter(merged_into=duplicate).update(merged_into=survivor)
    filled = []
    for field in ("young_person", "date_of_birth", "latitude", "longitude", "venue_kind"):
        if getattr(survivor, field) in (None, "") and getattr(duplicate, field) not in (None, ""):
            setattr(survivor, field, getattr(duplicate, field))
            filled.append(field)
    if filled:
        survivor.save(update_fields=filled)
    duplicate.merged_into = survivor
    duplicate.save(update_fields=["merged_into"])
    audit_record(
        actor=actor,
        action=AuditAction.COMBINE,
        obj=survivor,
        subject_id=survivor.young_person_id,
        summary=f"{duplicate.get_kind_display()} merged: {duplicate.label} into {survivor.label}",
        detail={"duplicate": str(duplicate.pk)},
    )
    items = IntelligenceItem.objects.filter(mentions__entity=survivor).exclude(
        status=ItemStatus.DRAFT
    )
    _relink(actor, [survivor.pk], items.distinct())
    return survivor


# --- Dissemination -------------------------------------------------------------------------------


def _authorised(users: list[Any], agencies: list[Any]) -> tuple[set[Any], set[Any]]:
    """Which of these users and agencies are recorded with the authority for handling code 2."""
    records = AuthorisedRecipient.objects.filter(is_active=True).filter(
        Q(user__in=users) | Q(agency__in={*agencies, *(u.agency_id for u in users)})
    )
    user_ids = {r.user_id for r in records if r.user_id}
    agency_ids = {r.agency_id for r in records if r.agency_id}
    return user_ids, agency_ids


def _recipient_for_user(user: Any, authorised: tuple[set[Any], set[Any]]) -> handling.Recipient:
    agency = user.agency
    return handling.Recipient(
        label=user.get_full_name() or user.username,
        agency_id=agency.pk if agency else None,
        agency_kind=agency.kind if agency else "",
        agency_active=bool(agency and agency.is_active),
        is_user=True,
        user_active=user.is_active,
        role=user.role,
        authorised=user.pk in authorised[0] or (agency is not None and agency.pk in authorised[1]),
    )


def _recipient_for_agency(agency: Any, authorised: tuple[set[Any], set[Any]]) -> handling.Recipient:
    return handling.Recipient(
        label=agency.name,
        agency_id=agency.pk,
        agency_kind=agency.kind,
        agency_active=agency.is_active,
        is_user=False,
        authorised=agency.pk in authorised[1],
    )


@transaction.atomic
def item_disseminate(
    *,
    actor: Any,
    item: IntelligenceItem,
    recipients: Iterable[Any] = (),
    recipient_agencies: Iterable[Any] = (),
    purpose: str = "",
    authority: str = "",
) -> Dissemination:
    """Share the sanitised version with named users and agencies, as the handling code in force
    allows (``handling.refusal``): a recipient it forbids refuses the whole dissemination with
    the rule named. Each dissemination is a disclosure in the audit log, with its recipients."""
    _require_analyst(actor)
    item = IntelligenceItem.objects.select_for_update().get(pk=item.pk)
    users = list({u.pk: u for u in recipients}.values())
    agencies = list({a.pk: a for a in recipient_agencies}.values())
    if not users and not agencies:
        raise ValidationError({"recipients": ["Choose at least one person or agency"]})
    if item.status == ItemStatus.DRAFT:
        raise ValidationError({"recipients": ["A draft is never disseminated"]})
    request = handling.Request(
        scheme=item.scheme,
        handling_code=item.current_handling_code,
        conditions=item.current_handling_conditions,
        originating_agency_id=item.agency_id,
        purpose=purpose or "",
        authority=authority or "",
        sanitised=bool(item.sanitised_content.strip()),
    )
    authorised = _authorised(users, agencies)
    errors: dict[str, list[str]] = {}
    for field, candidates, describe in (
        ("recipients", users, _recipient_for_user),
        ("recipient_agencies", agencies, _recipient_for_agency),
    ):
        for candidate in candidates:
            why = handling.refusal(request, describe(candidate, authorised))
            if why and why not in errors.get(field, []):
                errors.setdefault(field, []).append(why)
    if errors:
        raise ValidationError(errors)
    dissemination = Dissemination(
        item=item,
        disseminated_by=actor,
        handling_code=item.current_handling_code,
        conditions=item.current_handling_conditions,
        purpose=(purpose or "").strip(),
        authority=(authority or "").strip(),
    )
    dissemination.full_clean()
    dissemination.save()
    DisseminationRecipient.objects.bulk_create(
        [DisseminationRecipient(dissemination=dissemination, user=u) for u in users]
        + [DisseminationRecipient(dissemination=dissemination, agency=a) for a in agencies]
    )
    # Read back rather than trust bulk_create to have set the ids on every database.
    notifications.dissemination_notify(
        item, list(dissemination.recipients.order_by("pk").select_related("user", "agency"))
    )
    audit_record(
        actor=actor,
        action=AuditAction.DISCLOSE,
        obj=item,
        subject_id=item.young_person_id,
        summary=f"Intelligence {item.reference} disseminated (sanitised)",
        justification=dissemination.purpose or dissemination.authority,
        recipients=[f"user:{u.username}" for u in users] + [f"agency:{a.name}" for a in agencies],
        detail={"handling_code": dissemination.handling_code, "scheme": item.scheme},
    )
    _start_assessing(item)
    if item.status != ItemStatus.ASSESSED:
        item.save(update_fields=["status", "updated_at"])
    return dissemination


@transaction.atomic
def conditions_acknowledge(
    *, actor: Any, item: IntelligenceItem
) -> ConditionsAcknowledgement | None:
    """A recipient accepts a 3x5x2 C item's conditions, before its text is shown to them. An
    item with no conditions to accept records nothing (``None``)."""
    if not permissions.received_items(actor).filter(pk=item.pk).exists():
        raise PermissionDenied("Not disseminated to you")
    if not item.conditions_need_acknowledgement:
        return None
    conditions = item.acknowledged_conditions
    acknowledgement = (
        ConditionsAcknowledgement.objects.select_for_update().filter(item=item, user=actor).first()
    )
    if acknowledgement is not None and acknowledgement.conditions == conditions:
        return acknowledgement
    # Conditions a regrading changed are accepted anew: the earlier acceptance stays in the
    # audit log, the record holds the conditions now accepted.
    if acknowledgement is None:
        acknowledgement = ConditionsAcknowledgement(item=item, user=actor)
    acknowledgement.conditions = conditions
    acknowledgement.acknowledged_at = timezone.now()
    acknowledgement.full_clean()
    acknowledgement.save()
    _audit_item(
        actor,
        item,
        "handling conditions accepted by a recipient",
        detail={"conditions": conditions},
    )
    return acknowledgement


# --- Community concerns --------------------------------------------------------------------------


def _concern_subjects(concern: Any) -> list[dict[str, Any]]:
    """The place and any registrations a community concern names, as subjects (what cannot be
    read as one stays in the text)."""
    subjects: list[dict[str, Any]] = []
    postcode = concern.postcode
    if postcode:
        try:
            postcode = normalise.clean_postcode(postcode)
        except ValidationError:
            postcode = ""
    if concern.venue or concern.address or postcode:
        subjects.append(
            {
                "kind": "location",
                "name": concern.venue,
                "address": concern.address,
                "postcode": postcode,
            }
        )
    for word in re.split(r"[,;/\n]+", concern.vehicles or ""):
        if normalise.registration_format(word):
            subjects.append({"kind": "vehicle", "registration": word})
    return subjects


def _concern_content(referral: Any, concern: Any) -> str:
    parts = [
        ("What was seen", concern.what_seen),
        ("When", concern.when_seen),
        ("Where", concern.place),
        ("Vehicles", concern.vehicles),
        ("People", concern.people),
        ("The child", concern.child_details),
    ]
    return "\n\n".join(f"{title}: {text}" for title, text in parts if text)[:10_000]


@transaction.atomic
def concern_to_item(*, actor: Any, referral: Any) -> IntelligenceItem:
    """Turn a community concern (``/report-a-concern/``) into an intelligence item in one action,
    without retyping: the item points at the concern and the concern's page shows the item.
    Graded E 4 4 (an untested source, cannot be judged, within the agency) until the analyst
    re-evaluates it; the reporter's details stay in the never-disseminated source description."""
    if not permissions.can_convert_concern(actor):
        raise PermissionDenied("Only the team manager or the analyst does this")
    concern = getattr(referral, "community_concern", None)
    if concern is None or referral.status == "draft":
        raise ValidationError({"referral": ["This is not a community concern"]})
    if IntelligenceItem.objects.filter(community_concern=referral).exists():
        raise ValidationError({"referral": ["This concern is already an intelligence item"]})
    reporter = ", ".join(
        p
        for p in (
            concern.get_reporter_sector_display(),
            concern.reporter_name,
            concern.reporter_contact,
        )
        if p
    )
    return item_submit(
        actor=actor,
        scheme=Scheme.FIVE_BY_FIVE,
        source_evaluation="E",
        intelligence_evaluation="4",
        handling_code="4",
        priority=Priority.HIGH if referral.urgent else Priority.MEDIUM,
        obtained_at=referral.submitted_at or referral.created_at,
        content=_concern_content(referral, concern),
        source_kind=SourceKind.COMMUNITY_CONCERN,
        source_description=f"Community concern {referral.reference} from: {reporter}"[:5000],
        subjects=_concern_subjects(concern),
        origin=Origin.COMMUNITY_CONCERN,
        origin_reference=referral.reference,
        community_concern=referral,
    )
