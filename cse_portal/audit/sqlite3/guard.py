"""The SQL of SQLite's append-only triggers on the audit log, shared by the migration that creates
them and the backend that lifts them for a flush.

UPDATE is refused except the sequencer's one write: ``position`` and ``entry_hash`` set once, from
NULL, every other column unchanged (``UNCHANGED_COLUMNS``, which a test keeps equal to the table's
columns). DELETE is always refused."""

from __future__ import annotations

# Every column but the two the sequencer sets.
UNCHANGED_COLUMNS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_username",
    "actor_agency",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "subject_id",
    "summary",
    "justification",
    "recipients",
    "detail",
    "ip_address",
    "writer",
    "writer_seq",
    "writer_previous",
    "mac",
)

_SEQUENCING = " AND ".join(
    [
        "OLD.position IS NULL",
        "OLD.entry_hash IS NULL",
        "NEW.position IS NOT NULL",
        "NEW.entry_hash IS NOT NULL",
        *(f"NEW.{column} IS OLD.{column}" for column in UNCHANGED_COLUMNS),
    ]
)

CREATE_TRIGGERS = [
    f"""
    CREATE TRIGGER IF NOT EXISTS audit_entry_append_only_update
    BEFORE UPDATE ON audit_auditentry
    WHEN NOT ({_SEQUENCING})
    BEGIN
        SELECT RAISE(ABORT, 'audit entries are append-only: UPDATE refused');
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS audit_entry_append_only_delete
    BEFORE DELETE ON audit_auditentry
    BEGIN
        SELECT RAISE(ABORT, 'audit entries are append-only: DELETE refused');
    END
    """,
]

DROP_TRIGGERS = [
    f"DROP TRIGGER IF EXISTS audit_entry_append_only_{operation}"
    for operation in ("update", "delete")
]
