"""The reports app's reads: the team manager's day and the analyst's picture, each built from
the other apps' selectors in a few grouped queries (pinned in ``tests/reports``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Window
from django.utils import timezone

from cse_portal.statements import Counts, CountStatement, RowsStatement

from . import permissions
from .models import ReportRun, Subscription
from .periods import Period


def _working_days_before(now: datetime, days: int) -> datetime:
    """The moment ``days`` working days before ``now`` (Monday to Friday): a referral submitted
    before it has passed a working-days target."""
    moment = timezone.localtime(now)
    while days > 0:
        moment -= timedelta(days=1)
        if moment.weekday() < 5:
            days -= 1
    return moment


@dataclass
class Figure:
    label: str
    value: int | None
    url: str
    note: str = ""


def _triage_counts(user: Any, *, urgent_cutoff: datetime, other_cutoff: datetime) -> Counts:
    from referrals.selectors import triage_waiting

    return triage_waiting(user).aggregate(
        waiting=Count("pk"),
        overdue=Count(
            "pk",
            filter=Q(urgent=True, submitted_at__lt=urgent_cutoff)
            | Q(urgent=False, submitted_at__lt=other_cutoff),
        ),
    )


def _review_counts(user: Any, *, today: date, horizon: date) -> Counts:
    from assessments.selectors import latest_approved_reviews

    return latest_approved_reviews().aggregate(
        overdue=Count("pk", filter=Q(review_due__lt=today)),
        due=Count("pk", filter=Q(review_due__gte=today, review_due__lte=horizon)),
    )


def _interview_counts(user: Any, *, now: datetime) -> Counts:
    from missing.selectors import interviews_waiting

    return interviews_waiting(user).aggregate(
        due=Count("pk", filter=Q(due_at__gte=now)), overdue=Count("pk", filter=Q(due_at__lt=now))
    )


def _approval_count(user: Any) -> Counts:
    from assessments.selectors import awaiting_approval_unlisted

    return awaiting_approval_unlisted(user).aggregate(awaiting=Count("pk"))


def _missing_count(user: Any) -> Counts:
    from missing.selectors import episodes_open

    return episodes_open(user).aggregate(missing=Count("pk"))


#: The day's counts, each compiled once per manager (``cse_portal.statements``): compiling them
#: and the caseloads through the ORM on every request cost as much as the page's own work beyond
#: its SQL.
_TRIAGE = CountStatement(_triage_counts)
_REVIEWS = CountStatement(_review_counts)
_INTERVIEWS = CountStatement(_interview_counts)
_APPROVAL = CountStatement(_approval_count)
_MISSING = CountStatement(_missing_count)


def _caseloads(everyone: None) -> QuerySet[Any]:
    from cse_portal.young_people.selectors import caseloads

    return caseloads()[:50]


#: The same for every team manager: kept once.
_CASELOADS = RowsStatement(_caseloads)


def _open_alerts(user: Any) -> QuerySet[Any]:
    """The ten open alerts changed last, with their entity and how many are open (a window over
    every open alert, worked out before the limit)."""
    from intelligence.selectors import alerts_open

    return (
        alerts_open(user=user)
        .select_related(None)
        .annotate(open_count=Window(Count("pk")))
        .values(
            "pk", "entity__kind", "entity__label", "young_people_count", "raised_at", "open_count"
        )[:10]
    )


_ALERTS = RowsStatement(_open_alerts)


def team_day(user: Any, now: datetime | None = None) -> dict[str, Any]:
    """The team manager's day: triage waiting and overdue, caseload per practitioner, assessments
    awaiting approval, reviews due and overdue, open alerts, missing now and return interviews due
    and overdue (counted through the missing app's selectors as the manager sees them)."""
    from intelligence.models import EntityKind

    now = now or timezone.now()
    today = timezone.localdate(now)
    triage = _TRIAGE(
        user,
        urgent_cutoff=now - timedelta(minutes=settings.REFERRALS_TRIAGE_URGENT_MINUTES),
        other_cutoff=_working_days_before(now, settings.REFERRALS_TRIAGE_WORKING_DAYS),
    )
    reviews = _REVIEWS(user, today=today, horizon=today + timedelta(28))
    interviews = _INTERVIEWS(user, now=now)
    alerts = _ALERTS(user)
    for alert in alerts:
        alert["kind"] = EntityKind(alert["entity__kind"]).label
    return {
        "triage_waiting": triage["waiting"],
        "triage_overdue": triage["overdue"],
        "awaiting_approval": _APPROVAL(user)["awaiting"],
        "reviews_overdue": reviews["overdue"],
        "reviews_due": reviews["due"],
        "caseloads": _CASELOADS(None),
        "alerts": alerts,
        "alerts_open": alerts[0]["open_count"] if alerts else 0,
        "missing_now": _MISSING(user)["missing"],
        "interviews_due": interviews["due"],
        "interviews_overdue": interviews["overdue"],
    }


def analyst_picture(user: Any, period: Period) -> dict[str, Any]:
    """The intelligence flow for the period (submitted, waiting, graded by scheme and code),
    the open alerts and the hot spots."""
    from intelligence.selectors import alerts_open_first, desk_queue, hot_spots, items_for_figures

    window = Q(submitted_at__gte=period.start, submitted_at__lt=period.end)
    previous = Q(submitted_at__gte=period.previous.start, submitted_at__lt=period.start)
    flow = items_for_figures().aggregate(
        submitted=Count("pk", filter=window),
        submitted_previous=Count("pk", filter=previous),
        graded=Count("pk", filter=Q(graded_at__gte=period.start, graded_at__lt=period.end)),
        high_priority=Count("pk", filter=window & Q(priority="high")),
    )
    waiting = desk_queue(user).order_by().values("priority").annotate(count=Count("pk"))
    gradings = (
        items_for_figures()
        .filter(graded_at__gte=period.start, graded_at__lt=period.end)
        .order_by()
        .values("scheme", "analyst_source_evaluation", "analyst_intelligence_evaluation")
        .annotate(count=Count("pk"))
        .order_by("scheme", "analyst_source_evaluation", "analyst_intelligence_evaluation")
    )
    alerts, alerts_open = alerts_open_first(user=user, limit=10)
    return {
        "flow": flow,
        "waiting": {row["priority"]: row["count"] for row in waiting},
        "gradings": list(gradings),
        "alerts": alerts,
        "alerts_open": alerts_open,
        "hot_spots": list(hot_spots(user=user, since=period.start)[:10]),
    }


def runs_listed(user: Any) -> QuerySet[ReportRun]:
    return permissions.visible_runs(user).order_by("-requested_at", "-id")


def subscriptions_of(user: Any) -> QuerySet[Subscription]:
    return Subscription.objects.filter(user=user).order_by("kind", "frequency")


def share_choices(user: Any) -> QuerySet[Any]:
    """People a profile may be shared with: active staff who work cases or intelligence."""
    from cse_portal.accounts.models import User
    from cse_portal.accounts.roles import READS_CASE_DATA

    return (
        User.objects.filter(is_active=True, groups__name__in=READS_CASE_DATA)
        .exclude(pk=user.pk)
        .select_related("agency")
        .order_by("last_name", "first_name", "username")
        .distinct()
    )
