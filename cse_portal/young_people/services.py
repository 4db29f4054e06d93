"""Every write to young people's records. Each function is one transaction that checks the rule,
writes, and records the audit entry and the chronology entry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.formats import date_format

from cse_portal.accounts.models import Agency, User
from cse_portal.accounts.roles import Role
from cse_portal.audit.models import AuditAction
from cse_portal.audit.services import audit_record

from . import merge_hooks, permissions
from .models import (
    Alias,
    ChronologyAudience,
    ChronologyEntry,
    Ethnicity,
    Flag,
    FlagKind,
    Gender,
    Involvement,
    PartnerAgencyOffer,
    PartnerOfferStatus,
    RiskLevel,
    YoungPerson,
    YoungPersonUserObjectPermission,
)
from .validators import format_nhs_number, normalise_nhs_number, normalise_postcode

IDENTITY_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "estimated_age",
    "gender",
    "ethnicity",
    "nhs_number",
    "address",
    "postcode",
    "school",
    "looked_after",
    "learning_disability",
    "first_language",
)


# --- Chronology ----------------------------------------------------------------------------------


def chronology_add(
    *,
    young_person: YoungPerson,
    title: str,
    source_app: str,
    occurred_at: datetime | None = None,
    obj: models.Model | None = None,
    detail: str = "",
    recorded_by: User | None = None,
    audience: str = ChronologyAudience.CASE,
) -> ChronologyEntry:
    """Add a line to the young person's timeline. The one way any app writes to it."""
    entry = ChronologyEntry(
        young_person=young_person,
        occurred_at=occurred_at or timezone.now(),
        recorded_by=recorded_by,
        source_app=source_app,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        title=title[:200],
        detail=detail,
        audience=audience,
    )
    # The record and the user are objects the caller holds, and the database's foreign keys hold
    # them too: checking each again is a query, two for every line of every app's timeline.
    entry.full_clean(exclude=["young_person", "recorded_by"])
    entry.save()
    return entry


# --- Identity ------------------------------------------------------------------------------------


def _normalise_identity(values: dict[str, Any]) -> dict[str, Any]:
    values = dict(values)
    if "postcode" in values:
        values["postcode"] = normalise_postcode(values["postcode"] or "")
    if "nhs_number" in values:
        values["nhs_number"] = normalise_nhs_number(values["nhs_number"] or "")
    for name in ("given_name", "family_name"):
        if name in values:
            values[name] = (values[name] or "").strip()
    return values


def _save_aliases(young_person: YoungPerson, aliases: Iterable[tuple[str, str]]) -> None:
    existing = {a.lower() for a in young_person.aliases.values_list("name", flat=True)}
    for name, kind in aliases:
        name = name.strip()
        if name and name.lower() not in existing:
            alias = Alias(young_person=young_person, name=name, kind=kind)
            alias.full_clean()
            alias.save()
            existing.add(name.lower())


