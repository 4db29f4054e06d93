"""Django's SQLite backend, except that flushing the database lifts the audit log's append-only
triggers for the length of the flush.

Why: SQLite has no TRUNCATE, so Django's flush (``manage.py flush``, and every TransactionTestCase
and live-server test between tests) empties each table with DELETE, which the triggers refuse. A
flush wipes the whole database, audit log included, and is already as destructive as dropping the
file; whoever may do that (the file's owner) could as well drop the triggers by hand, since SQLite
has no privileges. What the triggers guard against is a change to some entries through SQL while the
rest of the database lives on, and that stays refused. PostgreSQL needs none of this: its flush
uses TRUNCATE, which fires no row triggers."""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base, operations

from .guard import CREATE_TRIGGERS, DROP_TRIGGERS


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style: Any, tables: Any, **kwargs: Any) -> list[str]:
        statements = super().sql_flush(style, tables, **kwargs)
        if not statements or "audit_auditentry" not in tables:
            return statements
        # Only triggers that exist come back: a flush before the migration creates them (or
        # after it is reversed) must not add them.
        exists = self.connection.introspection.table_names()
        if "audit_auditentry" not in exists or not self._triggers_exist():
            return statements
        return [*DROP_TRIGGERS, *statements, *CREATE_TRIGGERS]

    def _triggers_exist(self) -> bool:
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'audit_entry_append_only_%'"
            )
            return cursor.fetchone()[0] > 0


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
