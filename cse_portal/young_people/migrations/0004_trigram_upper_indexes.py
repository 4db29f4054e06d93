"""Trigram indexes on UPPER(name), on PostgreSQL only: Django's ``icontains`` compares
``UPPER(column) LIKE UPPER('%word%')``, which the plain trigram indexes cannot serve."""

from __future__ import annotations

from django.db import migrations

INDEXES = [
    ("yp_given_upper_trgm", "young_people_youngperson", "given_name"),
    ("yp_family_upper_trgm", "young_people_youngperson", "family_name"),
    ("alias_name_upper_trgm", "young_people_alias", "name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("young_people", "0003_nhs_number_error_on_field")]

    operations = [migrations.RunPython(create, drop)]
