"""Referrals from every door (professionals, young people themselves, the community), the team
manager's triage decisions and the public pages' rate limit. (The team's notifications go through
the core's outbox, ``cse_portal.notifications``.)"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from cse_portal.dates import validate_date_of_birth
from cse_portal.fields import (
    NARRATIVE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    SHORT_TEXT_MAX_LENGTH,
    BoundedTextField,
)

# Unambiguous characters only: a reference is read out over the phone.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


class ReferralKind(models.TextChoices):
    PROFESSIONAL = "professional", "Professional referral"
    SELF = "self", "Self-referral"
    COMMUNITY = "community", "Community information"


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Awaiting triage"
    TRIAGED = "triaged", "Decision made"


class Consent(models.TextChoices):
    GIVEN = "given", "Yes, the young person (or their parent or carer) agreed"
    NOT_SOUGHT = "not_sought", "No, consent was not asked for"
    REFUSED = "refused", "No, consent was refused"


class Decision(models.TextChoices):
    """What triage may decide. ``link`` attaches a record and leaves the referral in the queue;
    every other decision closes triage and is the outcome the referrer sees."""

    ALLOCATE = "allocate", "Allocated to the CSE team"
    ASSESS = "assess", "CSE risk assessment requested"
    PARTNER_AGENCY = "partner_agency", "Referred to a partner agency for preventative work"
    SIGNPOST = "signpost", "Signposted to other services"
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    DUPLICATE = "duplicate", "Duplicate of another referral"
    LINK = "link", "Linked to a young person's record"


FINAL_DECISIONS = frozenset(Decision.values) - {Decision.LINK}


class SelfReferralWorry(models.TextChoices):
    GIFTS = "gifts", "Someone older is giving me gifts, money, alcohol, drugs or lifts"
    PHOTOS = "photos", "Someone is asking me to send photos or videos"
    PARTIES = "parties", "I go to parties or places with adults I do not know well"
    PRESSURE = "pressure", "Someone is making me do things I do not want to do"
    MISSING = "missing", "I have been staying out or going missing"
    ONLINE = "online", "Something happened online that worries me"
    FRIEND = "friend", "I am worried about a friend"


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"
    EMAIL = "email", "Email"
    TRUSTED_ADULT = "trusted_adult", "Through an adult I trust"
    NONE = "none", "Do not contact me"


class ReporterSector(models.TextChoices):
    HOTEL = "hotel", "Hotel, B&B or guest house"
    TAXI = "taxi", "Taxi or private hire"
    TAKEAWAY = "takeaway", "Takeaway, café or restaurant"
    LANDLORD = "landlord", "Landlord or letting agent"
    SHOP = "shop", "Shop"
    PUB_CLUB = "pub_club", "Pub, bar or club"
    PUBLIC = "public", "Member of the public"
    OTHER = "other", "Other"


class ChildIdentifiable(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_SURE = "not_sure", "Not sure"


class Referral(models.Model):
    """One referral, whatever door it came through. The queue is one table so that triage orders
    everything together (urgent first, then oldest)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    kind = models.CharField(max_length=20, choices=ReferralKind.choices)
    status = models.CharField(
        max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT
    )
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_made",
    )

    # About the young person: a record, or the details given for a new one.
    young_person = models.ForeignKey(
        "young_people.YoungPerson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    created_young_person = models.BooleanField(
        default=False, help_text="The record was created from this referral's details."
    )
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True, validators=[validate_date_of_birth])
    estimated_age = models.PositiveSmallIntegerField(null=True, blank=True)
    postcode = models.CharField(max_length=8, blank=True)

    # The concerns (professional referrals).
    indicators = models.JSONField(default=list, blank=True)
    concerns = BoundedTextField(blank=True, max_length=NARRATIVE_MAX_LENGTH)
    immediate_danger = models.BooleanField(null=True, blank=True)
    young_person_knows = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)
    consent = models.CharField(max_length=20, choices=Consent.choices, blank=True)
    sharing_basis = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)
    other_agencies = BoundedTextField(blank=True, max_length=SHORT_TEXT_MAX_LENGTH)

    # Triage.
    decision = models.CharField(max_length=30, choices=Decision.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )
    held = models.BooleanField(
        default=False,
        help_text="A public message over the hourly limit for its address: kept for the team "
        "to read, but nobody was notified.",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The triage queue's order, to the last key, so a page is read off the index.
            models.Index(
                fields=["status", "-urgent", "submitted_at", "id"], name="referral_queue_idx"
            ),
            # "Recently decided" beside the queue, and the API list's newest-first order.
            models.Index(
                fields=["-decided_at"],
                condition=models.Q(status=ReferralStatus.TRIAGED),
                name="referral_decided_idx",
            ),
            models.Index(fields=["-created_at", "-id"], name="referral_created_idx"),
            models.Index(fields=["referred_by", "-created_at"], name="referral_referrer_idx"),
            # The triage funnel (every referral but others' drafts) counted off this index alone:
            # the API list counts up to the cap on every page, and read from the table that took
            # 5.7 ms at 1,000,000 referrals (10,001 rows filtered), off this 1.7 ms.
            models.Index(fields=["status", "referred_by"], name="referral_visible_idx"),
            # The reports' measures: the referrals submitted, or decided, in a period and the one
            # before it, read off these two rather than the whole table.
            models.Index(fields=["submitted_at"], name="referral_submitted_idx"),
            models.Index(fields=["decided_at"], name="referral_decided_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ReferralKind.values), name="referral_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ReferralStatus.values), name="referral_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(consent__in=[*Consent.values, ""]),
                name="referral_consent_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(decision__in=[*sorted(FINAL_DECISIONS), ""]),
                name="referral_decision_final",
            ),
            # Only a professional referral is ever a draft, and it has a referrer.
            models.CheckConstraint(
                condition=~models.Q(status=ReferralStatus.DRAFT)
                | models.Q(kind=ReferralKind.PROFESSIONAL, referred_by__isnull=False),
                name="referral_draft_is_professional",
            ),
            models.CheckConstraint(
                condition=models.Q(status=ReferralStatus.DRAFT)
                | models.Q(submitted_at__isnull=False),
                name="referral_submitted_has_time",
            ),
            # Sharing without consent always records its basis.
            models.CheckConstraint(
                condition=~models.Q(kind=ReferralKind.PROFESSIONAL)
                | models.Q(status=ReferralStatus.DRAFT)
                | models.Q(consent=Consent.GIVEN)
                | (~models.Q(consent="") & ~models.Q(sharing_basis="")),
                name="referral_sharing_basis",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=ReferralKind.PROFESSIONAL)
                | models.Q(status=ReferralStatus.DRAFT)
                | models.Q(young_person__isnull=False),
                name="referral_professional_has_record",
            ),
            # A decision and "decision made" go together.
            models.CheckConstraint(
                condition=(
                    models.Q(status=ReferralStatus.TRIAGED)
                    & ~models.Q(decision="")
                    & models.Q(decided_at__isnull=False)
                )
                | (~models.Q(status=ReferralStatus.TRIAGED) & models.Q(decision="")),
                name="referral_decision_matches_status",
            ),
            models.CheckConstraint(
                condition=models.Q(decision=Decision.DUPLICATE, duplicate_of__isnull=False)
                | (~models.Q(decision=Decision.DUPLICATE) & models.Q(duplicate_of__isnull=True)),
                name="referral_duplicate_has_original",
            ),
            models.CheckConstraint(
                condition=~models.Q(duplicate_of=models.F("id")),
                name="referral_not_duplicate_of_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"

    @property
    def is_draft(self) -> bool:
        return self.status == ReferralStatus.DRAFT

    @property
    def young_person_name(self) -> str:
        """What the referral says the young person is called (not the record's name)."""
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def outcome(self) -> str:
        return Decision(self.decision).label if self.decision else ""


class SelfReferral(models.Model):
    """What a young person told us about themselves, on the public page."""

    referral = models.OneToOneField(
        Referral, on_delete=models.CASCADE, primary_key=True, related_name="self_referral"
    )
    name = models.CharField(max_length=100, blank=True, help_text="Blank: anonymous.")
    age = models.PositiveSmallIntegerField()
    contact_method = models.CharField(max_length=20, choices=ContactMethod.choices)
    contact_details = models.CharField(max_length=200, blank=True)
    contact_times = models.CharField(max_length=200, blank=True)
    happening = BoundedTextField(max_length=NARRATIVE_MAX_LENGTH)
    worries = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(age__gte=5, age__lte=25), name="self_referral_age_range"
            ),
            models.CheckConstraint(
                condition=models.Q(contact_method__in=ContactMethod.values),
                name="self_referral_contact_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(contact_method=ContactMethod.NONE)
                | ~models.Q(contact_details=""),
                name="self_referral_contact_details",
            ),
            models.CheckConstraint(
                condition=~models.Q(happening=""), name="self_referral_has_happening"
            ),
        ]

    def __str__(self) -> str:
        return self.name or "Anonymous"

    @property
    def display_name(self) -> str:
        return self.name or "Anonymous"

    @property
    def worry_labels(self) -> list[str]:
        return [
            SelfReferralWorry(code).label
            for code in self.worries
            if code in SelfReferralWorry.values
        ]


