"""``python -m bench.throughput`` (``make bench-throughput``): audited pages a second through
gunicorn on PostgreSQL, from 1, 4 and 8 clients at once, each beside the floor served by the same
gunicorn in the same run.

It uses the national data set ``make bench`` builds (``BENCH_SIZE``, default ``50k``; built here
first if missing) and serves it with gunicorn as production does (``DEBUG`` off, the manifest's
static files, Redis as the cache (``CACHE_URL``, default ``redis://127.0.0.1:6379/1``),
``--workers`` ``BENCH_WORKERS``, default 4 as in docker-compose.yml), through
``bench.wsgi`` (the portal plus the floor page). Each client is a process signed in as the team
manager with its own session, requesting one after another for ``BENCH_SECONDS`` (10) either the
floor (a signed-in page running ``SELECT 1``) or a young person's record page, a different young
person each time: every record page writes a consultation to the audit log. This process runs the
audit sequencer every ``AUDIT_SEQUENCE_SECONDS``, as beat does.

The table gives, for each number of clients, the floor's and the record page's requests a second,
their ratio, the record page's median and p95 latency, the audit entries written a second, and
how many entries were still waiting for the sequencer at the end of the run. Afterwards every
entry is sequenced and the whole log verified, these runs' entries with it (``BENCH_VERIFY=0``
skips it).
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

CLIENTS = [int(n) for n in os.environ.get("BENCH_CLIENTS", "1,4,8").split(",")]
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
RECORDS = 2_000  # young people the record pages cycle through
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    requests: int
    errors: int
    latencies: list[float]

    def rate(self) -> float:
        return self.requests / SECONDS

    def p95(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(0, int(0.95 * len(ordered) + 0.5) - 1)] if ordered else 0.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_environment(var_dir: str) -> dict[str, str]:
    from django.conf import settings

    return {
        **os.environ,
        "DEBUG": "false",
        # The keys of this process: it signs the sessions gunicorn reads and verifies the entries
        # gunicorn writes.
        "SECRET_KEY": settings.SECRET_KEY,
        "AUDIT_CHAIN_KEY": settings.AUDIT_CHAIN_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "filesystem://"),
        # Production's shared cache (sessions' rate limits, sign-in lockouts) is Redis.
        "CACHE_URL": os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/1"),
        "VAR_DIR": var_dir,
        "LOG_LEVEL": "WARNING",
    }


def _start_gunicorn(environment: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    python = sys.executable
    subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [python, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=environment,
        check=True,
    )
    server = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
        [
            python,
            "-m",
            "gunicorn",
            "bench.wsgi:application",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment,
        # The access log (gunicorn.conf.py, read from the working directory as in production) is
        # written as usual, but not onto the table.
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz within a minute")


def _client(port: int, cookie: str, paths: list[str], start_at: float, results) -> None:
    headers = {"Cookie": cookie, "X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies: list[float] = []
    errors = 0
    while time.time() < start_at:
        time.sleep(0.001)
    end = start_at + SECONDS
    n = 0
    while True:
        started = time.perf_counter()
        if time.time() >= end:
            break
        connection.request("GET", paths[n % len(paths)], headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            errors += 1
        latencies.append((time.perf_counter() - started) * 1000)
        n += 1
    results.put((len(latencies), errors, latencies))


def _drive(port: int, cookies: list[str], paths: list[str], clients: int) -> Run:
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start_at = time.time() + 0.5
    processes = [
        context.Process(
            target=_client,
            # Each client starts at its own place in the list: different records at once.
            args=(port, cookies[i], paths[i * len(paths) // clients :] + paths, start_at, results),
        )
        for i in range(clients)
    ]
    for process in processes:
        process.start()
    collected = [results.get() for _ in processes]
    for process in processes:
        process.join()
    return Run(
        requests=sum(c[0] for c in collected),
        errors=sum(c[1] for c in collected),
        latencies=[ms for c in collected for ms in c[2]],
    )


def _sequencer(stop: threading.Event) -> None:
    from django.conf import settings
    from django.db import connection

    from cse_portal.audit import sequencer

    while not stop.is_set():
        sequencer.sequence_pending()
        stop.wait(settings.AUDIT_SEQUENCE_SECONDS)
    connection.close()


def _audit_state() -> tuple[int, int]:
    """(the newest entry's id, the entries waiting for the sequencer)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT coalesce(max(id), 0) FROM audit_auditentry),"
            " (SELECT count(*) FROM audit_auditentry WHERE position IS NULL)"
        )
        newest, waiting = cursor.fetchone()
    return int(newest), int(waiting)


