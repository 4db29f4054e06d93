"""The police import at scale: a 100,000-row CSV file written to disk, imported through the
Celery task path, with its rows a second and its peak memory.

``python -m bench.missing_import`` (``make bench-import``). ``BENCH_IMPORT_ROWS`` (100000) sets
the file's size. The rows name ``rows / EPISODES_PER_CHILD`` children (Faker en_GB, seeded), each
missing several times over three years, oldest first: a child's first row makes their record (no
match), the later ones link to it (exact match) and may fire the repeat rule; all but the newest
``OPEN_SHARE`` of the rows carry a return (so a return home interview, overdue for the historic
ones, and the rules through the return service); one row in ``MALFORMED_EVERY`` is malformed
(rejected with its line). ``BENCH_TRACEMALLOC=1`` also measures Python's own allocations (slower:
every allocation is traced).

The import runs as the upload does: ``import_create`` in a transaction, the task handed to Celery
on commit (run eagerly in this process, so its memory is this process's). Memory is reported as
the process's peak resident size (``getrusage``) before and after the import: what the import
added to the peak is what reading the file and writing its rows cost.

On PostgreSQL (``DATABASE_URL``) it uses a database of its own, ``<name>_bench_import``, made
empty for each run; on SQLite ``var/bench-import.sqlite3``, removed first."""

from __future__ import annotations

import csv
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

EPISODES_PER_CHILD = 5
OPEN_SHARE = 0.01
MALFORMED_EVERY = 1000
HEADER = [
    "police_reference",
    "given_name",
    "family_name",
    "date_of_birth",
    "missing_since",
    "returned_at",
    "risk_grade",
    "last_seen",
    "circumstances",
    "postcode",
    "looked_after",
]
GRADES = ["no apparent risk", "low", "medium", "high", "absent"]


