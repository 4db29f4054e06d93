"""The append-only access and disclosure log (Data Protection Act 2018, part 3, s.62).

Entries can be added and read, never changed or removed: the model, its queryset and (on
PostgreSQL) a database trigger all refuse. Each entry's hash covers its content and the previous
entry's hash, so ``manage.py verify_audit`` finds any entry altered, inserted or removed behind the
application's back.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

GENESIS_HASH = "0" * 64


class AuditAction(models.TextChoices):
    COLLECT = "collect", "Collection (record created)"
    ALTER = "alter", "Alteration"
    CONSULT = "consult", "Consultation"
    SEARCH = "search", "Search"
    EXPORT = "export", "Export"
    PRINT = "print", "Print"
    DISCLOSE = "disclose", "Disclosure"
    COMBINE = "combine", "Combination (merge)"
    ERASE = "erase", "Erasure"
    LOGIN = "login", "Sign-in"
    LOGIN_FAILED = "login_failed", "Failed sign-in"
    LOGOUT = "logout", "Sign-out"
    PERMISSION_CHANGE = "permission_change", "Permission change"


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or delete an audit entry."""


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be changed")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be deleted")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be changed")

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries are written one at a time by audit_record")


class AuditEntry(models.Model):
    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(default=timezone.now, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    actor_agency = models.CharField(max_length=200, blank=True)
    actor_role = models.CharField(max_length=40, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    subject_id = models.CharField(
        max_length=64, blank=True, help_text="The young person the entry concerns, if any."
    )
    summary = models.CharField(max_length=255, blank=True)
    justification = models.TextField(blank=True)
    recipients = models.JSONField(default=list, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    previous_hash = models.CharField(max_length=64, editable=False)
    entry_hash = models.CharField(max_length=64, unique=True, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["subject_id", "-occurred_at"], name="audit_subject_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor", "-occurred_at"], name="audit_actor_idx"),
            models.Index(fields=["action", "-occurred_at"], name="audit_action_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=AuditAction.values), name="audit_action_valid"
            )
        ]

    def __str__(self) -> str:
        return (
            f"#{self.id} {self.action} {self.object_type}:{self.object_id} by {self.actor_username}"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be deleted")

    def canonical_content(self) -> str:
        """Everything the hash protects, in a fixed form that survives a database round trip."""
        return json.dumps(
            {
                "occurred_at": self.occurred_at.astimezone(UTC).isoformat(),
                "actor": str(self.actor_id) if self.actor_id else None,
                "actor_username": self.actor_username,
                "actor_agency": self.actor_agency,
                "actor_role": self.actor_role,
                "action": self.action,
                "object_type": self.object_type,
                "object_id": self.object_id,
                "subject_id": self.subject_id,
                "summary": self.summary,
                "justification": self.justification,
                "recipients": self.recipients,
                "detail": self.detail,
                "ip_address": self.ip_address,
            },
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        )

    def compute_hash(self) -> str:
        payload = (self.previous_hash + "\n" + self.canonical_content()).encode()
        return hashlib.sha256(payload).hexdigest()
