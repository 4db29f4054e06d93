"""``manage.py audit_bench_chain --entries N``: append N synthetic entries to the audit log, written
and sequenced exactly as ``audit_record`` and the sequencer would (each by one of a few dozen
writers, in that writer's run, at the next gapless position of the chain), fast enough to build a
national-sized log (this streams COPY on PostgreSQL).

For benchmarks only: it refuses to run unless DEBUG is on, since it writes made-up entries into
the real log."""

from __future__ import annotations

import itertools
import json
import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction

from cse_portal.audit import sequencer
from cse_portal.audit.models import (
    FORM_2,
    GENESIS_HASH,
    HASHED_FIELDS,
    AuditAction,
    AuditEntry,
    chain_hash,
    chain_key,
    entry_mac,
    jsonb_text,
)

COLUMNS = (
    *HASHED_FIELDS,
    "writer",
    "writer_seq",
    "writer_previous",
    "mac",
    "position",
    "entry_hash",
)
WRITERS = 48
# Built from constant column names only.
_INSERT = "INSERT INTO audit_auditentry ({}) VALUES ({})".format(  # noqa: S608
    ", ".join(COLUMNS), ", ".join(["%s"] * len(COLUMNS))
)
ACTIONS = [AuditAction.CONSULT] * 6 + [AuditAction.SEARCH] * 3 + [AuditAction.ALTER]
ROLES = ["practitioner", "team_manager", "analyst", "frontline"]


AGENCY = "Bench Children's Social Care"
OBJECT_TYPE = "young_people.youngperson"
AGENCY_FIELD = f"{len(AGENCY)}:{AGENCY}"
OBJECT_TYPE_FIELD = f"{len(OBJECT_TYPE)}:{OBJECT_TYPE}"
CHANNELS = ("page", "api")


def synthetic_entries(
    count: int,
    head: tuple[int, str],
    seed: int = 2026,
    subjects: Sequence[str] = (),
) -> Iterator[tuple[Any, ...]]:
    """``count`` entries sequenced after ``head`` (position, hash), a second apart and ending now,
    about ``subjects`` (young people's ids) when given, else random ids, written by ``WRITERS``
    fresh writers of form 2 (``FORM_2``) taking turns at random.

    Each is ``(occurred_at, username, role, action, subject, summary, detail, ip, writer, seq,
    writer_previous, mac, position, entry_hash)`` with the time and the detail as the text COPY
    stores; the other hashed fields are the same for every entry (no actor id, the bench agency,
    a young person's record, no justification nor recipients). Ten million of these are a
    national log, so each entry's ``canonical_text`` is put together directly, from values that
    need no escaping (a test compares it with ``canonical_text`` and ``verify_audit`` proves the
    chain)."""
    key = chain_key()
    rnd = random.Random(seed)  # noqa: S311  (synthetic benchmark data, not a secret)
    bits = rnd.getrandbits
    position, previous_hash = head
    # Fresh names each run, so appending twice never continues (or collides with) a run.
    names = [f"{FORM_2}{uuid.uuid4().hex[:16]}" for _ in range(WRITERS)]
    runs = dict.fromkeys(names, (0, GENESIS_HASH))
    details = [
        [f'{{"channel":"{channel}","results":{results}}}' for results in range(26)]
        for channel in CHANNELS
    ]
    # What the database writes of each (``jsonb_text``): keys by length, then bytewise.
    documents = [[f"[]|{jsonb_text(json.loads(d))}" for d in texts] for texts in details]
    actions = [str(action) for action in ACTIONS]
    first_second = int(time.time()) - count
    for n in range(count):
        r = bits(64)
        action = actions[r % len(actions)]
        results = (r >> 4) % 26
        listed = action == AuditAction.SEARCH
        subject = (
            subjects[(r >> 9) % len(subjects)]
            if subjects
            else str(uuid.UUID(int=bits(128), version=4))
        )
        second = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(first_second + n))
        micro = (r >> 30) % 1_000_000
        # As PostgreSQL writes a timestamp: no trailing zeros, no fraction on a whole second.
        stamp = f"{second}.{micro:06d}".rstrip("0") if micro else second
        occurred = f"{stamp}+00:00"
        username = f"bench.user{(r >> 50) % 2000 + 1}"
        role = ROLES[(r >> 61) % len(ROLES)]
        summary = f"Record {'listed' if listed else 'viewed'} ({results})"
        detail = details[(r >> 20) & 1][results]
        ip = f"10.{(r >> 21) & 255}.{(r >> 40) & 255}.{(r >> 48) % 254 + 1}"
        # Every field is ASCII, so its length in characters is its length in bytes.
        canonical = (
            f"{stamp}|-|{len(username)}:{username}{AGENCY_FIELD}{len(role)}:{role}"
            f"{len(action)}:{action}{OBJECT_TYPE_FIELD}{len(subject)}:{subject}"
            f"{len(subject)}:{subject}{len(summary)}:{summary}0:|"
            f"{documents[(r >> 20) & 1][results]}|{ip}/32"
        )
        writer = names[(r >> 24) % WRITERS]
        seq, writer_previous = runs[writer]
        seq += 1
        mac = entry_mac(key, writer, seq, writer_previous, canonical)
        runs[writer] = (seq, mac)
        position += 1
        previous_hash = chain_hash(key, previous_hash, position, mac)
        yield (
            occurred,
            username,
            role,
            action,
            subject,
            summary,
            detail,
            ip,
            writer,
            seq,
            writer_previous,
            mac,
            position,
            previous_hash,
        )


