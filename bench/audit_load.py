"""``python -m bench.audit_load``: how many audit entries a second the portal can write from 1, 4
and 8 processes at once, each calling the audit service in its own transaction (as every audited
page does), on PostgreSQL.

With the sequencer (``cse_portal/audit/sequencer.py``) one more process runs it every
``AUDIT_SEQUENCE_SECONDS``, as beat would, and the log is verified at the end. The same script run
on a checkout from before the sequencer measures the old chain lock (it detects which it runs on).

``DATABASE_URL`` names the server; ``BENCH_DATABASE`` the database to use (default
``cse_audit_load``; created and migrated if missing, emptied of audit entries before each run, and
dropped at the end unless ``BENCH_KEEP=1``). ``BENCH_SECONDS`` is how long each run lasts (10),
``BENCH_PROCESSES`` the runs (``1,4,8``).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from urllib.parse import urlsplit, urlunsplit


def _admin(url: str):
    import psycopg2

    admin = psycopg2.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")))
    admin.autocommit = True
    return admin


def _setup() -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench.audit_load needs DATABASE_URL pointing at a PostgreSQL server")
    name = os.environ.get("BENCH_DATABASE", "cse_audit_load")
    admin = _admin(url)
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    os.environ["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path="/" + name))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cse_portal.settings")
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    return url, name


def _empty_log() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        # TRUNCATE fires no row triggers: the append-only guard stays in place.
        cursor.execute("TRUNCATE audit_auditentry RESTART IDENTITY")


def _writer(seconds: float, start_at: float, counts) -> None:
    from django.db import connections

    from cse_portal.audit.models import AuditAction
    from cse_portal.audit.services import audit_record

    connections.close_all()
    while time.time() < start_at:
        time.sleep(0.001)
    written = 0
    end = start_at + seconds
    while time.time() < end:
        audit_record(
            actor=None,
            action=AuditAction.CONSULT,
            object_type="young_people.youngperson",
            object_id=str(written),
            subject_id=str(written),
            summary="Young person viewed (page)",
            detail={"channel": "page"},
            ip_address="10.0.0.1",
        )
        written += 1
    counts.put(written)
    connections.close_all()


def _sequencer_loop(stop) -> None:
    from django.conf import settings
    from django.db import connections

    from cse_portal.audit import sequencer

    connections.close_all()
    while not stop.is_set():
        sequencer.sequence_pending()
        stop.wait(settings.AUDIT_SEQUENCE_SECONDS)
    connections.close_all()


def run(processes: int, seconds: float, lock_free: bool) -> float:
    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    counts = ctx.Queue()
    stop = ctx.Event()
    start_at = time.time() + 1.0
    workers = [
        ctx.Process(target=_writer, args=(seconds, start_at, counts)) for _ in range(processes)
    ]
    helper = ctx.Process(target=_sequencer_loop, args=(stop,)) if lock_free else None
    for process in [*workers, *([helper] if helper else [])]:
        process.start()
    total = sum(counts.get() for _ in workers)
    for process in workers:
        process.join()
    if helper:
        stop.set()
        helper.join()
    return total / seconds


def main() -> int:
    url, name = _setup()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0, interactive=False)
    try:
        from cse_portal.audit import sequencer
    except ImportError:
        sequencer = None
    lock_free = sequencer is not None
    seconds = float(os.environ.get("BENCH_SECONDS", "10"))
    runs = [int(n) for n in os.environ.get("BENCH_PROCESSES", "1,4,8").split(",")]
    mode = "lock-free writers + sequencer" if lock_free else "one chain lock"
    print(f"audit service throughput on PostgreSQL ({mode}), {seconds:.0f} s a run", flush=True)
    print("| processes | entries/s |\n|---|---|")
    for processes in runs:
        _empty_log()
        rate = run(processes, seconds, lock_free)
        print(f"| {processes} | {rate:,.0f} |", flush=True)
    from cse_portal.audit.selectors import verify_chain

    if lock_free:
        sequencer.sequence_pending()
    started = time.perf_counter()
    checked, broken = verify_chain()
    print(
        f"verify after the last run: {checked:,} entries in {time.perf_counter() - started:.1f} s, "
        f"intact={broken is None}" + (f" ({broken})" if broken else "")
    )
    connections.close_all()
    if os.environ.get("BENCH_KEEP") != "1":
        admin = _admin(url)
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()
    return 0 if broken is None else 1


if __name__ == "__main__":
    sys.exit(main())
