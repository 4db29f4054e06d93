"""Reads of the audit log."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC
from operator import attrgetter
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

from .checkpoints import Checkpoint
from .models import (
    GENESIS_HASH,
    HASHED_FIELDS,
    AuditAction,
    AuditEntry,
    canonical_form,
    chain_hash,
    chain_key,
)


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


Progress = Callable[[int], None]


def verify_chain(
    *,
    chunk_size: int = 20_000,
    checkpoints: Sequence[Checkpoint] = (),
    progress: Progress | None = None,
    progress_every: int = 1_000_000,
) -> tuple[int, ChainBreak | None]:
    """Walk the whole chain in order; return how many entries were checked and the first break.

    Each entry must link to the one before and carry the keyed hash of its content. Each
    checkpoint (signed, from outside the database) must find its head entry with the hash and the
    position it recorded, and the log must reach the newest one: a log cut short fails there.

    Streams in chunks (a server-side cursor on PostgreSQL), so memory stays flat at any length,
    and reads plain tuples rather than model instances. ``progress(checked)`` is called every
    ``progress_every`` entries."""
    key = chain_key()
    pending = iter(sorted(checkpoints, key=attrgetter("head_id")))
    next_checkpoint = next(pending, None)
    expected_previous = GENESIS_HASH
    checked = 0
    for entry_id, previous_hash, entry_hash, content in _chain_rows(chunk_size):
        if next_checkpoint is not None and next_checkpoint.head_id < entry_id:
            # The log went past the checkpointed entry without meeting it: it was removed.
            return checked, ChainBreak(
                next_checkpoint.head_id, _checkpoint_mismatch(next_checkpoint)
            )
        if previous_hash != expected_previous:
            return checked, ChainBreak(
                entry_id,
                "its link to the previous entry is broken (an entry before it was removed, "
                "inserted or altered)",
            )
        if chain_hash(key, previous_hash, canonical_form(content)) != entry_hash:
            return checked, ChainBreak(
                entry_id, "its content does not match its keyed hash (altered)"
            )
        expected_previous = entry_hash
        checked += 1
        if next_checkpoint is not None and next_checkpoint.head_id == entry_id:
            if (next_checkpoint.head_hash, next_checkpoint.count) != (entry_hash, checked):
                return checked - 1, ChainBreak(entry_id, _checkpoint_mismatch(next_checkpoint))
            # Checkpoints with the same head (written twice) are all met here.
            while next_checkpoint is not None and next_checkpoint.head_id == entry_id:
                next_checkpoint = next(pending, None)
        if progress is not None and checked % progress_every == 0:
            progress(checked)
    if next_checkpoint is not None:
        newest = max(checkpoints, key=attrgetter("head_id"))
        return checked, ChainBreak(
            newest.head_id,
            f"missing: the log ends after {checked} entries, but the checkpoint of "
            f"{newest.at.isoformat()} recorded {newest.count} entries up to this one "
            "(the newest entries were removed)",
        )
    return checked, None


_TIME, _RECIPIENTS, _DETAIL = (
    HASHED_FIELDS.index(f) for f in ("occurred_at", "recipients", "detail")
)


def _chain_rows(chunk_size: int) -> Iterator[tuple[int, str, str, list[Any]]]:
    """Every entry in chain order as (id, previous hash, hash, values in ``HASHED_FIELDS`` order),
    read with plain SQL: the ORM's per-row conversions cost more than the hashing. Only the JSON
    columns (text from either database) and SQLite's text times need converting here.

    On PostgreSQL the rows stream through a server-side cursor inside one transaction: outside
    one, Django declares the cursor WITH HOLD, and the server would copy the whole log before
    sending the first row. Not on SQLite, whose transactions here would take the write lock."""
    columns = ", ".join(("id", "previous_hash", "entry_hash", *HASHED_FIELDS))
    table = AuditEntry._meta.db_table
    sqlite = connection.vendor == "sqlite"
    loads = json.loads
    with transaction.atomic() if not sqlite else nullcontext():
        cursor = connection.chunked_cursor()
        try:
            cursor.execute(f"SELECT {columns} FROM {table} ORDER BY id")  # noqa: S608
            while rows := cursor.fetchmany(chunk_size):
                for entry_id, previous_hash, entry_hash, *values in rows:
                    if sqlite:
                        # SQLite hands back the stored UTC time without its zone.
                        values[_TIME] = values[_TIME].replace(tzinfo=UTC)
                    values[_RECIPIENTS] = loads(values[_RECIPIENTS])
                    values[_DETAIL] = loads(values[_DETAIL])
                    yield entry_id, previous_hash, entry_hash, values
        finally:
            cursor.close()


def _checkpoint_mismatch(checkpoint: Checkpoint) -> str:
    return (
        f"it does not match the checkpoint of {checkpoint.at.isoformat()}, which recorded it as "
        f"entry {checkpoint.count} with hash {checkpoint.head_hash[:12]}... (removed or replaced)"
    )