def entry_values(entry: tuple[Any, ...]) -> tuple[Any, ...]:
    """The hashed fields of a synthetic entry as the model holds them (``HASHED_FIELDS`` order)."""
    occurred, username, role, action, subject, summary, detail, ip = entry[:8]
    return (
        datetime.fromisoformat(occurred),
        None,
        username,
        AGENCY,
        role,
        action,
        OBJECT_TYPE,
        subject,
        subject,
        summary,
        "",
        [],
        json.loads(detail),
        ip,
    )


def copy_line(entry: tuple[Any, ...]) -> str:
    """One entry as a line of PostgreSQL's COPY text format, in ``COLUMNS`` order (no field holds
    a tab, a newline or a backslash: see ``synthetic_entries``)."""
    occurred, username, role, action, subject, summary, detail, ip, *chained = entry
    writer, seq, writer_previous, mac, position, entry_hash = chained
    return (
        f"{occurred}\t\\N\t{username}\t{AGENCY}\t{role}\t{action}\t{OBJECT_TYPE}\t{subject}\t"
        f"{subject}\t{summary}\t\t[]\t{detail}\t{ip}\t{writer}\t{seq}\t{writer_previous}\t"
        f"{mac}\t{position}\t{entry_hash}\n"
    )


class Command(BaseCommand):
    help = "Append N synthetic, correctly chained entries to the audit log (benchmarks only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entries", type=int, required=True)
        parser.add_argument("--batch", type=int, default=100_000)

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("audit_bench_chain writes made-up entries: it runs only with DEBUG.")
        started = time.monotonic()
        written = append_synthetic(
            options["entries"], batch=options["batch"], progress=self.stderr.write
        )
        elapsed = time.monotonic() - started
        self.stdout.write(f"{written:,} audit entries appended in {elapsed:.1f} s")


def append_synthetic(
    count: int,
    *,
    batch: int = 100_000,
    subjects: Sequence[str] = (),
    progress: Callable[[str], Any] = lambda _: None,
) -> int:
    """Append ``count`` synthetic entries after the head of the log; how many were written.
    Entries waiting for the sequencer are sequenced first, and the sequencer's lock is held
    throughout, so nothing else takes the positions these are given. On PostgreSQL the entries
    stream through one COPY, so the server stores one batch while the next is being made."""
    sequencer.sequence_pending()
    with transaction.atomic():
        sequencer.lock()
        entries = synthetic_entries(count, sequencer.head() or (0, GENESIS_HASH), subjects=subjects)
        batches = _batches(entries, batch, count, progress)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.cursor.copy_expert(
                    f"COPY audit_auditentry ({', '.join(COLUMNS)}) FROM STDIN",
                    _CopySource("".join(map(copy_line, chunk)) for chunk in batches),
                    size=1 << 20,
                )
        else:
            fields = [AuditEntry._meta.get_field(name) for name in COLUMNS]
            with connection.cursor() as cursor:
                for chunk in batches:
                    cursor.executemany(_INSERT, [_sqlite_row(fields, e) for e in chunk])
    return count


def _batches(
    entries: Iterator[tuple[Any, ...]], size: int, count: int, progress: Callable[[str], Any]
) -> Iterator[list[tuple[Any, ...]]]:
    written = 0
    while written < count:
        chunk = list(itertools.islice(entries, size))
        yield chunk
        written += len(chunk)
        progress(f"  {written:,} entries written")


class _CopySource:
    """A file-like object over text chunks, for ``copy_expert`` to read as it sends."""

    def __init__(self, chunks: Iterator[str]) -> None:
        self._chunks = chunks
        self._chunk = ""
        self._offset = 0

    def read(self, size: int = -1) -> str:
        parts = []
        while size:
            if self._offset >= len(self._chunk):
                chunk = next(self._chunks, None)
                if chunk is None:
                    break
                self._chunk, self._offset = chunk, 0
            end = len(self._chunk) if size < 0 else self._offset + size
            part = self._chunk[self._offset : end]
            self._offset += len(part)
            size = size if size < 0 else size - len(part)
            parts.append(part)
        return "".join(parts)


def _sqlite_row(fields: list[models.Field], entry: tuple[Any, ...]) -> list[Any]:
    values = (*entry_values(entry), *entry[8:])
    return [
        field.get_db_prep_value(value, connection, prepared=False)
        for field, value in zip(fields, values, strict=True)
    ]
