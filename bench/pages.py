"""The benchmark's data set and the pages it times."""

from __future__ import annotations

import hashlib
import math
import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.signals import request_started
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))
#: Audit entries built for each young person: 10 is the national figure; fewer (``BENCH_AUDIT=1``)
#: builds the largest sizes in minutes where the log's own size is not what is being measured
#: (the pages read only the entries about the record shown, and write one more).
AUDIT_PER_PERSON = int(os.environ.get("BENCH_AUDIT", "10"))


@dataclass
class Data:
    client: Client
    maya: Any
    postcode: str


@dataclass
class Row:
    label: str
    median: float
    p95: float
    floor_p95: float
    queries: int
    note: str = ""
    #: p95 of the page's own reads (its SELECTs as the database was sent them), replayed as text
    #: through the driver beside the page: what no Python could take off.
    reads_p95: float = 0.0
    #: Of those reads, the time PostgreSQL spends planning them (median; None where not
    #: measured): what a plan kept between requests would save.
    planning: float | None = None
    reference: bool = False

    @property
    def ratio(self) -> float:
        return self.p95 / self.floor_p95

    @property
    def python_p95(self) -> float:
        """What the page spends beyond its reads: the framework's work, the template, the writes."""
        return max(0.0, self.p95 - self.reads_p95)


def _fingerprint(size: int) -> str:
    """What the data set is built from: the size and the builders' source. Migrations are not in
    it: a reused data set is migrated forward (an index or a column with a default applies to
    rows already there), so a new index does not cost a rebuild."""
    from cse_portal.audit.management.commands import audit_bench_chain

    digest = hashlib.sha256(repr((size, AUDIT_PER_PERSON)).encode())
    builders = [Path(__file__).parent / "national.py", Path(audit_bench_chain.__file__)]
    for source in builders:
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _built_maya(fingerprint: str) -> str | None:
    """Maya's id if this database holds the data set ``fingerprint`` describes."""
    with connection.cursor() as cursor:
        if "bench_build" not in connection.introspection.table_names(cursor):
            return None
        cursor.execute("SELECT maya FROM bench_build WHERE fingerprint = %s", [fingerprint])
        row = cursor.fetchone()
    return str(row[0]) if row else None


def _recreate_database() -> None:
    """An empty database for a new build (the old one was built from another schema)."""
    if connection.vendor == "postgresql":
        import psycopg2
        from psycopg2 import sql

        name = connection.settings_dict["NAME"]
        connection.close()
        admin = psycopg2.connect(
            dbname="postgres",
            user=connection.settings_dict["USER"],
            host=connection.settings_dict["HOST"],
            port=connection.settings_dict["PORT"] or 5432,
            password=connection.settings_dict["PASSWORD"] or None,
        )
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        admin.close()
    else:
        connection.close()
        Path(connection.settings_dict["NAME"]).unlink(missing_ok=True)


def _build_sqlite(size: int, people: Any) -> None:
    """Row by row through the ORM: the embedded engine at the smallest size."""
    from faker import Faker

    from cse_portal.young_people.models import ChronologyEntry, YoungPerson
    from referrals.models import Referral, ReferralKind, ReferralStatus

    faker = Faker("en_GB")
    faker.seed_instance(7)
    records = YoungPerson.objects.bulk_create(
        [
            YoungPerson(
                id=uuid.uuid4(),
                given_name=faker.first_name(),
                family_name=faker.last_name(),
                date_of_birth=date(2005, 1, 1) + timedelta(days=index % 6500),
                postcode=faker.postcode().upper(),
            )
            for index in range(size)
        ],
        batch_size=2000,
    )
    now = timezone.now()
    ChronologyEntry.objects.bulk_create(
        (
            ChronologyEntry(
                young_person=people.maya,
                occurred_at=now - timedelta(hours=i),
                source_app="bench",
                title=f"Case note {i}",
            )
            for i in range(2000)
        ),
        batch_size=2000,
    )
    Referral.objects.bulk_create(
        (
            Referral(
                kind=ReferralKind.PROFESSIONAL,
                status=ReferralStatus.SUBMITTED if i % 50 == 0 else ReferralStatus.TRIAGED,
                submitted_at=now - timedelta(minutes=i),
                decided_at=None if i % 50 == 0 else now - timedelta(minutes=i - 180),
                decision="" if i % 50 == 0 else "partner_agency",
                referred_by=people.frank,
                young_person=records[i % len(records)],
                concerns="Seen getting into cars with older men near the retail park.",
                consent="given",
            )
            for i in range(size)
        ),
        batch_size=2000,
    )


