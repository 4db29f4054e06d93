"""Name search closest first: the exact and the starts-with lookups on given and family names are
read off these indexes, on PostgreSQL only (SQLite's plain indexes serve its small registers).

``UPPER(name)`` is what Django's ``iexact`` and ``istartswith`` compare; ``text_pattern_ops`` lets
``LIKE 'WHIT%'`` use the index whatever the database's collation. The other name follows, then the
id, so the exact matches of one name come off the index already in the list's order, and only the
first page's worth is read. Current records only, as every search is of them."""

from __future__ import annotations

from django.db import migrations

INDEXES = [
    ("yp_family_prefix_idx", "family_name", "given_name"),
    ("yp_given_prefix_idx", "given_name", "family_name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column, then in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON young_people_youngperson "
            f'((UPPER("{column}"::text)) text_pattern_ops, "{then}", "id") '
            'WHERE "merged_into_id" IS NULL'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("young_people", "0008_list_order_indexes")]

    operations = [migrations.RunPython(create, drop)]
