"""Celery beat's schedule for referrals (django-celery-beat's DatabaseScheduler): the public pages'
rate-limit rows are forgotten every minute, and team managers get the overdue triage summary every
morning. (The outbox's own sweep is the core's: ``cse_portal.notifications.schedule``.)

Written by migration 0002 and again after any flush of the database (``post_migrate``)."""

from __future__ import annotations

from typing import Any

from cse_portal import beat

PRUNE = "referrals: forget public submissions past their window"
# The name of the every-minute task when it also swept the outbox, before the core took that over.
_FORMER_OUTBOX = "referrals: send pending notifications"
SUMMARY = "referrals: daily overdue triage summary"


def ensure_beat_schedule(apps: Any, using: str = "default") -> None:
    """Create or correct both periodic tasks (``cse_portal.beat``)."""
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.using(using).filter(name=_FORMER_OUTBOX).delete()
    beat.every(apps, using, name=PRUNE, task="referrals.tasks.public_submissions_prune", seconds=60)
    beat.daily(apps, using, name=SUMMARY, task="referrals.tasks.overdue_triage_summary", hour="8")
