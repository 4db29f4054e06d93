"""``manage.py audit_bench_chain --entries N``: append N synthetic entries to the audit log, chained
and keyed exactly as ``audit_record`` chains them, fast enough to build a national-sized log
(``audit_record`` writes a few hundred a second; this streams COPY on PostgreSQL).

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

from cse_portal.audit.models import (
    GENESIS_HASH,
    HASHED_FIELDS,
    AuditAction,
    AuditEntry,
    canonical_form,
    chain_hash,
    chain_key,
)
from cse_portal.audit.services import _lock_chain

COLUMNS = (*HASHED_FIELDS, "previous_hash", "entry_hash")
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
    count: int, previous_hash: str, seed: int = 2026, subjects: Sequence[str] = ()
) -> Iterator[tuple[Any, ...]]:
    """``count`` entries (values in ``COLUMNS`` order) chained after ``previous_hash``, a second
    apart and ending now, about ``subjects`` (young people's ids) when given, else random ids."""
    key = chain_key()
    rnd = random.Random(seed)  # noqa: S311  (synthetic benchmark data, not a secret)
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
        entry_hash = chain_hash(key, previous_hash, canonical_form(values))
        yield (*values, previous_hash, entry_hash)
        previous_hash = entry_hash


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
    """Append ``count`` synthetic entries after the head of the log; how many were written."""
    with transaction.atomic():
        # The same lock audit_record takes, so nothing chains to the head meanwhile.
        _lock_chain()
        head = AuditEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
        rows = synthetic_rows(count, head or GENESIS_HASH, subjects=subjects)
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
                *plain, recipients, detail, ip, previous_hash, entry_hash = row
                fields = [*plain, json.dumps(recipients), json.dumps(detail), ip]
                fields += [previous_hash, entry_hash]
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
