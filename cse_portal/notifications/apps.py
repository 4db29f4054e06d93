from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate


def _ensure_beat_schedule(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """A new or flushed database (``manage.py flush``, live-server tests) gets the sweep."""
    from .schedule import ensure_beat_schedule

    ensure_beat_schedule(kwargs.get("apps") or global_apps, using)


class NotificationsConfig(AppConfig):
    name = "cse_portal.notifications"
    label = "notifications"
    verbose_name = "Notification outbox"

    def ready(self) -> None:
        post_migrate.connect(_ensure_beat_schedule, sender=self, dispatch_uid="notifications_beat")