def _choose_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg2
        from psycopg2 import sql

        parts = urlsplit(url)
        name = f"{parts.path.lstrip('/') or 'cse'}_bench_import"
        admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        admin.close()
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + name))
        return "postgresql"
    var = Path(os.environ.get("VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    var.mkdir(parents=True, exist_ok=True)
    database = var / "bench-import.sqlite3"
    for leftover in var.glob("bench-import.sqlite3*"):
        leftover.unlink()
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    return "sqlite"


def write_file(path: Path, rows: int) -> int:
    """The police's file, written row by row (never whole in memory); its size in bytes."""
    from django.utils import timezone
    from faker import Faker

    fake = Faker("en_GB")
    fake.seed_instance(2026)
    chooser = random.Random(2026)
    children = [
        (
            fake.first_name(),
            fake.last_name(),
            fake.date_of_birth(minimum_age=11, maximum_age=17).isoformat(),
            fake.postcode(),
        )
        for _ in range(max(1, rows // EPISODES_PER_CHILD))
    ]
    now = timezone.localtime().replace(second=0, microsecond=0)
    span = timedelta(days=3 * 365)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for n in range(rows):
            given, family, born, postcode = children[chooser.randrange(len(children))]
            since = now - span + span * n / rows - timedelta(hours=48)
            returned = ""
            # Historic reports have come back; the newest few are still open.
            if n < rows * (1 - OPEN_SHARE):
                returned = (since + timedelta(hours=chooser.randint(1, 40))).strftime(
                    "%Y-%m-%d %H:%M"
                )
            row = [
                f"BI-{n:07d}",
                given,
                family,
                born,
                since.strftime("%Y-%m-%d %H:%M"),
                returned,
                GRADES[n % len(GRADES)],
                "Left the children's home after tea",
                "Police report of a child missing from care",
                postcode,
                "yes" if n % 3 == 0 else "no",
            ]
            if n % MALFORMED_EVERY == MALFORMED_EVERY - 1:
                row[3] = "17th May"  # a malformed date of birth: rejected with its line
            writer.writerow(row)
    return path.stat().st_size


def _peak_rss_mb() -> float:
    """The process's peak resident size so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _progress_printer(importing: Any, every: int) -> None:
    """Print the lines read every ``every`` rows (the import's own committed progress)."""
    original = importing._import_batch
    state = {"next": every, "started": time.perf_counter()}

    def batch(police_import: Any, rows: Any, actor: Any) -> bool:
        finished = original(police_import, rows, actor)
        if police_import.lines_done >= state["next"] or finished:
            elapsed = time.perf_counter() - state["started"]
            read = police_import.lines_done - 1
            print(
                f"    {read:,} rows read in {elapsed:.0f} s ({read / elapsed:,.1f} rows/second), "
                f"peak RSS {_peak_rss_mb():.0f} MB",
                flush=True,
            )
            state["next"] += every
        return finished

    importing._import_batch = batch


def main() -> int:
    rows = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
    vendor = _choose_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cse_portal.settings")
    os.environ.setdefault("DEBUG", "true")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.core.files import File
    from django.core.management import call_command
    from django.db import transaction

    # The query log of DEBUG and a mailbox kept in memory would grow with the rows and be
    # counted as the import's memory: neither is the import's.
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    settings.MISSING_PRIVATE_DIR = work / "private"
    try:
        call_command("migrate", verbosity=0)
        from assessments.models import AssessmentRequest, AssessmentRequestReason
        from cse_portal.notifications.models import Notification
        from missing import importing
        from missing.models import MissingEpisode, ReturnInterview, TriggerFiring
        from tests.personas import build_people

        people = build_people()
        source = work / "police-reports.csv"
        started = time.perf_counter()
        size = write_file(source, rows)
        print(
            f"missing import benchmark on {vendor}: {rows:,} rows, {size / 1e6:.1f} MB on disk "
            f"(written in {time.perf_counter() - started:.0f} s)",
            flush=True,
        )
        _progress_printer(importing, every=max(BATCH_PRINT, rows // 100))
        traced = os.environ.get("BENCH_TRACEMALLOC") == "1"
        if traced:
            import tracemalloc

            tracemalloc.start()
        before = _peak_rss_mb()
        started = time.perf_counter()
        cpu_started = time.process_time()
        with source.open("rb") as handle, transaction.atomic():
            # The upload's path: the file copied in chunks, the task queued on commit (run
            # eagerly here, so in this process).
            police_import = importing.import_create(
                uploaded_by=people.manager, upload=File(handle, name=source.name)
            )
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        after = _peak_rss_mb()
        police_import.refresh_from_db()
        print(
            f"  status {police_import.status}: created {police_import.created:,} "
            f"(records made {police_import.records_created:,}), updated "
            f"{police_import.updated:,}, unchanged {police_import.unchanged:,}, queued for match "
            f"{police_import.queued_for_match:,}, "
            f"rejected {police_import.rejected:,}"
        )
        print(
            f"  episodes {MissingEpisode.objects.count():,}, return home interviews "
            f"{ReturnInterview.objects.count():,}, rules fired {TriggerFiring.objects.count():,}"
        )
        # One open request a child however many episodes fired, and one email for the run.
        still_open = AssessmentRequest.objects.filter(status="open").count()
        print(
            f"  assessment requests open {still_open:,}"
            f" (further reasons {AssessmentRequestReason.objects.count():,}), outbox messages "
            f"{Notification.objects.count():,}"
        )
        print(f"  {rows:,} rows in {elapsed:.1f} s: {rows / elapsed:,.0f} rows/second")
        # On a shared machine the wall clock counts the waits for a core too; this process's
        # own CPU time (the database server's is not in it) says what a row costs here.
        print(
            f"  this process's CPU: {cpu:.1f} s, {cpu / rows * 1000:.1f} ms a row "
            f"({rows / cpu:,.0f} rows per CPU second)"
        )
        print(
            f"  peak RSS {before:.0f} MB before the import, {after:.0f} MB after "
            f"(+{after - before:.0f} MB for a {size / 1e6:.1f} MB file)"
        )
        if traced:
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"  tracemalloc peak during the import: {peak / 1e6:.1f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


#: Print progress no more often than this many rows.
BATCH_PRINT = 1000

if __name__ == "__main__":
    sys.exit(main())
