"""Missing From Home or Care: episodes and their risk grades, return home interviews and their
attempts, the rules that fired, Philomena profiles and their carers, and the police import.

Tables, constraints and indexes only; every workflow is in ``services``."""

from __future__ import annotations

import uuid
from datetime import UTC, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from guardian.models import UserObjectPermissionBase

from cse_portal.fields import (
    NARRATIVE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    SHORT_TEXT_MAX_LENGTH,
    BoundedTextField,
)
from cse_portal.young_people.models import YoungPerson


class RiskGrade(models.TextChoices):
    """The police risk grade as the force gives it. ``absent`` only comes from historic imports
    (the force's former "absent" category) and is kept as it came."""

    NO_APPARENT_RISK = "no_apparent_risk", "No apparent risk"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    ABSENT = "absent", "Absent (historic)"


#: Grades a person may give; ``absent`` is kept only as imported.
GRADES_GIVEN = [RiskGrade.NO_APPARENT_RISK, RiskGrade.LOW, RiskGrade.MEDIUM, RiskGrade.HIGH]
#: The board's order: high risk on top.
RISK_RANK = {
    RiskGrade.HIGH: 0,
    RiskGrade.MEDIUM: 1,
    RiskGrade.LOW: 2,
    RiskGrade.NO_APPARENT_RISK: 3,
    RiskGrade.ABSENT: 4,
}


class EpisodeStatus(models.TextChoices):
    """Open (missing now) or returned: an episode ends with the return, and what follows it is
    the return home interview's to record."""

    MISSING = "missing", "Missing now"
    RETURNED = "returned", "Returned"


class EpisodeSource(models.TextChoices):
    REPORTED = "reported", "Reported in the portal"
    IMPORTED = "imported", "Imported from the police"


class ReturnMethod(models.TextChoices):
    RETURNED_SELF = "returned_self", "Came back by themselves"
    FOUND_POLICE = "found_police", "Found by police"
    FOUND_CARER = "found_carer", "Found by a parent or carer"
    BROUGHT_BACK = "brought_back", "Brought back by someone else"
    OTHER = "other", "Other"
    NOT_KNOWN = "not_known", "Not known"


