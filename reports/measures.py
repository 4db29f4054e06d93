"""The named measures: every figure the dashboards, exports, PDFs and the measures API show,
each defined once here as a database aggregate with its definition in words.

A measure counts the rows of one **source** (a queryset handed out by another app's selectors)
that meet its condition and whose date falls in the period; a *snapshot* measure counts what is
true now and has no previous period. ``compute_raw`` asks each source for all of its measures, for
the period and the one before it, in **one grouped query** (conditional counts): the team's own
figures. What is shown outside the team is read from whole calendar years suppressed together
(``SuppressedYears``, ``compute_year``: one query for each date a source counts by), so that no
two requests give back what either hides. Neither grows with the number of rows.

Each section is a breakdown (a total and the parts that add up to it) so that small-count
suppression (``suppression.py``) can hide what subtraction would give back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractIsoWeekDay, ExtractMonth, ExtractQuarter
from django.utils import timezone

from . import suppression
from .periods import Granularity, Period
from .suppression import Bound, Breakdown, Shown

# --- Sources: querysets from the other apps' selectors ------------------------------------------


def _referrals() -> QuerySet[Any]:
    from referrals.selectors import referrals_for_figures

    return referrals_for_figures()


def _triage_allowance() -> Case:
    """The triage target as a duration: urgent referrals within the urgent minutes; others within
    the working days, counted as calendar days plus two when the clock crosses a weekend (a
    referral made on Friday is due on Monday); one made at the weekend is allowed until the end
    of the first working days from Monday (counted from the start of the day it was made, so a
    Saturday referral is allowed up to a day more than the referrals app's own clock)."""
    days = settings.REFERRALS_TRIAGE_WORKING_DAYS
    return Case(
        When(urgent=True, then=Value(timedelta(minutes=settings.REFERRALS_TRIAGE_URGENT_MINUTES))),
        When(weekday=6, then=Value(timedelta(days=days + 3))),
        When(weekday=7, then=Value(timedelta(days=days + 2))),
        When(weekday__gt=5 - days, then=Value(timedelta(days=days + 2))),
        default=Value(timedelta(days=days)),
        output_field=DurationField(),
    )


def _triaged_referrals() -> QuerySet[Any]:
    return _referrals().annotate(
        weekday=ExtractIsoWeekDay("submitted_at"),
        waited=ExpressionWrapper(F("decided_at") - F("submitted_at"), output_field=DurationField()),
        allowance=_triage_allowance(),
    )


def _young_people() -> QuerySet[Any]:
    from cse_portal.young_people.selectors import young_people_for_figures

    return young_people_for_figures()


def _partner_offers() -> QuerySet[Any]:
    from cse_portal.young_people.selectors import partner_offers_for_figures

    return partner_offers_for_figures()


#: Risk levels in order, for comparing an assessment's level with the one before it.
RISK_ORDER = ("no_apparent_risk", "low", "medium", "high")


def _rank(field_name: str) -> Case:
    return Case(
        *[When(**{field_name: level}, then=Value(rank)) for rank, level in enumerate(RISK_ORDER)],
        default=Value(-1),
        output_field=IntegerField(),
    )


def _assessments() -> QuerySet[Any]:
    from assessments.selectors import assessments_for_figures

    return assessments_for_figures()


def _approved_with_previous_level() -> QuerySet[Any]:
    """Approved assessments, each with the level of the same young person's approved assessment
    before it (``None`` for a first assessment)."""
    earlier = (
        _assessments()
        .filter(
            young_person=OuterRef("young_person"),
            status="approved",
            decided_at__lt=OuterRef("decided_at"),
        )
        .order_by("-decided_at")
        .values("level")[:1]
    )
    return (
        _assessments()
        .filter(status="approved")
        .annotate(previous_level=Subquery(earlier))
        .annotate(rank=_rank("level"), previous_rank=_rank("previous_level"))
    )


def _reviews() -> QuerySet[Any]:
    from assessments.selectors import latest_approved_reviews

    return latest_approved_reviews()


def _items() -> QuerySet[Any]:
    from intelligence.selectors import items_for_figures

    return items_for_figures()


def _disseminations() -> QuerySet[Any]:
    from intelligence.selectors import disseminations_for_figures

    return disseminations_for_figures()


def _alerts() -> QuerySet[Any]:
    from intelligence.selectors import alerts_for_figures

    return alerts_for_figures()


def _outreach_sessions() -> QuerySet[Any]:
    from outreach.selectors import outreach_sessions_for_figures

    return outreach_sessions_for_figures()


def _training_sessions() -> QuerySet[Any]:
    from outreach.selectors import training_sessions_with_cascade_for_figures

    return training_sessions_with_cascade_for_figures()


def _premises_visits() -> QuerySet[Any]:
    from outreach.selectors import premises_visits_for_figures

    return premises_visits_for_figures()


def _premises_trained() -> QuerySet[Any]:
    from outreach.selectors import premises_trained_for_figures

    return premises_trained_for_figures()


def _feedback() -> QuerySet[Any]:
    from outreach.selectors import feedback_for_figures

    return feedback_for_figures()


def _missing_tally() -> QuerySet[Any]:
    from missing.selectors import episode_tally_for_figures

    return episode_tally_for_figures()


def _return_interviews() -> QuerySet[Any]:
    from missing.selectors import interviews_for_figures

    return interviews_for_figures()


SOURCES: dict[str, Callable[[], QuerySet[Any]]] = {
    "referrals": _triaged_referrals,
    "young_people": _young_people,
    "partner_offers": _partner_offers,
    "risk_movement": _approved_with_previous_level,
    "assessments": _assessments,
    "reviews": _reviews,
    "intelligence": _items,
    "disseminations": _disseminations,
    "alerts": _alerts,
    "outreach_sessions": _outreach_sessions,
    "training_sessions": _training_sessions,
    "premises_visits": _premises_visits,
    "premises_trained": _premises_trained,
    "feedback": _feedback,
    "missing_tally": _missing_tally,
    "return_interviews": _return_interviews,
}


# --- Measures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    definition: str
    source: str
    date_field: str | None  # None: a snapshot of now
    condition: Q = field(default_factory=Q)
    distinct: str = ""  # count distinct values of this field instead of rows
    sum_of: str = ""  # add up this field (a number of people) instead of counting rows
    day_field: bool = False  # ``date_field`` is a date, not a moment
    #: The source's rows are kept by period: this field holds the period's key (``2026-Q3``),
    #: and a period's rows are those with its key (a tally kept by the other app).
    period_field: str | None = None

    @property
    def snapshot(self) -> bool:
        return self.date_field is None and self.period_field is None

    def within(self, start: Period, end: Period) -> Q:
        """Rows dated from the start of ``start`` to the end of ``end`` (for a source kept by
        period: the rows of the two, a period and the one after it)."""
        if self.period_field:
            return Q(**{f"{self.period_field}__in": [start.key, end.key]})
        first, after = (
            (start.first_day, end.next.first_day) if self.day_field else (start.start, end.end)
        )
        return Q(**{f"{self.date_field}__gte": first}) & Q(**{f"{self.date_field}__lt": after})

    def aggregate(self, period: Period | None) -> Any:
        condition = self.condition
        if period is not None and self.period_field:
            condition &= Q(**{self.period_field: period.key})
        elif period is not None and self.date_field:
            condition &= self.within(period, period)
        if self.sum_of:
            return Coalesce(Sum(self.sum_of, filter=condition), 0)
        if self.distinct:
            return Count(self.distinct, filter=condition, distinct=True)
        return Count("pk", filter=condition)


@dataclass(frozen=True)
class Rate:
    name: str
    label: str
    definition: str
    numerator: str
    denominator: str


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    total: str  # the measure the others add up to
    parts: tuple[str, ...]
    rates: tuple[Rate, ...] = ()
    note: str = ""
    extra: tuple[str, ...] = ()  # measures shown with the section that are not parts of it

    @property
    def breakdown(self) -> Breakdown:
        return Breakdown(self.total, self.parts)


AGENCY_KINDS = (
    ("police", "police"),
    ("social_care", "children's social care"),
    ("health", "health"),
    ("education", "education"),
    ("vcs", "the voluntary and community sector"),
    ("youth_service", "the youth service"),
    ("other", "other agencies"),
)


def _referral_measures() -> list[Measure]:
    submitted = "submitted_at"
    measures = [
        Measure(
            "referrals_received",
            "Referrals received",
            "Referrals submitted in the period (professional, self-referrals and community "
            "information; drafts not counted), by the date they were submitted.",
            "referrals",
            submitted,
        )
    ]
    for kind, words in AGENCY_KINDS:
        agency = Q(referred_by__agency__kind=kind)
        if kind == "other":
            agency |= Q(referred_by__agency__isnull=True)
        measures.append(
            Measure(
                f"referrals_from_{kind}",
                f"From {words}",
                f"Professional referrals submitted in the period by staff of {words}"
                + (" (or of no recorded agency)." if kind == "other" else "."),
                "referrals",
                submitted,
                Q(kind="professional") & agency,
            )
        )
    measures += [
        Measure(
            "referrals_self",
            "Self-referrals",
            "Referrals a young person made about themselves through the public self-referral "
            "page, submitted in the period.",
            "referrals",
            submitted,
            Q(kind="self"),
        ),
        Measure(
            "referrals_community",
            "Community information",
            "Concerns reported by the public through \u201creport a concern\u201d in the period.",
            "referrals",
            submitted,
            Q(kind="community"),
        ),
        Measure(
            "referrals_triaged",
            "Referrals triaged",
            "Referrals whose triage decision was made in the period, by the date of the decision.",
            "referrals",
            "decided_at",
            Q(status="triaged"),
        ),
    ]
    outcomes = (
        ("allocate", "Allocated to the CSE team"),
        ("assess", "CSE risk assessment requested"),
        ("partner_agency", "Referred to a partner agency"),
        ("signpost", "Signposted to other services"),
        ("no_further_action", "No further action"),
        ("duplicate", "Duplicate of another referral"),
    )
    for code, label in outcomes:
        measures.append(
            Measure(
                f"referral_outcome_{code}",
                label,
                f"Referrals triaged in the period whose decision was: {label.lower()}.",
                "referrals",
                "decided_at",
                Q(status="triaged", decision=code),
            )
        )
    measures += [
        Measure(
            "referral_outcome_other",
            "Other decisions",
            "Referrals triaged in the period with any other decision.",
            "referrals",
            "decided_at",
            Q(status="triaged") & ~Q(decision__in=[code for code, _ in outcomes]),
        ),
        Measure(
            "triaged_within_target",
            "Triaged within target",
            "Referrals triaged in the period within the triage target: urgent referrals within "
            "REFERRALS_TRIAGE_URGENT_MINUTES of being submitted, others within "
            "REFERRALS_TRIAGE_WORKING_DAYS working days (a weekend adds two days).",
            "referrals",
            "decided_at",
            Q(status="triaged", waited__lte=F("allowance")),
        ),
        Measure(
            "triaged_late",
            "Triaged after the target",
            "Referrals triaged in the period after their triage target (as above).",
            "referrals",
            "decided_at",
            Q(status="triaged") & ~Q(waited__lte=F("allowance")),
        ),
    ]
    return measures


def _risk_measures() -> list[Measure]:
    measures = [
        Measure(
            "young_people_known",
            "Young people known",
            "Young people with a record now (merged duplicate records not counted).",
            "young_people",
            None,
        )
    ]
    for level, label in (
        ("not_assessed", "Not assessed"),
        ("no_apparent_risk", "No apparent risk"),
        ("low", "Low"),
        ("medium", "Medium"),
        ("high", "High"),
    ):
        measures.append(
            Measure(
                f"risk_{level}",
                label,
                f"Young people whose current CSE risk level is \u201c{label.lower()}\u201d now "
                "(the level of their latest approved assessment).",
                "young_people",
                None,
                Q(current_risk_level=level),
            )
        )
    approved = "decided_at"
    measures += [
        Measure(
            "assessments_approved",
            "Assessments approved",
            "Risk assessments approved by a team manager in the period.",
            "risk_movement",
            approved,
        ),
        Measure(
            "risk_first",
            "First assessment",
            "Assessments approved in the period that were the young person's first.",
            "risk_movement",
            approved,
            Q(previous_level__isnull=True),
        ),
        Measure(
            "risk_escalated",
            "Risk level went up",
            "Assessments approved in the period whose level is higher than the young person's "
            "previous approved assessment.",
            "risk_movement",
            approved,
            Q(previous_level__isnull=False, rank__gt=F("previous_rank")),
        ),
        Measure(
            "risk_reduced",
            "Risk level went down",
            "Assessments approved in the period whose level is lower than the previous one.",
            "risk_movement",
            approved,
            Q(previous_level__isnull=False, rank__lt=F("previous_rank")),
        ),
        Measure(
            "risk_unchanged",
            "Risk level unchanged",
            "Assessments approved in the period whose level is the same as the previous one.",
            "risk_movement",
            approved,
            Q(previous_level__isnull=False, rank=F("previous_rank")),
        ),
    ]
    return measures


def _assessment_measures() -> list[Measure]:
    today = timezone.localdate()
    return [
        Measure(
            "assessments_started",
            "Assessments started",
            "Risk assessments begun in the period (by the date they were started).",
            "assessments",
            "created_at",
        ),
        Measure(
            "assessments_submitted",
            "Assessments done",
            "Risk assessments submitted for approval in the period.",
            "assessments",
            "submitted_at",
        ),
        Measure(
            "reviews_overdue",
            "Reviews overdue now",
            "Young people whose latest approved assessment's review date has passed, today.",
            "reviews",
            None,
            Q(review_due__lt=today),
        ),
        Measure(
            "reviews_due_soon",
            "Reviews due in the next 28 days",
            "Young people whose latest approved assessment is due for review within 28 days.",
            "reviews",
            None,
            Q(review_due__gte=today, review_due__lte=today + timedelta(days=28)),
        ),
    ]


def _offer_measures() -> list[Measure]:
    offered = "offered_at"
    rows = [
        Measure(
            "offers_made",
            "Offers made",
            "Offers of preventative work made to partner agencies in the period.",
            "partner_offers",
            offered,
        )
    ]
    for status, label in (
        ("accepted", "Accepted"),
        ("declined", "Declined"),
        ("offered", "Awaiting a reply"),
        ("withdrawn", "Withdrawn"),
    ):
        rows.append(
            Measure(
                f"offers_{status}",
                label,
                f"Offers made in the period that the agency has now {label.lower()}"
                if status in ("accepted", "declined")
                else f"Offers made in the period now: {label.lower()}.",
                "partner_offers",
                offered,
                Q(status=status),
            )
        )
    return rows


def _intelligence_measures() -> list[Measure]:
    submitted = "submitted_at"
    rows = [
        Measure(
            "intelligence_submitted",
            "Intelligence submitted",
            "Intelligence reports submitted in the period (drafts not counted).",
            "intelligence",
            submitted,
        )
    ]
    for kind, words in AGENCY_KINDS:
        agency = Q(agency__kind=kind)
        if kind == "other":
            agency |= Q(agency__isnull=True)
        rows.append(
            Measure(
                f"intelligence_from_{kind}",
                f"From {words}",
                f"Intelligence submitted in the period by staff of {words}"
                + (" (or with no agency, as community concerns)." if kind == "other" else "."),
                "intelligence",
                submitted,
                agency,
            )
        )
    rows += [
        Measure(
            "intelligence_graded",
            "Graded by the analyst",
            "Intelligence reports the analyst graded in the period.",
            "intelligence",
            "graded_at",
            Q(graded_at__isnull=False),
        ),
        Measure(
            "intelligence_disseminated",
            "Reports disseminated",
            "Different intelligence reports disseminated in the period (a report disseminated "
            "twice counts once).",
            "disseminations",
            "disseminated_at",
            distinct="item",
        ),
    ]
    return rows


def _alert_measures() -> list[Measure]:
    rows = [
        Measure(
            "alerts_raised",
            "Pattern alerts raised",
            "Alerts raised in the period when intelligence linked several young people to the "
            "same person, place or vehicle.",
            "alerts",
            "raised_at",
        ),
        Measure(
            "alerts_closed",
            "Pattern alerts closed",
            "Alerts closed in the period, whatever their outcome.",
            "alerts",
            "closed_at",
            Q(status="closed"),
        ),
    ]
    outcomes = (
        ("operation", "Police operation"),
        ("outreach", "Outreach"),
        ("disruption", "Disruption"),
        ("no_further_action", "No further action"),
    )
    for code, label in outcomes:
        rows.append(
            Measure(
                f"alerts_outcome_{code}",
                label,
                f"Alerts closed in the period with the outcome: {label.lower()}.",
                "alerts",
                "closed_at",
                Q(status="closed", outcome=code),
            )
        )
    rows.append(
        Measure(
            "alerts_outcome_other",
            "Other outcomes",
            "Alerts closed in the period with any other outcome.",
            "alerts",
            "closed_at",
            Q(status="closed") & ~Q(outcome__in=[code for code, _ in outcomes]),
        )
    )
    return rows


def _outreach_measures() -> list[Measure]:
    rows = [
        Measure(
            "outreach_sessions",
            "Outreach sessions",
            "Assertive outreach sessions at hot spots, recorded as held, that started in the "
            "period.",
            "outreach_sessions",
            "starts_at",
        ),
        Measure(
            "outreach_young_people",
            "Young people engaged by outreach",
            "The young people the outreach workers recorded engaging with at those sessions, "
            "added up (one young person met at two sessions counts twice).",
            "outreach_sessions",
            "starts_at",
            sum_of="young_people_count",
        ),
        Measure(
            "training_sessions",
            "Training sessions delivered",
            "Sessions of CSE awareness training delivered in the period (by the date delivered), "
            "including those given by trainers trained here (the cascade).",
            "training_sessions",
            "delivered_on",
            day_field=True,
        ),
        Measure(
            "people_trained",
            "People trained",
            "The attendance recorded at those training sessions, added up.",
            "training_sessions",
            "delivered_on",
            sum_of="attendance_count",
            day_field=True,
        ),
        Measure(
            "cascade_sessions",
            "Training sessions by trainers trained here",
            "Of the training sessions delivered in the period, those whose trainer had attended "
            "a session here before (the train-the-trainer cascade).",
            "training_sessions",
            "delivered_on",
            Q(cascade=True),
            day_field=True,
        ),
        Measure(
            "cascade_people",
            "People reached by the cascade",
            "The attendance recorded at the cascade's sessions (above), added up.",
            "training_sessions",
            "delivered_on",
            Q(cascade=True),
            sum_of="attendance_count",
            day_field=True,
        ),
        Measure(
            "feedback_received",
            "Feedback received",
            "Feedback on outreach, training and the service received in the period (from the "
            "public feedback page and recorded by staff).",
            "feedback",
            "received_at",
        ),
        Measure(
            "premises_visited",
            "Premises visited",
            "Different premises on the register visited by the team in the period (a premises "
            "visited twice counts once).",
            "premises_visits",
            "visited_on",
            distinct="premises",
            day_field=True,
        ),
        Measure(
            "premises_trained",
            "Premises trained",
            "Different premises on the register whose staff were given a training session "
            "delivered in the period.",
            "premises_trained",
            "trainingsession__delivered_on",
            distinct="premises",
            day_field=True,
        ),
    ]
    for code, label in _sectors():
        rows += [
            Measure(
                f"premises_visited_{code}",
                label,
                f"Different premises of the sector \u201c{label}\u201d visited in the period.",
                "premises_visits",
                "visited_on",
                Q(premises__sector=code),
                distinct="premises",
                day_field=True,
            ),
            Measure(
                f"premises_trained_{code}",
                label,
                f"Different premises of the sector \u201c{label}\u201d trained in the period.",
                "premises_trained",
                "trainingsession__delivered_on",
                Q(premises__sector=code),
                distinct="premises",
                day_field=True,
            ),
        ]
    return rows


def _areas() -> list[str]:
    return list(dict.fromkeys(settings.REPORTS_OUTREACH_AREAS))


def _area_measures() -> list[Measure]:
    """Outreach sessions by area: the postcode district of the hot spot (outreach's ``area``),
    one part for each district the LSCB covers and one for everywhere else, so that the parts add
    up to the sessions held."""
    areas = _areas()
    rows = [
        Measure(
            f"outreach_sessions_area_{code.lower()}",
            code,
            f"Outreach sessions held in the period at a hot spot in the postcode district {code} "
            "(the outward code of the place's postcode).",
            "outreach_sessions",
            "starts_at",
            Q(area=code),
        )
        for code in areas
    ]
    rows.append(
        Measure(
            "outreach_sessions_area_elsewhere",
            "Elsewhere or no postcode",
            "Outreach sessions held in the period at a place outside the postcode districts "
            "above (REPORTS_OUTREACH_AREAS), or at a place whose postcode is not known.",
            "outreach_sessions",
            "starts_at",
            ~Q(area__in=areas),
        )
    )
    return rows


def _sectors() -> list[tuple[str, str]]:
    from outreach.selectors import sectors_for_figures

    return sectors_for_figures()


def _missing_measures() -> list[Measure]:
    hours = settings.MISSING_INTERVIEW_HOURS
    created = "created_at"
    return [
        Measure(
            "missing_episodes",
            "Missing episodes",
            "Episodes of a young person missing from home or care that began in the period (by "
            "the time they went missing), whether reported here or imported from the police.",
            "missing_tally",
            None,
            sum_of="episodes_counted",
            period_field="period",
        ),
        Measure(
            "missing_children",
            "Children missing",
            "Different young people with at least one missing episode that began in the period "
            "(a child missing twice counts once).",
            "missing_tally",
            None,
            sum_of="children",
            period_field="period",
        ),
        Measure(
            "missing_repeat",
            "Children missing repeatedly",
            "Young people with MISSING_RULE_REPEAT_COUNT or more missing episodes (3 unless set "
            "otherwise, the missing app's repeat rule) that began in the period.",
            "missing_tally",
            None,
            sum_of="repeat_children",
            period_field="period",
        ),
        Measure(
            "interviews_offered",
            "Return interviews offered",
            "Return home interviews offered in the period (one is offered when a child comes "
            "back), by the date it was offered.",
            "return_interviews",
            created,
        ),
        Measure(
            "interviews_in_time",
            f"Done within {hours} hours",
            "Return home interviews offered in the period that were held by their deadline "
            f"(MISSING_INTERVIEW_HOURS, {hours} hours after the child came back).",
            "return_interviews",
            created,
            Q(status="done", completed_at__lte=F("due_at")),
        ),
        Measure(
            "interviews_late",
            f"Done after {hours} hours",
            "Return home interviews offered in the period that were held after their deadline.",
            "return_interviews",
            created,
            Q(status="done") & ~Q(completed_at__lte=F("due_at")),
        ),
        Measure(
            "interviews_declined",
            "Declined",
            "Return home interviews offered in the period that the young person declined.",
            "return_interviews",
            created,
            Q(status="declined"),
        ),
        Measure(
            "interviews_outstanding",
            "Not yet held",
            "Return home interviews offered in the period that are still due or overdue now.",
            "return_interviews",
            created,
            ~Q(status__in=["done", "declined"]),
        ),
    ]


MEASURES: dict[str, Measure] = {
    m.name: m
    for m in [
        *_referral_measures(),
        *_risk_measures(),
        *_assessment_measures(),
        *_offer_measures(),
        *_intelligence_measures(),
        *_alert_measures(),
        *_outreach_measures(),
        *_area_measures(),
        *_missing_measures(),
    ]
}


def _parts(prefix: str, names: Iterable[str]) -> tuple[str, ...]:
    return tuple(f"{prefix}{name}" for name in names)


AGENCY_CODES = [kind for kind, _ in AGENCY_KINDS]

SECTIONS: tuple[Section, ...] = (
    Section(
        "referral_sources",
        "Referrals by source",
        "referrals_received",
        (*_parts("referrals_from_", AGENCY_CODES), "referrals_self", "referrals_community"),
    ),
    Section(
        "referral_outcomes",
        "Referrals by triage outcome",
        "referrals_triaged",
        _parts(
            "referral_outcome_",
            [
                "allocate",
                "assess",
                "partner_agency",
                "signpost",
                "no_further_action",
                "duplicate",
                "other",
            ],
        ),
    ),
    Section(
        "triage_time",
        "Time to triage against the target",
        "referrals_triaged",
        ("triaged_within_target", "triaged_late"),
        rates=(
            Rate(
                "triaged_within_target_rate",
                "Triaged within target (%)",
                "Referrals triaged within target as a percentage of those triaged.",
                "triaged_within_target",
                "referrals_triaged",
            ),
        ),
    ),
    Section(
        "risk_levels",
        "Young people by current risk level",
        "young_people_known",
        _parts("risk_", ["not_assessed", "no_apparent_risk", "low", "medium", "high"]),
        note="A count of now: there is no previous period.",
    ),
    Section(
        "risk_movement",
        "Movement of risk levels",
        "assessments_approved",
        ("risk_first", "risk_escalated", "risk_reduced", "risk_unchanged"),
    ),
    Section(
        "assessments",
        "Assessments",
        "assessments_submitted",
        (),
        extra=("assessments_started", "reviews_overdue", "reviews_due_soon"),
        note="Reviews are counted now: there is no previous period for them.",
    ),
    Section(
        "partner_offers",
        "Preventative work offered to partner agencies",
        "offers_made",
        ("offers_accepted", "offers_declined", "offers_offered", "offers_withdrawn"),
        rates=(
            Rate(
                "offers_accepted_rate",
                "Offers accepted (%)",
                "Offers accepted as a percentage of offers made in the period.",
                "offers_accepted",
                "offers_made",
            ),
        ),
    ),
    Section(
        "intelligence",
        "Intelligence submitted by agency",
        "intelligence_submitted",
        _parts("intelligence_from_", AGENCY_CODES),
        extra=("intelligence_graded", "intelligence_disseminated"),
    ),
    Section(
        "alerts",
        "Pattern alerts and their outcomes",
        "alerts_closed",
        _parts(
            "alerts_outcome_", ["operation", "outreach", "disruption", "no_further_action", "other"]
        ),
        extra=("alerts_raised",),
    ),
    Section(
        "outreach",
        "Outreach and training delivered",
        "outreach_sessions",
        (),
        extra=(
            "outreach_young_people",
            "training_sessions",
            "people_trained",
            "cascade_sessions",
            "cascade_people",
            "feedback_received",
        ),
        note="By month: the trend in the quarterly summary and the annual review.",
    ),
    Section(
        "outreach_areas",
        "Outreach sessions by area",
        "outreach_sessions",
        (
            *_parts("outreach_sessions_area_", [code.lower() for code in _areas()]),
            "outreach_sessions_area_elsewhere",
        ),
        note="An area is the postcode district of the hot spot the session was held at.",
    ),
    Section(
        "premises_visited",
        "Premises visited by sector",
        "premises_visited",
        _parts("premises_visited_", [code for code, _ in _sectors()]),
    ),
    Section(
        "premises_trained",
        "Premises trained by sector",
        "premises_trained",
        _parts("premises_trained_", [code for code, _ in _sectors()]),
    ),
    Section(
        "missing",
        "Missing from home or care",
        "missing_episodes",
        (),
        extra=("missing_children", "missing_repeat"),
        note="Children are counted once however many times they went missing.",
    ),
    Section(
        "return_interviews",
        "Return home interviews",
        "interviews_offered",
        ("interviews_in_time", "interviews_late", "interviews_declined", "interviews_outstanding"),
        rates=(
            Rate(
                "interviews_in_time_rate",
                "Done within the deadline (%)",
                "Return home interviews held within the deadline as a percentage of those "
                "offered in the period.",
                "interviews_in_time",
                "interviews_offered",
            ),
        ),
    ),
)

RATES: dict[str, Rate] = {rate.name: rate for section in SECTIONS for rate in section.rates}
BREAKDOWNS: tuple[Breakdown, ...] = tuple(s.breakdown for s in SECTIONS if s.parts)


def bounds(key: Callable[[str], Any] = lambda name: name) -> list[Bound]:
    """The inequalities between measures that a reader can use beside the sums, for suppression
    (``key`` names a measure's cell, a trend's being the measure and the period): no more
    different children than episodes, a child missing repeatedly in at least the repeat rule's
    number of them, sessions and people of the cascade among all training delivered."""
    repeat = int(settings.MISSING_RULE_REPEAT_COUNT)
    return [
        Bound(key(low), key(high), at_least)
        for low, high, at_least in (
            ("missing_children", "missing_episodes", 1),
            ("missing_repeat", "missing_children", 1),
            ("missing_repeat", "missing_episodes", repeat),
            ("cascade_sessions", "training_sessions", 1),
            ("cascade_people", "people_trained", 1),
        )
    ]


# --- Computing -----------------------------------------------------------------------------------


def _source_query(source: str, period: Period) -> tuple[QuerySet[Any], dict[str, Count]]:
    """One source's measures for the period and the one before it, as one aggregate."""
    measures = [m for m in MEASURES.values() if m.source == source]
    aggregates: dict[str, Count] = {}
    # Each date the measures count by once (not once a measure), so the database can read the
    # rows of the two periods off an index on each.
    windows: dict[tuple[str | None, str | None, bool], Q] = {}
    for measure in measures:
        if measure.snapshot:
            aggregates[f"{measure.name}__now"] = measure.aggregate(None)
            continue
        aggregates[f"{measure.name}__current"] = measure.aggregate(period)
        aggregates[f"{measure.name}__previous"] = measure.aggregate(period.previous)
        key = (measure.date_field, measure.period_field, measure.day_field)
        windows.setdefault(key, measure.within(period.previous, period))
    queryset = SOURCES[source]()
    if all(not m.snapshot for m in measures):
        window = Q()
        for within in windows.values():
            window |= within
        queryset = queryset.filter(window)
    return queryset, aggregates


def _timed_source(source: str) -> bool:
    """Whether any of the source's measures is counted by period (not only a snapshot of now)."""
    return any(not m.snapshot for m in MEASURES.values() if m.source == source)


def source_queries(
    period: Period, *, snapshots: bool = True
) -> list[tuple[QuerySet[Any], dict[str, Count]]]:
    """Every source's aggregate (the bench times their SQL as the dashboards' floor); without
    ``snapshots``, the sources whose every measure is a count of now are left out (they are the
    same for every period)."""
    return [
        _source_query(source, period) for source in SOURCES if snapshots or _timed_source(source)
    ]


@dataclass
class Raw:
    """Unsuppressed counts: never shown outside the team as they are."""

    current: dict[str, int]
    previous: dict[str, int | None]


def compute_raw(period: Period, *, snapshots: bool = True) -> Raw:
    """Every measure for the period and the one before it (``snapshots=False``: only those
    counted by period, and the snapshots of sources that have both)."""
    current: dict[str, int] = {}
    previous: dict[str, int | None] = {}
    for queryset, aggregates in source_queries(period, snapshots=snapshots):
        result = queryset.aggregate(**aggregates)
        for key, value in result.items():
            name, which = key.rsplit("__", 1)
            if which == "now":
                current[name], previous[name] = value or 0, None
            elif which == "current":
                current[name] = value or 0
            else:
                previous[name] = value or 0
    return Raw(current=current, previous=previous)


@dataclass
class Row:
    name: str
    label: str
    definition: str
    current: Shown
    previous: Shown | None
    change: Shown | None
    kind: str = "part"  # total, part, extra or rate


@dataclass
class SectionFigures:
    section: Section
    rows: list[Row]

    @property
    def chart_rows(self) -> list[Row]:
        return [row for row in self.rows if row.kind != "rate"]


@dataclass
class Figures:
    period: Period
    sections: list[SectionFigures]
    suppressed: bool

    def rows(self) -> list[Row]:
        return [row for section in self.sections for row in section.rows]

    def as_dict(self) -> dict[str, Shown]:
        return {row.name: row.current for row in self.rows()}


def _plain(values: dict[str, int] | dict[str, int | None]) -> dict[str, Shown]:
    return {name: Shown(value, False) for name, value in values.items() if value is not None}


def present(
    period: Period,
    current: dict[str, Shown],
    previous: dict[str, Shown],
    *,
    suppressed: bool,
) -> Figures:
    """The measures as rows of their sections, rates and changes following the counts they come
    from (suppressed when either is). ``previous`` lacks the counts of now."""
    sections = []
    for section in SECTIONS:
        rows = []
        for kind, names in (
            ("total", (section.total,)),
            ("part", section.parts),
            ("extra", section.extra),
        ):
            for name in names:
                measure = MEASURES[name]
                now = current[name]
                before = previous.get(name)
                rows.append(
                    Row(
                        name=name,
                        label=measure.label,
                        definition=measure.definition,
                        current=now,
                        previous=before,
                        change=suppression.change(now, before) if before else None,
                        kind=kind,
                    )
                )
        for rate in section.rates:
            now = suppression.rate(current[rate.numerator], current[rate.denominator])
            before = None
            if rate.denominator in previous:
                before = suppression.rate(previous[rate.numerator], previous[rate.denominator])
            rows.append(
                Row(
                    name=rate.name,
                    label=rate.label,
                    definition=rate.definition,
                    current=now,
                    previous=before,
                    change=None,
                    kind="rate",
                )
            )
        sections.append(SectionFigures(section=section, rows=rows))
    return Figures(period=period, sections=sections, suppressed=suppressed)


# --- Suppressed figures: whole calendar years ---------------------------------------------------
#
# Suppression worked out for each request alone is undone across requests: a quarter asked for
# shows its total, its months asked for one by one show two of them, and the third comes back by
# subtraction. So every figure shown outside the team is read from its calendar year suppressed
# whole: the year, its quarters and its months, each with every section's breakdown, each quarter
# the sum of its months and the year the sum of its quarters, with the bounds between measures in
# every period. Whatever periods are asked for, one after another, a cell always shows what that
# one table shows, and the table is safe as a whole (``tests/reports/test_suppressed_years.py``).


def year_periods(year: int) -> list[Period]:
    """The calendar year, its four quarters and its twelve months, in that order."""
    whole = Period(Granularity.YEAR, year, 1)
    quarters = whole.parts
    return [whole, *quarters, *(month for quarter in quarters for month in quarter.parts)]


Axis = tuple[str | None, str | None, bool]


def _year_plan() -> list[tuple[str, Axis, list[Measure], str]]:
    """The queries a year takes: for each source, one for each date (or period key) its
    measures count by, grouped by month (or by period key); and for a date with distinct counts
    (which do not add up over time), one more grouped by quarter and one over the year."""
    plan = []
    for source in SOURCES:
        axes: dict[Axis, list[Measure]] = {}
        for measure in MEASURES.values():
            if measure.source == source and not measure.snapshot:
                axis = (measure.date_field, measure.period_field, measure.day_field)
                axes.setdefault(axis, []).append(measure)
        for axis, group in axes.items():
            plan.append((source, axis, group, "month"))
            distinct = [m for m in group if m.distinct]
            if distinct and not axis[1]:
                plan += [(source, axis, distinct, "quarter"), (source, axis, distinct, "year")]
    return plan


def _snapshot_plan() -> list[tuple[str, list[Measure]]]:
    plan = []
    for source in SOURCES:
        group = [m for m in MEASURES.values() if m.source == source and m.snapshot]
        if group:
            plan.append((source, group))
    return plan


def compute_year(year: int) -> dict[tuple[str, str], int]:
    """Every measure counted by period for the calendar year, each of its quarters and each of
    its months, keyed by (measure, period key). A source kept by period is read by the 17 keys.
    A dated one is grouped by the month of each date it counts by (UK time), its quarters and
    year adding up the months; a distinct count (a premises visited in two months is one premises
    in their quarter) is also grouped by quarter and counted over the year. The number of
    queries is fixed (``_year_plan``): it does not grow with the rows."""
    periods = year_periods(year)
    whole, quarters, months = periods[0], periods[1:5], periods[5:]
    values: dict[tuple[str, str], int] = {}
    for source, (date_field, period_field, _), group, grouping in _year_plan():
        queryset = SOURCES[source]().order_by()
        aliases = {f"v{i}": measure for i, measure in enumerate(group)}
        counts = {alias: m.aggregate(None) for alias, m in aliases.items()}
        if period_field:
            queryset = queryset.filter(**{f"{period_field}__in": [p.key for p in periods]})
            found = {
                row[period_field]: row for row in queryset.values(period_field).annotate(**counts)
            }
            targets = [(period, found.get(period.key, {})) for period in periods]
        else:
            dated = queryset.filter(group[0].within(whole, whole))
            if grouping == "year":
                targets = [(whole, dated.aggregate(**counts))]
            else:
                part = (
                    ExtractMonth(date_field) if grouping == "month" else ExtractQuarter(date_field)
                )
                rows = dated.annotate(_part=part).values("_part").annotate(**counts)
                found = {row["_part"]: row for row in rows}
                parts = months if grouping == "month" else quarters
                targets = [(period, found.get(period.number, {})) for period in parts]
        for period, row in targets:
            for alias, measure in aliases.items():
                values[(measure.name, period.key)] = row.get(alias) or 0
        if grouping == "month" and not period_field:
            for measure in group:
                if measure.distinct:
                    continue  # counted by quarter and over the year in queries of their own
                for quarter in quarters:
                    values[(measure.name, quarter.key)] = sum(
                        values[(measure.name, month.key)] for month in quarter.parts
                    )
                values[(measure.name, whole.key)] = sum(
                    values[(measure.name, quarter.key)] for quarter in quarters
                )
    return values


def compute_now() -> dict[str, int]:
    """The counts of now (young people by current risk level, reviews due): one query for each
    source that has them."""
    values: dict[str, int] = {}
    for source, group in _snapshot_plan():
        aliases = {f"v{i}": measure for i, measure in enumerate(group)}
        result = SOURCES[source]().aggregate(
            **{alias: m.aggregate(None) for alias, m in aliases.items()}
        )
        values.update({m.name: result[alias] or 0 for alias, m in aliases.items()})
    return values


def suppress_year(values: dict[tuple[str, str], int], year: int) -> dict[Any, Shown]:
    """A year's counts (``compute_year``) suppressed together: every section's breakdown in
    every period, every measure's quarters over their months and the year over its quarters,
    and the bounds between measures in every period."""
    periods = year_periods(year)
    whole, quarters = periods[0], periods[1:5]
    breakdowns = [
        Breakdown((b.total, p.key), tuple((part, p.key) for part in b.parts))
        for p in periods
        for b in BREAKDOWNS
    ]
    for name, measure in MEASURES.items():
        if measure.snapshot:
            continue
        breakdowns.append(Breakdown((name, whole.key), tuple((name, q.key) for q in quarters)))
        breakdowns += [
            Breakdown((name, q.key), tuple((name, m.key) for m in q.parts)) for q in quarters
        ]
    related = [b for p in periods for b in bounds(lambda name, key=p.key: (name, key))]
    return suppression.apply(values, breakdowns, bounds=related)


def years_for(period: Period) -> list[int]:
    """The calendar years a period's figures and the previous period's are read from."""
    return sorted({period.year, period.previous.year})


def compute_for_shown(period: Period) -> None:
    """The queries behind ``figures_for(period)`` as shown outside the team, without the
    suppression (what the bench times as the dashboard's SQL)."""
    compute_now()
    for year in years_for(period):
        compute_year(year)


def shown_query_count(period: Period) -> int:
    """How many queries ``figures_for(period)`` runs: fixed by the period's shape (one calendar
    year, or two when the previous period is in the year before), never by the rows."""
    return len(_snapshot_plan()) + len(_year_plan()) * len(years_for(period))


class SuppressedYears:
    """Figures as they may be shown outside the team, read from whole calendar years suppressed
    together (each year counted and suppressed once an instance)."""

    def __init__(self) -> None:
        self._years: dict[int, dict[Any, Shown]] = {}
        self._now: dict[str, Shown] | None = None

    def _year(self, year: int) -> dict[Any, Shown]:
        if year not in self._years:
            self._years[year] = suppress_year(compute_year(year), year)
        return self._years[year]

    def now(self) -> dict[str, Shown]:
        if self._now is None:
            self._now = suppression.apply(compute_now(), BREAKDOWNS, bounds=bounds())
        return self._now

    def shown(self, period: Period) -> dict[str, Shown]:
        """The period's counts by period as shown (not the counts of now)."""
        year = self._year(period.year)
        return {
            name: year[(name, period.key)]
            for name, measure in MEASURES.items()
            if not measure.snapshot
        }

    def figures(self, period: Period) -> Figures:
        current = {**self.now(), **self.shown(period)}
        return present(period, current, self.shown(period.previous), suppressed=True)


def figures_for(period: Period, *, suppress: bool = True) -> Figures:
    """The measures for ``period`` and the one before it. Suppressed (for everyone outside the
    team), they are read from their calendar years suppressed whole (``SuppressedYears``);
    unsuppressed, one query per source for the two periods."""
    if suppress:
        return SuppressedYears().figures(period)
    raw = compute_raw(period)
    return present(period, _plain(raw.current), _plain(raw.previous), suppressed=False)


def definitions() -> list[dict[str, str]]:
    """Every measure's name, label and definition in words (for the page that explains them)."""
    every = [*MEASURES.values(), *RATES.values()]
    return [{"name": m.name, "label": m.label, "definition": m.definition} for m in every]


@dataclass
class TrendRow:
    name: str
    label: str
    values: list[Shown]
    total: Shown


@dataclass
class Trend:
    periods: list[Period]
    rows: list[TrendRow]


def figures_with_trend(period: Period, parts: list[Period]) -> tuple[Figures, Trend]:
    """The period's figures and, beside them, each section's counts over ``parts`` (the months
    of a quarter, the quarters of a year), all read from the same suppressed calendar years, so
    they are the figures any other request shows for those periods."""
    years = SuppressedYears()
    figures = years.figures(period)
    shown = {part.key: years.shown(part) for part in parts}
    total = years.shown(period)
    rows = []
    for section in SECTIONS:
        for name in (section.total, *section.parts, *section.extra):
            if not MEASURES[name].snapshot:
                rows.append(
                    TrendRow(
                        name=name,
                        label=MEASURES[name].label,
                        values=[shown[part.key][name] for part in parts],
                        total=total[name],
                    )
                )
    return figures, Trend(periods=parts, rows=rows)
