"""Celery beat's schedule for reports (``cse_portal.beat``): stalled runs resumed and pending
notices sent every minute; subscriptions generated and expired reports deleted every night.

Written by migration 0002 and again after any flush of the database (``post_migrate``)."""

from __future__ import annotations

from typing import Any

from cse_portal import beat

RESUME = "reports: resume stalled report runs"
NOTICES = "reports: send pending report notices"
SUBSCRIPTIONS = "reports: generate subscribed reports"
RETENTION = "reports: delete reports past retention"
ALL = (RESUME, NOTICES, SUBSCRIPTIONS, RETENTION)


def ensure_beat_schedule(apps: Any, using: str = "default") -> None:
    beat.every(apps, using, name=RESUME, task="reports.tasks.reports_resume_stalled", seconds=60)
    beat.every(
        apps, using, name=NOTICES, task="reports.tasks.report_notices_send_pending", seconds=60
    )
    beat.daily(
        apps, using, name=SUBSCRIPTIONS, task="reports.tasks.subscriptions_generate", hour="2"
    )
    beat.daily(apps, using, name=RETENTION, task="reports.tasks.reports_delete_expired", hour="3")
