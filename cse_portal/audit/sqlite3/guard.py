"""The SQL of SQLite's append-only triggers on the audit log, shared by the migration that creates
them and the backend that lifts them for a flush."""

from __future__ import annotations

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
