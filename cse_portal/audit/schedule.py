"""Celery beat's schedule for the audit log (django-celery-beat's DatabaseScheduler): a signed
checkpoint every ``AUDIT_CHECKPOINT_SECONDS``.

Written by migration 0004 and again after every migrate or flush (``post_migrate``), which is
also how a changed setting reaches the schedule."""

from __future__ import annotations

from typing import Any

from django.conf import settings

CHECKPOINT = "audit: signed checkpoint of the chain"


def ensure_beat_schedule(apps: Any, using: str = "default") -> None:
    """Create or correct the periodic task, with the models of ``apps`` (a migration's historical
    registry or the current one)."""
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.using(using).get_or_create(
        every=settings.AUDIT_CHECKPOINT_SECONDS, period="seconds"
    )
    PeriodicTask.objects.using(using).update_or_create(
        name=CHECKPOINT,
        defaults={
            "task": "cse_portal.audit.tasks.audit_checkpoint_write",
            "interval": interval,
            "crontab": None,
            "enabled": True,
        },
    )
