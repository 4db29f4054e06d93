"""Outreach, training and participation: sessions at hot spots, the register of businesses and
community groups, training courses and sessions (the train-the-trainer cascade), e-learning
completions, and young people's and families' feedback. Places are intelligence's location
entities and alerts are intelligence's, referenced by key only: every read and write of them goes
through ``intelligence.selectors`` and ``intelligence.services``."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from cse_portal.fields import (
    NARRATIVE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    SHORT_TEXT_MAX_LENGTH,
    BoundedTextField,
)


class Sector(models.TextChoices):
    """The businesses and communities the review names (3.5.3); the first six are the
    "report a concern" page's own sectors, with the same codes."""

    HOTEL = "hotel", "Hotel, B&B or guest house"
    TAXI = "taxi", "Taxi or private hire"
    TAKEAWAY = "takeaway", "Takeaway, café or restaurant"
    LANDLORD = "landlord", "Landlord or letting agent"
    SHOP = "shop", "Shop"
    PUB_CLUB = "pub_club", "Pub, bar or club"
    SHOPPING_CENTRE = "shopping_centre", "Shopping centre"
    LGBT_VENUE = "lgbt_venue", "LGBT venue"
    FAITH_GROUP = "faith_group", "Faith group"
    MIGRANT_COMMUNITY = "migrant_community", "New migrant community group"
    OTHER = "other", "Other"


class TeamInterest(models.TextChoices):
    NONE = "none", "None"
    LICENSING = "licensing", "Licensing team"
    HOUSING = "housing", "Housing team"
    BOTH = "both", "Licensing and housing teams"


class SessionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    RECORDED = "recorded", "Recorded"


# --- Outreach sessions ---------------------------------------------------------------------------


class OutreachSession(models.Model):
    """Assertive outreach at one hot spot: planned, then recorded with what happened."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=12, unique=True)
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    # A location entity of intelligence (kind "location").
    place = models.ForeignKey(
        "intelligence.Entity", on_delete=models.PROTECT, related_name="outreach_sessions"
    )
    # The pattern alert the session answers, when planned from one.
    alert = models.ForeignKey(
        "intelligence.Alert",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outreach_sessions",
    )
    alert_closed = models.BooleanField(default=False)
    agencies = models.ManyToManyField("accounts.Agency", blank=True, related_name="+")
    workers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="outreach_sessions"
    )
    other_workers = models.CharField(max_length=300, blank=True)
    young_people_count = models.PositiveIntegerField(default=0)
    materials_given = BoundedTextField(blank=True, max_length=SHORT_TEXT_MAX_LENGTH)
    what_seen = BoundedTextField(blank=True, max_length=NARRATIVE_MAX_LENGTH)
    intelligence_item = models.ForeignKey(
        "intelligence.IntelligenceItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["-starts_at", "-id"], name="outreach_session_start_idx"),
            models.Index(fields=["place", "starts_at"], name="outreach_session_place_idx"),
            models.Index(fields=["status", "starts_at"], name="outreach_session_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=SessionStatus.values), name="outreach_session_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=F("starts_at")),
                name="outreach_session_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_recorded(self) -> bool:
        return self.status == SessionStatus.RECORDED


class SessionEngagement(models.Model):
    """A young person already known to the service who was engaged during a session."""

    session = models.ForeignKey(
        OutreachSession, on_delete=models.CASCADE, related_name="engagements"
    )
    young_person = models.ForeignKey(
        "young_people.YoungPerson", on_delete=models.PROTECT, related_name="outreach_engagements"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "young_person"], name="outreach_engagement_once"
            )
        ]
        indexes = [models.Index(fields=["young_person"], name="outreach_engagement_yp_idx")]

    def __str__(self) -> str:
        return f"{self.session} / {self.young_person_id}"


# --- Businesses and community groups -------------------------------------------------------------


class Premises(models.Model):
    """A business or community group on the "see something, say something" register."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    sector = models.CharField(max_length=20, choices=Sector.choices)
    address = BoundedTextField(blank=True, max_length=SHORT_TEXT_MAX_LENGTH)
    postcode = models.CharField(max_length=8, blank=True)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    contact_email = models.EmailField(blank=True)
    team_interest = models.CharField(
        max_length=10, choices=TeamInterest.choices, default=TeamInterest.NONE
    )
    materials_displayed = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name_plural = "premises"
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["name", "id"], name="premises_name_idx"),
            models.Index(fields=["sector", "name"], name="premises_sector_idx"),
            models.Index(fields=["postcode"], name="premises_postcode_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(sector__in=Sector.values), name="premises_sector"),
            models.CheckConstraint(
                condition=Q(team_interest__in=TeamInterest.values), name="premises_interest"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="premises_has_name"),
        ]

    def __str__(self) -> str:
        return self.name


