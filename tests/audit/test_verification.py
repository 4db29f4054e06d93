"""Verification cut into segments of positions (verified in parallel processes on PostgreSQL) finds
the same breaks as one pass: at a seam between segments, inside one, in a writer's run that crosses
segments, and against the checkpoints."""

from __future__ import annotations

import pytest
from django.db import connection

from cse_portal.audit import checkpoints, sequencer, writers
from cse_portal.audit.models import AuditAction, AuditEntry, chain_hash, chain_key
from cse_portal.audit.services import audit_checkpoint_write, audit_record
from cse_portal.audit.verification import ALTERED, WRITER_BROKEN, ChainBreak, verify_chain

from .tamper import triggers_disabled

pytestmark = pytest.mark.django_db


def write(people, count: int) -> list[AuditEntry]:
    """``count`` entries, sequenced, and the whole log in position order."""
    for n in range(count):
        audit_record(actor=people.alice, action=AuditAction.CONSULT, summary=f"Read {n}")
    sequencer.sequence_pending()
    return list(AuditEntry.objects.order_by("position"))


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


def test_rows_read_a_few_at_a_time_verify_as_read_at_once(chain, people):
    victim = write(people, 2)[-3]
    assert verify(chunk_size=2) == verify() == (len(chain) + 2, None)
    with triggers_disabled() as cursor:
        cursor.execute("UPDATE audit_auditentry SET summary = 'x' WHERE id = %s", [victim.pk])
    assert verify(chunk_size=2) == verify()
    assert verify()[1].entry_id == victim.pk


def test_progress_counts_the_whole_log_across_segments(chain):
    seen: list[int] = []
    verify(progress=seen.append, progress_every=1)
    assert seen == list(range(1, len(chain) + 1))


def test_an_entry_removed_at_a_seam_is_named_at_the_next(chain):
    total = len(chain)
    # Four segments over these positions: the fourth starts at this one.
    seam = 1 + 3 * -(-total // 4)
    victim, after = chain[seam - 2], chain[seam - 1]
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [victim.pk])
    checked, broken = verify()
    assert (broken.entry_id, broken.position) == (after.pk, seam)
    assert f"position {victim.position} before it missing" in broken.reason
    assert checked == victim.position - 1


def two_writers(people, count: int) -> tuple[writers.Writer, list[AuditEntry]]:
    """``count`` entries by two writers taking turns, sequenced; the first writer and the log."""
    first, second = writers.current(), writers.new()
    for n in range(count):
        writers._local.writer = first if n % 2 else second
        audit_record(actor=people.alice, action=AuditAction.CONSULT, summary=f"Read {n}")
    sequencer.sequence_pending()
    return first, list(AuditEntry.objects.order_by("position"))


def test_a_chain_resequenced_with_the_key_still_breaks_the_writers_run(people, settings):
    # Someone holding the key removes an entry and sequences everything after it again: the chain
    # is gapless and every hash right, but the run of the entry's writer now skips it, and that
    # run's next entry lies in a later segment.
    first, log = two_writers(people, 16)
    run = [e for e in log if e.writer == first.name]
    victim, next_in_run = run[1], run[2]
    later = [e for e in log if e.position > victim.position]
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [victim.pk])
        link = AuditEntry.objects.get(position=victim.position - 1).entry_hash
        for entry in later:
            link = chain_hash(chain_key(), link, entry.position - 1, entry.mac)
            cursor.execute(
                "UPDATE audit_auditentry SET position = %s, entry_hash = %s WHERE id = %s",
                [entry.position - 1, link, entry.pk],
            )
    checked, broken = verify()
    assert (broken.entry_id, broken.reason) == (next_in_run.pk, WRITER_BROKEN)
    assert checked == next_in_run.position - 2


def test_an_unsequenced_entry_removed_breaks_its_writers_run_after_the_segments(people):
    first, _ = two_writers(people, 10)
    writers._local.writer = first
    late = [
        audit_record(actor=people.alice, action=AuditAction.CONSULT, summary=f"Late {n}")
        for n in range(2)
    ]
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [late[0].pk])
    assert verify()[1] == ChainBreak(late[1].pk, WRITER_BROKEN, None)


def test_an_altered_entry_in_a_middle_segment_is_named(chain):
    victim = chain[len(chain) // 2]
    with triggers_disabled() as cursor:
        cursor.execute("UPDATE audit_auditentry SET summary = 'x' WHERE id = %s", [victim.pk])
    assert verify()[1].entry_id == victim.pk
    assert verify()[1].reason == ALTERED
    assert verify()[0] == victim.position - 1


def test_the_oldest_entries_removed_are_found(chain):
    audit_checkpoint_write()
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE position <= 3")
    checked, broken = verify()
    assert (checked, broken.entry_id, broken.position) == (0, chain[3].pk, 4)
    assert "positions 1 to 3 before it missing" in broken.reason


def test_a_whole_log_removed_is_found_by_the_checkpoint_even_after_a_new_start(chain):
    checkpoint = audit_checkpoint_write()
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry")
    assert verify()[1].position == checkpoint.count
    # A new log started by a new writer (the old writer's next entry would break its run).
    writers.new()
    audit_record(actor=None, action=AuditAction.LOGIN_FAILED, summary="A new start")
    sequencer.sequence_pending()
    assert verify()[1].position == checkpoint.count


def test_a_cut_tail_is_found_in_segments(chain):
    audit_checkpoint_write()
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE position > 5")
    checked, broken = verify()
    assert broken.position == len(chain)
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
    assert len(chain) > 12  # the personas' own entries come first
    assert verify_chain(workers=2, checkpoints=checkpoints.read_all()) == (len(chain), None)
    victim = chain[7]
    with triggers_disabled() as cursor:
        cursor.execute("UPDATE audit_auditentry SET summary = 'x' WHERE id = %s", [victim.pk])
    assert verify_chain(workers=2)[1].entry_id == victim.pk


AWKWARD = [
    'a "quoted" \\ backslash',
    "lines\nand\ttabs\rand \b \f",
    "control \x01 \x1f and delete \x7f",
    "accents é ü, Welsh ŵ ŷ, emoji 🙂, separators \u2028 \u2029",
    "",
]


def test_entries_with_every_kind_of_character_verify_and_stay_tamper_evident(people):
    # On PostgreSQL the database writes the text fields into the canonical form the MAC covers:
    # its escaping must be exactly the one the MAC was computed with, or an honest log would fail
    # (or an altered one pass).
    for n, text in enumerate(AWKWARD):
        audit_record(
            actor=people.alice if n % 2 else None,
            actor_username="" if n % 2 else text,
            action=AuditAction.DISCLOSE,
            object_type="young_people.youngperson",
            object_id=f"id-{n}",
            subject_id=f"subject-{n}",
            summary=text,
            justification=text * 2,
            recipients=[text, "Police: Operation 🙂"] if n % 2 else [],
            detail={"z": text, "a": [1, 2.5, None, True, {"ü": text}], "n": n},
            ip_address="2001:db8::1" if n % 2 else "10.0.0.1",
        )
    sequencer.sequence_pending()
    audit_record(actor=people.alice, action=AuditAction.CONSULT, summary="waits \x02 é")
    total = AuditEntry.objects.count()
    assert verify_chain() == (total, None)
    victim = AuditEntry.objects.get(object_id="id-3")
    with triggers_disabled() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET summary = %s WHERE id = %s",
            [victim.summary.replace("é", "e"), victim.pk],
        )
    assert verify_chain()[1] == ChainBreak(victim.pk, ALTERED, victim.position)