class CommunityConcern(models.Model):
    """ "See something, say something": what a member of the public or a business saw. Community
    information, ready to become intelligence."""

    referral = models.OneToOneField(
        Referral, on_delete=models.CASCADE, primary_key=True, related_name="community_concern"
    )
    what_seen = BoundedTextField(max_length=NARRATIVE_MAX_LENGTH)
    when_seen = models.CharField(max_length=200)
    address = BoundedTextField(blank=True, max_length=SHORT_TEXT_MAX_LENGTH)
    postcode = models.CharField(max_length=8, blank=True)
    venue = models.CharField(max_length=200, blank=True)
    vehicles = BoundedTextField(blank=True, max_length=SHORT_TEXT_MAX_LENGTH)
    people = BoundedTextField(blank=True, max_length=SHORT_TEXT_MAX_LENGTH)
    child_identifiable = models.CharField(max_length=20, choices=ChildIdentifiable.choices)
    child_details = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)
    reporter_sector = models.CharField(max_length=20, choices=ReporterSector.choices)
    reporter_name = models.CharField(max_length=200, blank=True)
    reporter_contact = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(address="") | ~models.Q(postcode="") | ~models.Q(venue=""),
                name="community_concern_has_place",
            ),
            models.CheckConstraint(
                condition=models.Q(reporter_sector__in=ReporterSector.values),
                name="community_concern_sector_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(child_identifiable__in=ChildIdentifiable.values),
                name="community_concern_child_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.venue or self.postcode or "Community information"

    @property
    def place(self) -> str:
        return ", ".join(p for p in (self.venue, self.address, self.postcode) if p)


class TriageDecision(models.Model):
    """Every decision made at triage, with its reason: the history behind ``Referral.decision``."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(max_length=30, choices=Decision.choices)
    reason = BoundedTextField(max_length=REASON_MAX_LENGTH)
    decided_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    partner_offer = models.ForeignKey(
        "young_people.PartnerAgencyOffer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assessment_request_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["decided_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decision__in=Decision.values), name="triage_decision_valid"
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="triage_has_reason"),
        ]

    def __str__(self) -> str:
        return self.get_decision_display()


class NotificationKind(models.TextChoices):
    """What the team managers are told of (through the core's outbox), once per referral."""

    URGENT = "urgent", "Urgent referral"
    SELF_REFERRAL = "self_referral", "New self-referral"


class PublicSubmission(models.Model):
    """One public form submission, keyed by a keyed hash (HMAC) of the address: enough to rate
    limit, never the address itself."""

    address_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["address_hash", "created_at"], name="public_sub_idx")]

    def __str__(self) -> str:
        return self.address_hash[:12]


