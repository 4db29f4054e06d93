"""The young person's record, shared by every app: identity, aliases, involvement with the
co-located team, allocation grants, flags, partner-agency offers and the chronology."""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from guardian.models import UserObjectPermissionBase

from cse_portal.dates import (
    EARLIEST,
    validate_date_of_birth,
    validate_new_date_of_birth,
    validate_not_before_1900,
)
from cse_portal.fields import (
    NARRATIVE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    SHORT_TEXT_MAX_LENGTH,
    BoundedTextField,
)

from .validators import (
    DATE_OF_BIRTH_OR_AGE,
    validate_date_of_birth_or_age,
    validate_nhs_number,
    validate_postcode,
)


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other (described in notes)"
    NOT_KNOWN = "not_known", "Not known"


class Ethnicity(models.TextChoices):
    """Office for National Statistics 2021 census categories (England and Wales)."""

    ASIAN_INDIAN = "asian_indian", "Asian or Asian British: Indian"
    ASIAN_PAKISTANI = "asian_pakistani", "Asian or Asian British: Pakistani"
    ASIAN_BANGLADESHI = "asian_bangladeshi", "Asian or Asian British: Bangladeshi"
    ASIAN_CHINESE = "asian_chinese", "Asian or Asian British: Chinese"
    ASIAN_OTHER = "asian_other", "Asian or Asian British: any other Asian background"
    BLACK_CARIBBEAN = "black_caribbean", "Black, Black British, Caribbean or African: Caribbean"
    BLACK_AFRICAN = "black_african", "Black, Black British, Caribbean or African: African"
    BLACK_OTHER = (
        "black_other",
        "Black, Black British, Caribbean or African: any other Black background",
    )
    MIXED_WHITE_BLACK_CARIBBEAN = (
        "mixed_white_black_caribbean",
        "Mixed or multiple: White and Black Caribbean",
    )
    MIXED_WHITE_BLACK_AFRICAN = (
        "mixed_white_black_african",
        "Mixed or multiple: White and Black African",
    )
    MIXED_WHITE_ASIAN = "mixed_white_asian", "Mixed or multiple: White and Asian"
    MIXED_OTHER = "mixed_other", "Mixed or multiple: any other Mixed or multiple background"
    WHITE_BRITISH = "white_british", "White: English, Welsh, Scottish, Northern Irish or British"
    WHITE_IRISH = "white_irish", "White: Irish"
    WHITE_GYPSY_TRAVELLER = "white_gypsy_traveller", "White: Gypsy or Irish Traveller"
    WHITE_ROMA = "white_roma", "White: Roma"
    WHITE_OTHER = "white_other", "White: any other White background"
    OTHER_ARAB = "other_arab", "Other ethnic group: Arab"
    OTHER_ANY = "other_any", "Other ethnic group: any other ethnic group"
    NOT_KNOWN = "not_known", "Not known"
    NOT_STATED = "not_stated", "Prefers not to say"


class RiskLevel(models.TextChoices):
    NOT_ASSESSED = "not_assessed", "Not assessed"
    NO_APPARENT_RISK = "no_apparent_risk", "No apparent risk"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


MAX_ESTIMATED_AGE = 25


class YoungPersonQuerySet(models.QuerySet["YoungPerson"]):
    def current(self) -> YoungPersonQuerySet:
        """Records that have not been merged into another."""
        return self.filter(merged_into__isnull=True)