def _young_person_id(number: int) -> str:
    """The id the national builder gives young person ``number``: ``md5('yp' || number)``."""
    return str(uuid.UUID(hashlib.md5(f"yp{number}".encode()).hexdigest()))  # noqa: S324


def _build_audit_log(size: int) -> None:
    """``AUDIT_PER_PERSON`` (10) consultations for each of the ``size`` young people, chained as
    ``audit_record`` and the sequencer chain them (``verify_audit`` verifies them), about a sample
    of the records (the national builder's ids; random ones on SQLite)."""
    from cse_portal.audit.management.commands.audit_bench_chain import append_synthetic
    from cse_portal.young_people.models import YoungPerson

    started = time.perf_counter()
    sample = min(size, 10_000)
    subjects = [_young_person_id(n) for n in range(1, sample + 1)]
    if connection.vendor != "postgresql":
        subjects = [str(pk) for pk in YoungPerson.objects.values_list("pk", flat=True)[:sample]]
        append_synthetic(AUDIT_PER_PERSON * size, subjects=subjects)
    else:
        from cse_portal.audit.models import AuditEntry

        from .national import _indexes_deferred

        # The log's lookups (by subject, object, actor, action, and the sequencer's partial
        # index) are built once after the load; the constraints' indexes stay, checking it.
        with _indexes_deferred([AuditEntry]):
            append_synthetic(AUDIT_PER_PERSON * size, subjects=subjects)
    print(f"    audit entries (chained): {time.perf_counter() - started:.0f} s", flush=True)


def prepare(size: int, *, national: bool) -> Data:
    """The signed-in team manager and what the pages need, building the data set if needed."""
    settings.ROOT_URLCONF = "bench.urls"
    # Django empties the query log when each request starts; the counts below need it whole.
    request_started.disconnect(reset_queries)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    fingerprint = _fingerprint(size)
    maya_id = _built_maya(fingerprint)
    if maya_id is None:
        print("  building the data set (reused by later runs)", flush=True)
        _recreate_database()
        call_command("migrate", verbosity=0)
        from tests.personas import build_people

        started = time.perf_counter()
        people = build_people()
        if national:
            from . import national as builder

            builder.build(size, people)
            _build_audit_log(size)
            builder.analyse()
        else:
            _build_sqlite(size, people)
            _build_audit_log(size)
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE bench_build (fingerprint varchar(64) PRIMARY KEY,"
                " maya varchar(36) NOT NULL, seconds double precision NOT NULL)"
            )
            cursor.execute(
                "INSERT INTO bench_build VALUES (%s, %s, %s)",
                [fingerprint, str(people.maya.pk), time.perf_counter() - started],
            )
        maya_id = str(people.maya.pk)
    else:
        print("  reusing the data set built earlier", flush=True)
        _migrate_forward()
    from cse_portal.accounts.models import User
    from cse_portal.young_people.models import YoungPerson
    from tests.conftest import sign_in

    client = sign_in(Client(), User.objects.get(username="manager"))
    maya = YoungPerson.objects.get(pk=maya_id)
    postcode = (
        YoungPerson.objects.exclude(postcode="")
        .order_by("-created_at")
        .values_list("postcode", flat=True)
    ).first()
    return Data(client=client, maya=maya, postcode=postcode or "S1 2HH")