class PublicAdmission(models.TextChoices):
    """What the hourly limit of an address makes of one more public message."""

    ACCEPT = "accept", "Accepted"
    HOLD = "hold", "Kept, held without notifications"
    REFUSE = "refuse", "Refused at the ceiling"


class PublicFormState(models.TextChoices):
    """What the single-use token of a posted public form says about the post."""

    FRESH = "fresh", "First post of this form"
    USED = "used", "Posted before: a reload, Back, or a second click"
    UNKNOWN = "unknown", "No token, a forged one, or one too old to tell"


class PublicFormUse(models.Model):
    """A public form token that has been posted. Each render of a public form carries a fresh
    signed token; posting it again (Back or reload on a page that answered a post, which re-sends
    it) must not echo what was written to the next person at the computer."""

    nonce_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="public_form_use_age_idx")]

    def __str__(self) -> str:
        return self.nonce_hash[:12]


class PublicReceipt(models.Model):
    """The single-use ticket to a public confirmation page. The redirect after a public form
    carries the random token (never the reference, which would then sit in the browser's history);
    the page shows the reference once and deletes the row, so a reload or Back shows nothing.
    Only a hash of the token is stored, so the table alone opens no confirmation."""

    token_hash = models.CharField(max_length=64, unique=True)
    reference = models.CharField(max_length=12, blank=True, help_text="Empty for a robot.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="public_receipt_age_idx")]

    def __str__(self) -> str:
        return self.token_hash[:12]
