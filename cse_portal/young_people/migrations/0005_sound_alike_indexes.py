"""Double metaphone keys of names, indexed, on PostgreSQL only (SQLite computes the same keys with
functions registered on each connection, see ``name_matching``)."""

from __future__ import annotations

from django.db import migrations

INDEXES = [
    (f"{prefix}_{function.removeprefix('d')}_idx", table, function, column)
    for prefix, table, column in (
        ("yp_given", "young_people_youngperson", "given_name"),
        ("yp_family", "young_people_youngperson", "family_name"),
        ("alias_name", "young_people_alias", "name"),
    )
    for function in ("dmetaphone", "dmetaphone_alt")
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Trusted since PostgreSQL 13, so the application's own role may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS fuzzystrmatch")
    for name, table, function, column in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({function}({column}))")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("young_people", "0004_trigram_upper_indexes")]

    operations = [migrations.RunPython(create, drop)]
