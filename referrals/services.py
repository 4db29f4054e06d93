"""Every write to referrals: keyword-only functions, one transaction each, that check the rule,
write, record the audit and chronology entries, and queue notifications after commit."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from assessments.selectors import valid_indicator_codes
from assessments.services import assessment_request
from cse_portal.accounts.models import Agency, User
from cse_portal.accounts.roles import Role
from cse_portal.audit.models import AuditAction
from cse_portal.audit.services import audit_record
from cse_portal.notifications.services import notification_queue, recipient_emails
from cse_portal.young_people import permissions as yp_permissions
from cse_portal.young_people import services as yp_services
from cse_portal.young_people.models import YoungPerson
from cse_portal.young_people.selectors import young_people_with_identity
from cse_portal.young_people.validators import (
    normalise_postcode,
    validate_date_of_birth_or_age,
    validate_postcode,
)

from . import permissions
from .models import (
    FINAL_DECISIONS,
    CommunityConcern,
    Consent,
    Decision,
    NotificationKind,
    PublicAdmission,
    PublicFormState,
    PublicFormUse,
    PublicReceipt,
    PublicSubmission,
    Referral,
    ReferralKind,
    ReferralStatus,
    SelfReferral,
    TriageDecision,
)

logger = logging.getLogger(__name__)

SOURCE_APP = "referrals"

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


def _completeness_errors(referral: Referral) -> dict[str, str | list[str]]:
    """What a professional referral must say before it is submitted (a draft may lack any of it)."""
    errors: dict[str, str | list[str]] = {}
    if referral.young_person_id is None:
        if not referral.given_name:
            errors["given_name"] = "Enter the young person's first name"
        if not referral.family_name:
            errors["family_name"] = "Enter the young person's last name"
        try:
            validate_date_of_birth_or_age(referral.date_of_birth, referral.estimated_age)
        except ValidationError as error:
            errors.update(error.message_dict)
    if not referral.concerns:
        errors["concerns"] = "Describe your concerns"
    if referral.immediate_danger is None:
        errors["immediate_danger"] = "Select yes if the young person is in immediate danger"
    if not referral.consent:
        errors["consent"] = "Select whether the young person agreed to this referral"
    elif referral.consent != Consent.GIVEN and not referral.sharing_basis:
        errors["sharing_basis"] = "Enter why you are sharing this information without consent"
    return errors


def referral_submission_errors(
    *, referral: Referral | None = None, young_person: YoungPerson | None = None, **fields: Any
) -> dict[str, list[str]]:
    """Every reason a submission of these fields (over the draft ``referral``, if any) would be
    refused, without saving anything: the format of each field given and what a submitted
    referral must say. The page and the API add these to their own format errors, so a referrer
    sees every error at once rather than one round after another."""
    candidate = Referral(kind=ReferralKind.PROFESSIONAL)
    if referral is not None:
        for name in REFERRAL_FIELDS:
            setattr(candidate, name, getattr(referral, name))
        candidate.young_person_id = referral.young_person_id
    if young_person is not None:
        candidate.young_person_id = young_person.pk
    errors: dict[str, list[str]] = {}
    try:
        _apply_fields(candidate, fields)
    except ValidationError as error:
        errors.update(error.message_dict)
    for name, message in _completeness_errors(candidate).items():
        errors.setdefault(name, [message] if isinstance(message, str) else message)
    return errors


def _check_record_choice(referred_by: User, young_person: YoungPerson | None) -> None:
    if young_person is not None and not yp_permissions.can_view_young_person(
        referred_by, young_person
    ):
        raise ValidationError({"young_person": "Select a young person whose record you can see"})


def _check_may_write(referred_by: User, referral: Referral | None) -> None:
    if not permissions.can_make_referral(referred_by):
        raise PermissionDenied
    if referral is not None and not permissions.can_edit_referral(referred_by, referral):
        raise PermissionDenied


def _draft(
    *, referred_by: User, referral: Referral | None, young_person: YoungPerson | None, **fields: Any
) -> Referral:
    _check_may_write(referred_by, referral)
    if referral is None:
        referral = Referral(kind=ReferralKind.PROFESSIONAL, referred_by=referred_by)
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
    """The record this referral is about: the one record with exactly this identity, silently, or
    a new record.

    Only exact identity links silently: a similar name with the same date of birth and postcode
    may be a brother or a classmate, and another child's concerns in a chronology cannot be taken
    back. Anything fuzzier gets a new record, and the team manager is offered the likely records
    at triage (``selectors.possible_records``) to link, which merges the two. Two records with the
    same identity are not guessed between either. When the referrer has seen the records it may
    see and said "none of these", those are not linked; an exact match to a record it cannot see
    still is.
    """
    same = young_people_with_identity(
        given_name=referral.given_name,
        family_name=referral.family_name,
        date_of_birth=referral.date_of_birth,
    )
    if confirmed_new:
        same = [r for r in same if not yp_permissions.can_view_young_person(referred_by, r)]
    if len(same) == 1:
        return same[0], False
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

    A referral about a new young person creates the record at once, or links the one with exactly
    its identity, so the team manager can find it before triage. Immediate danger makes it urgent
    and emails the team managers."""
    _check_may_write(referred_by, referral)
    errors = referral_submission_errors(referral=referral, young_person=young_person, **fields)
    if errors:
        raise ValidationError(errors)
    referral = _draft(
        referred_by=referred_by, referral=referral, young_person=young_person, **fields
    )
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