def _migrate_forward() -> None:
    """Apply the migrations written since the data set was built, and refresh the planner's
    statistics when there were any (a new index has none until analysed)."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not plan:
        return
    started = time.perf_counter()
    print(f"  applying {len(plan)} newer migration(s) to the data set", flush=True)
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"    migrated in {time.perf_counter() - started:.0f} s", flush=True)


@dataclass(frozen=True)
class Page:
    label: str
    path: str
    expected: str = ""  # text the response must hold: the page measured is the right one
    form: dict[str, str] | None = None  # POSTed when given
    #: A reference, not a page with a target: what every page pays before its own work.
    reference: bool = False


def _pages(data: Data) -> list[Page]:
    maya = data.maya
    dob = maya.date_of_birth or date(2010, 5, 1)
    near_duplicate = {
        "given_name": "Maya",
        "family_name": "Whitfeld",
        "date_of_birth_0": str(dob.day),
        "date_of_birth_1": str(dob.month),
        "date_of_birth_2": str(dob.year),
        "gender": "female",
        "ethnicity": "not_known",
        "postcode": maya.postcode,
    }
    return [
        Page("reference: the layout alone", "/bench/layout/", "CSE portal", reference=True),
        Page(
            "reference: the layout and one audit entry",
            "/bench/layout-audited/",
            "CSE portal",
            reference=True,
        ),
        Page("young people list", "/young-people/", "Young people"),
        Page("young people list, page 2,000", "/young-people/?page=2000"),
        Page("name search ?name=smith", "/young-people/?name=smith"),
        Page("two-word search ?name=maya+whit", "/young-people/?name=maya+whit"),
        Page("two-letter search ?name=jo", "/young-people/?name=jo"),
        Page("postcode search", f"/young-people/?postcode={data.postcode}"),
        Page("record page, 2,000 chronology entries", f"/young-people/{maya.pk}/", "Whitfield"),
        Page("triage queue", "/referrals/triage/"),
        Page("API young people ?search=smith", "/api/v1/young-people/?search=smith"),
        Page("API referrals list", "/api/v1/referrals/"),
        Page("search-before-create (POST)", "/young-people/new/", "Whitfield", near_duplicate),
    ]


def chosen_pages(data: Data, words: list[str]) -> list[Page]:
    """The pages whose label holds one of ``words`` (every page when none is given); a word that
    is a path (``/reports/team/``, ``/bench/floor/``) is that page, as the team manager."""
    paths = [Page(word, word) for word in words if word.startswith("/")]
    words = [word for word in words if not word.startswith("/")]
    if paths and not words:
        return paths
    return paths + [p for p in _pages(data) if not words or any(w in p.label for w in words)]


def requester(client: Client, page: Page) -> Callable[[], Any]:
    if page.form is not None:
        return lambda: client.post(page.path, page.form)
    return lambda: client.get(page.path)


#: ``BENCH_TIME_WITH_DEBUG=1`` times the pages as the process runs them (``DEBUG`` on: every query
#: written to the query log, each address resolved twice by the not-found middleware).
TIME_WITH_DEBUG = os.environ.get("BENCH_TIME_WITH_DEBUG", "0") == "1"


@contextmanager
def timing_conditions() -> Iterator[None]:
    """The timed requests, pages and floor alike, run the code production runs: ``DEBUG`` off, as
    it is in production. ``DEBUG`` stays on for the rest of the run (the embedded settings, the
    data set), and the query counts are taken apart, with the query log on, before the timing.

    With ``DEBUG`` on, Django's cursor writes every query to the query log (its SQL, time and a
    log record): a cost production never pays, and one paid once a query, so it weighs on a page
    of 20 queries more than on the floor's few. The middleware and the templates are the same
    either way (the template engine keeps the debug mode it started with, which changes only how
    a template is compiled, once, and how a template error is reported)."""
    if TIME_WITH_DEBUG:
        yield
        return
    with override_settings(DEBUG=False):
        yield


def _floor(client: Client) -> None:
    client.get("/bench/floor/")


def reads(captured: list[dict[str, str]]) -> list[str]:
    """The SELECTs among captured queries: what may be run again without changing anything."""
    return [
        query["sql"]
        for query in captured
        if query["sql"].lstrip().upper().startswith(("SELECT", "WITH", "(SELECT"))
    ]


def run_raw(statements: list[str]) -> None:
    """The statements straight through the driver: no ORM, no Django cursor wrapper."""
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    try:
        for statement in statements:
            cursor.execute(statement)
            cursor.fetchall()
    finally:
        cursor.close()


def planning_ms(statements: list[str], rounds: int = 5) -> float:
    """The median over ``rounds`` of the planning time PostgreSQL reports for ``statements``
    together (``EXPLAIN (SUMMARY)``, which plans a statement without running it)."""
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    totals = []
    try:
        for _ in range(rounds):
            total = 0.0
            for statement in statements:
                cursor.execute(f"EXPLAIN (SUMMARY) {statement}")
                for (line,) in cursor.fetchall():
                    if line.startswith("Planning Time:"):
                        total += float(line.split()[2])
            totals.append(total)
    finally:
        cursor.close()
    return statistics.median(totals)


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def measure(data: Data) -> list[Row]:
    rows = []
    conditions = "DEBUG on" if TIME_WITH_DEBUG else "DEBUG off, as in production"
    print(f"  {REPEAT} samples a page, each after a floor sample ({conditions})", flush=True)
    for page in _pages(data):
        label, expected, request = page.label, page.expected, requester(data.client, page)
        response = request()  # warm caches, and check the page is the right one
        note = ""
        if response.status_code != 200:
            note = f"answered {response.status_code}"
        elif expected and expected not in response.content.decode():
            note = f"MISSING {expected!r}"
        reset_queries()  # the log is a bounded deque: a full one would count nothing
        with CaptureQueriesContext(connection) as queries:
            request()
        # Counted now: leaving the context reconnects Django's emptying of the query log at each
        # request's start, so the log no longer holds these once the timed requests have run.
        query_count = len(queries)
        statements = reads(queries.captured_queries)
        floor_samples, page_samples, read_samples = [], [], []
        with timing_conditions():
            for _ in range(REPEAT):
                start = time.perf_counter()
                _floor(data.client)
                floor_samples.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                run_raw(statements)
                read_samples.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                request()
                page_samples.append((time.perf_counter() - start) * 1000)
        row = Row(
            label=label,
            median=statistics.median(page_samples),
            p95=_p95(page_samples),
            floor_p95=_p95(floor_samples),
            queries=query_count,
            note=note,
            reads_p95=_p95(read_samples),
            planning=planning_ms(statements) if connection.vendor == "postgresql" else None,
            reference=page.reference,
        )
        rows.append(row)
        print(
            f"    {label}: p95 {row.p95:.0f} ms ({row.ratio:.1f} x floor); "
            f"its reads {row.reads_p95:.0f} ms",
            flush=True,
        )
    return rows


def print_table(rows: list[Row], target: float) -> None:
    print()
    print(
        "| page | median ms | p95 ms | floor p95 ms | p95 / floor | its reads p95 ms | "
        f"of which planning ms | p95 - reads ms | queries | within {target:g}x |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        verdict = "yes" if row.ratio <= target else "**OVER**"
        if row.reference:
            verdict = "(reference)"
        if row.note:
            verdict += f" ({row.note})"
        planning = "-" if row.planning is None else f"{row.planning:.1f}"
        print(
            f"| {row.label} | {row.median:.1f} | {row.p95:.1f} | {row.floor_p95:.1f} | "
            f"{row.ratio:.1f} | {row.reads_p95:.1f} | {planning} | {row.python_p95:.1f} | "
            f"{row.queries} | {verdict} |"
        )
    print(
        "(Its reads: the page's SELECTs, sign-in included, replayed as text through the driver "
        "in the same run; of which planning: PostgreSQL planning them, the median of EXPLAIN's "
        "planning time, which a plan kept between requests would save; the rest is Python, the "
        "writes and their commit.)"
    )
    print()


def print_audit_verification() -> None:
    """Verify the log as ``verify_audit`` does, after sequencing what the pages wrote (beat's
    sequencer does that in production; here the run outlasts the time an entry may wait for it)."""
    from cse_portal.audit import sequencer
    from cse_portal.audit.selectors import verify_chain

    sequenced = sequencer.sequence_pending()
    start = time.perf_counter()
    checked, broken = verify_chain()
    elapsed = time.perf_counter() - start
    print(
        f"verify_audit: {checked:,} entries in {elapsed:.1f} s "
        f"({checked / max(elapsed, 1e-9):,.0f} entries/s), intact={broken is None}"
        f" ({sequenced:,} written by the pages sequenced first)"
    )
    if broken is not None:
        print(f"  first break: {broken.where()}: {broken.reason}")