class YoungPerson(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True, validators=[validate_date_of_birth])
    estimated_age = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="When the date of birth is not known."
    )
    gender = models.CharField(max_length=20, choices=Gender.choices, default=Gender.NOT_KNOWN)
    ethnicity = models.CharField(
        max_length=40, choices=Ethnicity.choices, default=Ethnicity.NOT_KNOWN
    )
    nhs_number = models.CharField(
        "NHS number", max_length=10, blank=True, validators=[validate_nhs_number]
    )
    address = BoundedTextField(blank=True, max_length=SHORT_TEXT_MAX_LENGTH)
    postcode = models.CharField(max_length=8, blank=True, validators=[validate_postcode])
    school = models.CharField(max_length=200, blank=True)
    looked_after = models.BooleanField("looked after (in care)", default=False)
    learning_disability = models.BooleanField(default=False)
    first_language = models.CharField(max_length=60, blank=True, default="English")
    current_risk_level = models.CharField(
        max_length=20, choices=RiskLevel.choices, default=RiskLevel.NOT_ASSESSED
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_records"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = YoungPersonQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name_plural = "young people"
        permissions = [("work_with_youngperson", "Allocated to work with this young person")]
        indexes = [
            models.Index(Lower("family_name"), Lower("given_name"), name="yp_name_idx"),
            models.Index(fields=["date_of_birth"], name="yp_dob_idx"),
            models.Index(fields=["postcode"], name="yp_postcode_idx"),
            models.Index(fields=["current_risk_level"], name="yp_risk_idx"),
            # The lists' order: a page of current records is read off this index, never sorted.
            models.Index(
                fields=["family_name", "given_name", "id"],
                condition=models.Q(merged_into__isnull=True),
                name="yp_current_order_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["nhs_number"],
                condition=~models.Q(nhs_number=""),
                name="yp_nhs_number_unique",
                violation_error_message="Another record already has this NHS number.",
                # "unique" files the error under nhs_number, so forms and the API name the field.
                violation_error_code="unique",
            ),
            models.CheckConstraint(
                condition=models.Q(date_of_birth__isnull=False)
                | models.Q(estimated_age__isnull=False),
                name="yp_dob_or_estimated_age",
                violation_error_message=DATE_OF_BIRTH_OR_AGE,
            ),
            models.CheckConstraint(
                condition=models.Q(estimated_age__isnull=True)
                | models.Q(estimated_age__lte=MAX_ESTIMATED_AGE),
                name="yp_estimated_age_range",
            ),
            models.CheckConstraint(
                condition=models.Q(date_of_birth__isnull=True)
                | models.Q(date_of_birth__gte=EARLIEST),
                name="yp_dob_from_1900",
            ),
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("id")), name="yp_not_merged_into_self"
            ),
            models.CheckConstraint(
                condition=models.Q(current_risk_level__in=RiskLevel.values), name="yp_risk_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def clean(self) -> None:
        # The same rules as the form's, for every path (API, services, other apps' imports); the
        # age constraint is also in the database, but its own message names no field.
        errors = {}
        # The field's own validator keeps any date of birth between 1900 and today; a new record
        # is also held to the age the service works with (cse_portal.dates).
        check = validate_new_date_of_birth if self._state.adding else validate_date_of_birth
        try:
            check(self.date_of_birth)
        except ValidationError as error:
            errors["date_of_birth"] = error.messages
        if self.estimated_age is not None and self.estimated_age > MAX_ESTIMATED_AGE:
            errors["estimated_age"] = f"Estimated age must be {MAX_ESTIMATED_AGE} or less"
        if "date_of_birth" not in errors:
            try:
                validate_date_of_birth_or_age(self.date_of_birth, self.estimated_age)
            except ValidationError as error:
                errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth is None:
            return self.estimated_age
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))

    @property
    def age(self) -> int | None:
        return self.age_on(timezone.localdate())


class Alias(models.Model):
    class Kind(models.TextChoices):
        KNOWN_AS = "known_as", "Known as"
        ALIAS = "alias", "Alias"
        PREVIOUS_NAME = "previous_name", "Previous name"
        SOCIAL_MEDIA = "social_media", "Social media name"

    young_person = models.ForeignKey(YoungPerson, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.KNOWN_AS)

    class Meta:
        ordering = ["kind", "name"]
        indexes = [models.Index(Lower("name"), name="alias_name_idx")]
        constraints = [
            models.UniqueConstraint(
                "young_person",
                Lower("name"),
                name="alias_unique_per_person",
                violation_error_message="This name is already recorded for the young person.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Involvement(models.Model):
    """A period during which the co-located team is working with the young person."""

    young_person = models.ForeignKey(
        YoungPerson, on_delete=models.PROTECT, related_name="involvements"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    open_reason = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_reason = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["young_person"],
                condition=models.Q(closed_at__isnull=True),
                name="involvement_one_open",
                violation_error_message="The young person already has an open involvement.",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True)
                | (models.Q(closed_at__gte=models.F("opened_at")) & ~models.Q(close_reason="")),
                name="involvement_close_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Involvement from {self.opened_at:%d %b %Y}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class YoungPersonUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign-key grants: the allocation of a young person to a practitioner."""

    content_object = models.ForeignKey(
        YoungPerson, on_delete=models.CASCADE, related_name="user_grants"
    )

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["user", "permission"], name="yp_grant_user_idx")]