# --- Public doors --------------------------------------------------------------------------------


def public_address_hash(address: str) -> str:
    """A keyed hash of the address: it rate limits without ever storing the address."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"referrals-public:{address}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def public_submission_admit(*, address: str) -> str:
    """Count one public submission from ``address`` and say what becomes of it.

    A school, a youth club or a library shares one address between many young people, so the
    hourly limit never throws a message away: past it the message is still kept, but held
    (nobody is notified, the team reads it in the triage queue). Only the ceiling, far above any
    shared room, refuses, and the refused message is not counted or kept: the sender's form comes
    back with everything typed and the numbers to call."""
    address_hash = public_address_hash(address)
    since = timezone.now() - timedelta(minutes=settings.REFERRALS_PUBLIC_RATE_WINDOW_MINUTES)
    recent = PublicSubmission.objects.filter(
        address_hash=address_hash, created_at__gte=since
    ).count()
    if recent >= settings.REFERRALS_PUBLIC_RATE_CEILING:
        return PublicAdmission.REFUSE
    PublicSubmission.objects.create(address_hash=address_hash)
    if recent >= settings.REFERRALS_PUBLIC_RATE_LIMIT:
        return PublicAdmission.HOLD
    return PublicAdmission.ACCEPT


def public_submissions_prune() -> int:
    """Forget rate-limit rows older than the window, confirmations never opened and form tokens
    past their age."""
    since = timezone.now() - timedelta(minutes=settings.REFERRALS_PUBLIC_RATE_WINDOW_MINUTES)
    deleted, _ = PublicSubmission.objects.filter(created_at__lt=since).delete()
    expired = timezone.now() - timedelta(minutes=settings.REFERRALS_PUBLIC_RECEIPT_MINUTES)
    receipts, _ = PublicReceipt.objects.filter(created_at__lt=expired).delete()
    # A token this old is refused by its signature, so its row is no longer needed.
    too_old = timezone.now() - timedelta(hours=settings.REFERRALS_PUBLIC_FORM_HOURS)
    uses, _ = PublicFormUse.objects.filter(created_at__lt=too_old).delete()
    return deleted + receipts + uses


PUBLIC_FORM_SALT = "referrals.public-form"


def public_form_token() -> str:
    """A fresh signed token for one render of a public form. Signed, so that issuing one writes
    nothing (a page view costs no row); only a post records it, in ``public_form_token_use``."""
    return signing.dumps(secrets.token_urlsafe(16), salt=PUBLIC_FORM_SALT, compress=False)


def public_form_token_use(*, token: str) -> str:
    """Record that a public form carrying ``token`` was posted, and say whether it was posted
    before (``PublicFormState``). A token older than the time used tokens are kept, forged or
    absent is UNKNOWN: the caller may still take a valid message, but must not echo one."""
    hours = settings.REFERRALS_PUBLIC_FORM_HOURS
    try:
        nonce = signing.loads(token, salt=PUBLIC_FORM_SALT, max_age=timedelta(hours=hours))
    except signing.BadSignature:  # SignatureExpired is one
        return PublicFormState.UNKNOWN
    nonce_hash = hashlib.sha256(f"referrals-form:{nonce}".encode()).hexdigest()
    try:
        with transaction.atomic():
            PublicFormUse.objects.create(nonce_hash=nonce_hash)
    except IntegrityError:
        return PublicFormState.USED
    return PublicFormState.FRESH


def _receipt_hash(token: str) -> str:
    return hashlib.sha256(f"referrals-receipt:{token}".encode()).hexdigest()


def public_receipt_issue(*, reference: str) -> str:
    """A random single-use token for the confirmation page of ``reference`` ("" for a robot)."""
    token = secrets.token_urlsafe(32)
    receipt = PublicReceipt(token_hash=_receipt_hash(token), reference=reference)
    receipt.full_clean()
    receipt.save()
    return token


def public_receipt_take(*, token: str) -> PublicReceipt | None:
    """The receipt behind ``token``, deleted as it is handed out: the first view shows the
    reference, any later one (a reload, Back, a second tab) gets None. Deleting by id and checking
    the count makes two simultaneous views get one receipt between them."""
    fresh = timezone.now() - timedelta(minutes=settings.REFERRALS_PUBLIC_RECEIPT_MINUTES)
    receipt = PublicReceipt.objects.filter(
        token_hash=_receipt_hash(token), created_at__gte=fresh
    ).first()
    if receipt is None:
        return None
    deleted, _ = PublicReceipt.objects.filter(pk=receipt.pk).delete()
    return receipt if deleted else None


@transaction.atomic
def public_message_receive(
    *, kind: str, address: str, fields: dict[str, Any], robot: bool = False
) -> str | None:
    """Receive one message through a public door (``kind``: self-referral or community concern)
    and return the token of its confirmation page, or None when the address is at the ceiling
    and nothing was kept. A robot (the honeypot was filled) is counted and answered like anyone
    else, but nothing of its message is kept."""
    admission = public_submission_admit(address=address)
    if admission == PublicAdmission.REFUSE:
        return None
    if robot:
        return public_receipt_issue(reference="")
    submit = {
        ReferralKind.SELF: self_referral_submit,
        ReferralKind.COMMUNITY: community_concern_submit,
    }[ReferralKind(kind)]
    referral = submit(**fields, held=admission == PublicAdmission.HOLD)
    return public_receipt_issue(reference=referral.reference)


def _held_note(held: bool) -> str:
    return " (held: over the hourly limit, nobody notified)" if held else ""


def _new_public_referral(kind: str, *, held: bool) -> Referral:
    referral = Referral(
        kind=kind, status=ReferralStatus.SUBMITTED, submitted_at=timezone.now(), held=held
    )
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
    held: bool = False,
) -> Referral:
    """A young person refers themselves. Saved first; the team is told through the outbox, so a
    broker or worker outage delays the email but never loses the referral. A ``held`` message
    (over the hourly limit of its address) is kept for the triage queue without telling anyone,
    so a flood cannot become a flood of emails."""
    referral = _new_public_referral(ReferralKind.SELF, held=held)
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
        summary=f"Self-referral received{_held_note(held)}",
    )
    if not held:
        _notify(referral, NotificationKind.SELF_REFERRAL)
    return referral


@transaction.atomic
def community_concern_submit(*, held: bool = False, **fields: Any) -> Referral:
    """Someone reports what they saw. It reaches the triage queue as community information
    (marked held when over the hourly limit of its address)."""
    referral = _new_public_referral(ReferralKind.COMMUNITY, held=held)
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
        summary=f"Community information received{_held_note(held)}",
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


@dataclass
class _Triage:
    """One triage decision being taken: what the team manager chose, and the outcome row."""

    referral: Referral
    decided_by: User
    reason: str
    practitioners: list[User]
    partner_agency: Agency | None
    young_person: YoungPerson | None
    duplicate_of: Referral | None
    outcome: TriageDecision


def _needs_record(triage: _Triage) -> dict[str, str]:
    if triage.referral.young_person_id is None:
        return {"decision": "Link this referral to a young person's record first"}
    return {}


def _check_link(triage: _Triage) -> dict[str, str]:
    if triage.young_person is None:
        return {"young_person": "Select the young person's record"}
    return {}


def _check_allocate(triage: _Triage) -> dict[str, str]:
    errors = _needs_record(triage)
    if not triage.practitioners:
        errors["practitioners"] = "Select at least one practitioner"
    return errors


def _check_partner_agency(triage: _Triage) -> dict[str, str]:
    errors = _needs_record(triage)
    if triage.partner_agency is None:
        errors["partner_agency"] = "Select the partner agency"
    return errors


def _check_duplicate(triage: _Triage) -> dict[str, str]:
    original = triage.duplicate_of
    if original is None:
        return {"duplicate_of": "Enter the reference of the original referral"}
    if original.pk == triage.referral.pk or original.status == ReferralStatus.DRAFT:
        return {"duplicate_of": "Choose another submitted referral"}
    return {}


def _nothing_needed(triage: _Triage) -> dict[str, str]:
    return {}


def _link_record(triage: _Triage) -> None:
    _link(triage.referral, triage.young_person, triage.decided_by, triage.reason)
    triage.outcome.detail = {"young_person": str(triage.young_person.pk)}


def _allocate(triage: _Triage) -> None:
    added = yp_services.young_person_allocate(
        young_person=triage.referral.young_person,
        practitioners=triage.practitioners,
        allocated_by=triage.decided_by,
        reason=triage.reason,
        source_app=SOURCE_APP,
    )
    triage.outcome.detail = {"practitioners": [str(p.pk) for p in added]}


def _request_assessment(triage: _Triage) -> None:
    request = assessment_request(
        young_person=triage.referral.young_person,
        requested_by=triage.decided_by,
        reason=triage.reason,
        source_app=SOURCE_APP,
        source_object=triage.referral,
        suggested_indicators=triage.referral.indicators,
    )
    triage.outcome.assessment_request_id = str(request.pk)


def _offer_partner_work(triage: _Triage) -> None:
    triage.outcome.partner_offer = yp_services.partner_offer_make(
        young_person=triage.referral.young_person,
        agency=triage.partner_agency,
        offered_by=triage.decided_by,
        reason=triage.reason,
        source_app=SOURCE_APP,
        source_object=triage.referral,
    )


def _mark_duplicate(triage: _Triage) -> None:
    triage.referral.duplicate_of = triage.duplicate_of
    triage.outcome.detail = {"duplicate_of": triage.duplicate_of.reference}


def _no_action(triage: _Triage) -> None:
    """Signposting and no further action are the outcome and its reason; nothing else changes."""


#: Each decision: what it needs (every missing piece reported at once), then what it does.
TRIAGE_RULES: dict[str, tuple[Callable[[_Triage], dict[str, str]], Callable[[_Triage], None]]] = {
    Decision.LINK: (_check_link, _link_record),
    Decision.ALLOCATE: (_check_allocate, _allocate),
    Decision.ASSESS: (_needs_record, _request_assessment),
    Decision.PARTNER_AGENCY: (_check_partner_agency, _offer_partner_work),
    Decision.SIGNPOST: (_nothing_needed, _no_action),
    Decision.NO_FURTHER_ACTION: (_nothing_needed, _no_action),
    Decision.DUPLICATE: (_check_duplicate, _mark_duplicate),
}


def _close_triage(triage: _Triage) -> None:
    referral, outcome = triage.referral, triage.outcome
    referral.status = ReferralStatus.TRIAGED
    referral.decision = outcome.decision
    referral.decided_at = outcome.decided_at
    referral.decided_by = triage.decided_by
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


def _record_triage(triage: _Triage) -> None:
    referral, outcome = triage.referral, triage.outcome
    label = Decision(outcome.decision).label
    audit_record(
        actor=triage.decided_by,
        action=AuditAction.ALTER,
        obj=referral,
        subject_id=referral.young_person_id,
        summary=f"Triage: {label}",
        justification=triage.reason,
        detail={"decision": outcome.decision, **outcome.detail},
    )
    if referral.young_person_id is not None:
        yp_services.chronology_add(
            young_person=referral.young_person,
            title=f"Referral {referral.reference} triaged: {label}",
            detail=triage.reason,
            source_app=SOURCE_APP,
            obj=referral,
            recorded_by=triage.decided_by,
        )


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
    the referral in the queue for its decision. What each decision needs and does is
    ``TRIAGE_RULES``; every missing piece is reported together."""
    if not permissions.can_triage(decided_by):
        raise PermissionDenied
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status != ReferralStatus.SUBMITTED:
        raise ValidationError("A decision has already been made on this referral.")
    if decision not in TRIAGE_RULES:
        raise ValidationError({"decision": "Select a decision"})
    check, act = TRIAGE_RULES[decision]
    reason = reason.strip()
    triage = _Triage(
        referral=referral,
        decided_by=decided_by,
        reason=reason,
        practitioners=list(practitioners),
        partner_agency=partner_agency,
        young_person=young_person,
        duplicate_of=duplicate_of,
        outcome=TriageDecision(
            referral=referral, decision=decision, reason=reason, decided_by=decided_by
        ),
    )
    errors = check(triage)
    if not reason:
        errors["reason"] = "Enter the reason for your decision"
    if errors:
        raise ValidationError(errors)
    act(triage)
    triage.outcome.full_clean()
    triage.outcome.save()
    if decision in FINAL_DECISIONS:
        _close_triage(triage)
    _record_triage(triage)
    return triage.outcome


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
