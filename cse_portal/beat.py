"""Celery beat's periodic tasks (django-celery-beat's DatabaseScheduler), as each app's
``schedule.py`` declares them.

A schedule lives in the database, so a new or flushed database (``manage.py flush``, live-server
tests) would lose it: each app writes its tasks from a migration and again after every migrate
(``post_migrate``), which is also how a changed setting reaches the schedule. ``apps`` is a
migration's historical registry or the current one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate

Ensure = Callable[[Any, str], None]


def every(apps: Any, using: str, *, name: str, task: str, seconds: int) -> None:
    """Create or correct the task ``name`` to run ``task`` every ``seconds``."""
    interval, _ = (
        apps.get_model("django_celery_beat", "IntervalSchedule")
        .objects.using(using)
        .get_or_create(every=seconds, period="seconds")
    )
    _task(apps, using, name=name, task=task, interval=interval, crontab=None)


def daily(apps: Any, using: str, *, name: str, task: str, hour: str, minute: str = "0") -> None:
    """Create or correct the task ``name`` to run ``task`` each day at ``hour:minute``, UK time."""
    crontab, _ = (
        apps.get_model("django_celery_beat", "CrontabSchedule")
        .objects.using(using)
        .get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="Europe/London",
        )
    )
    _task(apps, using, name=name, task=task, interval=None, crontab=crontab)


def _task(apps: Any, using: str, *, name: str, task: str, interval: Any, crontab: Any) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.using(using).update_or_create(
        name=name,
        defaults={"task": task, "interval": interval, "crontab": crontab, "enabled": True},
    )


def keep_after_migrate(config: AppConfig, ensure: Ensure) -> None:
    """Write ``config``'s schedule again after every migrate or flush of the database."""

    def restore(sender: Any, using: str = "default", **kwargs: Any) -> None:
        ensure(kwargs.get("apps") or global_apps, using)

    post_migrate.connect(
        restore, sender=config, weak=False, dispatch_uid=f"{config.label}_beat_schedule"
    )
