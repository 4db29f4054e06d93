"""Trigram indexes for fuzzy name search, on PostgreSQL only (SQLite uses the plain indexes)."""

from __future__ import annotations

from django.db import migrations

INDEXES = [
    ("yp_given_trgm", "young_people_youngperson", "given_name"),
    ("yp_family_trgm", "young_people_youngperson", "family_name"),
    ("alias_name_trgm", "young_people_alias", "name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("young_people", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
