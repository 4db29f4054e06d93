"""Missing episodes at national scale, generated inside PostgreSQL, and the pages that read them.

``build`` adds ``EPISODES_PER_YOUNG_PERSON`` episodes a young person (2,000,000 at 50k): one in
``OPEN_EVERY`` still missing (the board), the rest returned, and one interview for each of the
latest tenth of returns, due, overdue or done. ``pages`` are the missing-now board and the
interview lists, as the team manager sees them.

Run alone, beside its floor, in a database of its own (``python -m bench.missing``; see
``main``), so it never rebuilds the shared benchmark's database."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

EPISODES_PER_YOUNG_PERSON = 40
OPEN_EVERY = 400
INTERVIEW_EVERY = 10


def build(size: int, people: Any) -> None:
    """Episodes and interviews for the ``size`` young people the national builder made (their
    ids are ``md5('yp' || n)``)."""
    from django.apps import apps
    from django.db import connection

    from .national import _indexes_deferred, _insert

    MissingEpisode = apps.get_model("missing", "MissingEpisode")
    ReturnInterview = apps.get_model("missing", "ReturnInterview")
    started = time.perf_counter()
    episodes = EPISODES_PER_YOUNG_PERSON * size
    is_open = f"(g %% {OPEN_EVERY} = 0)"
    # Episode g went missing g/ (episodes / 3 years) ago: the newest first in g.
    since = "now() - make_interval(mins => (g::bigint * 1576800 / %(m)s)::int + 30)"
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET synchronous_commit = off")
    with _indexes_deferred([MissingEpisode, ReturnInterview]):
        _insert(
            MissingEpisode,
            {
                "id": "md5('mfh' || g)::uuid",
                "young_person_id": "md5('yp' || (1 + (hashint4(g) & 2147483647) %% %(n)s))::uuid",
                "status": f"CASE WHEN {is_open} THEN 'missing' ELSE 'returned' END",
                "source": "'imported'",
                "missing_since": since,
                "last_seen": "'Left the children''s home after tea'",
                "circumstances": "''",
                "clothing": "''",
                "reported_to_police_by": "'Police import'",
                "police_reference": "'BM' || g",
                "looked_after": "(g %% 3 = 0)",
                "risk_grade": "(ARRAY['no_apparent_risk','low','medium','high'])[1 + g %% 4]",
                "risk_rank": "(ARRAY[3, 2, 1, 0])[1 + g %% 4]",
                "returned_at": f"CASE WHEN {is_open} THEN NULL "
                f"ELSE {since} + make_interval(hours => 1 + g %% 40) END",
                "found_with": "''",
                "return_method": "'found_police'",
                "cse_indicators": "'[]'::jsonb",
                "reported_at": since,
            },
            "generate_series(1, %(m)s) g",
            {"n": size, "m": episodes},
        )
        print(f"    missing episodes: {time.perf_counter() - started:.0f} s", flush=True)
        step = time.perf_counter()
        returned_at = f"{since} + make_interval(hours => 1 + g %% 40)"
        due = f"{returned_at} + interval '72 hours'"
        recent = f"(g <= %(m)s / {INTERVIEW_EVERY * 20})"
        _insert(
            ReturnInterview,
            {
                "id": "md5('rhi' || g)::uuid",
                "episode_id": "md5('mfh' || g)::uuid",
                "young_person_id": "md5('yp' || (1 + (hashint4(g) & 2147483647) %% %(n)s))::uuid",
                "status": f"CASE WHEN {recent} THEN 'due' WHEN g %% 7 = 0 THEN 'declined' "
                "ELSE 'done' END",
                "due_at": due,
                "independence_note": "''",
                "location_held": "''",
                "where_been": "''",
                "with_whom": "''",
                "travel": "''",
                "push_factors": "''",
                "pull_factors": "''",
                "harm_disclosed": "''",
                "cse_indicators": "'[]'::jsonb",
                "child_wishes": "''",
                "child_words": "''",
                "declined_reason": "''",
                "carers_offered": "true",
                "carers_information": "''",
                "completed_at": f"CASE WHEN {recent} THEN NULL "
                f"ELSE {returned_at} + make_interval(hours => 10 + g %% 90) END",
                "completed_by_id": f"CASE WHEN {recent} THEN NULL ELSE %(manager)s::uuid END",
                "created_at": returned_at,
            },
            f"generate_series(1, %(m)s) g WHERE NOT {is_open} AND g %% {INTERVIEW_EVERY} < 1 "
            f"OR (NOT {is_open} AND {recent})",
            {"n": size, "m": episodes, "manager": str(people.manager.pk)},
        )
        print(f"    return interviews: {time.perf_counter() - step:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = origin")
        cursor.execute("ANALYZE missing_missingepisode")
        cursor.execute("ANALYZE missing_returninterview")
    # Written straight into the tables, so the reports' episode tally is made from them here, as
    # the migration that made it did for the episodes it found.
    from missing import tally

    step = time.perf_counter()
    rows = tally.rebuild()
    print(f"    episode tally: {rows:,} rows in {time.perf_counter() - step:.0f} s", flush=True)


def pages() -> list[tuple[str, str, str]]:
    """(label, path, text the page must hold)."""
    return [
        ("missing-now board", "/missing/", "Missing now"),
        ("missing-now board, page 100", "/missing/?page=100", "Missing now"),
        ("interviews due", "/missing/interviews/?show=due", "Return home interviews"),
        ("interviews overdue", "/missing/interviews/?show=overdue", "Return home interviews"),
        ("interviews done", "/missing/interviews/?show=done", "Return home interviews"),
        ("API missing now", "/api/v1/missing-episodes/?status=missing", "results"),
    ]


def main() -> int:
    """``DATABASE_URL=postgres://.../cse_<name> python -m bench.missing``: builds the national set
    (young people from ``bench.national``, then the episodes) into that database if it is empty,
    and times the pages beside the floor."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cse_portal.settings")
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from . import national
    from . import pages as shared

    size = int(os.environ.get("BENCH_YOUNG_PEOPLE", "50000"))
    settings.ROOT_URLCONF = "bench.urls"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.signals import request_started
    from django.db import reset_queries

    request_started.disconnect(reset_queries)
    call_command("migrate", verbosity=0)
    from cse_portal.accounts.models import User

    if not User.objects.filter(username="manager").exists():
        from tests.personas import build_people

        people = build_people()
        national.build(size, people)
        build(size, people)
        national.analyse()
    from django.test import Client

    from tests.conftest import sign_in

    client = sign_in(Client(), User.objects.get(username="manager"))
    data = shared.Data(client=client, maya=None, postcode="")
    original = shared._pages
    shared._pages = lambda _data: [shared.Page(label, path, text) for label, path, text in pages()]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM missing_missingepisode")
            episodes = cursor.fetchone()[0]
        print(
            f"missing benchmarks on {connection.vendor}: {size:,} young people, "
            f"{episodes:,} episodes"
        )
        rows = shared.measure(data)
    finally:
        shared._pages = original
    shared.print_table(rows, 3.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
