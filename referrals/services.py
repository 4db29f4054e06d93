"""Every write to referrals: keyword-only functions, one transaction each, that check the rule,
write, record the audit and chronology entries, and queue notifications after commit."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from assessments.selectors import valid_indicator_codes
from assessments.services import assessment_request
from cse_portal.accounts.models import Agency, User
from cse_portal.accounts.roles import Role
from cse_portal.audit.models import AuditAction
from cse_portal.audit.services import audit_list_read, audit_record
from cse_portal.notifications.services import notification_queue, recipient_emails
from cse_portal.young_people import permissions as yp_permissions
from cse_portal.young_people import services as yp_services
from cse_portal.young_people.models import YoungPerson
from cse_portal.young_people.selectors import young_person_matches
from cse_portal.young_people.validators import normalise_postcode, validate_postcode

from . import permissions
from .models import (
    FINAL_DECISIONS,
    CommunityConcern,
    Consent,
    Decision,
    NotificationKind,
    PublicSubmission,
    Referral,
    ReferralKind,
    ReferralStatus,
    SelfReferral,
    TriageDecision,
)

logger = logging.getLogger(__name__)

SOURCE_APP = "referrals"

#: A match this strong (same NHS number, or the same name and date of birth) is the same young
#: person: the referral is linked to the record without showing the referrer anything of it.
STRONG_MATCH_SCORE = 100

#: Fields of a professional referral the referrer fills in.
REFERRAL_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "estimated_age",
    "postcode",
    "indicators",
    "concerns",
    "immediate_danger",
    "young_person_knows",
    "consent",
    "sharing_basis",
    "other_agencies",
)


# --- Professional referrals ----------------------------------------------------------------------


def _apply_fields(referral: Referral, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(REFERRAL_FIELDS)
    if unknown:
        raise TypeError(f"unknown referral fields: {sorted(unknown)}")
    errors: dict[str, list[str]] = {}
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        if name == "postcode":
            try:
                validate_postcode(value or "")
            except ValidationError as error:
                errors["postcode"] = error.messages
            value = normalise_postcode(value or "")
        if name == "indicators":
            value = sorted(set(value or []))
            unknown_codes = set(value) - valid_indicator_codes()
            if unknown_codes:
                errors["indicators"] = ["Unknown indicator: " + ", ".join(sorted(unknown_codes))]
        setattr(referral, name, value)
    if errors:
        raise ValidationError(errors)


def _completeness_errors(referral: Referral) -> dict[str, str]:
    """What a professional referral must say before it is submitted (a draft may lack any of it)."""
    errors: dict[str, str] = {}
    if referral.young_person_id is None:
        if not referral.given_name:
            errors["given_name"] = "Enter the young person's first name"
        if not referral.family_name:
            errors["family_name"] = "Enter the young person's last name"
        if referral.date_of_birth is None and referral.estimated_age is None:
            errors["date_of_birth"] = (
                "Enter the young person's date of birth, or their age if you do not know it"
            )
    if not referral.concerns:
        errors["concerns"] = "Describe your concerns"
    if referral.immediate_danger is None:
        errors["immediate_danger"] = "Select yes if the young person is in immediate danger"
    if not referral.consent:
        errors["consent"] = "Select whether the young person agreed to this referral"
    elif referral.consent != Consent.GIVEN and not referral.sharing_basis:
        errors["sharing_basis"] = "Enter why you are sharing this information without consent"
    return errors


def _check_record_choice(referred_by: User, young_person: YoungPerson | None) -> None:
    if young_person is not None and not yp_permissions.can_view_young_person(
        referred_by, young_person
    ):
        raise ValidationError({"young_person": "Select a young person whose record you can see"})


def _draft(
    *, referred_by: User, referral: Referral | None, young_person: YoungPerson | None, **fields: Any
) -> Referral:
    if not permissions.can_make_referral(referred_by):
        raise PermissionDenied
    if referral is None:
        referral = Referral(kind=ReferralKind.PROFESSIONAL, referred_by=referred_by)
    elif not permissions.can_edit_referral(referred_by, referral):
        raise PermissionDenied
    _check_record_choice(referred_by, young_person)
    if young_person is not None:
        referral.young_person = young_person
    _apply_fields(referral, fields)
    referral.full_clean()
    referral.save()
    return referral


@transaction.atomic
def referral_save_draft(
    *,
    referred_by: User,
    referral: Referral | None = None,
    young_person: YoungPerson | None = None,
    **fields: Any,
) -> Referral:
    """Create or update the referrer's draft. Nothing is required yet; what is given must be
    well-formed."""
    creating = referral is None
    referral = _draft(
        referred_by=referred_by, referral=referral, young_person=young_person, **fields
    )
    audit_record(
        actor=referred_by,
        action=AuditAction.COLLECT if creating else AuditAction.ALTER,
        obj=referral,
        subject_id=referral.young_person_id,
        summary="Referral draft saved",
    )
    return referral


def _resolve_young_person(
    referral: Referral, referred_by: User, *, confirmed_new: bool
) -> tuple[YoungPerson, bool]:
    """The record this referral is about: a strong match, silently, or a new record.

    When the referrer has seen the matches it may see and said "none of these", those are not
    linked; a strong match to a record it cannot see still is (the team manager checks at triage).
    """
    matches = young_person_matches(
        given_name=referral.given_name,
        family_name=referral.family_name,
        date_of_birth=referral.date_of_birth,
        postcode=referral.postcode,
    )
    for match in matches:
        if match.score < STRONG_MATCH_SCORE:
            break
        if confirmed_new and yp_permissions.can_view_young_person(referred_by, match.record):
            continue
        return match.record, False
    record = yp_services.young_person_create(
        created_by=referred_by,
        given_name=referral.given_name,
        family_name=referral.family_name,
        date_of_birth=referral.date_of_birth,
        estimated_age=None if referral.date_of_birth else referral.estimated_age,
        postcode=referral.postcode,
        source_app=SOURCE_APP,
    )
    return record, True


@transaction.atomic
def referral_submit(
    *,
    referred_by: User,
    referral: Referral | None = None,
    young_person: YoungPerson | None = None,
    confirmed_new: bool = False,
    **fields: Any,
) -> Referral:
    """Submit a professional referral (a new one, or the referrer's draft).

    A referral about a new young person creates the record at once, or links the one it strongly
    matches, so the team manager can find it before triage. Immediate danger makes it urgent and
    emails the team managers."""
    referral = _draft(
        referred_by=referred_by, referral=referral, young_person=young_person, **fields
    )
    errors = _completeness_errors(referral)
    if errors:
        raise ValidationError(errors)
    if referral.young_person_id is None:
        referral.young_person, referral.created_young_person = _resolve_young_person(
            referral, referred_by, confirmed_new=confirmed_new
        )
    referral.status = ReferralStatus.SUBMITTED
    referral.submitted_at = timezone.now()
    referral.urgent = bool(referral.immediate_danger)
    referral.full_clean()
    referral.save()
    agency = referred_by.agency.name if referred_by.agency else "a professional"
    audit_record(
        actor=referred_by,
        action=AuditAction.COLLECT,
        obj=referral,
        subject_id=referral.young_person_id,
        summary="Urgent referral submitted" if referral.urgent else "Referral submitted",
        detail={"created_record": referral.created_young_person, "consent": referral.consent},
    )
    yp_services.chronology_add(
        young_person=referral.young_person,
        title=f"{'Urgent referral' if referral.urgent else 'Referral'} received from {agency}",
        detail=referral.concerns,
        source_app=SOURCE_APP,
        obj=referral,
        recorded_by=referred_by,
    )
    if referral.urgent:
        _notify(referral, NotificationKind.URGENT)
    return referral


@transaction.atomic
def referral_consult(*, referral: Referral, user: User, channel: str) -> None:
    """Record that ``user`` opened the referral (the referrer's page, triage, the API)."""
    audit_record(
        actor=user,
        action=AuditAction.CONSULT,
        obj=referral,
        subject_id=referral.young_person_id,
        summary=f"Referral viewed ({channel})",
        detail={"channel": channel},
    )


@transaction.atomic
def referrals_list_record(*, user: User, channel: str, result_count: int) -> None:
    """Record that ``user`` listed referrals (the triage queue, the API list)."""
    audit_list_read(
        actor=user,
        object_type="referrals.referral",
        label="Referrals",
        channel=channel,
        result_count=result_count,
    )


# --- Public doors --------------------------------------------------------------------------------


def public_address_hash(address: str) -> str:
    """A keyed hash of the address: it rate limits without ever storing the address."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"referrals-public:{address}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def public_submission_allow(*, address: str) -> bool:
    """Count one public submission from ``address``; False once the limit for the window is
    reached (the submission must then be refused)."""
    address_hash = public_address_hash(address)
    since = timezone.now() - timedelta(minutes=settings.REFERRALS_PUBLIC_RATE_WINDOW_MINUTES)
    recent = PublicSubmission.objects.filter(address_hash=address_hash, created_at__gte=since)
    if recent.count() >= settings.REFERRALS_PUBLIC_RATE_LIMIT:
        return False
    PublicSubmission.objects.create(address_hash=address_hash)
    return True


def public_submissions_prune() -> int:
    """Forget rate-limit rows older than the window."""
    since = timezone.now() - timedelta(minutes=settings.REFERRALS_PUBLIC_RATE_WINDOW_MINUTES)
    deleted, _ = PublicSubmission.objects.filter(created_at__lt=since).delete()
    return deleted


def _new_public_referral(kind: str) -> Referral:
    referral = Referral(kind=kind, status=ReferralStatus.SUBMITTED, submitted_at=timezone.now())
    referral.full_clean()
    referral.save()
    return referral


@transaction.atomic
def self_referral_submit(
    *,
    name: str,
    age: int,
    contact_method: str,
    happening: str,
    contact_details: str = "",
    contact_times: str = "",
    worries: Iterable[str] = (),
) -> Referral:
    """A young person refers themselves. Saved first; the team is told through the outbox, so a
    broker or worker outage delays the email but never loses the referral."""
    referral = _new_public_referral(ReferralKind.SELF)
    details = SelfReferral(
        referral=referral,
        name=name.strip(),
        age=age,
        contact_method=contact_method,
        contact_details=contact_details.strip(),
        contact_times=contact_times.strip(),
        happening=happening.strip(),
        worries=sorted(set(worries)),
    )
    details.full_clean()
    details.save()
    audit_record(
        actor=None,
        actor_username="public (self-referral)",
        action=AuditAction.COLLECT,
        obj=referral,
        summary="Self-referral received",
    )
    _notify(referral, NotificationKind.SELF_REFERRAL)
    return referral


@transaction.atomic
def community_concern_submit(**fields: Any) -> Referral:
    """Someone reports what they saw. It reaches the triage queue as community information."""
    referral = _new_public_referral(ReferralKind.COMMUNITY)
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    if "postcode" in cleaned:
        cleaned["postcode"] = normalise_postcode(cleaned["postcode"])
    concern = CommunityConcern(referral=referral, **cleaned)
    concern.full_clean()
    concern.save()
    audit_record(
        actor=None,
        actor_username="public (community concern)",
        action=AuditAction.COLLECT,
        obj=referral,
        summary="Community information received",
        detail={"sector": concern.reporter_sector},
    )
    return referral


# --- Triage --------------------------------------------------------------------------------------


def _link(referral: Referral, young_person: YoungPerson, decided_by: User, reason: str) -> None:
    """Attach the referral to ``young_person``'s record. A record this referral created is the
    same young person, so it is merged into the existing one rather than left as a duplicate."""
    if young_person.merged_into_id is not None:
        raise ValidationError({"young_person": "That record has been merged into another"})
    if referral.young_person_id == young_person.pk:
        raise ValidationError({"young_person": "The referral is already linked to this record"})
    if referral.young_person_id is not None and referral.created_young_person:
        # The existing record is the one the team has checked: where the referrer's details
        # differ from it, it keeps its own (the referrer's stay on the retired record and in
        # the referral itself).
        keep = dict.fromkeys(
            yp_services.merge_differences(young_person, referral.young_person),
            yp_services.KEEP_SURVIVOR,
        )
        yp_services.young_person_merge(
            survivor=young_person,
            duplicate=referral.young_person,
            merged_by=decided_by,
            reason=f"Referral {referral.reference}: {reason}",
            keep=keep,
        )
    referral.young_person = young_person
    referral.created_young_person = False
    referral.save(update_fields=["young_person", "created_young_person", "updated_at"])


@transaction.atomic
def referral_triage(
    *,
    referral: Referral,
    decided_by: User,
    decision: str,
    reason: str,
    practitioners: Iterable[User] = (),
    partner_agency: Agency | None = None,
    young_person: YoungPerson | None = None,
    duplicate_of: Referral | None = None,
) -> TriageDecision:
    """The team manager's decision on a submitted referral, with its reason: audited, written to
    the chronology and shown to the referrer as the outcome. ``link`` attaches a record and leaves
    the referral in the queue for its decision."""
    if not permissions.can_triage(decided_by):
        raise PermissionDenied
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status != ReferralStatus.SUBMITTED:
        raise ValidationError("A decision has already been made on this referral.")
    if decision not in Decision.values:
        raise ValidationError({"decision": "Select a decision"})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Enter the reason for your decision"})

    outcome = TriageDecision(
        referral=referral, decision=decision, reason=reason, decided_by=decided_by
    )
    if decision == Decision.LINK:
        if young_person is None:
            raise ValidationError({"young_person": "Select the young person's record"})
        _link(referral, young_person, decided_by, reason)
        outcome.detail = {"young_person": str(young_person.pk)}
    elif decision in {Decision.ALLOCATE, Decision.ASSESS, Decision.PARTNER_AGENCY}:
        record = referral.young_person
        if record is None:
            raise ValidationError(
                {"decision": "Link this referral to a young person's record first"}
            )
        if decision == Decision.ALLOCATE:
            added = yp_services.young_person_allocate(
                young_person=record,
                practitioners=list(practitioners),
                allocated_by=decided_by,
                reason=reason,
                source_app=SOURCE_APP,
            )
            outcome.detail = {"practitioners": [str(p.pk) for p in added]}
        elif decision == Decision.ASSESS:
            request = assessment_request(
                young_person=record,
                requested_by=decided_by,
                reason=reason,
                source_app=SOURCE_APP,
                source_object=referral,
            )
            outcome.assessment_request_id = str(request.pk)
        else:
            if partner_agency is None:
                raise ValidationError({"partner_agency": "Select the partner agency"})
            outcome.partner_offer = yp_services.partner_offer_make(
                young_person=record,
                agency=partner_agency,
                offered_by=decided_by,
                reason=reason,
                source_app=SOURCE_APP,
                source_object=referral,
            )
    elif decision == Decision.DUPLICATE:
        if duplicate_of is None:
            raise ValidationError({"duplicate_of": "Enter the reference of the original referral"})
        if duplicate_of.pk == referral.pk or duplicate_of.status == ReferralStatus.DRAFT:
            raise ValidationError({"duplicate_of": "Choose another submitted referral"})
        referral.duplicate_of = duplicate_of
        outcome.detail = {"duplicate_of": duplicate_of.reference}
    outcome.full_clean()
    outcome.save()

    if decision in FINAL_DECISIONS:
        referral.status = ReferralStatus.TRIAGED
        referral.decision = decision
        referral.decided_at = outcome.decided_at
        referral.decided_by = decided_by
        referral.full_clean()
        referral.save(
            update_fields=[
                "status",
                "decision",
                "decided_at",
                "decided_by",
                "duplicate_of",
                "updated_at",
            ]
        )
    label = Decision(decision).label
    audit_record(
        actor=decided_by,
        action=AuditAction.ALTER,
        obj=referral,
        subject_id=referral.young_person_id,
        summary=f"Triage: {label}",
        justification=reason,
        detail={"decision": decision, **outcome.detail},
    )
    if referral.young_person_id is not None:
        yp_services.chronology_add(
            young_person=referral.young_person,
            title=f"Referral {referral.reference} triaged: {label}",
            detail=reason,
            source_app=SOURCE_APP,
            obj=referral,
            recorded_by=decided_by,
        )
    return outcome


# --- Triage targets ------------------------------------------------------------------------------


def triage_due_at(submitted_at: datetime, *, urgent: bool) -> datetime:
    """When triage is due: urgent referrals within ``REFERRALS_TRIAGE_URGENT_MINUTES``; others
    within ``REFERRALS_TRIAGE_WORKING_DAYS`` working days (Monday to Friday; a referral made at the
    weekend starts its clock on Monday morning). Bank holidays are not counted out."""
    if urgent:
        return submitted_at + timedelta(minutes=settings.REFERRALS_TRIAGE_URGENT_MINUTES)
    local = timezone.localtime(submitted_at)
    while local.weekday() >= 5:
        local = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    days = settings.REFERRALS_TRIAGE_WORKING_DAYS
    while days > 0:
        local += timedelta(days=1)
        if local.weekday() < 5:
            days -= 1
    return local


# --- Notifications -------------------------------------------------------------------------------


def _notify(referral: Referral, kind: str) -> None:
    """Tell the team managers through the core's outbox, in this transaction. The email holds a
    link and the reference, never personal data."""
    link = _site_url(reverse("referrals:triage", kwargs={"pk": referral.pk}))
    if kind == NotificationKind.URGENT:
        subject = f"Urgent referral {referral.reference} is waiting for triage"
        opening = "An urgent referral has been made: the referrer said the young person is in "
        opening += "immediate danger."
    else:
        subject = f"New self-referral {referral.reference} is waiting for triage"
        opening = "A young person has referred themselves."
    notification_queue(
        key=notification_key(referral, kind),
        recipient_role=Role.TEAM_MANAGER,
        subject=subject,
        body=(
            f"{opening}\n\nReference: {referral.reference}\nOpen it in the CSE portal: {link}\n\n"
            "This email holds no personal details. Sign in to read the referral."
        ),
    )


def notification_key(referral: Referral, kind: str) -> str:
    """The outbox key of the ``kind`` notification about ``referral`` (one of each, ever)."""
    return f"referrals:{referral.pk}:{kind}"


def team_manager_emails() -> list[str]:
    return recipient_emails(Role.TEAM_MANAGER)


def _site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def overdue_triage_summary_send(*, now: datetime | None = None) -> int:
    """Email the team managers the referrals waiting longer than the triage target (daily). Lists
    references and waiting times only. Returns how many were overdue."""
    now = now or timezone.now()
    waiting = Referral.objects.filter(status=ReferralStatus.SUBMITTED).order_by(
        "-urgent", "submitted_at"
    )
    overdue = [
        r
        for r in waiting.only("id", "reference", "urgent", "submitted_at", "kind")
        if triage_due_at(r.submitted_at, urgent=r.urgent) < now
    ]
    if not overdue:
        return 0
    lines = [
        f"- {r.reference} ({r.get_kind_display()}{', urgent' if r.urgent else ''}), "
        f"waiting since {timezone.localtime(r.submitted_at):%d %b %Y %H:%M}"
        for r in overdue
    ]
    link = _site_url(reverse("referrals:queue"))
    body = (
        f"{len(overdue)} referral(s) are waiting longer than the triage target:\n\n"
        + "\n".join(lines)
        + f"\n\nThe triage queue: {link}\n"
    )
    send_mail(f"{len(overdue)} referral(s) overdue for triage", body, None, team_manager_emails())
    return len(overdue)


def young_person_merged(
    *, survivor: YoungPerson, duplicate: YoungPerson, merged_by: User
) -> dict[str, int]:
    """Merge hook: the duplicate's referrals now concern the survivor. Whether a referral created
    its record stays as it was: it is history, not identity."""
    count = Referral.objects.filter(young_person=duplicate).update(young_person=survivor)
    return {Referral._meta.label_lower: count}
