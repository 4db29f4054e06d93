"""Celery beat's schedule for referrals (django-celery-beat's DatabaseScheduler): the public pages'
rate-limit rows are forgotten every minute, and team managers get the overdue triage summary every
morning. (The outbox's own sweep is the core's: ``cse_portal.notifications.schedule``.)

Written by migration 0002 and again after any flush of the database (``post_migrate``)."""

from __future__ import annotations

from typing import Any

PRUNE = "referrals: forget public submissions past their window"
# The name of the every-minute task when it also swept the outbox, before the core took that over.
_FORMER_OUTBOX = "referrals: send pending notifications"
SUMMARY = "referrals: daily overdue triage summary"


def ensure_beat_schedule(apps: Any, using: str = "default") -> None:
    """Create or correct both periodic tasks, with the models of ``apps`` (a migration's
    historical registry or the current one)."""
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.using(using).get_or_create(every=1, period="minutes")
    PeriodicTask.objects.using(using).filter(name=_FORMER_OUTBOX).delete()
    PeriodicTask.objects.using(using).update_or_create(
        name=PRUNE,
        defaults={
            "task": "referrals.tasks.public_submissions_prune",
            "interval": every_minute,
            "crontab": None,
            "enabled": True,
        },
    )
    morning, _ = CrontabSchedule.objects.using(using).get_or_create(
        minute="0",
        hour="8",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/London",
    )
    PeriodicTask.objects.using(using).update_or_create(
        name=SUMMARY,
        defaults={
            "task": "referrals.tasks.overdue_triage_summary",
            "crontab": morning,
            "interval": None,
            "enabled": True,
        },
    )
