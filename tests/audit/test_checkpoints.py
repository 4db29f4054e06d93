"""Signed checkpoints of the chain's head, appended outside the database by a beat task, which
sequences the entries waiting first."""

from __future__ import annotations

import json

import pytest

from cse_portal.audit import checkpoints
from cse_portal.audit.models import AuditAction, AuditEntry
from cse_portal.audit.services import audit_checkpoint_write, audit_record
from cse_portal.audit.tasks import audit_checkpoint_write as checkpoint_task

from .tamper import triggers_disabled

pytestmark = pytest.mark.django_db


def read(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_checkpoint_records_count_head_and_time_signed(people, checkpoint_file):
    head = audit_record(actor=people.alice, action=AuditAction.CONSULT, summary="Read")
    assert head.position is None  # written without a lock, not yet in the chain
    written = audit_checkpoint_write()
    head.refresh_from_db()
    (line,) = read(checkpoint_file)
    assert head.position == AuditEntry.objects.count()
    assert line["checkpoint"] == {
        "count": head.position,
        "head_hash": head.entry_hash,
        "at": written.at.isoformat(),
    }
    assert line["hmac"] == written.signature(b"embedded-demo-only-audit-" + b"k" * 40)


def test_nothing_is_written_again_while_the_head_is_unchanged(people, checkpoint_file):
    audit_record(actor=people.alice, action=AuditAction.CONSULT, summary="Read")
    assert audit_checkpoint_write() is not None
    assert audit_checkpoint_write() is None
    assert len(read(checkpoint_file)) == 1


def test_the_count_is_carried_forward_from_the_last_checkpoint(people):
    audit_checkpoint_write()
    for n in range(3):
        audit_record(actor=people.alice, action=AuditAction.CONSULT, summary=f"Read {n}")
    second = audit_checkpoint_write()
    assert second.count == AuditEntry.objects.count()
    assert [c.count for c in checkpoints.read_all()][-1] == second.count


def test_a_forged_last_checkpoint_stops_the_writer(people, checkpoint_file, settings):
    settings.AUDIT_CHAIN_KEY = "not the key"
    audit_checkpoint_write()
    settings.AUDIT_CHAIN_KEY = "embedded-demo-only-audit-" + "k" * 40
    audit_record(actor=people.alice, action=AuditAction.CONSULT, summary="Read")
    with pytest.raises(checkpoints.CheckpointError, match="signature is wrong"):
        audit_checkpoint_write()


def test_a_log_cut_behind_the_last_checkpoint_is_refused_not_written_down(people, checkpoint_file):
    audit_record(actor=people.alice, action=AuditAction.CONSULT, summary="Read")
    audit_checkpoint_write()
    with triggers_disabled() as cursor:
        cursor.execute(
            "DELETE FROM audit_auditentry WHERE position = %s", [AuditEntry.objects.count()]
        )
    with pytest.raises(checkpoints.ChainCutError, match="entries were removed"):
        audit_checkpoint_write()
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry")
    with pytest.raises(checkpoints.ChainCutError, match="newest entry is none"):
        audit_checkpoint_write()
    assert len(read(checkpoint_file)) == 1


def test_entries_written_after_a_checkpoint_are_sequenced_by_the_next(people):
    first = audit_checkpoint_write()
    entries = [
        audit_record(actor=people.alice, action=AuditAction.CONSULT, summary=f"Read {n}")
        for n in range(3)
    ]
    second = audit_checkpoint_write()
    positions = sorted(
        AuditEntry.objects.filter(pk__in=[e.pk for e in entries]).values_list("position", flat=True)
    )
    assert positions == [first.count + 1, first.count + 2, first.count + 3]
    assert second.count == first.count + 3


def test_an_empty_log_writes_no_checkpoint(checkpoint_file):
    assert audit_checkpoint_write() is None
    assert not checkpoint_file.exists()


def test_the_beat_task_writes_a_checkpoint_and_is_idempotent(people, checkpoint_file):
    audit_record(actor=people.alice, action=AuditAction.CONSULT, summary="Read")
    assert checkpoint_task.delay().get() == AuditEntry.objects.count()
    assert checkpoint_task.delay().get() is None
    assert len(read(checkpoint_file)) == 1