@transaction.atomic
def young_person_create(
    *,
    created_by: User | None,
    given_name: str,
    family_name: str,
    date_of_birth: date | None = None,
    estimated_age: int | None = None,
    aliases: Iterable[tuple[str, str]] = (),
    source_app: str = "young_people",
    **identity: Any,
) -> YoungPerson:
    """Create a record. Callers offer likely matches first (``selectors.young_person_matches``)."""
    unknown = set(identity) - set(IDENTITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown identity fields: {sorted(unknown)}")
    values = _normalise_identity(
        {
            "given_name": given_name,
            "family_name": family_name,
            "date_of_birth": date_of_birth,
            "estimated_age": estimated_age,
            **identity,
        }
    )
    record = YoungPerson(created_by=created_by, **values)
    record.full_clean()
    record.save()
    _save_aliases(record, aliases)
    audit_record(
        actor=created_by,
        action=AuditAction.COLLECT,
        obj=record,
        subject_id=record.pk,
        summary="Record created",
        detail={"source": source_app},
    )
    chronology_add(
        young_person=record,
        title="Record created",
        source_app=source_app,
        obj=record,
        recorded_by=created_by,
    )
    return record


@transaction.atomic
def young_person_update(
    *,
    young_person: YoungPerson,
    updated_by: User,
    aliases: Iterable[tuple[str, str]] | None = None,
    **changes: Any,
) -> YoungPerson:
    """Change identity details. The audit entry names the fields that changed, not their values."""
    if not permissions.can_edit_young_person(updated_by, young_person):
        raise PermissionDenied
    unknown = set(changes) - set(IDENTITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown identity fields: {sorted(unknown)}")
    changes = _normalise_identity(changes)
    held_against = _nhs_number_held_back(young_person, updated_by, changes)
    if held_against is not None:
        held_nhs_number = changes.pop("nhs_number")
    changed = [name for name, value in changes.items() if getattr(young_person, name) != value]
    for name in changed:
        setattr(young_person, name, changes[name])
    young_person.full_clean()
    if changed:
        young_person.save(update_fields=[*changed, "updated_at"])
    if aliases is not None:
        before = set(young_person.aliases.values_list("name", flat=True))
        wanted = {name.strip() for name, _ in aliases if name.strip()}
        young_person.aliases.exclude(name__in=wanted).delete()
        _save_aliases(young_person, aliases)
        if before != set(young_person.aliases.values_list("name", flat=True)):
            changed.append("aliases")
    if changed:
        audit_record(
            actor=updated_by,
            action=AuditAction.ALTER,
            obj=young_person,
            subject_id=young_person.pk,
            summary="Identity details changed",
            detail={"fields": changed},
        )
        chronology_add(
            young_person=young_person,
            title="Identity details updated",
            detail="Changed: " + ", ".join(f.replace("_", " ") for f in changed),
            source_app="young_people",
            obj=young_person,
            recorded_by=updated_by,
        )
    if held_against is not None:
        _possible_duplicate_record(
            young_person=young_person,
            other=held_against,
            nhs_number=held_nhs_number,
            given_by=updated_by,
        )
    return young_person


#: What the user is told when the NHS number they gave is kept for a team manager. It names no
#: other record and no reason, so it confirms nothing about records the user may not see.
NHS_NUMBER_HELD_MESSAGE = (
    "The NHS number has been sent to a team manager to check before it is added to the record."
)


def _nhs_number_held_back(
    young_person: YoungPerson, user: User, changes: dict[str, Any]
) -> YoungPerson | None:
    """The record that already has the new NHS number, when ``user`` may not see it.

    Refusing the number ("another record already has it") would tell the user that a CSE record
    exists for a child they were not told about. The number is held back instead and the team
    manager, who may see both, decides. A clash with a record the user can see is refused plainly
    by the unique constraint, as it tells them nothing new."""
    nhs_number = changes.get("nhs_number")
    if not nhs_number or nhs_number == young_person.nhs_number:
        return None
    other = YoungPerson.objects.filter(nhs_number=nhs_number).exclude(pk=young_person.pk).first()
    if other is None or permissions.can_view_young_person(user, other):
        return None
    return other


def _possible_duplicate_record(
    *, young_person: YoungPerson, other: YoungPerson, nhs_number: str, given_by: User
) -> None:
    """Keep a held-back NHS number where only team managers see it: a managers-only line in both
    records' chronologies with the number, who gave it and the other record, and an audit entry."""
    formatted = format_nhs_number(nhs_number)
    detail = (
        f"{given_by.get_full_name() or given_by.username} gave NHS number {formatted} for "
        f"{young_person.full_name} ({young_person.pk}), but it is already the NHS number of "
        f"{other.full_name} ({other.pk}). If they are the same young person, merge the records; "
        "if not, correct the number on the record that is wrong."
    )
    for record, counterpart in ((young_person, other), (other, young_person)):
        chronology_add(
            young_person=record,
            title="Possible duplicate: an NHS number waits for a team manager",
            detail=detail,
            source_app="young_people",
            obj=counterpart,
            recorded_by=given_by,
            audience=ChronologyAudience.MANAGERS,
        )
    audit_record(
        actor=given_by,
        action=AuditAction.ALTER,
        obj=young_person,
        subject_id=young_person.pk,
        summary="NHS number held for a team manager: possible duplicate",
        detail={"held_back": ["nhs_number"], "possible_duplicate_of": str(other.pk)},
    )


@transaction.atomic
def young_people_search_record(
    *,
    user: User,
    criteria: dict[str, Any],
    result_count: int,
    shown: Iterable[YoungPerson] = (),
) -> None:
    """Record a search of young people's records: who searched, for what, how many came back and
    which records were shown (so each appears in its own access log)."""
    ids = [str(record.pk) for record in shown]
    audit_record(
        actor=user,
        action=AuditAction.SEARCH,
        object_type="young_people.youngperson",
        summary=f"Searched young people ({result_count} results)",
        detail={
            "criteria": {k: str(v) for k, v in criteria.items() if v},
            "results": result_count,
            "shown": ids,
            "subjects": ids,
        },
    )


# --- Involvement and allocation ------------------------------------------------------------------


def _open_involvement(young_person: YoungPerson) -> Involvement | None:
    return young_person.involvements.filter(closed_at__isnull=True).first()


@transaction.atomic
def involvement_open(*, young_person: YoungPerson, opened_by: User, reason: str) -> Involvement:
    """Open the co-located team's involvement (a no-op returning it if one is already open)."""
    current = _open_involvement(young_person)
    if current is not None:
        return current
    involvement = Involvement(young_person=young_person, opened_by=opened_by, open_reason=reason)
    involvement.full_clean()
    involvement.save()
    audit_record(
        actor=opened_by,
        action=AuditAction.ALTER,
        obj=involvement,
        subject_id=young_person.pk,
        summary="Involvement opened",
        justification=reason,
    )
    chronology_add(
        young_person=young_person,
        title="Involvement with the CSE team opened",
        detail=reason,
        source_app="young_people",
        obj=involvement,
        recorded_by=opened_by,
    )
    return involvement


@transaction.atomic
def involvement_close(*, young_person: YoungPerson, closed_by: User, reason: str) -> Involvement:
    if not permissions.can_manage_involvement(closed_by):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the involvement is closing"})
    involvement = _open_involvement(young_person)
    if involvement is None:
        raise ValidationError("The young person has no open involvement to close.")
    involvement.closed_at = timezone.now()
    involvement.closed_by = closed_by
    involvement.close_reason = reason.strip()
    involvement.full_clean()
    involvement.save(update_fields=["closed_at", "closed_by", "close_reason"])
    audit_record(
        actor=closed_by,
        action=AuditAction.ALTER,
        obj=involvement,
        subject_id=young_person.pk,
        summary="Involvement closed",
        justification=reason,
    )
    chronology_add(
        young_person=young_person,
        title="Involvement with the CSE team closed",
        detail=reason,
        source_app="young_people",
        obj=involvement,
        recorded_by=closed_by,
    )
    return involvement


@transaction.atomic
def young_person_allocate(
    *,
    young_person: YoungPerson,
    practitioners: Iterable[User],
    allocated_by: User,
    reason: str = "",
    source_app: str = "young_people",
) -> list[User]:
    """Allocate practitioners of the co-located team: opens the involvement and grants each of them
    access to the record. Returns the practitioners newly allocated."""
    if not permissions.can_allocate(allocated_by):
        raise PermissionDenied
    practitioners = list(practitioners)
    if not practitioners:
        raise ValidationError({"practitioners": "Select at least one practitioner"})
    for practitioner in practitioners:
        if not (
            practitioner.is_active
            and practitioner.has_role(Role.PRACTITIONER)
            and practitioner.in_colocated_team
        ):
            raise ValidationError(
                {"practitioners": f"{practitioner} is not a practitioner of the co-located team"}
            )
    involvement_open(
        young_person=young_person, opened_by=allocated_by, reason=reason or "Allocated"
    )
    already = set(permissions.allocated_users(young_person).values_list("pk", flat=True))
    added = [p for p in practitioners if p.pk not in already]
    for practitioner in added:
        permissions.grant_allocation(practitioner, young_person)
        audit_record(
            actor=allocated_by,
            action=AuditAction.PERMISSION_CHANGE,
            obj=young_person,
            subject_id=young_person.pk,
            summary=f"Allocated to {practitioner.get_username()}",
            justification=reason,
            recipients=[practitioner.get_username()],
            detail={"grant": "allocation", "user": str(practitioner.pk)},
        )
    if added:
        chronology_add(
            young_person=young_person,
            title="Allocated to " + ", ".join(str(p) for p in added),
            detail=reason,
            source_app=source_app,
            recorded_by=allocated_by,
        )
    return added


@transaction.atomic
def young_person_deallocate(
    *, young_person: YoungPerson, practitioner: User, deallocated_by: User, reason: str
) -> None:
    if not permissions.can_allocate(deallocated_by):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the allocation is ending"})
    permissions.revoke_allocation(practitioner, young_person)
    audit_record(
        actor=deallocated_by,
        action=AuditAction.PERMISSION_CHANGE,
        obj=young_person,
        subject_id=young_person.pk,
        summary=f"Allocation of {practitioner.get_username()} ended",
        justification=reason,
        detail={"revoke": "allocation", "user": str(practitioner.pk)},
    )
    chronology_add(
        young_person=young_person,
        title=f"Allocation of {practitioner} ended",
        detail=reason,
        source_app="young_people",
        recorded_by=deallocated_by,
    )


# --- Flags and risk level ------------------------------------------------------------------------


@transaction.atomic
def flag_raise(
    *,
    young_person: YoungPerson,
    kind: str,
    reason: str,
    raised_by: User | None,
    by_rule: str = "",
) -> Flag:
    """Raise a flag (returns the active one if that kind is already raised). Whoever may work the
    record may flag it; a feature app's rule (``by_rule`` names it, e.g. missing's "three
    episodes in 90 days") raises it whoever's action fired the rule, and the audit entry says so."""
    if not by_rule and not permissions.can_edit_young_person(raised_by, young_person):
        raise PermissionDenied
    current = young_person.flags.filter(kind=kind, removed_at__isnull=True).first()
    if current is not None:
        return current
    flag = Flag(young_person=young_person, kind=kind, reason=reason.strip(), raised_by=raised_by)
    # A rule fired by the system itself (a beat task) has nobody to name.
    flag.full_clean(exclude=["raised_by"] if raised_by is None and by_rule else None)
    flag.save()
    audit_record(
        actor=raised_by,
        action=AuditAction.ALTER,
        obj=flag,
        subject_id=young_person.pk,
        summary=f"Flag raised: {flag.get_kind_display()}",
        justification=reason,
        detail={"rule": by_rule} if by_rule else None,
    )
    chronology_add(
        young_person=young_person,
        title=f"Flag raised: {flag.get_kind_display()}",
        detail=reason,
        source_app="young_people",
        obj=flag,
        recorded_by=raised_by,
    )
    return flag


@transaction.atomic
def flag_remove(*, flag: Flag, removed_by: User | None, reason: str, by_rule: str = "") -> Flag:
    """Take a flag down, with the reason. Whoever may work the record may remove its flags; a
    feature app's rule (``by_rule``) takes down the flag it keeps (missing's "currently
    missing" on a return)."""
    if not by_rule and not permissions.can_edit_young_person(removed_by, flag.young_person):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the flag is being removed"})
    if flag.removed_at is not None:
        return flag
    flag.removed_at = timezone.now()
    flag.removed_by = removed_by
    flag.removal_reason = reason.strip()
    flag.save(update_fields=["removed_at", "removed_by", "removal_reason"])
    audit_record(
        actor=removed_by,
        action=AuditAction.ALTER,
        obj=flag,
        subject_id=flag.young_person_id,
        summary=f"Flag removed: {flag.get_kind_display()}",
        justification=reason,
        detail={"rule": by_rule} if by_rule else None,
    )
    chronology_add(
        young_person=flag.young_person,
        title=f"Flag removed: {flag.get_kind_display()}",
        detail=reason,
        source_app="young_people",
        obj=flag,
        recorded_by=removed_by,
    )
    return flag


@transaction.atomic
def young_person_set_risk_level(
    *,
    young_person: YoungPerson,
    level: str,
    set_by: User,
    source_app: str,
    obj: models.Model | None = None,
    reason: str = "",
) -> None:
    """Set the current CSE risk level and keep the "high CSE risk" flag in step with it."""
    if level not in RiskLevel.values:
        raise ValidationError({"level": f"Unknown risk level {level!r}"})
    previous = young_person.current_risk_level
    young_person.current_risk_level = level
    young_person.save(update_fields=["current_risk_level", "updated_at"])
    audit_record(
        actor=set_by,
        action=AuditAction.ALTER,
        obj=young_person,
        subject_id=young_person.pk,
        summary="Current risk level changed",
        detail={"from": previous, "to": level},
    )
    high = young_person.flags.filter(kind=FlagKind.HIGH_CSE_RISK, removed_at__isnull=True).first()
    if level == RiskLevel.HIGH and high is None:
        flag_raise(
            young_person=young_person,
            kind=FlagKind.HIGH_CSE_RISK,
            reason=reason or "Assessed as high risk",
            raised_by=set_by,
        )
    elif level != RiskLevel.HIGH and high is not None:
        flag_remove(
            flag=high,
            removed_by=set_by,
            reason=reason or f"Risk level now {RiskLevel(level).label.lower()}",
        )
    if previous != level:
        chronology_add(
            young_person=young_person,
            title=f"CSE risk level: {RiskLevel(level).label}",
            detail=reason,
            source_app=source_app,
            obj=obj,
            recorded_by=set_by,
        )


# --- Partner-agency offers -----------------------------------------------------------------------


@transaction.atomic
def partner_offer_make(
    *,
    young_person: YoungPerson,
    agency: Agency,
    offered_by: User,
    reason: str,
    source_app: str,
    source_object: models.Model | None = None,
) -> PartnerAgencyOffer:
    """Offer preventative work to a partner agency. Used by referral triage and by assessments;
    offering personal data to an agency is a disclosure and is logged as one."""
    if not agency.is_active or not agency.offers_preventative_work:
        raise ValidationError({"agency": f"{agency} does not take preventative work referrals"})
    offer = PartnerAgencyOffer(
        young_person=young_person,
        agency=agency,
        offered_by=offered_by,
        reason=reason.strip(),
        source_app=source_app,
        source_object_id=str(source_object.pk) if source_object else "",
    )
    offer.full_clean()
    offer.save()
    audit_record(
        actor=offered_by,
        action=AuditAction.DISCLOSE,
        obj=offer,
        subject_id=young_person.pk,
        summary=f"Preventative work offered to {agency}",
        justification=reason,
        recipients=[agency.name],
    )
    chronology_add(
        young_person=young_person,
        title=f"Preventative work offered to {agency}",
        detail=reason,
        source_app=source_app,
        obj=offer,
        recorded_by=offered_by,
    )
    return offer


@transaction.atomic
def partner_offer_respond(
    *, offer: PartnerAgencyOffer, status: str, responded_by: User, note: str = ""
) -> PartnerAgencyOffer:
    """Record the agency's acceptance or refusal (or the team's withdrawal) of an offer."""
    if not permissions.can_respond_to_partner_offers(responded_by):
        raise PermissionDenied
    if status not in {
        PartnerOfferStatus.ACCEPTED,
        PartnerOfferStatus.DECLINED,
        PartnerOfferStatus.WITHDRAWN,
    }:
        raise ValidationError({"status": "Choose accepted, declined or withdrawn"})
    if offer.status != PartnerOfferStatus.OFFERED:
        raise ValidationError("This offer has already been answered.")
    if status == PartnerOfferStatus.DECLINED and not note.strip():
        raise ValidationError({"note": "Enter why the agency declined"})
    offer.status = status
    offer.responded_at = timezone.now()
    offer.responded_by = responded_by
    offer.response_note = note.strip()
    offer.full_clean()
    offer.save(update_fields=["status", "responded_at", "responded_by", "response_note"])
    audit_record(
        actor=responded_by,
        action=AuditAction.ALTER,
        obj=offer,
        subject_id=offer.young_person_id,
        summary=f"Offer to {offer.agency} {status}",
        justification=note,
    )
    chronology_add(
        young_person=offer.young_person,
        title=f"{offer.agency}: preventative work {PartnerOfferStatus(status).label.lower()}",
        detail=note,
        source_app=offer.source_app,
        obj=offer,
        recorded_by=responded_by,
    )
    return offer


# --- Merge ---------------------------------------------------------------------------------------


#: The record's choice-list values that mean "nothing recorded": the other record's value wins.
_NOT_KNOWN = {"", None, Gender.NOT_KNOWN, Ethnicity.NOT_KNOWN}
KEEP_SURVIVOR, KEEP_DUPLICATE = "survivor", "duplicate"
#: Names need no choice: the survivor's stay unless the manager picks the duplicate's, and the
#: names not kept become previous names, so both remain searchable.
NAME_FIELDS = frozenset({"given_name", "family_name"})


@dataclass(frozen=True)
class MergeField:
    """One identity field of the two records, as the merge page compares them."""

    name: str
    label: str
    survivor: str
    duplicate: str
    differs: bool

    @property
    def is_name(self) -> bool:
        return self.name in NAME_FIELDS


def _shown(record: YoungPerson, name: str) -> str:
    value = getattr(record, name)
    if value in _NOT_KNOWN:
        return "Not known"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return date_format(value, "j F Y")
    if name == "nhs_number":
        return format_nhs_number(value)
    display = getattr(record, f"get_{name}_display", None)
    return str(display() if display else value)


def merge_differences(survivor: YoungPerson, duplicate: YoungPerson) -> list[str]:
    """The identity fields both records know, differently: the manager chooses which to keep."""
    return [
        name
        for name in IDENTITY_FIELDS
        if getattr(survivor, name) not in _NOT_KNOWN
        and getattr(duplicate, name) not in _NOT_KNOWN
        and getattr(survivor, name) != getattr(duplicate, name)
    ]


def merge_comparison(survivor: YoungPerson, duplicate: YoungPerson) -> list[MergeField]:
    """Every identity field side by side, for the merge page."""
    differences = set(merge_differences(survivor, duplicate))
    return [
        MergeField(
            name=name,
            label=str(YoungPerson._meta.get_field(name).verbose_name).capitalize(),
            survivor=_shown(survivor, name),
            duplicate=_shown(duplicate, name),
            differs=name in differences,
        )
        for name in IDENTITY_FIELDS
    ]


def _merged_identity(
    survivor: YoungPerson, duplicate: YoungPerson, keep: dict[str, str]
) -> dict[str, Any]:
    """Each identity field's value after the merge: the known one where only one record knows
    it, the manager's choice where both do, differently. Nothing is dropped unseen."""
    missing = {
        name: f"Choose which {YoungPerson._meta.get_field(name).verbose_name} to keep"
        for name in merge_differences(survivor, duplicate)
        if name not in NAME_FIELDS and keep.get(name) not in {KEEP_SURVIVOR, KEEP_DUPLICATE}
    }
    if missing:
        raise ValidationError(missing)
    merged = {}
    for name in IDENTITY_FIELDS:
        ours, theirs = getattr(survivor, name), getattr(duplicate, name)
        if keep.get(name) == KEEP_DUPLICATE or (ours in _NOT_KNOWN and theirs not in _NOT_KNOWN):
            merged[name] = theirs
        else:
            merged[name] = ours
    return merged


@transaction.atomic
def young_person_merge(
    *,
    survivor: YoungPerson,
    duplicate: YoungPerson,
    merged_by: User,
    reason: str,
    keep: dict[str, str] | None = None,
) -> YoungPerson:
    """Merge ``duplicate`` into ``survivor``. ``keep`` says, for each identity field the two
    records know differently (``merge_differences``), whose value stays: ``"survivor"`` or
    ``"duplicate"``. The core's own rows move here; every feature app moves its own through its
    merge hook. Every name either record had stays as a name or a previous name. The duplicate is
    retired (kept, pointing at the survivor) so its old address leads to the survivor."""
    if not permissions.can_merge(merged_by):
        raise PermissionDenied
    if survivor.pk == duplicate.pk:
        raise ValidationError("Choose two different records to merge.")
    if survivor.merged_into_id or duplicate.merged_into_id:
        raise ValidationError("One of these records has already been merged.")
    errors: dict[str, Any] = {}
    if not reason.strip():
        errors["reason"] = "Enter why these records are the same young person"
    try:
        identity = _merged_identity(survivor, duplicate, keep or {})
    except ValidationError as error:
        errors |= error.message_dict
    if errors:
        raise ValidationError(errors)

    previous_names = {survivor.full_name, duplicate.full_name}
    _resolve_merge_conflicts(survivor, duplicate)
    moved = _move_own_rows(survivor, duplicate)
    for hook in merge_hooks.registered():
        moved |= {
            label: count
            for label, count in hook.move(
                survivor=survivor, duplicate=duplicate, merged_by=merged_by
            ).items()
            if count
        }

    for name, value in identity.items():
        setattr(survivor, name, value)
    # The NHS number's uniqueness is the database's to enforce here: the duplicate's row gave
    # it up above, in this transaction.
    survivor.full_clean(exclude=["nhs_number"])
    survivor.save()
    former = sorted(previous_names - {survivor.full_name})
    _save_aliases(survivor, [(name, Alias.Kind.PREVIOUS_NAME) for name in former])
    duplicate.merged_into = survivor
    duplicate.save(update_fields=["merged_into", "updated_at"])
    kept = {name: value for name, value in (keep or {}).items() if name in IDENTITY_FIELDS}
    for subject in (survivor, duplicate):
        audit_record(
            actor=merged_by,
            action=AuditAction.COMBINE,
            obj=subject,
            subject_id=subject.pk,
            summary=f"Record {duplicate.pk} merged into {survivor.pk}",
            justification=reason,
            detail={
                "survivor": str(survivor.pk),
                "duplicate": str(duplicate.pk),
                "moved": moved,
                "kept": kept,
            },
        )
    chronology_add(
        young_person=survivor,
        title=f"Merged with a duplicate record ({duplicate.full_name})",
        detail=reason,
        source_app="young_people",
        obj=duplicate,
        recorded_by=merged_by,
    )
    return survivor


def _move_own_rows(survivor: YoungPerson, duplicate: YoungPerson) -> dict[str, int]:
    """The core's own rows (conflicts already settled by ``_resolve_merge_conflicts``)."""
    moved = {}
    for model, field in (
        (Alias, "young_person"),
        (Involvement, "young_person"),
        (Flag, "young_person"),
        (ChronologyEntry, "young_person"),
        (PartnerAgencyOffer, "young_person"),
        (YoungPersonUserObjectPermission, "content_object"),
        (YoungPerson, "merged_into"),
    ):
        count = model._base_manager.filter(**{field: duplicate}).update(**{field: survivor})
        if count:
            moved[model._meta.label_lower] = count
    return moved


#: The core's own models that point at a young person; feature apps name theirs in merge hooks.
OWN_MERGED_MODELS = (
    Alias,
    Involvement,
    Flag,
    ChronologyEntry,
    PartnerAgencyOffer,
    YoungPersonUserObjectPermission,
    YoungPerson,
)


def _resolve_merge_conflicts(survivor: YoungPerson, duplicate: YoungPerson) -> None:
    """Rows that would break a uniqueness rule once moved are settled first."""
    # One open involvement: close the duplicate's if both are open.
    if _open_involvement(survivor) and _open_involvement(duplicate):
        duplicate.involvements.filter(closed_at__isnull=True).update(
            closed_at=timezone.now(), close_reason="Merged into another record"
        )
    # One active flag of each kind.
    survivor_kinds = survivor.flags.filter(removed_at__isnull=True).values_list("kind", flat=True)
    duplicate.flags.filter(removed_at__isnull=True, kind__in=list(survivor_kinds)).update(
        removed_at=timezone.now(), removal_reason="Merged into another record"
    )
    # Aliases and grants that the survivor already has.
    survivor_aliases = [a.lower() for a in survivor.aliases.values_list("name", flat=True)]
    for alias in duplicate.aliases.all():
        if alias.name.lower() in survivor_aliases:
            alias.delete()
    survivor_grants = YoungPersonUserObjectPermission.objects.filter(content_object=survivor)
    YoungPersonUserObjectPermission.objects.filter(
        content_object=duplicate,
        user__in=survivor_grants.values("user"),
    ).delete()
    # The NHS number is unique: the duplicate gives it up before the survivor may take it (the
    # merged identity was worked out from the duplicate as it was, before this).
    if duplicate.nhs_number:
        YoungPerson.objects.filter(pk=duplicate.pk).update(nhs_number="")


@transaction.atomic
def case_note_add(
    *,
    young_person: YoungPerson,
    recorded_by: User,
    title: str,
    detail: str,
    occurred_at: datetime,
    audience: str = ChronologyAudience.CASE,
) -> ChronologyEntry:
    """A practitioner's own entry in the chronology (a visit, a call, a meeting)."""
    if not permissions.can_view_young_person(recorded_by, young_person):
        raise PermissionDenied
    if audience == ChronologyAudience.MANAGERS and not permissions.is_team_manager(recorded_by):
        raise PermissionDenied
    entry = chronology_add(
        young_person=young_person,
        title=title,
        detail=detail,
        occurred_at=occurred_at,
        source_app="young_people",
        recorded_by=recorded_by,
        audience=audience,
    )
    audit_record(
        actor=recorded_by,
        action=AuditAction.ALTER,
        obj=entry,
        subject_id=young_person.pk,
        summary="Case note added",
    )
    return entry
