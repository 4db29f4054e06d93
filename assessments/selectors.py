"""Reads of assessments that depend on who is asking, and the current instrument's indicators for
other apps (the referral form's tick boxes). Each page costs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from cse_portal.young_people.models import RiskLevel, YoungPerson

from . import permissions
from .instrument import LEVEL_ORDER, Definition, Result, level_rank
from .models import (
    Assessment,
    AssessmentRequest,
    AssessmentRequestReason,
    AssessmentStatus,
    Instrument,
    RequestStatus,
)


def current_instrument() -> Instrument | None:
    """The published version assessors use now (the highest published version)."""
    return Instrument.objects.current()


def current_definition() -> Definition | None:
    instrument = current_instrument()
    return instrument.parsed if instrument else None


def indicator_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """(section title, [(item code, item text)]) of the current published instrument, for grouped
    tick boxes (the referral form's indicators use the same codes as the assessment)."""
    definition = current_definition()
    if definition is None:
        return []
    return [
        (section.title, [(item.code, item.text) for item in section.items])
        for section in definition.sections
    ]


def valid_indicator_codes() -> set[str]:
    """Every item code of the current published instrument."""
    definition = current_definition()
    return set(definition.items) if definition else set()


# --- Team lists ----------------------------------------------------------------------------------


def _listing(queryset: QuerySet[Assessment]) -> QuerySet[Assessment]:
    return queryset.select_related("young_person", "assessor", "instrument").defer(
        "instrument__definition", "answers"
    )


def requests_to_do(user: Any) -> QuerySet[AssessmentRequest]:
    """Open requests for an assessment of a young person ``user`` may see (one a young person),
    oldest first, each with its further reasons in the order they were given."""
    return (
        permissions.visible_requests(user)
        .filter(status=RequestStatus.OPEN)
        .select_related("young_person", "requested_by")
        .prefetch_related(_further_reasons())
        .order_by("requested_at", "id")
    )


def _further_reasons() -> Prefetch:
    return Prefetch(
        "further_reasons",
        queryset=AssessmentRequestReason.objects.select_related("requested_by").order_by(
            "requested_at", "id"
        ),
    )


def assessments_in_progress(user: Any) -> QuerySet[Assessment]:
    """Drafts and returned assessments: a practitioner's own, every one for the team manager."""
    queryset = permissions.visible_assessments(user).filter(
        status__in=[AssessmentStatus.DRAFT, AssessmentStatus.RETURNED]
    )
    if not permissions.is_team_manager(user):
        queryset = queryset.filter(assessor=user)
    return _listing(queryset).order_by("created_at", "id")


def awaiting_approval(user: Any) -> QuerySet[Assessment]:
    return _listing(awaiting_approval_unlisted(user)).order_by("submitted_at", "id")


def awaiting_approval_unlisted(user: Any) -> QuerySet[Assessment]:
    """The assessments waiting for approval unordered and without the listing's joins: what a
    count reads (the team manager's dashboard)."""
    return permissions.visible_assessments(user).filter(status=AssessmentStatus.SUBMITTED)


def overdue_reviews(user: Any, *, today: date | None = None) -> QuerySet[Assessment]:
    """Each young person's latest approved assessment whose review date has passed."""
    today = today or timezone.localdate()
    newer = Assessment.objects.filter(
        young_person=OuterRef("young_person"),
        status=AssessmentStatus.APPROVED,
        decided_at__gt=OuterRef("decided_at"),
    )
    return _listing(
        permissions.visible_assessments(user)
        .filter(status=AssessmentStatus.APPROVED, review_due__lt=today)
        .filter(~Exists(newer))
    ).order_by("review_due", "id")


# --- One assessment and one young person's history -----------------------------------------------


@dataclass
class AnswerRow:
    code: str
    text: str
    guidance: str
    value: str
    label: str
    present: bool


@dataclass
class SectionRows:
    title: str
    rows: list[AnswerRow]


def answers_by_section(assessment: Assessment) -> list[SectionRows]:
    """The assessment's answers under the questions of its own instrument version."""
    sections = []
    for section in assessment.instrument.parsed.sections:
        rows = []
        for item in section.items:
            value = assessment.answers.get(item.code, "")
            option = item.option(value) if value else None
            rows.append(
                AnswerRow(
                    code=item.code,
                    text=item.text,
                    guidance=item.guidance,
                    value=value,
                    label=option.label if option else "Not answered",
                    present=bool(option) and value != item.absent_value,
                )
            )
        sections.append(SectionRows(title=section.title, rows=rows))
    return sections


@dataclass
class LaterReason:
    """A reason for the assessment given after it was started, while it was a draft."""

    reason: str
    requested_at: datetime
    requested_by: Any
    source_app: str
    indicators: list[str]


def reasons_since_start(assessment: Assessment) -> list[LaterReason]:
    """The requests and further reasons that reached the assessment while it was a draft (its
    ``later_reasons``), oldest first, each with the text of the indicators it suggested that
    the assessment's instrument knows. No query when there are none; two otherwise. A reason
    folded from a merged record's request keeps its request's id, so it is found either way."""
    ids = assessment.later_reasons
    if not ids:
        return []
    items = assessment.instrument.parsed.items
    rows = [
        *AssessmentRequest.objects.filter(pk__in=ids).select_related("requested_by"),
        *AssessmentRequestReason.objects.filter(pk__in=ids).select_related("requested_by"),
    ]
    rows.sort(key=lambda row: (row.requested_at, str(row.pk)))
    return [
        LaterReason(
            reason=row.reason,
            requested_at=row.requested_at,
            requested_by=row.requested_by,
            source_app=row.source_app,
            indicators=[items[c].text for c in row.suggested_indicators if c in items],
        )
        for row in rows
    ]


def rescore(assessment: Assessment) -> Result:
    """Score the assessment again with its own instrument version and recorded circumstances."""
    return assessment.instrument.parsed.score(
        assessment.answers,
        age=assessment.age_at_assessment,
        learning_disability=assessment.learning_disability,
    )


HISTORY_LIMIT = 24


def approved_history(young_person: YoungPerson, *, limit: int = HISTORY_LIMIT) -> list[Assessment]:
    """The young person's latest approved assessments, oldest first, in one query."""
    rows = list(
        Assessment.objects.filter(young_person=young_person, status=AssessmentStatus.APPROVED)
        .select_related("instrument")
        .order_by("-decided_at", "-id")[:limit]
    )
    rows.reverse()
    # One parsed definition per instrument version, however many assessments used it.
    shared: dict[int, Instrument] = {}
    for row in rows:
        row.instrument = shared.setdefault(row.instrument_id, row.instrument)
    return rows


@dataclass
class Change:
    assessment: Assessment
    previous: Assessment
    appeared: list[str]
    went_away: list[str]


def changes_between(history: list[Assessment]) -> list[Change]:
    """For each pair of consecutive assessments: the items that appeared and went away. Item text
    comes from each assessment's own version (an item that appeared, from the later one)."""
    changes = []
    for previous, current in pairwise(history):
        before = set(rescore(previous).present)
        after = set(rescore(current).present)
        now_items = current.instrument.parsed.items
        then_items = previous.instrument.parsed.items
        changes.append(
            Change(
                assessment=current,
                previous=previous,
                appeared=[now_items[c].text for c in sorted(after - before)],
                went_away=[then_items[c].text for c in sorted(before - after)],
            )
        )
    changes.reverse()
    return changes


@dataclass
class ChartPoint:
    x: int
    y: int
    level: str
    label: str
    when: datetime


@dataclass
class Chart:
    width: int
    height: int
    points: list[ChartPoint]
    polyline: str
    bands: list[dict[str, Any]]


CHART_WIDTH, CHART_HEIGHT, CHART_LEFT, CHART_TOP, CHART_ROW = 640, 200, 150, 20, 40


def level_chart(history: list[Assessment]) -> Chart | None:
    """Coordinates for the server-rendered SVG chart of the level over time (prints; no script)."""
    if not history:
        return None
    top_rank = len(LEVEL_ORDER) - 1

    def y_for(level: str) -> int:
        return CHART_TOP + (top_rank - level_rank(level)) * CHART_ROW

    span = CHART_WIDTH - CHART_LEFT - 30
    step = span // max(len(history) - 1, 1)
    points = [
        ChartPoint(
            x=CHART_LEFT + (index * step if len(history) > 1 else span // 2),
            y=y_for(row.level),
            level=row.level,
            label=RiskLevel(row.level).label,
            when=row.decided_at,
        )
        for index, row in enumerate(history)
    ]
    bands = [
        {"label": RiskLevel(level).label, "y": y_for(level), "text_y": y_for(level) + 5}
        for level in LEVEL_ORDER
    ]
    return Chart(
        width=CHART_WIDTH,
        height=CHART_TOP * 2 + top_rank * CHART_ROW + 20,
        points=points,
        polyline=" ".join(f"{p.x},{p.y}" for p in points),
        bands=bands,
    )


def record_panel_context(user: Any, young_person: YoungPerson) -> dict[str, Any]:
    """What the young person's record page shows of assessments (two queries, any row count)."""
    history = approved_history(young_person)
    in_progress = list(
        _listing(
            Assessment.objects.filter(
                young_person=young_person,
                status__in=[
                    AssessmentStatus.DRAFT,
                    AssessmentStatus.SUBMITTED,
                    AssessmentStatus.RETURNED,
                ],
            )
        ).order_by("-created_at")[:10]
    )
    return {
        "young_person": young_person,
        "history": history,
        "latest": history[-1] if history else None,
        "changes": changes_between(history),
        "chart": level_chart(history),
        "in_progress": in_progress,
        "can_assess": permissions.can_assess(user, young_person),
        "today": timezone.localdate(),
    }


# --- For the reports app's figures (aggregates only; never shown row by row) -------------------


def assessments_for_figures() -> QuerySet[Assessment]:
    """Every assessment, for aggregate figures counted in the database by the reports app."""
    return Assessment.objects.all()


def latest_approved_reviews() -> QuerySet[Assessment]:
    """Each young person's latest approved assessment (for counts of reviews due and overdue)."""
    newer = Assessment.objects.filter(
        young_person=OuterRef("young_person"),
        status=AssessmentStatus.APPROVED,
        decided_at__gt=OuterRef("decided_at"),
    )
    return Assessment.objects.filter(status=AssessmentStatus.APPROVED).filter(~Exists(newer))
