"""``make bench``: builds a throwaway database with many synthetic rows and prints how long the
busiest pages and queries take. Uses ``DATABASE_URL`` when set (a ``test_`` database is created
and destroyed), otherwise a temporary SQLite file.

Targets (median, one small machine): search and record pages under 150 ms, the API list under
150 ms, search-before-create matching under 100 ms, audit verification over 20,000 entries/s.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cse_portal.settings")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

YOUNG_PEOPLE = int(os.environ.get("BENCH_YOUNG_PEOPLE", "50000"))
CHRONOLOGY_PER_PERSON = int(os.environ.get("BENCH_CHRONOLOGY_PER_PERSON", "5"))
AUDIT_ENTRIES = int(os.environ.get("BENCH_AUDIT_ENTRIES", "20000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))


def timed(label: str, action: Callable[[], object], repeat: int = REPEAT) -> None:
    action()  # warm caches
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(f"  {label:<52} median {statistics.median(samples):7.1f} ms   p95 {p95:7.1f} ms")


def build_rows() -> dict[str, object]:
    from faker import Faker

    from cse_portal.audit.services import audit_record
    from cse_portal.young_people.models import ChronologyEntry, YoungPerson
    from tests.personas import build_people

    people = build_people()
    faker = Faker("en_GB")
    faker.seed_instance(7)
    start = time.perf_counter()
    batch = []
    for index in range(YOUNG_PEOPLE):
        batch.append(
            YoungPerson(
                id=uuid.uuid4(),
                given_name=faker.first_name(),
                family_name=faker.last_name(),
                date_of_birth=date(2008, 1, 1) + timedelta(days=index % 2500),
                postcode=faker.postcode(),
            )
        )
    YoungPerson.objects.bulk_create(batch, batch_size=2000)
    now = timezone.now()
    entries = [
        ChronologyEntry(
            young_person=people.maya,
            occurred_at=now - timedelta(hours=i),
            source_app="bench",
            title=f"Event {i}",
        )
        for i in range(CHRONOLOGY_PER_PERSON * 100)
    ]
    ChronologyEntry.objects.bulk_create(entries, batch_size=2000)
    for i in range(AUDIT_ENTRIES):
        audit_record(
            actor=people.manager,
            action="consult",
            object_type="bench",
            object_id=str(i),
            subject_id=people.maya.pk,
        )
    if connection.vendor == "postgresql":
        # As autovacuum would after a bulk load: the planner needs statistics to pick indexes.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"  built {YOUNG_PEOPLE:,} young people, {len(entries):,} chronology entries and "
        f"{AUDIT_ENTRIES:,} audit entries in {time.perf_counter() - start:.1f} s"
    )
    return {"people": people}


def main() -> int:
    from tests.conftest import sign_in

    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if "DATABASE_URL" not in os.environ:
        # A fresh clone has no var/ yet, and SQLite will not create the folder of its file.
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        settings.DATABASES["default"]["TEST"]["NAME"] = str(settings.VAR_DIR / "bench.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"CSE portal benchmarks on {connection.vendor} ({connection.settings_dict['NAME']})")
        data = build_rows()
        people = data["people"]
        manager = sign_in(Client(), people.manager)
        maya = people.maya.pk

        from cse_portal.audit.selectors import verify_chain
        from cse_portal.young_people.selectors import young_person_matches

        print("Pages and API (team manager, who sees every record):")
        timed(
            "GET /young-people/ (first page of all records)", lambda: manager.get("/young-people/")
        )
        timed("GET /young-people/?name=smith", lambda: manager.get("/young-people/?name=smith"))
        timed(
            "GET /young-people/<id>/ (500 chronology entries)",
            lambda: manager.get(f"/young-people/{maya}/"),
        )
        timed(
            "GET /api/v1/young-people/?search=smith",
            lambda: manager.get("/api/v1/young-people/?search=smith"),
        )
        print("Queries:")
        timed(
            "young_person_matches (name, DOB, postcode)",
            lambda: young_person_matches(
                given_name="Maya",
                family_name="Whitfeld",
                date_of_birth=date(2010, 5, 1),
                postcode="S1 2HH",
            ),
        )
        start = time.perf_counter()
        checked, broken = verify_chain()
        elapsed = time.perf_counter() - start
        print(
            f"  verify_audit: {checked:,} entries in {elapsed:.2f} s "
            f"({checked / elapsed:,.0f} entries/s), intact={broken is None}"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
