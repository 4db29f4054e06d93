from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "cse_portal.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from cse_portal import beat

        from .schedule import ensure_beat_schedule

        beat.keep_after_migrate(self, ensure_beat_schedule)
        from . import receivers  # noqa: F401  (connects the security-event receivers)
