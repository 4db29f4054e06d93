"""Verification cut into segments (verified in parallel processes on PostgreSQL) finds the same
breaks as one pass: at a seam between segments, inside one, and against the checkpoints."""

from __future__ import annotations

import pytest
from django.db import connection

from cse_portal.audit import checkpoints
from cse_portal.audit.models import AuditAction, AuditEntry
from cse_portal.audit.services import audit_checkpoint_write, audit_record
from cse_portal.audit.verification import ALTERED, BROKEN_LINK, verify_chain

from .tamper import triggers_disabled

pytestmark = pytest.mark.django_db


def write(people, count: int) -> list[AuditEntry]:
    for n in range(count):
        audit_record(actor=people.alice, action=AuditAction.CONSULT, summary=f"Read {n}")
    return list(AuditEntry.objects.order_by("id"))


@pytest.fixture
def chain(people) -> list[AuditEntry]:
    return write(people, 9)


def verify(**kwargs):
    return verify_chain(segments=4, checkpoints=checkpoints.read_all(), **kwargs)


def test_an_intact_log_in_segments_with_checkpoints_in_several(chain, people):
    audit_checkpoint_write()
    more = write(people, 6)
    audit_checkpoint_write()
    assert verify() == (len(more), None)


def test_progress_counts_the_whole_log_across_segments(chain):
    seen: list[int] = []
    verify(progress=seen.append, progress_every=1)
    assert seen == list(range(1, len(chain) + 1))


def test_an_entry_removed_at_a_seam_is_named_at_the_next(chain):
    total = len(chain)
    # Four segments over these ids: the fourth starts at this entry.
    seam = chain[0].pk + 3 * -(-(chain[-1].pk - chain[0].pk + 1) // 4)
    victim = next(e for e in chain if e.pk == seam - 1)
    after = next(e for e in chain if e.pk == seam)
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [victim.pk])
    checked, broken = verify()
    assert (broken.entry_id, broken.reason) == (after.pk, BROKEN_LINK)
    assert checked == total - (chain[-1].pk - after.pk + 1) - 1


def test_an_altered_entry_in_a_middle_segment_is_named(chain):
    victim = chain[len(chain) // 2]
    with triggers_disabled() as cursor:
        cursor.execute("UPDATE audit_auditentry SET summary = 'x' WHERE id = %s", [victim.pk])
    assert verify()[1].entry_id == victim.pk
    assert verify()[1].reason == ALTERED


def test_the_oldest_entries_removed_are_found_by_the_checkpoint(chain):
    audit_checkpoint_write()
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry")
    assert verify()[1].entry_id == chain[-1].pk
    audit_record(actor=None, action=AuditAction.LOGIN_FAILED, summary="A new start")
    assert verify()[1].entry_id == chain[-1].pk


def test_a_cut_tail_is_found_in_segments(chain):
    audit_checkpoint_write()
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id > %s", [chain[4].pk])
    checked, broken = verify()
    assert broken.entry_id == chain[-1].pk
    assert "the newest entries were removed" in broken.reason
    assert checked == 5


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="parallel verification runs on PostgreSQL only"
)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_worker_processes_verify_an_intact_log_and_name_an_altered_entry(people):
    chain = write(people, 12)
    audit_checkpoint_write()
    assert verify_chain(workers=2, checkpoints=checkpoints.read_all()) == (len(chain), None)
    victim = chain[7]
    with triggers_disabled() as cursor:
        cursor.execute("UPDATE audit_auditentry SET summary = 'x' WHERE id = %s", [victim.pk])
    assert verify_chain(workers=2)[1].entry_id == victim.pk
