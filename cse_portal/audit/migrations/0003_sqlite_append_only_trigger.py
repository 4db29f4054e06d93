"""SQLite, like PostgreSQL (0002), refuses UPDATE and DELETE on the audit log in the database itself,
whatever the path: raw SQL, a shell, a future bulk helper.

Django's flush empties SQLite tables with DELETE, which these triggers refuse; the portal's SQLite
backend (``cse_portal.audit.sqlite3``) lifts them around its flush only. Django rebuilds a SQLite
table to alter it, which drops its triggers: a later migration that alters this table must create
them again (the tests that UPDATE and DELETE in raw SQL would fail first)."""

from __future__ import annotations

from django.db import migrations

from cse_portal.audit.sqlite3.guard import CREATE_TRIGGERS, DROP_TRIGGERS


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
