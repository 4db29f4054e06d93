"""Intelligence: what professionals and the community submit on the intelligence report, the
analyst's grading, sanitisation and dissemination of it, and the people, vehicles, locations,
phones and online accounts it mentions (POLE entities, stored once and mentioned many times), with
the pattern alerts raised over them.

Gradings are stored exactly as submitted, in the scheme they were submitted in; the analyst's
re-evaluation sits beside them (``analyst_*``) and every change is a ``GradingChange`` row."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from cse_portal.dates import validate_date_of_birth, validate_not_before_1900
from cse_portal.fields import (
    NARRATIVE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    SHORT_TEXT_MAX_LENGTH,
    BoundedTextField,
)

# --- Code lists ----------------------------------------------------------------------------------


class Scheme(models.TextChoices):
    FIVE_BY_FIVE = "5x5x5", "5x5x5 (National Intelligence Model)"
    THREE_BY_FIVE = "3x5x2", "3x5x2 (from 2016)"


#: The codes each scheme allows, field by field, with what each means in plain words (domain.md).
GRADING_CODES: dict[str, dict[str, dict[str, str]]] = {
    Scheme.FIVE_BY_FIVE: {
        "source_evaluation": {
            "A": "Always reliable: no doubt about the source's authenticity or competence",
            "B": "Mostly reliable: information from this source has usually proved right",
            "C": "Sometimes reliable: information from this source has sometimes proved right",
            "D": "Unreliable: information from this source has usually proved wrong",
            "E": "Untested source: nothing yet known about how reliable this source is",
        },
        "intelligence_evaluation": {
            "1": "Known to be true without reservation",
            "2": "Known personally to the source but not to the person recording it",
            "3": "Not personally known to the source, but corroborated by other information",
            "4": "Cannot be judged",
            "5": "Suspected to be false or malicious",
        },
        "handling_code": {
            "1": "May be shared with other law enforcement and prosecuting agencies",
            "2": "May be shared with UK non-prosecuting parties, with authorisation and records",
            "3": "May be shared with law enforcement outside the EEA, under special conditions",
            "4": "May be shared within the originating agency only",
            "5": "No further sharing: refer to the person who submitted it (conditions recorded)",
        },
    },
    Scheme.THREE_BY_FIVE: {
        "source_evaluation": {
            "1": "Reliable: the source is trusted and has proved right before",
            "2": "Untested: nothing yet known about how reliable this source is",
            "3": "Not reliable: there are doubts about this source",
        },
        "intelligence_evaluation": {
            "A": "Known directly to the source",
            "B": "Known indirectly to the source, and corroborated",
            "C": "Known indirectly to the source",
            "D": "Not known to the source",
            "E": "Suspected to be false",
        },
        "handling_code": {
            "P": "Lawful sharing permitted",
            "C": "Sharing permitted only with conditions, which the recipient must accept",
        },
    },
}

#: One order for both schemes, so the picture can keep the items "at least as reliable as" a
#: minimum whatever scheme each was graded in: 3x5x2's own levels (the newer scheme), each 5x5x5
#: code placed at the level that means the same. Source: 1 reliable (5x5x5 A always and B mostly
#: reliable), 2 untested (5x5x5 C sometimes reliable and E untested: neither proved right nor
#: wrong), 3 not reliable (5x5x5 D unreliable). Intelligence: A known directly to the source
#: (5x5x5 1 known to be true and 2 known personally to the source), B known indirectly and
#: corroborated (5x5x5 3), C known indirectly (no 5x5x5 code), D not known to the source (5x5x5 4
#: cannot be judged), E suspected to be false (5x5x5 5). The first level is the most reliable.
GRADING_LEVELS: dict[str, list[tuple[str, str, dict[str, tuple[str, ...]]]]] = {
    "source_evaluation": [
        ("1", "Reliable", {"5x5x5": ("A", "B"), "3x5x2": ("1",)}),
        ("2", "Untested", {"5x5x5": ("C", "E"), "3x5x2": ("2",)}),
        ("3", "Not reliable", {"5x5x5": ("D",), "3x5x2": ("3",)}),
    ],
    "intelligence_evaluation": [
        ("A", "Known directly to the source", {"5x5x5": ("1", "2"), "3x5x2": ("A",)}),
        ("B", "Known indirectly, corroborated", {"5x5x5": ("3",), "3x5x2": ("B",)}),
        ("C", "Known indirectly", {"5x5x5": (), "3x5x2": ("C",)}),
        ("D", "Not known to the source", {"5x5x5": ("4",), "3x5x2": ("D",)}),
        ("E", "Suspected to be false", {"5x5x5": ("5",), "3x5x2": ("E",)}),
    ],
}


def codes_at_least(field: str, minimum: str) -> dict[str, tuple[str, ...]] | None:
    """The codes of each scheme at least as reliable as level ``minimum`` of ``field``
    (``GRADING_LEVELS``); ``None`` when every code is (no minimum, or the least reliable level).
    An unknown level is a ``ValueError``: the forms check it first."""
    if not minimum:
        return None
    levels = GRADING_LEVELS[field]
    names = [level for level, _label, _codes in levels]
    if minimum not in names:
        raise ValueError(f"No {field} level {minimum!r}")
    kept = levels[: names.index(minimum) + 1]
    if len(kept) == len(levels):
        return None
    return {
        scheme: tuple(code for _level, _label, codes in kept for code in codes[scheme])
        for scheme in Scheme.values
    }


#: Handling codes whose conditions must be written down.
CONDITIONS_REQUIRED = {(Scheme.FIVE_BY_FIVE, "5"), (Scheme.THREE_BY_FIVE, "C")}

ALL_SOURCE_CODES = sorted({c for s in GRADING_CODES.values() for c in s["source_evaluation"]})
ALL_INTELLIGENCE_CODES = sorted(
    {c for s in GRADING_CODES.values() for c in s["intelligence_evaluation"]}
)
ALL_HANDLING_CODES = sorted({c for s in GRADING_CODES.values() for c in s["handling_code"]})


class Priority(models.TextChoices):
    HIGH = "high", "High: a threat to life or an imminent risk to a child"
    MEDIUM = "medium", "Medium: time-critical"
    LOW = "low", "Low"


#: The desk's order: high first.
PRIORITY_RANK = {Priority.HIGH: 0, Priority.MEDIUM: 1, Priority.LOW: 2}


class ItemStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    RECEIVED = "received", "Received"
    BEING_ASSESSED = "being_assessed", "Being assessed"
    ASSESSED = "assessed", "Assessed"


class Origin(models.TextChoices):
    SUBMISSION = "submission", "Intelligence report"
    COMMUNITY_CONCERN = "community_concern", "Community concern"
    RETURN_INTERVIEW = "return_interview", "Return home interview"
    OUTREACH = "outreach", "Outreach"


class SourceKind(models.TextChoices):
    OWN_OBSERVATION = "own_observation", "My own observation"
    NAMED_THIRD_PARTY = "named_third_party", "Someone told me, and I know who they are"
    ANONYMOUS_THIRD_PARTY = "anonymous_third_party", "Someone told me anonymously"
    COMMUNITY_CONCERN = "community_concern", "A community concern"


class EntityKind(models.TextChoices):
    PERSON = "person", "Person"
    VEHICLE = "vehicle", "Vehicle"
    LOCATION = "location", "Location"
    PHONE = "phone", "Phone number"
    ACCOUNT = "account", "Online account"


class VenueKind(models.TextChoices):
    HOTEL = "hotel", "Hotel"
    TAKEAWAY = "takeaway", "Takeaway"
    TAXI_RANK = "taxi_rank", "Taxi rank"
    PARK = "park", "Park"
    HOUSE = "house", "House"
    ONLINE = "online", "Online"
    OTHER = "other", "Other"


class MentionRole(models.TextChoices):
    YOUNG_PERSON_AT_RISK = "young_person_at_risk", "Young person at risk"
    SUSPECTED_EXPLOITER = "suspected_exploiter", "Suspected exploiter"
    ASSOCIATE = "associate", "Associate"
    WITNESS = "witness", "Witness"
    PLACE = "place", "Place"
    VEHICLE_USED = "vehicle_used", "Vehicle used"
    PHONE_USED = "phone_used", "Phone used"
    ACCOUNT_USED = "account_used", "Online account used"


PERSON_ROLES = (
    MentionRole.YOUNG_PERSON_AT_RISK,
    MentionRole.SUSPECTED_EXPLOITER,
    MentionRole.ASSOCIATE,
    MentionRole.WITNESS,
)

#: The role a mention of each non-person kind takes.
DEFAULT_ROLE = {
    EntityKind.LOCATION: MentionRole.PLACE,
    EntityKind.VEHICLE: MentionRole.VEHICLE_USED,
    EntityKind.PHONE: MentionRole.PHONE_USED,
    EntityKind.ACCOUNT: MentionRole.ACCOUNT_USED,
}


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class AlertOutcome(models.TextChoices):
    OPERATION = "operation", "Police operation"
    OUTREACH = "outreach", "Outreach"
    DISRUPTION = "disruption", "Disruption"
    NO_FURTHER_ACTION = "no_further_action", "No further action"


# --- Entities ------------------------------------------------------------------------------------


class Entity(models.Model):
    """One person, vehicle, location, phone or online account, stored once. ``key`` is the
    normalised identity (``intelligence.normalise``) that finds it again; people are matched by
    the analyst, so their key is not unique."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=EntityKind.choices)
    label = models.CharField(max_length=300)
    key = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from"
    )

    # Location.
    address = BoundedTextField(blank=True, max_length=SHORT_TEXT_MAX_LENGTH)
    postcode = models.CharField(max_length=8, blank=True)
    venue_kind = models.CharField(max_length=20, choices=VenueKind.choices, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    # Vehicle.
    make = models.CharField(max_length=60, blank=True)
    model = models.CharField(max_length=60, blank=True)
    colour = models.CharField(max_length=40, blank=True)

    # Person.
    date_of_birth = models.DateField(null=True, blank=True, validators=[validate_date_of_birth])
    description = BoundedTextField(blank=True, max_length=SHORT_TEXT_MAX_LENGTH)
    young_person = models.ForeignKey(
        "young_people.YoungPerson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intelligence_entities",
    )

    class Meta:
        verbose_name_plural = "entities"
        ordering = ["kind", "label"]
        indexes = [
            models.Index(fields=["kind", "key"], name="entity_kind_key_idx"),
            models.Index(fields=["kind", "label"], name="entity_kind_label_idx"),
            models.Index(fields=["young_person"], name="entity_young_person_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=EntityKind.values), name="entity_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(venue_kind__in=[*VenueKind.values, ""]),
                name="entity_venue_kind_valid",
            ),
            models.CheckConstraint(condition=~models.Q(label=""), name="entity_has_label"),
            models.UniqueConstraint(
                fields=["kind", "key"],
                condition=~models.Q(key="") & ~models.Q(kind="person"),
                name="entity_unique_key",
            ),
            models.CheckConstraint(
                condition=models.Q(young_person__isnull=True) | models.Q(kind="person"),
                name="entity_young_person_is_person",
            ),
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("id")), name="entity_not_merged_into_self"
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True)
                | models.Q(latitude__gte=-90, latitude__lte=90),
                name="entity_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True)
                | models.Q(longitude__gte=-180, longitude__lte=180),
                name="entity_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.label}"


