"""SQLite, like PostgreSQL (0002), refuses UPDATE and DELETE on the audit log in the database itself,
whatever the path: raw SQL, a shell, a future bulk helper.

Django's flush empties SQLite tables with DELETE, which these triggers refuse; the portal's SQLite
backend (``cse_portal.audit.sqlite3``) lifts them around its flush only. Django rebuilds a SQLite
table to alter it, which drops its triggers: a later migration that alters this table must create
them again (the tests that UPDATE and DELETE in raw SQL would fail first)."""

from __future__ import annotations

from django.db import migrations

# The triggers as they were at this migration (0007 replaces the UPDATE one), kept here so that
# migrating a new database passes through the same states as an old one did.
CREATE_TRIGGERS = [
    f"""
    CREATE TRIGGER IF NOT EXISTS audit_entry_append_only_{operation.lower()}
    BEFORE {operation} ON audit_auditentry
    BEGIN
        SELECT RAISE(ABORT, 'audit entries are append-only: {operation} refused');
    END
    """
    for operation in ("UPDATE", "DELETE")
]

DROP_TRIGGERS = [
    f"DROP TRIGGER IF EXISTS audit_entry_append_only_{operation}"
    for operation in ("update", "delete")
]


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in CREATE_TRIGGERS:
            schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in DROP_TRIGGERS:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
