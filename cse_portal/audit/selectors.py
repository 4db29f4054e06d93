"""Reads of the audit log."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import AuditAction, AuditEntry
from .verification import ChainBreak, verify_chain

__all__ = ["ChainBreak", "consultations_of_subject", "entries_for_subject", "verify_chain"]


def entries_for_subject(subject_id: object) -> QuerySet[AuditEntry]:
    """Everything recorded about one young person, newest first."""
    return AuditEntry.objects.filter(subject_id=str(subject_id)).order_by("-occurred_at", "-id")


def consultations_of_subject(subject_id: object) -> QuerySet[AuditEntry]:
    """Who read, searched, printed, exported or was given this young person's record."""
    return entries_for_subject(subject_id).filter(
        action__in=[
            AuditAction.CONSULT,
            AuditAction.SEARCH,
            AuditAction.PRINT,
            AuditAction.EXPORT,
            AuditAction.DISCLOSE,
        ]
    )
