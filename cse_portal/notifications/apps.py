from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "cse_portal.notifications"
    label = "notifications"
    verbose_name = "Notification outbox"

    def ready(self) -> None:
        from cse_portal import beat

        from .schedule import ensure_beat_schedule

        beat.keep_after_migrate(self, ensure_beat_schedule)
