"""Tampering as someone with write access to the database would do it: raw SQL, the append-only
triggers lifted for the length of the change (and put back, as the tests check)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection

from cse_portal.audit.sqlite3.guard import CREATE_TRIGGERS, DROP_TRIGGERS


@contextmanager
def triggers_disabled() -> Iterator[Any]:
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgresql:
            # Deferred foreign-key checks of this test's inserts must run before ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
        else:
            for statement in DROP_TRIGGERS:
                cursor.execute(statement)
        try:
            yield cursor
        finally:
            if postgresql:
                cursor.execute(
                    "ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only"
                )
            else:
                for statement in CREATE_TRIGGERS:
                    cursor.execute(statement)


def sqlite_triggers() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master "
            "WHERE type = 'trigger' AND tbl_name = 'audit_auditentry'"
        )
        return {name for (name,) in cursor.fetchall()}
