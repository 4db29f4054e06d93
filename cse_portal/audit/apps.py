from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate


def _ensure_beat_schedule(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """A flushed database (``manage.py flush``, live-server tests) gets the schedule back."""
    from .schedule import ensure_beat_schedule

    ensure_beat_schedule(kwargs.get("apps") or global_apps, using)


class AuditConfig(AppConfig):
    name = "cse_portal.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        post_migrate.connect(_ensure_beat_schedule, sender=self, dispatch_uid="audit_beat")
        from . import receivers  # noqa: F401  (connects the security-event receivers)