def main() -> int:
    from .__main__ import SIZES, _choose_database

    size_name = os.environ.get("BENCH_SIZE", "50k").lower()
    if size_name not in SIZES or _choose_database(size_name) != "postgresql":
        print("bench.throughput needs DATABASE_URL=postgres://... and BENCH_SIZE", file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cse_portal.settings")
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from cse_portal.accounts.models import User
    from tests.conftest import sign_in

    from . import pages

    pages.prepare(SIZES[size_name], national=True)
    manager = User.objects.get(username="manager")
    cookies = [
        f"__Host-sessionid={sign_in(Client(), manager).session.session_key}"
        for _ in range(max(CLIENTS))
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM young_people_youngperson WHERE merged_into_id IS NULL"
            " ORDER BY md5(id::text) LIMIT %s",
            [RECORDS],
        )
        records = [f"/young-people/{row[0]}/" for row in cursor.fetchall()]
    connection.close()

    print(
        f"Audited pages through gunicorn ({WORKERS} workers) on PostgreSQL, "
        f"{SIZES[size_name]:,} young people, {SECONDS:.0f} s a run",
        flush=True,
    )
    stop = threading.Event()
    sequencing = threading.Thread(target=_sequencer, args=(stop,), daemon=True)
    first_entry = _audit_state()[0] + 1
    with tempfile.TemporaryDirectory(prefix="cse-throughput-") as var_dir:
        port = _free_port()
        server = _start_gunicorn(_server_environment(var_dir), port)
        sequencing.start()
        rows = []
        try:
            for clients in CLIENTS:
                floor = _drive(port, cookies, ["/bench/floor/"], clients)
                before = _audit_state()[0]
                page = _drive(port, cookies, records, clients)
                newest, waiting = _audit_state()
                rows.append((clients, floor, page, (newest - before) / SECONDS, waiting))
                print(
                    f"  {clients} client(s): floor {floor.rate():.0f}/s, "
                    f"record page {page.rate():.0f}/s",
                    flush=True,
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
            stop.set()
            sequencing.join()
    _print_table(rows)
    if os.environ.get("BENCH_VERIFY", "1") != "0":
        _verify_from(first_entry)
    failed = any(run.errors for _, floor, page, _, _ in rows for run in (floor, page))
    return 1 if failed else 0


def _print_table(rows: list[tuple[int, Run, Run, float, int]]) -> None:
    print()
    print(
        "| clients | floor req/s | record page req/s | page / floor | page median ms "
        "| page p95 ms | audit entries/s | waiting for the sequencer at the end | errors |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for clients, floor, page, entries, waiting in rows:
        print(
            f"| {clients} | {floor.rate():.0f} | {page.rate():.0f} | "
            f"{page.rate() / floor.rate():.2f} | {statistics.median(page.latencies):.1f} | "
            f"{page.p95():.1f} | {entries:.0f} | {waiting} | {floor.errors + page.errors} |"
        )
    print()


def _verify_from(first_entry: int) -> None:
    """Sequence what is left and verify the whole log, as ``verify_audit`` does."""
    from cse_portal.audit import sequencer
    from cse_portal.audit.selectors import verify_chain

    sequencer.sequence_pending()
    started = time.perf_counter()
    checked, broken = verify_chain()
    written = _audit_state()[0] - first_entry + 1
    print(
        f"verify_audit: {checked:,} entries (of which {written:,} written by these runs) in "
        f"{time.perf_counter() - started:.1f} s, intact={broken is None}"
        + (f" ({broken.where()}: {broken.reason})" if broken else "")
    )


if __name__ == "__main__":
    sys.exit(main())
