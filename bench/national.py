"""The national data set, built inside PostgreSQL (``generate_series``, secondary indexes dropped
during the load and rebuilt after it), once per size, and reused by later runs while the schema and
this file are unchanged.

Rows for ``N`` young people: ``N`` young people (one in ten with an alias), ``5 N`` chronology
entries (plus 2,000 on Maya Whitfield's record) and ``N`` referrals (2 % awaiting triage);
``pages.prepare`` adds ``10 N`` audit entries.

Every column of a table is written: those this file names get their expression, the rest their
model default, so a new column with a default needs no change here.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import Field, Model
from django.db.models.fields import NOT_PROVIDED

#: Distinct names and postcodes drawn with a fixed seed: realistic spread and repetition.
NAME_POOL = 3000
POSTCODE_POOL = 20000
MAYA_CHRONOLOGY = 2000


def _literal(field: Field) -> str:
    """The SQL for a field's model default (or its empty value when it has none)."""
    if field.primary_key and field.get_internal_type() in {"BigAutoField", "AutoField"}:
        raise ValueError("auto keys are left to the sequence")
    if field.get_internal_type() == "UUIDField" and field.default is uuid.uuid4:
        return "gen_random_uuid()"
    if field.get_internal_type() == "DateTimeField" and field.has_default():
        return "now()"
    if field.default is not NOT_PROVIDED:
        value = field.get_db_prep_save(field.get_default(), connection)
    elif field.null:
        value = None
    elif field.blank and field.get_internal_type() in {"CharField", "TextField"}:
        value = ""
    else:
        raise ValueError(f"{field.model.__name__}.{field.name} needs an expression in the bench")
    with connection.cursor() as cursor:
        # The literal is spliced into SQL that is run with parameters: escape its percent signs.
        return cursor.mogrify("%s", [value]).decode().replace("%", "%%")


