"""``python -m bench.intelligence``: the intelligence picture at scale, each figure beside a floor
measured in the same run (a signed-in page running ``SELECT 1``, as ``make bench``).

PostgreSQL only (``DATABASE_URL``): ``BENCH_ITEMS`` intelligence items (default 50,000; the issue's
national figure is 1,000,000) are generated inside the database with their entities and mentions,
in a database of their own (``BENCH_DATABASE``, default ``<name>_bench_intelligence_<items>``
beside the ``DATABASE_URL`` one) that later runs reuse. Items spread over a year; each names one
young person at risk (one in four a second), a place, and often a vehicle, a phone or a suspected
exploiter, drawn with a skew so a few places and cars are hot, as in life.

Timed as the analyst: the analysis page, the network API (last 90 days, and a year), hot spots,
the alerts list; the link-time rule (an item submitted naming the hottest place and car, through
the service, alerts and all); and the nightly sweep (the first raises the alerts, the next are
idempotent). The target, as for every page: p95 within 3 times the floor's.

The picture's links (``intelligence.picture_links``) are made from the generated items after the
build, as ``manage.py picture_links_rebuild`` would; a data set built before they existed gets them
from the migration that made them.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import sys
import time
import uuid
from typing import Any
from urllib.parse import urlsplit, urlunsplit

TARGET_RATIO = 3.0


def _choose_database(items: int) -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("bench.intelligence needs DATABASE_URL=postgres://...", file=sys.stderr)
        raise SystemExit(2)
    from .__main__ import _create_postgres_database

    # Named after the database given (``cse`` gives ``cse_bench_intelligence_50000``), so two
    # checkouts on one server each keep their own.
    base = urlsplit(url).path.lstrip("/") or "cse"
    name = os.environ.get("BENCH_DATABASE", f"{base}_bench_intelligence_{items}")
    _create_postgres_database(url, name)
    os.environ["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path="/" + name))


#: A current-format registration for vehicle ``g``: BK, two digits, three letters.
REGISTRATION = (
    "'BK' || lpad((g %% 100)::text, 2, '0') || chr(65 + (g / 100) %% 26)"
    " || chr(65 + (g / 2600) %% 26) || chr(65 + (g / 67600) %% 26)"
)


def _unit(salt: int) -> str:
    """SQL for a number in [0, 1) drawn by a hash of the row number ``g``."""
    return f"((hashint4(g + {salt}) & 2147483647)::float8 / 2147483648.0)"


def _skewed(prefix: str, count: int, salt: int) -> str:
    """SQL for the id of one of ``count`` entities named ``prefix``, low numbers far likelier."""
    return f"md5('{prefix}' || (1 + floor(power({_unit(salt)}, 3) * {count}))::int)::uuid"


def build(items: int, people: Any) -> None:
    from django.db import connection

    from intelligence.models import Entity, IntelligenceItem, Mention, PictureLink
    from intelligence.picture_links import links_rebuild

    from .national import _indexes_deferred, _insert

    young, places, cars, phones, exploiters = (
        max(10, items // 10),
        max(5, items // 50),
        max(5, items // 50),
        max(5, items // 50),
        max(5, items // 100),
    )
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET synchronous_commit = off")
    with _indexes_deferred([Entity, IntelligenceItem, Mention]):
        series = "generate_series(1, %(n)s) AS g"
        people_rows = {
            "id": "md5('yp' || g)::uuid",
            "kind": "'person'",
            "label": "'Child ' || g",
            "key": "'child ' || g || '|2011-01-01'",
            "created_at": "now()",
        }
        _insert(Entity, people_rows, series, {"n": young})
        _insert(
            Entity,
            {**people_rows, "id": "md5('ex' || g)::uuid", "label": "'Suspect ' || g", "key": "''"},
            series,
            {"n": exploiters},
        )
        _insert(
            Entity,
            {
                "id": "md5('loc' || g)::uuid",
                "kind": "'location'",
                "label": "'Venue ' || g",
                "key": "'S' || (g %% 30 + 1) || ' 1AA|venue ' || g",
                "postcode": "'S' || (g %% 30 + 1) || ' 1AA'",
                "venue_kind": "'takeaway'",
                "latitude": f"53.30 + 0.15 * {_unit(11)}",
                "longitude": f"-1.60 + 0.25 * {_unit(12)}",
                "created_at": "now()",
            },
            series,
            {"n": places},
        )
        _insert(
            Entity,
            {
                "id": "md5('veh' || g)::uuid",
                "kind": "'vehicle'",
                "label": REGISTRATION,
                "key": REGISTRATION,
                "created_at": "now()",
            },
            series,
            {"n": cars},
        )
        _insert(
            Entity,
            {
                "id": "md5('tel' || g)::uuid",
                "kind": "'phone'",
                "label": "'+447700' || lpad(g::text, 6, '0')",
                "key": "'+447700' || lpad(g::text, 6, '0')",
                "created_at": "now()",
            },
            series,
            {"n": phones},
        )
        obtained = f"now() - ({_unit(1)} * interval '365 days')"
        _insert(
            IntelligenceItem,
            {
                "id": "md5('item' || g)::uuid",
                "reference": "'INT-B-' || g",
                "status": "CASE WHEN g %% 5 = 0 THEN 'received' ELSE 'assessed' END",
                "priority": "'low'",
                "priority_rank": "2",
                "scheme": "'5x5x5'",
                "source_evaluation": "'B'",
                "intelligence_evaluation": "'2'",
                "handling_code": "'1'",
                "source_kind": "'own_observation'",
                "content": "'Seen at the venue with an older man.'",
                "subjects": "'[]'::jsonb",
                "obtained_at": obtained,
                "submitted_at": obtained,
                "created_at": obtained,
                "updated_at": obtained,
                "submitted_by_id": "%(frank)s",
            },
            series,
            {"n": items, "frank": people.frank.pk},
        )
        item = "md5('item' || g)::uuid"
        mentions = [
            (_skewed("yp", young, 2), "'young_person_at_risk'", "true"),
            (_skewed("yp", young, 3), "'young_person_at_risk'", "g %% 4 = 0"),
            (_skewed("loc", places, 4), "'place'", "true"),
            (_skewed("veh", cars, 5), "'vehicle_used'", "g %% 2 = 0"),
            (_skewed("tel", phones, 6), "'phone_used'", "g %% 3 = 0"),
            (_skewed("ex", exploiters, 7), "'suspected_exploiter'", "g %% 3 = 1"),
        ]
        for entity, role, when in mentions:
            _insert(
                Mention,
                {"item_id": item, "entity_id": entity, "role": role, "created_at": "now()"},
                f"generate_series(1, %(n)s) AS g WHERE {when} "
                "ON CONFLICT (item_id, entity_id, role) DO NOTHING",
                {"n": items},
            )
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")
    # The picture's links, derived from the items as the services would have kept them.
    started = time.perf_counter()
    with _indexes_deferred([PictureLink]):
        links = links_rebuild()
    print(f"  {links:,} picture links made in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def _p95(samples: list[float]) -> float:
    from .pages import _p95 as p95

    return p95(samples)


def _timed(action: Any, floor: Any, repeat: int) -> tuple[float, float, float]:
    page, floors = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        floor()
        floors.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        action()
        page.append((time.perf_counter() - start) * 1000)
    return statistics.median(page), _p95(page), _p95(floors)


def main() -> int:
    items = int(os.environ.get("BENCH_ITEMS", "50000"))
    repeat = int(os.environ.get("BENCH_REPEAT", "20"))
    _choose_database(items)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cse_portal.settings")
    os.environ.setdefault("DEBUG", "true")
    # Notifications are queued (to the local filesystem broker), not sent within the timings.
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cse_portal.accounts.models import User
    from intelligence import alerts, services
    from intelligence.models import Alert, Entity
    from tests.conftest import sign_in

    from .pages import Row, print_table

    settings.ROOT_URLCONF = "bench.urls"
    # Django empties the query log when each request starts; the counts below need it whole.
    request_started.disconnect(reset_queries)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_intelligence_build (items integer)")
        cursor.execute("SELECT items FROM bench_intelligence_build")
        built = cursor.fetchone()
    print(f"Intelligence picture benchmarks on PostgreSQL, {items:,} items", flush=True)
    if built is None or built[0] != items:
        if built is not None:
            print("  a data set of another size is here: set BENCH_DATABASE", file=sys.stderr)
            return 2
        from tests.personas import build_people

        started = time.perf_counter()
        build(items, build_people())
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_intelligence_build VALUES (%s)", [items])
        print(f"  data set built in {time.perf_counter() - started:.0f} s", flush=True)
    else:
        print("  reusing the data set built earlier", flush=True)
    ana = User.objects.get(username="ana")
    client = sign_in(Client(), ana)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM intelligence_mention")
        print(f"  {cursor.fetchone()[0]:,} mentions", flush=True)

    def floor() -> None:
        client.get("/bench/floor/")

    rows = []
    year_ago = (timezone.localdate() - timezone.timedelta(days=365)).isoformat()
    sweep_started = time.perf_counter()
    first = alerts.alerts_sweep()
    first_ms = (time.perf_counter() - sweep_started) * 1000
    print(f"  first sweep: {first} in {first_ms:.0f} ms", flush=True)
    pages = [
        ("analysis page (90 days)", "/intelligence/picture/"),
        ("network API (90 days)", "/api/v1/intelligence/network/"),
        ("network API (a year)", f"/api/v1/intelligence/network/?since={year_ago}"),
        (
            "network API (district S1, a year)",
            f"/api/v1/intelligence/network/?since={year_ago}&district=S1",
        ),
        ("hot spots (90 days)", "/intelligence/picture/hot-spots/"),
        ("hot spots (all time)", "/intelligence/picture/hot-spots/?period=0"),
        ("alerts list", "/intelligence/picture/alerts/"),
        (
            "alert page",
            f"/intelligence/picture/alerts/{Alert.objects.order_by('-young_people_count').first().pk}/",
        ),
    ]
    for label, path in pages:
        response = client.get(path)
        note = "" if response.status_code == 200 else f"answered {response.status_code}"
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        median, p95, floor_p95 = _timed(lambda path=path: client.get(path), floor, repeat)
        rows.append(Row(label, median, p95, floor_p95, len(queries), note))
        print(f"    {label}: p95 {p95:.0f} ms ({p95 / floor_p95:.1f} x floor)", flush=True)

    hot_place = Entity.objects.get(label="Venue 1")
    hot_car = Entity.objects.get(pk=uuid.UUID(hashlib.md5(b"veh1").hexdigest()))  # noqa: S324
    counter = iter(range(10**6))

    def submit() -> None:
        number = next(counter)
        services.item_submit(
            actor=User.objects.get(username="frank"),
            scheme="5x5x5",
            source_evaluation="B",
            intelligence_evaluation="2",
            handling_code="1",
            priority="low",
            obtained_at=timezone.now(),
            content="Seen at the venue with an older man.",
            source_kind="own_observation",
            subjects=[
                {"kind": "person", "role": "young_person_at_risk", "name": f"Bench child {number}"},
                {"kind": "location", "name": "Venue 1", "postcode": hot_place.postcode},
                {"kind": "vehicle", "registration": hot_car.key},
            ],
        )

    median, p95, floor_p95 = _timed(submit, floor, min(repeat, 10))
    rows.append(Row("submit naming the hottest place and car (rule)", median, p95, floor_p95, 0))
    median, p95, floor_p95 = _timed(alerts.alerts_sweep, floor, 3)
    rows.append(
        Row("nightly sweep (idempotent)", median, p95, floor_p95, 0, f"first {first_ms:.0f} ms")
    )
    print_table(rows, TARGET_RATIO)
    print(f"open alerts: {Alert.objects.filter(status='open').count():,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
