"""Reads of the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from .models import GENESIS_HASH, AuditAction, AuditEntry


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


@dataclass(frozen=True)
class ChainBreak:
    entry_id: int
    reason: str


def verify_chain(chunk_size: int = 2000) -> tuple[int, ChainBreak | None]:
    """Walk the whole chain in order; return how many entries were checked and the first break."""
    expected_previous = GENESIS_HASH
    checked = 0
    entries: Iterator[AuditEntry] = AuditEntry.objects.order_by("id").iterator(
        chunk_size=chunk_size
    )
    for entry in entries:
        if entry.previous_hash != expected_previous:
            return checked, ChainBreak(
                entry.id,
                "its link to the previous entry is broken (an entry before it was removed, "
                "inserted or altered)",
            )
        if entry.compute_hash() != entry.entry_hash:
            return checked, ChainBreak(entry.id, "its content does not match its hash (altered)")
        expected_previous = entry.entry_hash
        checked += 1
    return checked, None
