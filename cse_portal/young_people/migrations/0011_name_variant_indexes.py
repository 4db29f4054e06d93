"""Names within one edit of another, found by an exact lookup, on PostgreSQL only.

``name_variants(name)`` is every word of a name, lowered, and every word of three letters or more
with one letter deleted: "Whitfield" gives "whitfield", "hitfield", ..., "whitfeld", ..., and
"Whitfeld" gives "whitfeld" among its own. Two names share a variant when one letter was added,
dropped or changed, two neighbours swapped, or one dropped and another added: the misspellings a
trigram similarity finds, without reading every name that merely shares a trigram. A GIN index of each name's variants
answers ``name_variants(family_name) && name_variants('Whitfeld')`` from a few short posting
lists: search-before-create's trigram lookups for "Maya Whitfeld" read 52,015 index entries for
"Maya" to find one child (10.8 ms at 1,000,000 young people); these read 2,636 (1.0 ms).

The indexes are not partial: PostgreSQL keeps no statistics for a partial index's expressions,
and without them it guessed a tenth of the table for each name and read one index only. The
tables are analysed at once for the same reason."""

from __future__ import annotations

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION name_variants(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT variant), '{}') FROM (
    SELECT word FROM regexp_split_to_table(lower(name), '[^[:alnum:]]+') AS word
    UNION ALL
    SELECT overlay(word PLACING '' FROM position FOR 1)
      FROM regexp_split_to_table(lower(name), '[^[:alnum:]]+') AS word,
           generate_series(1, char_length(word)) AS position
     WHERE char_length(word) > 2
  ) AS variants (variant)
  WHERE variant <> ''
$$
"""

INDEXES = [
    ("yp_given_variants_idx", "young_people_youngperson", "given_name"),
    ("yp_family_variants_idx", "young_people_youngperson", "family_name"),
    ("alias_name_variants_idx", "young_people_alias", "name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (name_variants("{column}"))'
        )
    for table in sorted({table for _, table, _ in INDEXES}):
        schema_editor.execute(f"ANALYZE {table}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("DROP FUNCTION IF EXISTS name_variants(text)")


class Migration(migrations.Migration):
    dependencies = [("young_people", "0010_name_prefix_indexes_cover_the_name")]

    operations = [migrations.RunPython(create, drop)]
