"""Every write to intelligence: keyword-only functions, one transaction each, that check the rule,
write, and record the audit entry (and the chronology entry on a linked young person's record).
The pages, the API, other apps' debriefs and the demo data all come through here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from cse_portal.audit.models import AuditAction
from cse_portal.audit.services import audit_record
from cse_portal.young_people import services as yp_services
from cse_portal.young_people.models import ChronologyAudience, ChronologyEntry, YoungPerson

from . import linking, normalise, permissions
from .models import (
    CONDITIONS_REQUIRED,
    DEFAULT_ROLE,
    GRADING_CODES,
    PERSON_ROLES,
    PRIORITY_RANK,
    Alert,
    AlertOutcome,
    AlertStatus,
    Entity,
    EntityKind,
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
    if not -limit <= number <= limit:
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
    parsed = parse_date(str(value))
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
    if born is not None and born > timezone.localdate():
        raise ValidationError({"date_of_birth": "The date of birth must be in the past"})
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
    if role not in PERSON_ROLES:
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
    kind = subject.get("kind")
    if kind not in SUBJECT_FIELDS:
        raise ValidationError({"kind": "Choose person, vehicle, location, phone or account"})
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
        moment = parse_datetime(str(value))
        if moment is None:
            day = parse_date(str(value))
            if day is None:
                raise ValidationError({"obtained_at": "Enter the date and time, like 2026-03-27"})
            moment = datetime(
                day.year, day.month, day.day, 12, 0, tzinfo=timezone.get_current_timezone()
            )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


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
    elif fields["obtained_at"] > timezone.now() + timezone.timedelta(minutes=5):
        errors["obtained_at"] = ["The information cannot have been obtained in the future"]
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
    linking.item_linked(entity_ids=entity_ids, item=item, linked_by=actor)
    return item


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
    and the codes' shape, and nobody else sees it. Subjects stay as typed until submission."""
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
    created = item is None
    if item is None:
        now = timezone.now()
        item = IntelligenceItem(reference=_next_reference(now), created_at=now)
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
    return {Entity._meta.label_lower: entities, IntelligenceItem._meta.label_lower: items}
