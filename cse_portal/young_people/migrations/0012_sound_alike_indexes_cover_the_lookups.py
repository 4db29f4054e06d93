"""The double metaphone indexes carry what a name search's sound-alike lookups read, on PostgreSQL
only, so that those lookups are read off the index alone.

A name search reads at most 201 rows of each lookup. For "kaylee" (keys KL) at 1,000,000 young
people, each sound-alike lookup matched 12,000 to 49,000 names: PostgreSQL read them by scanning
the table until it had 201 rows, computing both keys of every row it passed (11.6 ms for the
given names, 26.5 ms for the family names), because reaching 201 rows through the index meant a
heap page each. Taken one key at a time (primary, then alternate) and with the row's id, names and
whether it was merged away in the index, the same lookup reads 201 index entries: 0.1 ms. An
alias's index carries the name itself too: PostgreSQL reads an indexed expression's column from
the index only when the index carries the column."""

from __future__ import annotations

from django.db import migrations

#: (index, table, function, column, what the index carries)
INDEXES = [
    (
        f"{prefix}_{function.removeprefix('d')}_idx",
        table,
        function,
        column,
        carried,
    )
    for prefix, table, column, carried in (
        (
            "yp_given",
            "young_people_youngperson",
            "given_name",
            "id, family_name, given_name, merged_into_id",
        ),
        (
            "yp_family",
            "young_people_youngperson",
            "family_name",
            "id, family_name, given_name, merged_into_id",
        ),
        ("alias_name", "young_people_alias", "name", "young_person_id, name"),
    )
    for function in ("dmetaphone", "dmetaphone_alt")
]


def _rebuild(schema_editor, covering: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, function, column, carried in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        include = f" INCLUDE ({carried})" if covering else ""
        schema_editor.execute(f"CREATE INDEX {name} ON {table} ({function}({column})){include}")
    # An index-only scan needs the visibility map, and the planner the fresh index's size.
    for table in ("young_people_youngperson", "young_people_alias"):
        schema_editor.execute(f"ANALYZE {table}")


def cover(apps, schema_editor):
    _rebuild(schema_editor, covering=True)


def uncover(apps, schema_editor):
    _rebuild(schema_editor, covering=False)


class Migration(migrations.Migration):
    dependencies = [("young_people", "0011_name_variant_indexes")]

    operations = [migrations.RunPython(cover, uncover)]