class VisitOutcome(models.TextChoices):
    ENGAGED = "engaged", "Spoke to staff and left materials"
    MATERIALS_LEFT = "materials_left", "Materials left, nobody available"
    TRAINING_AGREED = "training_agreed", "Training agreed"
    CONCERN_RAISED = "concern_raised", "Staff raised a concern"
    DECLINED = "declined", "Declined to engage"
    CLOSED = "closed", "Closed"


class PremisesVisit(models.Model):
    premises = models.ForeignKey(Premises, on_delete=models.CASCADE, related_name="visits")
    session = models.ForeignKey(
        OutreachSession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="premises_visits",
    )
    visited_on = models.DateField()
    outcome = models.CharField(max_length=20, choices=VisitOutcome.choices)
    note = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["premises", "-visited_on"], name="premises_visit_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=VisitOutcome.values), name="premises_visit_outcome"
            ),
            models.UniqueConstraint(
                fields=["premises", "session"],
                condition=Q(session__isnull=False),
                name="premises_visit_once_per_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.premises} {self.visited_on}"


# --- Training ------------------------------------------------------------------------------------


class CourseKind(models.TextChoices):
    CSE_AWARENESS = "cse_awareness", "CSE awareness"
    INTELLIGENCE = "intelligence", "5x5x5 intelligence submission"
    RISK_ASSESSMENT = "risk_assessment", "CSE risk assessment"
    ELEARNING = "elearning", "E-learning module"
    TRAIN_THE_TRAINER = "train_the_trainer", "Train the trainer"


class Course(models.Model):
    """A course or e-learning module; ``code`` is how the learning platform's export names it."""

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=CourseKind.choices)
    code = models.SlugField(max_length=60, unique=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CourseKind.values), name="course_kind")
        ]

    def __str__(self) -> str:
        return self.title


