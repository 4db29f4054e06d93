"""The one access funnel for reports.

Who sees what (every read of a report run starts from ``visible_runs``; anything else is a 404):

=============  ==================================================================================
role           reports
=============  ==================================================================================
lscb_manager   the LSCB dashboard and the measures API (anonymous figures, small counts
               suppressed); requests, subscribes to and opens every LSCB quarterly summary and
               annual review; writes their commentary and publishes them
team_manager   the team manager's dashboard; the LSCB dashboard and measures API; opens the LSCB
               reports (without editing them)
analyst        the analyst's dashboard; requests problem profiles (OFFICIAL-SENSITIVE), opens its
               own, and shares one with named users (an object grant made by a service, audited)
a named user   opens a problem profile shared with them; every opening is audited
everyone else  nothing
=============  ==================================================================================

LSCB figures never name or identify a child: the measures are counts, suppressed as
``suppression.py`` says. A problem profile names places, vehicles and suspected exploiters, never
a young person. Object grants are made and revoked only here, called by the services.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from guardian.shortcuts import assign_perm, remove_perm

from cse_portal.accounts.roles import Role
from cse_portal.funnel import consult_or_404

from .models import ReportKind, ReportRun, ReportRunUserObjectPermission

OPEN_CODENAME = "open_reportrun"
OPEN_PERMISSION = f"reports.{OPEN_CODENAME}"
LSCB_KINDS = (ReportKind.LSCB_QUARTERLY, ReportKind.ANNUAL_REVIEW)


def _has(user: Any, *roles: str) -> bool:
    return bool(user.is_authenticated and user.has_role(*roles))


def can_see_lscb_dashboard(user: Any) -> bool:
    return _has(user, Role.LSCB_MANAGER, Role.TEAM_MANAGER)


def can_read_measures(user: Any) -> bool:
    return can_see_lscb_dashboard(user)


def can_see_team_dashboard(user: Any) -> bool:
    return _has(user, Role.TEAM_MANAGER)


def can_see_analyst_dashboard(user: Any) -> bool:
    return _has(user, Role.ANALYST)


def can_use_reports(user: Any) -> bool:
    """Who has a reports page at all (their own list, what was shared with them)."""
    return user.is_authenticated and not _has(user, Role.ADMIN)


def can_request(user: Any, kind: str) -> bool:
    if kind in LSCB_KINDS:
        return _has(user, Role.LSCB_MANAGER)
    if kind == ReportKind.PROBLEM_PROFILE:
        return _has(user, Role.ANALYST)
    return False


def requestable_kinds(user: Any) -> list[tuple[str, str]]:
    return [(kind.value, kind.label) for kind in ReportKind if can_request(user, kind)]


def can_write_commentary(user: Any, run: ReportRun) -> bool:
    """The LSCB manager writes an LSCB report's commentary, the analyst its own profile's, until
    the report is published."""
    if run.published_at is not None:
        return False
    if run.is_lscb:
        return _has(user, Role.LSCB_MANAGER)
    return _has(user, Role.ANALYST) and run.requested_by_id == user.pk


def can_share(user: Any, run: ReportRun) -> bool:
    return (
        run.kind == ReportKind.PROBLEM_PROFILE
        and _has(user, Role.ANALYST)
        and run.requested_by_id == user.pk
    )


def visible_runs(user: Any) -> QuerySet[ReportRun]:
    """Every report run ``user`` may see (module docstring)."""
    if not can_use_reports(user):
        return ReportRun.objects.none()
    visible = Q(requested_by=user) | Q(
        grants__user=user, grants__permission__codename=OPEN_CODENAME
    )
    if _has(user, Role.LSCB_MANAGER, Role.TEAM_MANAGER):
        visible |= Q(kind__in=LSCB_KINDS)
    return ReportRun.objects.filter(
        pk__in=ReportRun.objects.filter(visible).values("pk")
    ).select_related("requested_by", "published_by")


def get_run_for_user(user: Any, pk: Any, *, channel: str = "page") -> ReportRun:
    """The run, if ``user`` may see it, its opening audited; ``Http404`` otherwise."""
    return consult_or_404(
        user, visible_runs(user), pk, what="report", channel=channel, subject_id=lambda run: None
    )


def grantees(run: ReportRun) -> QuerySet[ReportRunUserObjectPermission]:
    return ReportRunUserObjectPermission.objects.filter(
        content_object=run, permission__codename=OPEN_CODENAME
    ).select_related("user__agency")


def grant_open(user: Any, run: ReportRun) -> None:
    """Make the object grant. Called only by ``services.report_share``."""
    assign_perm(OPEN_PERMISSION, user, run)


def revoke_open(user: Any, run: ReportRun) -> None:
    """Revoke the object grant. Called only by ``services.report_unshare``."""
    remove_perm(OPEN_PERMISSION, user, run)