def _insert(model: type[Model], expressions: dict[str, str], source: str, params: Any) -> int:
    """``INSERT INTO model SELECT <every column> FROM source``: named columns get their expression,
    the rest their default. Returns the number of rows written."""
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in expressions:
            columns.append(field.column)
            values.append(expressions[field.column])
        elif not (field.primary_key and field.get_internal_type().endswith("AutoField")):
            columns.append(field.column)
            values.append(_literal(field))
    # Every piece is this module's own SQL or a model's column name; values go as parameters.
    sql = (
        f'INSERT INTO "{model._meta.db_table}" ({", ".join(columns)}) '  # noqa: S608
        f"SELECT {', '.join(values)} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@contextmanager
def _indexes_deferred(models: list[type[Model]]) -> Iterator[None]:
    """Drop the secondary indexes (not those behind constraints) of ``models`` for the load and
    build them again after it: one sorted build is far cheaper than millions of insertions."""
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """,
            [tables],
        )
        definitions = cursor.fetchall()
        for name, _ in definitions:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for _, definition in definitions:
            cursor.execute(definition)


def _pick(pool: str, size: str, salt: int) -> str:
    """SQL for a member of the array parameter ``pool`` chosen by a hash of the row number."""
    return f"(%({pool})s::text[])[1 + (hashint4(g + {salt}) & 2147483647) %% %({size})s]"


def _pools() -> tuple[list[str], list[str], list[str]]:
    from faker import Faker

    from cse_portal.young_people.validators import normalise_postcode

    faker = Faker("en_GB")
    faker.seed_instance(7)
    given = [faker.first_name() for _ in range(NAME_POOL)]
    family = [faker.last_name() for _ in range(NAME_POOL)]
    postcodes = sorted({normalise_postcode(faker.postcode()) for _ in range(POSTCODE_POOL)})
    return given, family, postcodes


def build(size: int, people: Any) -> None:
    """Fill the empty, migrated database with the national data set for ``size`` young people."""
    model = apps.get_model
    YoungPerson = model("young_people", "YoungPerson")
    Alias = model("young_people", "Alias")
    ChronologyEntry = model("young_people", "ChronologyEntry")
    Referral = model("referrals", "Referral")
    started = time.perf_counter()
    given, family, postcodes = _pools()
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        # Foreign keys are known good here (every id is derived from the same series), and
        # replica mode skips their per-row checks during the load.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET synchronous_commit = off")
    big = [YoungPerson, Alias, ChronologyEntry, Referral]
    with _indexes_deferred(big):
        step = time.perf_counter()
        _insert(
            YoungPerson,
            {
                "id": "md5('yp' || g)::uuid",
                "given_name": _pick("given", "ng", 0),
                "family_name": _pick("family", "nf", 7),
                "date_of_birth": "date '2005-01-01' + (hashint4(g + 13) & 2147483647) %% 6500",
                "postcode": _pick("postcodes", "np", 17),
                "created_at": "now() - make_interval(mins => g %% 500000)",
                "updated_at": "now() - make_interval(mins => g %% 500000)",
                "created_by_id": "%(manager)s::uuid",
            },
            "generate_series(1, %(n)s) g",
            {
                "given": given,
                "family": family,
                "postcodes": postcodes,
                "ng": len(given),
                "nf": len(family),
                "np": len(postcodes),
                "n": size,
                "manager": str(people.manager.pk),
            },
        )
        _insert(
            Alias,
            {
                "young_person_id": "md5('yp' || g)::uuid",
                "name": _pick("given", "ng", 23),
            },
            "generate_series(10, %(n)s, 10) g",
            {"given": given, "ng": len(given), "n": size},
        )
        print(f"    young people and aliases: {time.perf_counter() - step:.0f} s", flush=True)
        step = time.perf_counter()
        chronology = {
            "young_person_id": "md5('yp' || (1 + g %% %(n)s))::uuid",
            "occurred_at": "now() - make_interval(hours => g %% 90000)",
            "recorded_at": "now() - make_interval(hours => g %% 90000)",
            "source_app": "'bench'",
            "title": "'Case note ' || g",
            "detail": "'Synthetic chronology entry for the benchmark.'",
        }
        _insert(
            ChronologyEntry, chronology, "generate_series(1, %(m)s) g", {"n": size, "m": 5 * size}
        )
        _insert(
            ChronologyEntry,
            {**chronology, "young_person_id": "%(maya)s::uuid"},
            "generate_series(1, %(m)s) g",
            {"maya": str(people.maya.pk), "m": MAYA_CHRONOLOGY},
        )
        print(f"    chronology: {time.perf_counter() - step:.0f} s", flush=True)
        step = time.perf_counter()
        waiting = "(g %% 50 = 0)"
        _insert(
            Referral,
            {
                "id": "md5('ref' || g)::uuid",
                "reference": "'B' || lpad(upper(to_hex(g)), 7, '0')",
                "kind": "'professional'",
                "status": f"CASE WHEN {waiting} THEN 'submitted' ELSE 'triaged' END",
                "urgent": "(g %% 97 = 0)",
                "created_at": "now() - make_interval(mins => g)",
                "updated_at": "now() - make_interval(mins => g)",
                "submitted_at": "now() - make_interval(mins => g)",
                "referred_by_id": "(ARRAY[%(frank)s, %(fiona)s])[1 + g %% 2]::uuid",
                "young_person_id": "md5('yp' || (1 + (hashint4(g) & 2147483647) %% %(n)s))::uuid",
                "concerns": "'Seen getting into cars with older men near the retail park.'",
                "immediate_danger": "false",
                "consent": "'given'",
                "decision": f"CASE WHEN {waiting} THEN '' ELSE 'partner_agency' END",
                "decided_at": f"CASE WHEN {waiting} THEN NULL "
                "ELSE now() - make_interval(mins => g) + interval '3 hours' END",
                "decided_by_id": f"CASE WHEN {waiting} THEN NULL ELSE %(manager)s::uuid END",
            },
            "generate_series(1, %(n)s) g",
            {
                "n": size,
                "frank": str(people.frank.pk),
                "fiona": str(people.fiona.pk),
                "manager": str(people.manager.pk),
            },
        )
        print(f"    referrals: {time.perf_counter() - step:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = origin")
    print(f"    built in {time.perf_counter() - started:.0f} s", flush=True)


def analyse() -> None:
    """As autovacuum would after a bulk load: the planner needs statistics, and the visibility map
    lets index-only scans skip the table."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    print(f"    vacuum and analyse: {time.perf_counter() - started:.0f} s", flush=True)
