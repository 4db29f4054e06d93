"""Audit entries for the national data set, chained by the application's own hashing and streamed
into PostgreSQL with COPY.

Writing ten million entries through ``audit_record`` would take most of a day (each one takes the
chain's lock and commits). Here one unsaved ``AuditEntry`` is reused for every row: its content
changes, ``compute_hash`` chains it exactly as the application does, and the row goes into a COPY
stream, so ``verify_audit`` verifies the result and any change to the chaining applies here too.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

COLUMNS = [
    "occurred_at",
    "actor_id",
    "actor_username",
    "actor_agency",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "subject_id",
    "summary",
    "justification",
    "recipients",
    "detail",
    "ip_address",
    "previous_hash",
    "entry_hash",
]


def _young_person_id(number: int) -> str:
    """The id the national builder gives young person ``number`` (``md5('yp' || number)``)."""
    return str(uuid.UUID(hashlib.md5(f"yp{number}".encode()).hexdigest()))  # noqa: S324


def _rows(count: int, actor: Any, people: int, previous: str) -> Iterator[str]:
    from cse_portal.audit.models import AuditAction, AuditEntry

    head = timezone.now().replace(microsecond=0)
    entry = AuditEntry(
        actor=actor,
        actor_username=actor.get_username(),
        actor_agency=actor.agency.name if actor.agency else "",
        actor_role=actor.role or "",
        action=AuditAction.CONSULT,
        object_type="young_people.youngperson",
        recipients=[],
        detail={},
    )
    fixed = [
        str(actor.pk),
        entry.actor_username,
        entry.actor_agency,
        entry.actor_role,
        entry.action,
        entry.object_type,
    ]
    for i in range(1, count + 1):
        entry.occurred_at = head - timedelta(seconds=count - i)
        # Spread over the records, as real consultations are.
        entry.subject_id = entry.object_id = _young_person_id(1 + i % people)
        entry.previous_hash = previous
        entry.entry_hash = entry.compute_hash()
        values = [
            entry.occurred_at.isoformat(),
            *fixed,
            entry.object_id,
            entry.subject_id,
            "",
            "",
            "[]",
            "{}",
            "\\N",
            previous,
            entry.entry_hash,
        ]
        yield "\t".join(_escape(v) for v in values) + "\n"
        previous = entry.entry_hash


def _escape(value: str) -> str:
    if value == "\\N":
        return value
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


class _Stream(io.RawIOBase):
    """A readable file over the row generator, for ``copy_expert``."""

    def __init__(self, rows: Iterator[str]) -> None:
        self._rows = rows
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while len(self._buffer) < len(target):
            chunk = "".join(row for _, row in zip(range(2000), self._rows, strict=False))
            if not chunk:
                break
            self._buffer += chunk.encode()
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


def build(*, count: int, actor: Any, people: int) -> None:
    """Append ``count`` consultations by ``actor`` of the ``people`` generated records, chained
    after the newest entry already in the log."""
    from cse_portal.audit.models import GENESIS_HASH, AuditEntry

    last = AuditEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
    rows = _rows(count, actor, people, last or GENESIS_HASH)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY audit_auditentry ({', '.join(COLUMNS)}) FROM STDIN",
            io.BufferedReader(_Stream(rows), buffer_size=1 << 20),
        )
