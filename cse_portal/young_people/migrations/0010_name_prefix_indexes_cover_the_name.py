"""The name prefix indexes of 0009 also carry the name itself (``INCLUDE``), so that a lookup off
them never reads the table.

PostgreSQL answers a query from an index alone only when the index holds every column the query
names, and ``UPPER(family_name) LIKE 'WHIT%'`` names ``family_name``, which the index held only
as ``UPPER(family_name)``. A several-word search's rarity probe (how many family names start
with ``whit``) and the exact and starts-with lookups, which read the id and both names, all went
to the table for every row: at 1,000,000 young people the probe read 826 of its pages."""

from __future__ import annotations

from django.db import migrations

TABLE = "young_people_youngperson"
INDEXES = [
    ("yp_family_prefix_idx", "family_name", "given_name"),
    ("yp_given_prefix_idx", "given_name", "family_name"),
]


def _rebuild(schema_editor, covering: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column, then in INDEXES:
        include = f' INCLUDE ("{column}")' if covering else ""
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.execute(
            f"CREATE INDEX {name} ON {TABLE} "
            f'((UPPER("{column}"::text)) text_pattern_ops, "{then}", "id"){include} '
            'WHERE "merged_into_id" IS NULL'
        )


def cover(apps, schema_editor):
    _rebuild(schema_editor, covering=True)


def uncover(apps, schema_editor):
    _rebuild(schema_editor, covering=False)


class Migration(migrations.Migration):
    dependencies = [("young_people", "0009_name_prefix_indexes")]

    operations = [migrations.RunPython(cover, uncover)]