# --- Items ---------------------------------------------------------------------------------------


class ReferenceCounter(models.Model):
    """The last item number given out in a year, so references are INT-YYYY-NNNNNN in order."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class IntelligenceItem(models.Model):
    """One intelligence report. ``content`` and ``source_description`` are the original, seen only
    by the submitter and the analyst; recipients read ``sanitised_content``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=16, unique=True)
    status = models.CharField(max_length=20, choices=ItemStatus.choices, default=ItemStatus.DRAFT)
    origin = models.CharField(max_length=20, choices=Origin.choices, default=Origin.SUBMISSION)
    origin_reference = models.CharField(max_length=100, blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.LOW)
    # The desk's order (0 high, 1 medium, 2 low): set with ``priority`` by the services.
    priority_rank = models.PositiveSmallIntegerField(default=2, editable=False)

    # The grading as submitted, in the scheme chosen.
    scheme = models.CharField(max_length=5, choices=Scheme.choices, default=Scheme.FIVE_BY_FIVE)
    source_evaluation = models.CharField(max_length=1, blank=True)
    intelligence_evaluation = models.CharField(max_length=1, blank=True)
    handling_code = models.CharField(max_length=1, blank=True)
    handling_conditions = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)

    # The analyst's re-evaluation, in the same scheme (blank until made).
    analyst_source_evaluation = models.CharField(max_length=1, blank=True)
    analyst_intelligence_evaluation = models.CharField(max_length=1, blank=True)
    analyst_handling_code = models.CharField(max_length=1, blank=True)
    analyst_handling_conditions = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)
    graded_at = models.DateTimeField(null=True, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # Who, when, from whom.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intelligence_submitted",
    )
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    obtained_at = models.DateTimeField(null=True, blank=True, validators=[validate_not_before_1900])
    source_kind = models.CharField(max_length=30, choices=SourceKind.choices, blank=True)
    source_description = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)

    # What was seen: the original 5WH text, and the subjects as the submitter entered them.
    content = BoundedTextField(blank=True, max_length=NARRATIVE_MAX_LENGTH)
    subjects = models.JSONField(default=list, blank=True)

    # The analyst's work.
    sanitised_content = BoundedTextField(blank=True, max_length=NARRATIVE_MAX_LENGTH)
    sanitised_at = models.DateTimeField(null=True, blank=True)
    sanitised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assessed_at = models.DateTimeField(null=True, blank=True)

    young_person = models.ForeignKey(
        "young_people.YoungPerson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intelligence_items",
    )
    community_concern = models.OneToOneField(
        "referrals.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intelligence_item",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The analyst's desk: new and in-progress submissions alike by priority, then oldest
            # (a high one just received before a low one already being assessed).
            models.Index(
                fields=["priority_rank", "submitted_at", "id"],
                name="intel_desk_queue_idx",
                condition=models.Q(status__in=["received", "being_assessed"]),
            ),
            models.Index(fields=["submitted_by", "-created_at"], name="intel_submitter_idx"),
            models.Index(fields=["-submitted_at", "-id"], name="intel_submitted_idx"),
            models.Index(fields=["obtained_at"], name="intel_obtained_idx"),
            models.Index(fields=["young_person"], name="intel_young_person_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ItemStatus.values), name="intel_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(origin__in=Origin.values), name="intel_origin_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(priority__in=Priority.values), name="intel_priority_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(scheme__in=Scheme.values), name="intel_scheme_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(priority=Priority.HIGH, priority_rank=0)
                | models.Q(priority=Priority.MEDIUM, priority_rank=1)
                | models.Q(priority=Priority.LOW, priority_rank=2),
                name="intel_priority_rank_matches",
            ),
            models.CheckConstraint(
                condition=models.Q(source_kind__in=[*SourceKind.values, ""]),
                name="intel_source_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(source_evaluation__in=[*ALL_SOURCE_CODES, ""])
                & models.Q(analyst_source_evaluation__in=[*ALL_SOURCE_CODES, ""]),
                name="intel_source_code_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(intelligence_evaluation__in=[*ALL_INTELLIGENCE_CODES, ""])
                & models.Q(analyst_intelligence_evaluation__in=[*ALL_INTELLIGENCE_CODES, ""]),
                name="intel_intelligence_code_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(handling_code__in=[*ALL_HANDLING_CODES, ""])
                & models.Q(analyst_handling_code__in=[*ALL_HANDLING_CODES, ""]),
                name="intel_handling_code_valid",
            ),
            # Once submitted, an item has its grading, its content and its time.
            models.CheckConstraint(
                condition=models.Q(status=ItemStatus.DRAFT)
                | (
                    models.Q(submitted_at__isnull=False, obtained_at__isnull=False)
                    & ~models.Q(source_evaluation="")
                    & ~models.Q(intelligence_evaluation="")
                    & ~models.Q(handling_code="")
                    & ~models.Q(content="")
                ),
                name="intel_submitted_complete",
            ),
            # Handling code 5 (5x5x5) and C (3x5x2) always carry their conditions.
            models.CheckConstraint(
                condition=~(
                    (
                        models.Q(scheme=Scheme.FIVE_BY_FIVE, handling_code="5")
                        | models.Q(scheme=Scheme.THREE_BY_FIVE, handling_code="C")
                    )
                    & models.Q(handling_conditions="")
                    & ~models.Q(status=ItemStatus.DRAFT)
                ),
                name="intel_conditions_recorded",
            ),
            models.CheckConstraint(
                condition=~(
                    (
                        models.Q(scheme=Scheme.FIVE_BY_FIVE, analyst_handling_code="5")
                        | models.Q(scheme=Scheme.THREE_BY_FIVE, analyst_handling_code="C")
                    )
                    & models.Q(analyst_handling_conditions="")
                ),
                name="intel_analyst_conditions_recorded",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def audit_subjects(self) -> set[str]:
        """The young people this item names (the audit log's subjects): the record it was
        submitted about and any young person linked among its subjects as submitted."""
        linked = {str(self.young_person_id)} if self.young_person_id else set()
        for subject in self.subjects or []:
            if isinstance(subject, dict) and subject.get("young_person"):
                linked.add(str(subject["young_person"]))
        return linked

    # The grading in force: the analyst's where re-evaluated, otherwise as submitted.
    @property
    def is_regraded(self) -> bool:
        return bool(self.analyst_handling_code)

    @property
    def current_source_evaluation(self) -> str:
        return self.analyst_source_evaluation or self.source_evaluation

    @property
    def current_intelligence_evaluation(self) -> str:
        return self.analyst_intelligence_evaluation or self.intelligence_evaluation

    @property
    def current_handling_code(self) -> str:
        return self.analyst_handling_code or self.handling_code

    @property
    def current_handling_conditions(self) -> str:
        if self.is_regraded:
            return self.analyst_handling_conditions
        return self.handling_conditions

    @property
    def grading(self) -> str:
        """The grading in force, written as the profession writes it (``B2 4``, ``2 C P``)."""
        return grading_text(
            self.scheme,
            self.current_source_evaluation,
            self.current_intelligence_evaluation,
            self.current_handling_code,
        )

    @property
    def submitted_grading(self) -> str:
        return grading_text(
            self.scheme, self.source_evaluation, self.intelligence_evaluation, self.handling_code
        )

    @property
    def is_draft(self) -> bool:
        return self.status == ItemStatus.DRAFT

    @property
    def conditions_need_acknowledgement(self) -> bool:
        return self.scheme == Scheme.THREE_BY_FIVE and self.current_handling_code == "C"

    @property
    def acknowledged_conditions(self) -> str:
        """The conditions a recipient accepts now, as their acceptance records them."""
        return self.current_handling_conditions or "-"


def grading_text(scheme: str, source: str, intelligence: str, handling: str) -> str:
    if not (source and intelligence and handling):
        return ""
    return (
        f"{source}{intelligence} {handling}"
        if scheme == Scheme.FIVE_BY_FIVE
        else (f"{source} {intelligence} {handling}")
    )


class GradingChange(models.Model):
    """Every re-evaluation by the analyst: what the grading was, what it became, and why."""

    item = models.ForeignKey(IntelligenceItem, on_delete=models.CASCADE, related_name="gradings")
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    previous: models.JSONField[Any] = models.JSONField(default=dict)
    current: models.JSONField[Any] = models.JSONField(default=dict)
    reason = BoundedTextField(max_length=REASON_MAX_LENGTH)

    class Meta:
        ordering = ["changed_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="grading_has_reason")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} regraded"


class Mention(models.Model):
    """An entity mentioned in an item, in a role."""

    item = models.ForeignKey(IntelligenceItem, on_delete=models.CASCADE, related_name="mentions")
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="mentions")
    role = models.CharField(max_length=30, choices=MentionRole.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["entity", "item"], name="mention_entity_item_idx"),
            models.Index(fields=["item", "role"], name="mention_item_role_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=MentionRole.values), name="mention_role_valid"
            ),
            models.UniqueConstraint(fields=["item", "entity", "role"], name="mention_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.entity_id} in {self.item_id} as {self.role}"


# --- Dissemination -------------------------------------------------------------------------------


class AuthorisedRecipient(models.Model):
    """A user or an agency recorded with the authority to receive 5x5x5 handling code 2 material
    (a UK non-prosecuting party: the authorisation and its record are needed)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    authority = BoundedTextField(max_length=REASON_MAX_LENGTH)
    recorded_at = models.DateTimeField(default=timezone.now)
    is_active = models.BooleanField(default=True, help_text="Untick when the authority ends.")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, agency__isnull=True)
                | models.Q(user__isnull=True, agency__isnull=False),
                name="authorised_recipient_one",
            ),
            models.CheckConstraint(
                condition=~models.Q(authority=""), name="authorised_recipient_has_authority"
            ),
        ]

    def __str__(self) -> str:
        return str(self.user_id or self.agency_id)


class Dissemination(models.Model):
    """One sharing of an item's sanitised version, with the handling code and conditions in force
    at the time, and why."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(
        IntelligenceItem, on_delete=models.PROTECT, related_name="disseminations"
    )
    disseminated_at = models.DateTimeField(default=timezone.now)
    disseminated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    handling_code = models.CharField(max_length=1)
    conditions = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)
    purpose = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)
    authority = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)

    class Meta:
        ordering = ["-disseminated_at"]
        indexes = [models.Index(fields=["item", "-disseminated_at"], name="dissem_item_idx")]

    def __str__(self) -> str:
        return f"{self.item_id} shared {self.disseminated_at:%Y-%m-%d}"


