"""Reads of missing episodes and interviews that depend on who is asking. Each page costs a fixed
number of queries whatever the row count; the boards are read off their own indexes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import BooleanField, Case, ExpressionWrapper, F, Q, QuerySet, Value, When
from django.utils import timezone

from cse_portal.young_people.models import YoungPerson

from . import permissions
from .models import (
    EpisodeStatus,
    EpisodeTally,
    InterviewStatus,
    MissingEpisode,
    PhilomenaProfile,
    ReturnInterview,
)

PANEL_EPISODES = 10


def missing_now(user: Any) -> QuerySet[MissingEpisode]:
    """Open episodes: high risk on top, then the longest missing first."""
    return (
        episodes_open(user)
        .select_related("young_person")
        .order_by("risk_rank", "missing_since", "id")
    )


def episodes_open(user: Any) -> QuerySet[MissingEpisode]:
    """The same episodes unordered and without the list's joins: what a count reads."""
    return permissions.visible_episodes(user).filter(status=EpisodeStatus.MISSING)


def my_reports(user: Any) -> QuerySet[MissingEpisode]:
    return (
        permissions.visible_episodes(user)
        .filter(reported_by=user)
        .select_related("young_person")
        .order_by("-reported_at", "-id")
    )


def _interviews(user: Any) -> QuerySet[ReturnInterview]:
    return permissions.visible_interviews(user).select_related(
        "young_person", "episode", "agency", "interviewer"
    )


def interviews_outstanding(user: Any) -> QuerySet[ReturnInterview]:
    """Not yet held nor declined, due or overdue: the soonest deadline first."""
    return _interviews(user).filter(status=InterviewStatus.DUE).order_by("due_at", "id")


def interviews_waiting(user: Any) -> QuerySet[ReturnInterview]:
    """The same interviews unordered and without the lists' joins: what a count reads."""
    return permissions.visible_interviews(user).filter(status=InterviewStatus.DUE)


def interviews_due(user: Any, now: datetime | None = None) -> QuerySet[ReturnInterview]:
    """Due and not yet past the deadline, the soonest first."""
    return interviews_outstanding(user).filter(due_at__gte=now or timezone.now())


def interviews_overdue(user: Any, now: datetime | None = None) -> QuerySet[ReturnInterview]:
    """Past the deadline and not done, the longest overdue first."""
    return interviews_outstanding(user).filter(due_at__lt=now or timezone.now())


def interviews_done(user: Any) -> QuerySet[ReturnInterview]:
    """Held or declined, the latest first; each says whether it was within the deadline."""
    return (
        _interviews(user)
        .exclude(status=InterviewStatus.DUE)
        .annotate(
            in_time=ExpressionWrapper(Q(completed_at__lte=F("due_at")), output_field=BooleanField())
        )
        .order_by("-completed_at", "id")
    )


def my_interviews(user: Any) -> QuerySet[ReturnInterview]:
    return _interviews(user).filter(interviewer=user).order_by("status", "due_at", "id")


def record_panel_context(user: Any, young_person: YoungPerson) -> dict[str, Any]:
    """What the record page shows of missing episodes: one query for the latest episodes with
    their interviews (the profile is fetched with them), whatever the number of rows."""
    episodes = list(
        MissingEpisode.objects.filter(young_person=young_person)
        .select_related("interview", "young_person__philomena_profile")
        .order_by("-missing_since", "-id")[: PANEL_EPISODES + 1]
    )
    if episodes:
        profile = getattr(episodes[0].young_person, "philomena_profile", None)
    else:
        profile = PhilomenaProfile.objects.filter(young_person=young_person).first()
    return {
        "young_person": young_person,
        "episodes": episodes[:PANEL_EPISODES],
        "more": len(episodes) > PANEL_EPISODES,
        "profile": profile,
        "can_report": permissions.can_report(user),
        "can_name_carer": permissions.can_name_carer(user, young_person),
    }


def profile_episodes(profile: PhilomenaProfile, limit: int = 10) -> list[MissingEpisode]:
    """Previous episodes, filled from the episodes, never retyped."""
    return list(
        MissingEpisode.objects.filter(young_person=profile.young_person_id)
        .select_related("found_location")
        .order_by("-missing_since", "-id")[:limit]
    )


def open_episode(profile: PhilomenaProfile) -> MissingEpisode | None:
    return (
        MissingEpisode.objects.filter(
            young_person=profile.young_person_id, status=EpisodeStatus.MISSING
        )
        .order_by("-missing_since")
        .first()
    )


# --- For the reports app's figures (aggregates only, counted in the database) ------------------


def episode_tally_for_figures() -> QuerySet[EpisodeTally]:
    """The episode tally's rows (``EpisodeTally``), for the reports app's sums by ``period`` (a
    month, quarter or year's key): ``episodes_counted`` (episodes that began in it),
    ``children`` (children with one or more) and ``repeat_children`` (children with
    ``MISSING_RULE_REPEAT_COUNT`` or more, the repeat rule's count). Counts only: no identity."""
    return EpisodeTally.objects.annotate(
        episodes_counted=F("episodes") * F("children"),
        repeat_children=Case(
            When(episodes__gte=settings.MISSING_RULE_REPEAT_COUNT, then=F("children")),
            default=Value(0),
        ),
    )


def interviews_for_figures() -> QuerySet[ReturnInterview]:
    """Every return home interview offered, for the reports app's grouped counts."""
    return ReturnInterview.objects.all()
