"""The LSCB, team manager and analyst dashboards at national scale, each beside two floors
measured in the same run: the minimal signed-in page (``/bench/floor/``, as every page of ``make
bench``) and the raw SQL of the dashboard's own aggregates, run straight through the database
driver with no ORM, no template and no middleware.

The aggregates are the statements the dashboard's figures issue: for the LSCB dashboard, those of
``reports.measures.compute_for_shown`` (the calendar year its figures are suppressed in, read
whole, and the counts of now); for the team manager's dashboard, those of
``reports.selectors.team_day``; for the analyst's, those of ``reports.selectors.analyst_picture``
for the month. They are captured once as the database ran them and then timed as text, so the
floor is exactly the SQL the page waits for.

On PostgreSQL the national data set is given the rows the reports read beyond the young people and
referrals, when it has none yet: the missing episodes and return interviews of ``bench.missing``
and the intelligence of ``bench.intelligence`` (as many items as young people). The target of the
issue is a dashboard's p95 within 1.5 times its aggregate SQL's.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from .pages import run_raw, timing_conditions

TARGET_RATIO = 1.5


def ensure_rows(size: int) -> None:
    """Missing episodes, intelligence, outreach and training at the data set's scale, built once
    (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return
    from cse_portal.accounts.models import User
    from intelligence.models import IntelligenceItem
    from missing.models import MissingEpisode
    from outreach.models import OutreachSession

    people = SimpleNamespace(
        manager=User.objects.get(username="manager"), frank=User.objects.get(username="frank")
    )
    if not MissingEpisode.objects.exists():
        from . import missing

        started = time.perf_counter()
        print("  adding missing episodes for the reports (kept for later runs)", flush=True)
        missing.build(size, people)
        print(f"    done in {time.perf_counter() - started:.0f} s", flush=True)
    if not IntelligenceItem.objects.exists():
        from . import intelligence

        started = time.perf_counter()
        print("  adding intelligence for the reports (kept for later runs)", flush=True)
        intelligence.build(size, people)
        print(f"    done in {time.perf_counter() - started:.0f} s", flush=True)
    if not OutreachSession.objects.exists():
        from . import outreach

        print("  adding outreach and training for the reports (kept for later runs)", flush=True)
        outreach.build(size, people)


@dataclass
class Dashboard:
    label: str
    path: str
    expected: str
    client: Client
    #: Runs the dashboard's figures through the ORM (their statements are captured from it).
    figures: Callable[[], Any]


@dataclass
class Row:
    label: str
    median: float
    p95: float
    floor_p95: float
    sql_p95: float
    #: The SQL's median: beside the page's, the steadier of the two comparisons on a noisy machine.
    sql_median: float
    statements: int
    queries: int
    note: str = ""

    @property
    def ratio_floor(self) -> float:
        return self.p95 / self.floor_p95

    @property
    def ratio_sql(self) -> float:
        return self.p95 / self.sql_p95

    @property
    def ratio_medians(self) -> float:
        return self.median / self.sql_median

    @property
    def ratio_both(self) -> float:
        """Against the two together: no signed-in page can beat its sign-in plus its SQL."""
        return self.p95 / (self.floor_p95 + self.sql_p95)


def _dashboards() -> list[Dashboard]:
    from cse_portal.accounts.models import User
    from reports import measures, selectors
    from reports.periods import Granularity, Period
    from tests.conftest import sign_in

    quarter = Period.containing(_today(), Granularity.QUARTER)
    month = Period.containing(_today(), Granularity.MONTH)
    manager = User.objects.get(username="manager")
    lucy = User.objects.get(username="lucy")
    ana = User.objects.get(username="ana")
    return [
        Dashboard(
            f"LSCB dashboard, {quarter.key}",
            f"/reports/lscb/?period={quarter.key}",
            "Outreach sessions by area",
            sign_in(Client(), lucy),
            lambda: measures.compute_for_shown(quarter),
        ),
        Dashboard(
            "team manager dashboard",
            "/reports/team/",
            "Missing now",
            sign_in(Client(), manager),
            lambda: selectors.team_day(manager),
        ),
        Dashboard(
            f"analyst dashboard, {month.key}",
            f"/reports/analyst/?period={month.key}",
            "Hot spots",
            sign_in(Client(), ana),
            lambda: selectors.analyst_picture(ana, month),
        ),
    ]


def _today() -> Any:
    from django.utils import timezone

    return timezone.localdate()


def _statements(figures: Callable[[], Any]) -> list[str]:
    """The SQL the figures ran, as the database was sent it: warm, as the page runs them (the
    team's counts are compiled on their first call, ``cse_portal.statements``)."""
    figures()
    with CaptureQueriesContext(connection) as queries:
        figures()
    return [query["sql"] for query in queries.captured_queries]


def _p95(samples: list[float]) -> float:
    from .pages import _p95 as shared

    return shared(samples)


def _timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def measure(repeat: int) -> list[Row]:
    from django.db import reset_queries

    rows = []
    print(
        f"  dashboards: {repeat} samples each, interleaved with the signed-in floor and the "
        "raw SQL of the dashboard's aggregates",
        flush=True,
    )
    for board in _dashboards():
        response = board.client.get(board.path)  # warm caches, and check the page
        note = ""
        if response.status_code != 200:
            note = f"answered {response.status_code}"
        elif board.expected not in response.content.decode():
            note = f"MISSING {board.expected!r}"
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            board.client.get(board.path)
        # Counted now: the query log is emptied at every request's start, the timed ones too.
        query_count = len(queries)
        statements = _statements(board.figures)
        run_raw(statements)  # warm
        floor, sql, page = [], [], []
        # As the pages of ``make bench`` are timed: the code production runs (``DEBUG`` off, so
        # no query log), the query count having been taken above with the log on.
        with timing_conditions():
            for _ in range(repeat):
                floor.append(_timed(lambda board=board: board.client.get("/bench/floor/")))
                sql.append(_timed(lambda statements=statements: run_raw(statements)))
                page.append(_timed(lambda board=board: board.client.get(board.path)))
        row = Row(
            label=board.label,
            median=statistics.median(page),
            p95=_p95(page),
            floor_p95=_p95(floor),
            sql_p95=_p95(sql),
            sql_median=statistics.median(sql),
            statements=len(statements),
            queries=query_count,
            note=note,
        )
        rows.append(row)
        print(
            f"    {row.label}: p95 {row.p95:.0f} ms; its SQL {row.sql_p95:.0f} ms "
            f"({row.ratio_sql:.2f} x); the floor {row.floor_p95:.0f} ms",
            flush=True,
        )
    return rows


def slowest_statements(limit: int = 5) -> list[tuple[float, str]]:
    """The LSCB dashboard's aggregates one by one, slowest first (to find what to index)."""
    from reports import measures
    from reports.periods import Granularity, Period

    quarter = Period.containing(_today(), Granularity.QUARTER)
    timings = []
    for statement in _statements(lambda: measures.compute_for_shown(quarter)):
        run_raw([statement])
        timings.append((min(_timed(lambda s=statement: run_raw([s])) for _ in range(3)), statement))
    return sorted(timings, reverse=True)[:limit]


def print_table(rows: list[Row]) -> None:
    print()
    print(
        "| dashboard | median ms | p95 ms | its SQL p95 ms | p95 / SQL | median / SQL median | "
        "floor p95 ms | p95 / floor | p95 / (floor + SQL) | statements | queries | "
        f"within {TARGET_RATIO:g}x its SQL |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        verdict = "yes" if row.ratio_sql <= TARGET_RATIO else "**OVER**"
        if row.note:
            verdict += f" ({row.note})"
        print(
            f"| {row.label} | {row.median:.1f} | {row.p95:.1f} | {row.sql_p95:.1f} | "
            f"{row.ratio_sql:.2f} | {row.ratio_medians:.2f} | {row.floor_p95:.1f} | "
            f"{row.ratio_floor:.1f} | "
            f"{row.ratio_both:.2f} | {row.statements} | {row.queries} | {verdict} |"
        )
    print()


PDF_TARGET_SECONDS = 30


def annual_review() -> None:
    """A full annual review of service provision (last year's, a whole year of the data set),
    requested by the LSCB manager and generated in this process as the worker would run it,
    against the issue's 30 seconds."""
    from cse_portal.accounts.models import User
    from cse_portal.celery import app
    from reports import services
    from reports.models import ReportKind, ReportRun
    from tests.pdf import pdf_pages

    lucy = User.objects.get(username="lucy")
    year = str(_today().year - 1)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True  # the task runs here, when the request commits
    try:
        started = time.perf_counter()
        run = services.report_request(user=lucy, kind=ReportKind.ANNUAL_REVIEW, period=year)
        elapsed = time.perf_counter() - started
    finally:
        app.conf.task_always_eager = eager
    run = ReportRun.objects.get(pk=run.pk)
    content = services.file_path(run).read_bytes() if run.file_name else b""
    pages = pdf_pages(content)
    verdict = "yes" if elapsed <= PDF_TARGET_SECONDS else "**OVER**"
    print(
        f"Annual review {year} (PDF): {elapsed:.1f} s from request to file, status {run.status}, "
        f"{pages} pages, {len(content):,} bytes; within {PDF_TARGET_SECONDS} s: {verdict}",
        flush=True,
    )
