"""CSE risk assessment: instrument versions (data), assessments made with one version, the actions
each outcome leads to, and requests from other apps for an assessment."""

from __future__ import annotations

import uuid
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from cse_portal.fields import NARRATIVE_MAX_LENGTH, REASON_MAX_LENGTH, BoundedTextField
from cse_portal.young_people.models import RiskLevel, YoungPerson

from .instrument import LEVEL_ORDER, Definition, parse_definition

ASSESSED_LEVELS = [(value, RiskLevel(value).label) for value in LEVEL_ORDER]


class InstrumentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class InstrumentQuerySet(models.QuerySet["Instrument"]):
    def published(self) -> InstrumentQuerySet:
        return self.filter(status=InstrumentStatus.PUBLISHED)

    def current(self) -> Instrument | None:
        """The published version assessors use now: the highest published version."""
        return self.published().order_by("-version").first()


class Instrument(models.Model):
    """One version of a screening tool. Once published its definition never changes: every
    assessment made with it shows and re-scores with these questions and rules."""

    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(unique=True)
    definition = models.JSONField(help_text="Sections, items, options, scores and thresholds.")
    status = models.CharField(
        max_length=20, choices=InstrumentStatus.choices, default=InstrumentStatus.DRAFT
    )
    source_file = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = InstrumentQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(condition=models.Q(version__gte=1), name="instrument_version_1"),
            models.CheckConstraint(
                condition=models.Q(status__in=InstrumentStatus.values),
                name="instrument_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status=InstrumentStatus.DRAFT, published_at__isnull=True)
                | models.Q(status=InstrumentStatus.PUBLISHED, published_at__isnull=False),
                name="instrument_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, version {self.version}"

    @property
    def is_published(self) -> bool:
        return self.status == InstrumentStatus.PUBLISHED

    @cached_property
    def parsed(self) -> Definition:
        return parse_definition(self.definition)

    def clean(self) -> None:
        parse_definition(self.definition)
        if self.pk and self.is_published:
            stored = Instrument.objects.filter(pk=self.pk).values("definition", "status").first()
            was_published = stored and stored["status"] == InstrumentStatus.PUBLISHED
            if was_published and stored["definition"] != self.definition:
                raise ValidationError("A published version cannot be changed.")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Awaiting approval"
    RETURNED = "returned", "Returned for changes"
    APPROVED = "approved", "Approved"


class Assessment(models.Model):
    """One CSE risk assessment of a young person, made with one instrument version.

    ``answers`` maps item codes to option values. The age and learning disability the floor used
    are kept with it, so re-scoring later gives the same result."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    young_person = models.ForeignKey(
        YoungPerson, on_delete=models.PROTECT, related_name="cse_assessments"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    answers = models.JSONField(default=dict, blank=True)
    # Item codes a request suggested (the indicators ticked on a referral): shown to the assessor
    # to confirm, never scored until the assessor answers the item.
    suggested_items = models.JSONField(default=list, blank=True)
    # The ids of the requests and further reasons given while it was a draft, after it was
    # started (their indicators joined ``suggested_items``): its page lists them for the assessor.
    later_reasons = models.JSONField(default=list, blank=True)
    age_at_assessment = models.PositiveSmallIntegerField(null=True, blank=True)
    learning_disability = models.BooleanField(default=False)
    score = models.PositiveIntegerField(default=0)
    calculated_level = models.CharField(
        max_length=20, choices=ASSESSED_LEVELS, default=RiskLevel.NO_APPARENT_RISK
    )
    floor_applied = models.BooleanField(default=False)
    social_care_referral = models.BooleanField(
        "prompts a referral to children's social care", default=False
    )
    judgement_level = models.CharField(max_length=20, choices=ASSESSED_LEVELS, blank=True)
    judgement_rationale = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)
    level = models.CharField(
        max_length=20, choices=ASSESSED_LEVELS, default=RiskLevel.NO_APPARENT_RISK
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    manager_comments = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)
    review_due = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["young_person", "status", "-decided_at"], name="asmt_yp_idx"),
            models.Index(fields=["status", "review_due"], name="asmt_status_review_idx"),
            models.Index(fields=["assessor", "status"], name="asmt_assessor_idx"),
            # The team lists' and the API's own orders.
            models.Index(fields=["status", "created_at", "id"], name="asmt_status_created_idx"),
            models.Index(fields=["status", "submitted_at", "id"], name="asmt_status_submitted_idx"),
            models.Index(fields=["-created_at", "-id"], name="asmt_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=AssessmentStatus.values), name="asmt_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(calculated_level__in=LEVEL_ORDER)
                & models.Q(level__in=LEVEL_ORDER)
                & (models.Q(judgement_level="") | models.Q(judgement_level__in=LEVEL_ORDER)),
                name="asmt_levels_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(judgement_level="") | ~models.Q(judgement_rationale=""),
                name="asmt_judgement_has_rationale",
                violation_error_message="Give the rationale for the professional judgement.",
            ),
            models.CheckConstraint(
                condition=models.Q(judgement_level="", level=models.F("calculated_level"))
                | (~models.Q(judgement_level="") & models.Q(level=models.F("judgement_level"))),
                name="asmt_level_follows_judgement",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=AssessmentStatus.APPROVED)
                | models.Q(decided_at__isnull=False, submitted_at__isnull=False),
                name="asmt_approved_has_dates",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=AssessmentStatus.RETURNED)
                | ~models.Q(manager_comments=""),
                name="asmt_returned_has_comments",
                violation_error_message="Say what needs to change.",
            ),
        ]

    def __str__(self) -> str:
        return f"CSE risk assessment of {self.young_person} ({self.get_status_display().lower()})"

    @property
    def is_editable(self) -> bool:
        return self.status in {AssessmentStatus.DRAFT, AssessmentStatus.RETURNED}

    @property
    def answer_list(self) -> list[dict[str, str]]:
        """The answers as the API gives them: ``[{"item": code, "value": value}]``."""
        return [{"item": code, "value": value} for code, value in self.answers.items()]

    @property
    def judgement_lowers(self) -> bool:
        """Judgement set a lower level than calculated: it needs the manager's approval."""
        return bool(self.judgement_level) and LEVEL_ORDER.index(
            self.judgement_level
        ) < LEVEL_ORDER.index(self.calculated_level)

    @property
    def judgement_raises(self) -> bool:
        return bool(self.judgement_level) and LEVEL_ORDER.index(
            self.judgement_level
        ) > LEVEL_ORDER.index(self.calculated_level)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.judgement_level and not self.judgement_rationale.strip():
            errors["judgement_rationale"] = "Give the rationale for the professional judgement"
        if self.judgement_level and self.judgement_level == self.calculated_level:
            errors["judgement_level"] = "Professional judgement is only needed to change the level"
        if self.status == AssessmentStatus.RETURNED and not self.manager_comments.strip():
            errors["manager_comments"] = "Say what needs to change"
        if errors:
            raise ValidationError(errors)


class ActionKind(models.TextChoices):
    KEEP_OPEN = "keep_open", "Kept open to the co-located CSE team"
    STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion to hold"
    PREVENTATIVE_WORK = "preventative_work", "Preventative work offered to a partner agency"
    UNIVERSAL_INFORMATION = "universal_information", "Universal information given"
    SOCIAL_CARE_REFERRAL = "social_care_referral", "Referral to children's social care"


class AssessmentAction(models.Model):
    """An action an approved assessment led to, recorded so that it is visible and can be done."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=30, choices=ActionKind.choices)
    detail = BoundedTextField(max_length=NARRATIVE_MAX_LENGTH)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    partner_offer_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "kind"], name="asmt_action_once"),
            models.CheckConstraint(
                condition=models.Q(kind__in=ActionKind.values), name="asmt_action_kind_valid"
            ),
            models.CheckConstraint(condition=~models.Q(detail=""), name="asmt_action_has_detail"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class RequestStatus(models.TextChoices):
    OPEN = "open", "To do"
    DONE = "done", "Assessed"


class AssessmentRequest(models.Model):
    """Another part of the portal (referral triage, a missing return) asks for an assessment.

    A young person has at most one open request (``asmt_req_one_open``): a request made while
    one is open adds its reason to it (``AssessmentRequestReason``) instead, so the team's list
    shows the child once with every reason, whoever asked and however often."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    young_person = models.ForeignKey(
        YoungPerson, on_delete=models.PROTECT, related_name="cse_assessment_requests"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = BoundedTextField(max_length=REASON_MAX_LENGTH)
    suggested_indicators = models.JSONField(
        default=list, blank=True, help_text="Item codes the requester saw, to confirm."
    )
    source_app = models.CharField(max_length=40)
    source_object_type = models.CharField(max_length=100, blank=True)
    source_object_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default="open")
    assessment = models.ForeignKey(
        Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="requests"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        indexes = [models.Index(fields=["status", "requested_at"], name="asmt_req_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=RequestStatus.values), name="asmt_req_status_valid"
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="asmt_req_has_reason"),
            models.CheckConstraint(
                condition=models.Q(status=RequestStatus.OPEN, done_at__isnull=True)
                | models.Q(status=RequestStatus.DONE, done_at__isnull=False),
                name="asmt_req_done_has_date",
            ),
            # One open request a young person: two requests made at once cannot both insert
            # one (the second waits for the first and then adds its reason to it).
            models.UniqueConstraint(
                fields=["young_person"],
                condition=models.Q(status=RequestStatus.OPEN),
                name="asmt_req_one_open",
                violation_error_message="This young person already has an open request.",
            ),
        ]

    def __str__(self) -> str:
        return f"Assessment requested for {self.young_person}"


class AssessmentRequestReason(models.Model):
    """A further reason given for an assessment while the young person's request was open: who
    asked, when, why, from which part of the portal, and the indicators they saw. The request's
    own fields hold the first reason; these follow it in the order they were given."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(
        AssessmentRequest, on_delete=models.CASCADE, related_name="further_reasons"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = BoundedTextField(max_length=REASON_MAX_LENGTH)
    suggested_indicators = models.JSONField(default=list, blank=True)
    source_app = models.CharField(max_length=40)
    source_object_type = models.CharField(max_length=100, blank=True)
    source_object_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        indexes = [
            models.Index(fields=["request", "requested_at", "id"], name="asmt_req_reason_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="asmt_req_reason_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"Further reason for {self.request}"
