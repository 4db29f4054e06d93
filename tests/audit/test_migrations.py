"""Migration 0006 converts a log written under the old locked chain: it verifies that chain (and
its signed checkpoints) first, refuses a broken one, and leaves a log verify_audit proves intact,
with the checkpoints rewritten for the new chain."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cse_portal.audit import checkpoints
from cse_portal.audit.models import AuditEntry, canonical_form
from cse_portal.audit.selectors import verify_chain
from cse_portal.audit.sqlite3.guard import DROP_TRIGGERS

pytestmark = pytest.mark.django_db(transaction=True)

OLD = [("audit", "0004_checkpoint_schedule")]
KEY = b"embedded-demo-only-audit-" + b"k" * 40


def migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes("audit")


def old_hash(previous: str, values: list) -> str:
    message = f"{previous}\n{canonical_form(values)}".encode()
    return hmac.digest(KEY, message, hashlib.sha256).hex()


def write_old_log(count: int) -> list[tuple[int, str]]:
    """``count`` entries chained the old way; their (id, hash)."""
    previous = "0" * 64
    written = []
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    with connection.cursor() as cursor:
        for n in range(count):
            values = [
                start + timedelta(seconds=n, microseconds=n),
                None,
                f"user{n}",
                "Agency",
                "practitioner",
                "consult",
                "young_people.youngperson",
                str(n),
                str(n),
                f"Read {n}",
                "",
                [],
                {"channel": "page", "n": n},
                "10.0.0.1",
            ]
            entry_hash = old_hash(previous, values)
            cursor.execute(
                "INSERT INTO audit_auditentry (occurred_at, actor_id, actor_username, "
                "actor_agency, actor_role, action, object_type, object_id, subject_id, summary, "
                "justification, recipients, detail, ip_address, previous_hash, entry_hash) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "RETURNING id",
                [
                    *values[:11],
                    json.dumps(values[11]),
                    json.dumps(values[12]),
                    values[13],
                    previous,
                    entry_hash,
                ],
            )
            written.append((cursor.fetchone()[0], entry_hash))
            previous = entry_hash
    return written


def old_checkpoint(path, count: int, head_id: int, head_hash: str) -> None:
    fields = {"at": "2026-01-05T10:00:00+00:00", "count": count, "head_hash": head_hash}
    fields["head_id"] = head_id
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    signature = hmac.digest(KEY, payload.encode(), hashlib.sha256).hex()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as file:
        file.write(json.dumps({"checkpoint": fields, "hmac": signature}) + "\n")


@pytest.fixture
def old_schema():
    target = latest()
    migrate(OLD)
    yield
    # Whichever schema the test ended in, the log is emptied and migrated back down and up again, so
    # the append-only guard is the one the migrations create and the next test finds it in place.
    with connection.cursor() as cursor:
        lift_triggers(cursor)
        cursor.execute("DELETE FROM audit_auditentry")
    migrate(OLD)
    migrate(target)
    assert guarded()


def guarded() -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_entry_append_only'"
                " AND tgrelid = 'audit_auditentry'::regclass AND tgenabled = 'O'"
            )
            return cursor.fetchone()[0] == 1
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
            " AND name LIKE 'audit_entry_append_only_%'"
        )
        return cursor.fetchone()[0] == 2


def lift_triggers(cursor) -> None:
    if connection.vendor == "postgresql":
        cursor.execute("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry")
    else:
        for statement in DROP_TRIGGERS:
            cursor.execute(statement)


def test_an_intact_old_log_is_converted_and_verifies(old_schema, checkpoint_file):
    log = write_old_log(5)
    old_checkpoint(checkpoint_file, 3, *log[2])
    old_checkpoint(checkpoint_file, 5, *log[4])
    migrate(latest())
    entries = list(AuditEntry.objects.order_by("position"))
    assert [(e.id, e.position, e.writer_seq) for e in entries] == [
        (entry_id, n, n) for n, (entry_id, _) in enumerate(log, start=1)
    ]
    signed = checkpoints.read_all()
    assert [(c.count, c.head_hash) for c in signed] == [
        (3, entries[2].entry_hash),
        (5, entries[4].entry_hash),
    ]
    assert checkpoint_file.with_name("checkpoints.jsonl.pre-sequencer").exists()
    assert verify_chain(checkpoints=signed) == (5, None)


def test_a_broken_old_log_is_not_converted(old_schema, checkpoint_file):
    log = write_old_log(4)
    with connection.cursor() as cursor:
        lift_triggers(cursor)
        cursor.execute("UPDATE audit_auditentry SET summary = 'x' WHERE id = %s", [log[1][0]])
    with pytest.raises(RuntimeError, match=f"broken at entry #{log[1][0]}"):
        migrate(latest())
    migrate(OLD)


def test_an_old_log_cut_behind_its_checkpoint_is_not_converted(old_schema, checkpoint_file):
    log = write_old_log(3)
    old_checkpoint(checkpoint_file, 4, log[-1][0] + 1, "f" * 64)
    with pytest.raises(RuntimeError, match="newest entries were removed"):
        migrate(latest())
    migrate(OLD)
