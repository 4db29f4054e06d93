"""``manage.py audit_bench_chain --entries N``: append N synthetic entries to the audit log, written
and sequenced exactly as ``audit_record`` and the sequencer would (each by one of a few dozen
writers, in that writer's run, at the next gapless position of the chain), fast enough to build a
national-sized log (this streams COPY on PostgreSQL).

For benchmarks only: it refuses to run unless DEBUG is on, since it writes made-up entries into
the real log."""

from __future__ import annotations

import io
import json
import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from cse_portal.audit import sequencer
from cse_portal.audit.models import (
    GENESIS_HASH,
    HASHED_FIELDS,
    AuditAction,
    AuditEntry,
    canonical_form,
    chain_hash,
    chain_key,
    entry_mac,
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


def _copy_text(value: Any) -> str:
    r"""One field of PostgreSQL's COPY text format (\N is NULL)."""
    if value is None:
        return r"\N"
    text = value if isinstance(value, str) else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def synthetic_rows(
    count: int,
    head: tuple[int, str],
    seed: int = 2026,
    subjects: Sequence[str] = (),
) -> Iterator[tuple[Any, ...]]:
    """``count`` entries (values in ``COLUMNS`` order) sequenced after ``head`` (position, hash),
    a second apart and ending now, about ``subjects`` (young people's ids) when given, else random
    ids, written by ``WRITERS`` fresh writers taking turns at random."""
    key = chain_key()
    rnd = random.Random(seed)  # noqa: S311  (synthetic benchmark data, not a secret)
    position, previous_hash = head
    # Fresh names each run, so appending twice never continues (or collides with) a run.
    runs = {uuid.uuid4().hex[:16]: (0, GENESIS_HASH) for _ in range(WRITERS)}
    names = list(runs)
    start = timezone.now() - timedelta(seconds=count)
    for n in range(count):
        action = rnd.choice(ACTIONS)
        subject = (
            subjects[rnd.randrange(len(subjects))]
            if subjects
            else str(uuid.UUID(int=rnd.getrandbits(128), version=4))
        )
        results = rnd.randint(0, 25)
        values = (
            start + timedelta(seconds=n, microseconds=rnd.randint(0, 999_999)),
            None,
            f"bench.user{rnd.randint(1, 2000)}",
            "Bench Children's Social Care",
            rnd.choice(ROLES),
            str(action),
            "young_people.youngperson",
            subject,
            subject,
            f"Record {'listed' if action == AuditAction.SEARCH else 'viewed'} ({results})",
            "",
            [],
            {"channel": rnd.choice(["page", "api"]), "results": results},
            f"10.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}.{rnd.randint(1, 254)}",
        )
        writer = names[rnd.randrange(WRITERS)]
        seq, writer_previous = runs[writer]
        seq += 1
        mac = entry_mac(key, writer, seq, writer_previous, canonical_form(values))
        runs[writer] = (seq, mac)
        position += 1
        previous_hash = chain_hash(key, previous_hash, position, mac)
        yield (*values, writer, seq, writer_previous, mac, position, previous_hash)


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
    throughout, so nothing else takes the positions these are given."""
    sequencer.sequence_pending()
    with transaction.atomic():
        sequencer.lock()
        rows = synthetic_rows(count, sequencer.head() or (0, GENESIS_HASH), subjects=subjects)
        written = 0
        while written < count:
            rows_batch = [row for _, row in zip(range(batch), rows, strict=False)]
            _Writer.insert(rows_batch)
            written += len(rows_batch)
            progress(f"  {written:,} entries written")
    return written


class _Writer:
    @staticmethod
    def insert(batch: list[tuple[Any, ...]]) -> None:
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            for row in batch:
                *plain, recipients, detail, ip = row[: len(HASHED_FIELDS)]
                fields = [*plain, json.dumps(recipients), json.dumps(detail), ip]
                fields += row[len(HASHED_FIELDS) :]
                buffer.write("\t".join(_copy_text(field) for field in fields) + "\n")
            buffer.seek(0)
            with connection.cursor() as cursor:
                cursor.cursor.copy_expert(
                    f"COPY audit_auditentry ({', '.join(COLUMNS)}) FROM STDIN", buffer
                )
            return
        with connection.cursor() as cursor:
            cursor.executemany(_INSERT, [_Writer.sqlite_row(row) for row in batch])

    @staticmethod
    def sqlite_row(row: tuple[Any, ...]) -> list[Any]:
        fields = [AuditEntry._meta.get_field(name) for name in COLUMNS]
        return [
            field.get_db_prep_value(value, connection, prepared=False)
            for field, value in zip(fields, row, strict=True)
        ]
