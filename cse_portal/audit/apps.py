from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "cse_portal.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the security-event receivers)