class TrainingSession(models.Model):
    """One delivery of a course. The trainer is a staff user when they have an account (so their
    own training and the sessions they deliver form the cascade), or named in ``trainer_name``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    delivered_on = models.DateField()
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_delivered",
    )
    trainer_name = models.CharField(max_length=200, blank=True)
    audience_agencies = models.ManyToManyField("accounts.Agency", blank=True, related_name="+")
    premises = models.ManyToManyField(Premises, blank=True, related_name="training_sessions")
    attendance_count = models.PositiveIntegerField()
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="training_attended"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    #: Delivered by a trainer who attended a session here before it (the train-the-trainer
    #: cascade). Kept by ``services.training_cascade_refresh`` whenever a session's date, trainer
    #: or attendees change, so the figures count it without searching a trainer's history once a
    #: session.
    cascade = models.BooleanField(default=False, db_default=False, editable=False)

    class Meta:
        ordering = ["-delivered_on", "-id"]
        indexes = [
            models.Index(fields=["-delivered_on", "-id"], name="training_session_date_idx"),
            models.Index(fields=["trainer", "delivered_on"], name="training_session_trainer_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(trainer__isnull=True, trainer_name=""),
                name="training_session_has_trainer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.course} {self.delivered_on}"

    @property
    def trainer_label(self) -> str:
        return (
            str(self.trainer.get_full_name() or self.trainer) if self.trainer else self.trainer_name
        )


class TrainingAudience(models.Model):
    """A sector in the audience of a training session (a row each, so reports count in the
    database)."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="audience_sectors"
    )
    sector = models.CharField(max_length=20, choices=Sector.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "sector"], name="training_audience_once"),
            models.CheckConstraint(
                condition=Q(sector__in=Sector.values), name="training_audience_sector"
            ),
        ]
        indexes = [models.Index(fields=["sector"], name="training_audience_sector_idx")]

    def __str__(self) -> str:
        return self.get_sector_display()


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ElearningImport(models.Model):
    """One CSV export from the learning platform, imported in the background; its rows' errors
    are kept to show the person who uploaded it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    filename = models.CharField(max_length=200)
    content = BoundedTextField(max_length=5_000_000)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    rows_added = models.PositiveIntegerField(default=0)
    rows_already = models.PositiveIntegerField(default=0)
    rows_failed = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="elearning_import_progress_range"
            )
        ]

    def __str__(self) -> str:
        return self.filename


class ElearningCompletion(models.Model):
    """A staff user completed an e-learning module: one row however many exports repeat it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="elearning_completions"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="completions")
    completed_on = models.DateField()
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    source = models.ForeignKey(
        ElearningImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-completed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course", "completed_on"], name="elearning_completion_once"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=100), name="elearning_score_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.course_id} {self.completed_on}"


# --- Participation -------------------------------------------------------------------------------


class FeedbackAbout(models.TextChoices):
    SUPPORT = "support", "Support from a worker"
    OUTREACH = "outreach", "Meeting a youth worker out and about"
    GROUP = "group", "A group or session"
    FAMILY = "family", "Support for my family"
    OTHER = "other", "Something else"


class FeedbackFrom(models.TextChoices):
    YOUNG_PERSON = "young_person", "A young person"
    PARENT_CARER = "parent_carer", "A parent or carer"
    OTHER = "other", "Someone else"


class Rating(models.IntegerChoices):
    VERY_POOR = 1, "Very poor"
    POOR = 2, "Poor"
    OK = 3, "OK"
    GOOD = 4, "Good"
    VERY_GOOD = 5, "Very good"


class Feedback(models.Model):
    """What a young person or family said about the service, through the public form. Anonymous
    unless they chose to give a name or a way to reach them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    received_at = models.DateTimeField(default=timezone.now)
    about = models.CharField(max_length=20, choices=FeedbackAbout.choices)
    given_by = models.CharField(max_length=20, choices=FeedbackFrom.choices)
    rating = models.PositiveSmallIntegerField(choices=Rating.choices)
    went_well = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)
    could_be_better = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)
    name = models.CharField(max_length=200, blank=True)
    contact = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "feedback"
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["-received_at", "-id"], name="feedback_received_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating"
            ),
            models.CheckConstraint(
                condition=Q(about__in=FeedbackAbout.values), name="feedback_about"
            ),
            models.CheckConstraint(
                condition=Q(given_by__in=FeedbackFrom.values), name="feedback_given_by"
            ),
        ]

    def __str__(self) -> str:
        return f"Feedback {self.received_at:%Y-%m-%d}"

    @property
    def anonymous(self) -> bool:
        return not (self.name or self.contact)


class ActivityKind(models.TextChoices):
    GROUP = "group", "Participation group"
    CONSULTATION = "consultation", "Consultation"
    EVENT = "event", "Event"
    OTHER = "other", "Other"


class ParticipationActivity(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=ActivityKind.choices)
    title = models.CharField(max_length=200)
    held_on = models.DateField()
    young_people_count = models.PositiveIntegerField(default=0)
    families_count = models.PositiveIntegerField(default=0)
    summary = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)
    what_changed = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name_plural = "participation activities"
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ActivityKind.values), name="participation_activity_kind"
            )
        ]

    def __str__(self) -> str:
        return self.title