class FlagKind(models.TextChoices):
    HIGH_CSE_RISK = "high_cse_risk", "High CSE risk"
    REPEAT_MISSING = "repeat_missing", "Repeat missing"
    CURRENTLY_MISSING = "currently_missing", "Currently missing"
    STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion needed"
    RISK_TO_WORKERS = "risk_to_workers", "Risk to workers visiting"
    OTHER = "other", "Other"


class Flag(models.Model):
    young_person = models.ForeignKey(YoungPerson, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=30, choices=FlagKind.choices)
    reason = BoundedTextField(max_length=REASON_MAX_LENGTH)
    raised_at = models.DateTimeField(default=timezone.now)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    removal_reason = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["young_person", "kind"],
                condition=models.Q(removed_at__isnull=True),
                name="flag_one_active_per_kind",
                violation_error_message="This flag is already raised.",
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="flag_has_reason"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def is_active(self) -> bool:
        return self.removed_at is None


class ChronologyAudience(models.TextChoices):
    CASE = "case", "Everyone who may see the record"
    MANAGERS = "managers", "Team managers only"


class ChronologyEntry(models.Model):
    """One line of the young person's timeline. Apps write through ``chronology_add``."""

    young_person = models.ForeignKey(
        YoungPerson, on_delete=models.CASCADE, related_name="chronology"
    )
    occurred_at = models.DateTimeField(validators=[validate_not_before_1900])
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_app = models.CharField(max_length=40)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    title = models.CharField(max_length=200)
    detail = BoundedTextField(blank=True, max_length=NARRATIVE_MAX_LENGTH)
    audience = models.CharField(
        max_length=20, choices=ChronologyAudience.choices, default=ChronologyAudience.CASE
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "chronology entries"
        indexes = [
            models.Index(fields=["young_person", "-occurred_at"], name="chron_person_time_idx"),
            models.Index(fields=["object_type", "object_id"], name="chron_object_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class PartnerOfferStatus(models.TextChoices):
    OFFERED = "offered", "Offered, awaiting reply"
    ACCEPTED = "accepted", "Accepted by the agency"
    DECLINED = "declined", "Declined by the agency"
    WITHDRAWN = "withdrawn", "Withdrawn"


class PartnerAgencyOffer(models.Model):
    """Preventative work offered to a partner agency for a young person at low or medium risk.

    Made by referral triage or by an assessment's outcome, through the same service."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    young_person = models.ForeignKey(
        YoungPerson, on_delete=models.CASCADE, related_name="partner_offers"
    )
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="partner_offers"
    )
    reason = BoundedTextField(max_length=REASON_MAX_LENGTH)
    source_app = models.CharField(max_length=40)
    source_object_id = models.CharField(max_length=64, blank=True)
    offered_at = models.DateTimeField(default=timezone.now)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=PartnerOfferStatus.choices, default=PartnerOfferStatus.OFFERED
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    response_note = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)

    class Meta:
        ordering = ["-offered_at"]
        indexes = [models.Index(fields=["agency", "status"], name="offer_agency_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(status=PartnerOfferStatus.OFFERED, responded_at__isnull=True)
                    | (
                        ~models.Q(status=PartnerOfferStatus.OFFERED)
                        & models.Q(responded_at__isnull=False)
                    )
                ),
                name="offer_response_matches_status",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=PartnerOfferStatus.values), name="offer_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Preventative work offered to {self.agency}"