class DisseminationRecipient(models.Model):
    """A user, or a whole agency, a dissemination went to."""

    dissemination = models.ForeignKey(
        Dissemination, on_delete=models.CASCADE, related_name="recipients"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intelligence_received",
    )
    agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intelligence_received",
    )
    # Set when a later grading forbids this recipient (``services.item_regrade``): from then on
    # the item is no longer in their "shared with me".
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)

    class Meta:
        indexes = [
            models.Index(fields=["user", "dissemination"], name="dissem_recipient_user_idx"),
            models.Index(fields=["agency", "dissemination"], name="dissem_recipient_agency_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, agency__isnull=True)
                | models.Q(user__isnull=True, agency__isnull=False),
                name="dissem_recipient_one",
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True, withdrawn_reason="")
                | (models.Q(withdrawn_at__isnull=False) & ~models.Q(withdrawn_reason="")),
                name="dissem_recipient_withdrawn_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user_id or self.agency_id)


class ConditionsAcknowledgement(models.Model):
    """A recipient's acceptance of a 3x5x2 C item's conditions, before its text is shown."""

    item = models.ForeignKey(
        IntelligenceItem, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    conditions = BoundedTextField(max_length=REASON_MAX_LENGTH)
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "user"], name="conditions_ack_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} accepted {self.item_id}"


# --- Alerts --------------------------------------------------------------------------------------


class Alert(models.Model):
    """A pattern: one entity linked to several young people within a window. One open alert per
    entity; a new child updates it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="alerts")
    status = models.CharField(max_length=10, choices=AlertStatus.choices, default="open")
    raised_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    young_people_count = models.PositiveIntegerField(default=0)
    items_count = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=30, choices=AlertOutcome.choices, blank=True)
    reason = BoundedTextField(blank=True, max_length=REASON_MAX_LENGTH)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["status", "-updated_at"], name="alert_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=AlertStatus.values), name="alert_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=[*AlertOutcome.values, ""]),
                name="alert_outcome_valid",
            ),
            models.UniqueConstraint(
                fields=["entity"], condition=models.Q(status="open"), name="alert_one_open"
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", outcome="", closed_at__isnull=True)
                | (
                    models.Q(status="closed", closed_at__isnull=False)
                    & ~models.Q(outcome="")
                    & ~models.Q(reason="")
                ),
                name="alert_closed_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"Alert on {self.entity_id}"


# --- The picture's links (derived) --------------------------------------------------------------


class PictureLink(models.Model):
    """What the picture counts, joined once when an item is linked rather than on every read:
    one row per submitted item, mention of a hub (a place, vehicle, phone, online account or
    suspected exploiter) and young person at risk mentioned beside it, or one row with no young
    person when none is. ``person`` is the young person counted (the record the person entity is
    linked to, or the entity itself); the date and the grading in force are the item's.

    Derived only, by ``picture_links`` (the services' linking listener, the regrading, the
    migration that made it and ``manage.py picture_links_rebuild``): never written by hand."""

    id = models.BigAutoField(primary_key=True)
    item = models.ForeignKey(IntelligenceItem, on_delete=models.CASCADE, related_name="+")
    hub = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="picture_links")
    role = models.CharField(max_length=30, choices=MentionRole.choices)
    young_person = models.ForeignKey(
        Entity, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    person = models.UUIDField(null=True, blank=True)
    obtained_at = models.DateTimeField()
    scheme = models.CharField(max_length=5, choices=Scheme.choices)
    source_evaluation = models.CharField(max_length=1)
    intelligence_evaluation = models.CharField(max_length=1)

    class Meta:
        indexes = [
            # The picture reads a period's links from this index alone (PostgreSQL).
            models.Index(
                fields=["obtained_at"],
                include=["hub", "role", "item", "young_person", "person"],
                name="picture_link_period_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hub_id} with {self.young_person_id} in {self.item_id}"
