"""Celery beat's sweep of the outbox (django-celery-beat's DatabaseScheduler), written after every
migrate and every flush of the database (``post_migrate``)."""

from __future__ import annotations

from typing import Any

SWEEP = "notifications: send pending"


def ensure_beat_schedule(apps: Any, using: str = "default") -> None:
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.using(using).get_or_create(every=1, period="minutes")
    PeriodicTask.objects.using(using).update_or_create(
        name=SWEEP,
        defaults={
            "task": "cse_portal.notifications.tasks.notifications_send_pending",
            "interval": every_minute,
            "crontab": None,
            "enabled": True,
        },
    )