class MissingEpisode(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    young_person = models.ForeignKey(
        YoungPerson, on_delete=models.PROTECT, related_name="missing_episodes"
    )
    status = models.CharField(
        max_length=10, choices=EpisodeStatus.choices, default=EpisodeStatus.MISSING
    )
    source = models.CharField(
        max_length=10, choices=EpisodeSource.choices, default=EpisodeSource.REPORTED
    )
    missing_since = models.DateTimeField("missing since")
    last_seen = BoundedTextField(
        "where last seen", max_length=SHORT_TEXT_MAX_LENGTH, help_text="The place and who with"
    )
    circumstances = BoundedTextField(blank=True, max_length=NARRATIVE_MAX_LENGTH)
    clothing = BoundedTextField(blank=True, max_length=SHORT_TEXT_MAX_LENGTH)
    reported_to_police_by = models.CharField(max_length=200, blank=True)
    police_reference = models.CharField(max_length=40, blank=True)
    looked_after = models.BooleanField("looked after (in care)", default=False)
    risk_grade = models.CharField(max_length=20, choices=RiskGrade.choices)
    risk_rank = models.PositiveSmallIntegerField(default=3, editable=False)
    returned_at = models.DateTimeField(null=True, blank=True)
    found_location = models.ForeignKey(
        "intelligence.Entity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Where the child was found: the location entity intelligence uses",
    )
    found_with = BoundedTextField(blank=True, max_length=SHORT_TEXT_MAX_LENGTH)
    return_method = models.CharField(max_length=20, choices=ReturnMethod.choices, blank=True)
    cse_indicators = models.JSONField(default=list, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reported_at = models.DateTimeField(default=timezone.now)
    returned_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: The import that last wrote it: a second row with its reference in the same file is a
    #: duplicate, in a later file an update.
    police_import = models.ForeignKey(
        "PoliceImport", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["risk_rank", "missing_since"]
        verbose_name = "missing episode"
        indexes = [
            # The missing-now board, read off this index in its own order.
            models.Index(
                fields=["risk_rank", "missing_since", "id"],
                condition=models.Q(status="missing"),
                name="mfh_missing_now_idx",
            ),
            # Rules and the record panel: a young person's episodes by date.
            models.Index(fields=["young_person", "-missing_since"], name="mfh_episode_yp_idx"),
            models.Index(fields=["reported_by", "-reported_at"], name="mfh_episode_reporter_idx"),
            # The reports' measures: the episodes of a period and the one before, and the children
            # among them (repeat missing), read from the index rather than the whole history.
            models.Index(fields=["missing_since", "young_person"], name="mfh_episode_since_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["police_reference"],
                condition=~models.Q(police_reference=""),
                name="mfh_police_reference_unique",
                violation_error_message="Another episode already has this police reference.",
                violation_error_code="unique",
            ),
            models.CheckConstraint(
                condition=models.Q(returned_at__isnull=True)
                | models.Q(returned_at__gte=models.F("missing_since")),
                name="mfh_returned_after_missing",
                violation_error_message="The return cannot be before the child went missing.",
            ),
            models.CheckConstraint(
                condition=models.Q(status="missing", returned_at__isnull=True)
                | models.Q(status="returned", returned_at__isnull=False),
                name="mfh_status_matches_return",
                violation_error_message="A returned episode needs its return time.",
            ),
            models.CheckConstraint(
                condition=models.Q(risk_grade__in=RiskGrade.values), name="mfh_known_grade"
            ),
        ]

    #: Its references to other rows. The services set them from objects in hand (loaded or made
    #: in the same transaction), which the database's foreign keys hold as well, so they leave
    #: them out of ``full_clean``: checking each is a query, and an import makes many episodes.
    REFERENCES = (
        "young_person",
        "found_location",
        "reported_by",
        "returned_recorded_by",
        "police_import",
    )

    def __str__(self) -> str:
        return f"Missing episode from {timezone.localtime(self.missing_since):%d %b %Y %H:%M}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.risk_rank = RISK_RANK.get(self.risk_grade, 3)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "risk_grade" in update_fields:  # type: ignore[operator]
            kwargs["update_fields"] = [*update_fields, "risk_rank"]  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_open(self) -> bool:
        return self.status == EpisodeStatus.MISSING

    @property
    def duration(self) -> timedelta:
        """Computed, never typed: to the return, or to now while still missing."""
        # In UTC: Python subtracts two times of one zone by their clocks, and a clock change in
        # between would gain or lose the child an hour.
        end = (self.returned_at or timezone.now()).astimezone(UTC)
        return end - self.missing_since.astimezone(UTC)

    @property
    def duration_hours(self) -> float:
        return round(self.duration.total_seconds() / 3600, 1)


class RiskGradeChange(models.Model):
    """Every grade an episode was given, with who and when (the first is the report's)."""

    episode = models.ForeignKey(
        MissingEpisode, on_delete=models.CASCADE, related_name="grade_changes"
    )
    grade = models.CharField(max_length=20, choices=RiskGrade.choices)
    previous_grade = models.CharField(max_length=20, choices=RiskGrade.choices, blank=True)
    reason = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_grade_display()} from {self.changed_at:%d %b %Y %H:%M}"


class TriggerRule(models.TextChoices):
    REPEAT = "repeat", "Repeat episodes"
    CSE_INDICATORS = "cse_indicators", "CSE indicators seen"
    HIGH_RISK = "high_risk", "Graded high risk"
    LONG = "long", "Missing a long time"


class TriggerFiring(models.Model):
    """A rule that fired for an episode: once each, so a rule never acts twice for one episode."""

    episode = models.ForeignKey(MissingEpisode, on_delete=models.CASCADE, related_name="firings")
    rule = models.CharField(max_length=20, choices=TriggerRule.choices)
    reason = BoundedTextField(max_length=REASON_MAX_LENGTH)
    fired_at = models.DateTimeField(default=timezone.now)
    #: The police import whose run fired it: the run tells the team managers once, in a summary,
    #: instead of once an episode.
    police_import = models.ForeignKey(
        "PoliceImport", on_delete=models.SET_NULL, null=True, blank=True, related_name="firings"
    )

    class Meta:
        ordering = ["fired_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "rule"], name="mfh_rule_fires_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()}: {self.reason}"


class InterviewStatus(models.TextChoices):
    DUE = "due", "Due"
    DONE = "done", "Done"
    DECLINED = "declined", "Declined"


class ReturnInterview(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    episode = models.OneToOneField(
        MissingEpisode, on_delete=models.CASCADE, related_name="interview"
    )
    young_person = models.ForeignKey(
        YoungPerson, on_delete=models.PROTECT, related_name="return_interviews"
    )
    status = models.CharField(
        max_length=10, choices=InterviewStatus.choices, default=InterviewStatus.DUE
    )
    due_at = models.DateTimeField()
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="return_interviews",
    )
    independence_note = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)
    held_at = models.DateTimeField(null=True, blank=True)
    location_held = models.CharField(max_length=200, blank=True)
    where_been = BoundedTextField(blank=True, max_length=NARRATIVE_MAX_LENGTH)
    with_whom = BoundedTextField(blank=True, max_length=NARRATIVE_MAX_LENGTH)
    travel = BoundedTextField(
        "how they got there and back", blank=True, max_length=NARRATIVE_MAX_LENGTH
    )
    push_factors = BoundedTextField(blank=True, max_length=NARRATIVE_MAX_LENGTH)
    pull_factors = BoundedTextField(blank=True, max_length=NARRATIVE_MAX_LENGTH)
    harm_disclosed = BoundedTextField(blank=True, max_length=NARRATIVE_MAX_LENGTH)
    cse_indicators = models.JSONField(default=list, blank=True)
    child_wishes = BoundedTextField(
        "what the child wants to happen", blank=True, max_length=NARRATIVE_MAX_LENGTH
    )
    child_words = BoundedTextField(
        "the child's own words", blank=True, max_length=NARRATIVE_MAX_LENGTH
    )
    declined_reason = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)
    carers_offered = models.BooleanField(
        "carers were offered the chance to give information", default=False
    )
    carers_information = BoundedTextField(blank=True, max_length=NARRATIVE_MAX_LENGTH)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    intelligence_item = models.ForeignKey(
        "intelligence.IntelligenceItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = "return home interview"
        indexes = [
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(status="due"),
                name="mfh_interview_due_idx",
            ),
            # Only the interviews done: the due ones have no completion time, and a descending
            # index puts them first, where the "done" list would read past every one of them.
            models.Index(
                fields=["-completed_at", "id"],
                condition=~models.Q(status="due"),
                name="mfh_interview_done_idx",
            ),
            models.Index(fields=["interviewer", "status"], name="mfh_interviewer_idx"),
            # The reports' interview measures (offered in a period, by what became of them): the
            # period's interviews read off this index alone (PostgreSQL; elsewhere by date).
            models.Index(
                fields=["created_at"],
                include=["status", "completed_at", "due_at", "id"],
                name="mfh_interview_offered_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="due")
                | models.Q(completed_at__isnull=False, completed_by__isnull=False),
                name="mfh_interview_outcome_recorded",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="declined") | models.Q(carers_offered=True),
                name="mfh_declined_offers_carers",
                violation_error_message=(
                    "A declined interview records that the carers were offered the chance to give "
                    "information."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Return home interview due {timezone.localtime(self.due_at):%d %b %Y %H:%M}"

    @property
    def is_overdue(self) -> bool:
        return self.status == InterviewStatus.DUE and self.due_at < timezone.now()

    @property
    def shown_status(self) -> str:
        """The contract's four: due, overdue, done, declined."""
        return "overdue" if self.is_overdue else self.status

    @property
    def time_left(self) -> timedelta:
        return self.due_at - timezone.now()

    @property
    def within_72_hours(self) -> bool | None:
        """Done (or declined) by the deadline; None while still due."""
        if self.completed_at is None:
            return None
        return self.completed_at <= self.due_at


class AttemptMethod(models.TextChoices):
    VISIT = "visit", "Visit"
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text or message"
    AT_SCHOOL = "at_school", "At school"
    OTHER = "other", "Other"


class AttemptOutcome(models.TextChoices):
    NO_ANSWER = "no_answer", "No answer"
    NOT_AVAILABLE = "not_available", "Child not available"
    REARRANGED = "rearranged", "Rearranged"
    DECLINED = "declined", "Child declined"
    HELD = "held", "Interview held"


class InterviewAttempt(models.Model):
    interview = models.ForeignKey(
        ReturnInterview, on_delete=models.CASCADE, related_name="attempts"
    )
    attempted_at = models.DateTimeField()
    method = models.CharField(max_length=20, choices=AttemptMethod.choices)
    outcome = models.CharField(max_length=20, choices=AttemptOutcome.choices)
    note = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_method_display()}: {self.get_outcome_display()}"


class PhilomenaProfile(models.Model):
    """Prepared in advance and kept by the carer, so it can go to police at once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    young_person = models.OneToOneField(
        YoungPerson, on_delete=models.PROTECT, related_name="philomena_profile"
    )
    physical_description = BoundedTextField(
        blank=True,
        max_length=SHORT_TEXT_MAX_LENGTH,
        help_text="Height, build, hair, eyes, marks, scars, tattoos, how they usually dress",
    )
    friends_associates = BoundedTextField(
        "friends and associates", blank=True, max_length=SHORT_TEXT_MAX_LENGTH
    )
    places_frequented = BoundedTextField(blank=True, max_length=SHORT_TEXT_MAX_LENGTH)
    phones_social_media = BoundedTextField(
        "phone numbers and social media", blank=True, max_length=SHORT_TEXT_MAX_LENGTH
    )
    vehicles_seen = BoundedTextField(blank=True, max_length=SHORT_TEXT_MAX_LENGTH)
    medical_needs = BoundedTextField(blank=True, max_length=SHORT_TEXT_MAX_LENGTH)
    medication = BoundedTextField(blank=True, max_length=SHORT_TEXT_MAX_LENGTH)
    review_date = models.DateField(null=True, blank=True)
    photo_file = models.CharField(max_length=80, blank=True, editable=False)
    photo_content_type = models.CharField(max_length=20, blank=True, editable=False)
    photo_taken_on = models.DateField("photo taken on", null=True, blank=True)
    photo_uploaded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "Philomena profile"
        permissions = [("keep_philomenaprofile", "Named as carer: keeps this Philomena profile")]

    def __str__(self) -> str:
        return f"Philomena profile of {self.young_person.full_name}"

    @property
    def review_overdue(self) -> bool:
        return self.review_date is not None and self.review_date < timezone.localdate()


class ProfileUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign-key grants: a carer named for one young person's profile."""

    content_object = models.ForeignKey(
        PhilomenaProfile, on_delete=models.CASCADE, related_name="user_grants"
    )

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["user", "permission"], name="mfh_carer_user_idx")]


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class PoliceImport(models.Model):
    """A CSV file of the force's missing-person reports and how its import went. The file is kept
    outside the web root; ``lines_done`` lets a restarted worker carry on where it stopped."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file_name = models.CharField(max_length=200)
    stored_as = models.CharField(max_length=80, editable=False)
    size_bytes = models.PositiveBigIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    bytes_done = models.PositiveBigIntegerField(default=0)
    lines_done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    #: Rows for an episode already imported that told it nothing new.
    unchanged = models.PositiveIntegerField(default=0)
    queued_for_match = models.PositiveIntegerField(default=0)
    records_created = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    #: ``[{"line": n, "reason": "..."}]``, the first ``MISSING_IMPORT_MAX_ERRORS`` rejected rows.
    errors = models.JSONField(default=list, blank=True)
    failure = models.CharField(max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "id"]
        verbose_name = "police import"

    def __str__(self) -> str:
        return f"Import of {self.file_name}"

    @property
    def is_running(self) -> bool:
        """Queued or under way: its page shows the progress as it goes."""
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)

    @property
    def progress(self) -> int:
        """0-100, by bytes read: known without counting the file's lines first."""
        if self.status == ImportStatus.DONE:
            return 100
        if not self.size_bytes:
            return 0
        return min(99, int(100 * self.bytes_done / self.size_bytes))


class MatchStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for the team manager"
    RESOLVED = "resolved", "Resolved"


class ImportMatch(models.Model):
    """An imported row whose young person could be one of several records: it waits here for the
    team manager, who picks the record or says it is someone new."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    police_import = models.ForeignKey(
        PoliceImport, on_delete=models.CASCADE, related_name="matches"
    )
    line = models.PositiveIntegerField()
    police_reference = models.CharField(max_length=40)
    row = models.JSONField()
    #: The records it could be (ids), found when the row was read.
    candidate_ids = models.JSONField(default=list)
    status = models.CharField(
        max_length=10, choices=MatchStatus.choices, default=MatchStatus.WAITING
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    episode = models.ForeignKey(
        MissingEpisode, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "import match"
        verbose_name_plural = "import matches"
        constraints = [
            models.UniqueConstraint(
                fields=["police_reference"],
                condition=models.Q(status="waiting"),
                name="mfh_one_waiting_match_per_reference",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="mfh_match_status_idx")]

    def __str__(self) -> str:
        return f"Police report {self.police_reference} (line {self.line})"


class EpisodeTally(models.Model):
    """The reports' missing figures, kept as the episodes change: for each period (a month
    ``2026-09``, a quarter ``2026-Q3`` or a year ``2026``, in UK time, by when the child went
    missing), how many children had exactly ``episodes`` episodes that began in it. The period's
    episodes are the sum of ``episodes * children``, its children the sum of ``children``, and
    those missing repeatedly the sum over ``episodes`` of the repeat rule's count or more, whatever
    that setting is. A ledger: each change adds rows (a child leaving one count, ``-1``, and
    joining another, ``+1``) and the sums are the figures. Written only by ``missing.tally`` (the
    services that add or move episodes call it), rebuilt from the episodes by ``manage.py
    missing_tally_rebuild``."""

    period = models.CharField(max_length=7)
    episodes = models.PositiveIntegerField()
    #: Children added (or, negative, taken away) with this count.
    children = models.IntegerField()

    class Meta:
        indexes = [
            # A period's figures are read off this index alone.
            models.Index(fields=["period", "episodes", "children"], name="mfh_tally_period_idx")
        ]

    def __str__(self) -> str:
        return f"{self.period}: {self.children:+d} with {self.episodes} episodes"
