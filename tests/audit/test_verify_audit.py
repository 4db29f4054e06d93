"""``manage.py verify_audit``: exit 0 when the log is intact; otherwise a non-zero exit naming
the first broken entry (its id, and its position once sequenced), or the position missing.
Tampering is done in raw SQL, as an attacker with database access would (the append-only triggers
lifted for the test, then put back)."""

from __future__ import annotations

import hashlib
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cse_portal.audit import sequencer
from cse_portal.audit.models import GENESIS_HASH, AuditAction, AuditEntry, chain_hash, chain_key
from cse_portal.audit.services import audit_checkpoint_write, audit_record

from .tamper import sqlite_triggers, triggers_disabled

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(people):
    for n in range(3):
        audit_record(actor=people.alice, action=AuditAction.CONSULT, summary=f"Read {n}")
    return list(AuditEntry.objects.order_by("id"))


def verify_fails() -> str:
    with pytest.raises(CommandError) as error:
        call_command("verify_audit", stdout=StringIO(), stderr=StringIO())
    assert error.value.returncode != 0
    return str(error.value)


def test_intact_log_exits_zero_and_says_so(chain):
    out = StringIO()
    call_command("verify_audit", stdout=out, stderr=StringIO())
    assert f"{len(chain)} entries verified" in out.getvalue()


def test_intact_log_with_checkpoints_exits_zero(chain, people):
    audit_checkpoint_write()
    audit_record(actor=people.alice, action=AuditAction.CONSULT, summary="Read later")
    audit_checkpoint_write()
    out = StringIO()
    call_command("verify_audit", stdout=out, stderr=StringIO())
    assert "2 signed checkpoints matched" in out.getvalue()


def sequence() -> None:
    sequencer.sequence_pending()


def test_altered_entry_is_named(chain):
    victim = chain[-2]
    with triggers_disabled() as cursor:
        cursor.execute("UPDATE audit_auditentry SET summary = 'nothing' WHERE id = %s", [victim.pk])
    assert f"entry #{victim.pk}:" in verify_fails()
    sequence()
    assert f"entry #{victim.pk} (position " in verify_fails()


def test_removed_entry_is_found_at_the_entry_after_it_before_and_after_sequencing(chain):
    victim, after = chain[-2], chain[-1]
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [victim.pk])
    # Before sequencing the writer's run is broken; after it, the chain has a gap too.
    assert f"entry #{after.pk}: its writer's run is broken" in verify_fails()
    sequence()
    assert f"entry #{after.pk} (position " in verify_fails()


def test_a_sequenced_entry_removed_leaves_a_gap_named_at_the_entry_after_it(chain):
    sequence()
    victim, after = (AuditEntry.objects.get(pk=e.pk) for e in chain[-2:])
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [victim.pk])
    message = verify_fails()
    assert f"entry #{after.pk} (position {after.position})" in message
    assert f"position {victim.position} before it missing" in message


def test_an_entry_rewritten_with_the_key_still_breaks_its_writers_run(chain):
    # Even whoever holds the key cannot change an entry without relinking everything after it.
    victim, after = chain[-2], chain[-1]
    victim.summary = "forged"
    forged_mac = victim.compute_mac()
    with triggers_disabled() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET summary = 'forged', mac = %s WHERE id = %s",
            [forged_mac, victim.pk],
        )
    assert f"entry #{after.pk}: its writer's run is broken" in verify_fails()


def unkeyed_mac(entry: AuditEntry, previous: str) -> str:
    message = f"{entry.writer}\n{entry.writer_seq}\n{previous}\n{entry.canonical_content()}"
    return hashlib.sha256(message.encode()).hexdigest()


def test_an_altered_entry_with_every_mac_and_hash_after_it_recomputed_is_found(chain):
    # Everything an attacker without the key can do: change an entry, then recompute its MAC,
    # the writer links and the chain after it with SHA-256 (all consistent again, but unkeyed).
    sequence()
    chain = list(AuditEntry.objects.order_by("position"))
    victim = chain[1]
    victim.summary = "forged"
    mac, link = chain[0].mac, chain[0].entry_hash
    with triggers_disabled() as cursor:
        for entry in chain[1:]:
            mac = unkeyed_mac(entry, mac)
            link = hashlib.sha256(f"{link}\n{entry.position}\n{mac}".encode()).hexdigest()
            cursor.execute(
                "UPDATE audit_auditentry SET summary = %s, writer_previous = %s, mac = %s, "
                "entry_hash = %s WHERE id = %s",
                [entry.summary, entry.writer_previous, mac, link, entry.pk],
            )
    message = verify_fails()
    assert f"entry #{victim.pk} (position {victim.position})" in message
    assert "keyed MAC" in message


def test_a_log_recomputed_with_another_key_is_found_at_its_first_entry(chain, settings):
    sequence()
    entries = list(AuditEntry.objects.order_by("position"))
    settings.AUDIT_CHAIN_KEY = "an attacker's guess"
    runs: dict[str, str] = {}
    link = GENESIS_HASH
    forged = []
    for entry in entries:
        entry.writer_previous = runs.get(entry.writer, GENESIS_HASH)
        entry.mac = runs[entry.writer] = entry.compute_mac()
        link = chain_hash(chain_key(), link, entry.position, entry.mac)
        forged.append((entry.writer_previous, entry.mac, link, entry.pk))
    with triggers_disabled() as cursor:
        for row in forged:
            cursor.execute(
                "UPDATE audit_auditentry SET writer_previous = %s, mac = %s, entry_hash = %s "
                "WHERE id = %s",
                row,
            )
    settings.AUDIT_CHAIN_KEY = "embedded-demo-only-audit-" + "k" * 40
    assert f"entry #{entries[0].pk} (position 1): its content" in verify_fails()


def test_newest_entries_removed_after_a_checkpoint_are_found(chain):
    checkpoint = audit_checkpoint_write()
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id >= %s", [chain[-2].pk])
    message = verify_fails()
    assert f"position {checkpoint.count}: missing" in message
    assert "the newest entries were removed" in message


def test_a_whole_log_removed_is_found(chain):
    checkpoint = audit_checkpoint_write()
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry")
    assert f"position {checkpoint.count}: missing" in verify_fails()


def test_a_checkpointed_head_removed_and_the_tail_kept_is_found(chain, people):
    checkpoint = audit_checkpoint_write()
    audit_record(actor=people.alice, action=AuditAction.CONSULT, summary="Read later")
    sequence()
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE position = %s", [checkpoint.count])
    assert f"position {checkpoint.count} before it missing" in verify_fails()


def test_an_entry_left_unsequenced_too_long_is_flagged(chain, settings):
    settings.AUDIT_UNSEQUENCED_MAX_SECONDS = 0
    message = verify_fails()
    assert f"entry #{chain[0].pk}: it has waited" in message
    assert "audit_sequence" in message
    call_command("audit_sequence", stdout=StringIO())
    call_command("verify_audit", stdout=StringIO(), stderr=StringIO())


def rewrite_last_checkpoint(path, **changes) -> None:
    lines = path.read_text().splitlines()
    record = json.loads(lines[-1])
    record["checkpoint"].update(changes)
    lines[-1] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n")


def test_a_checkpoint_with_a_bad_signature_is_refused(chain, checkpoint_file):
    audit_checkpoint_write()
    # Someone who cut the tail makes the checkpoint agree with what is left.
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [chain[-1].pk])
    before = AuditEntry.objects.get(pk=chain[-2].pk)
    rewrite_last_checkpoint(checkpoint_file, count=before.position, head_hash=before.entry_hash)
    message = verify_fails()
    assert f"{checkpoint_file} cannot be trusted at line 1" in message
    assert "signature is wrong" in message


def test_checkpoint_lines_that_go_backwards_are_refused(chain, people, checkpoint_file):
    audit_checkpoint_write()
    audit_record(actor=people.alice, action=AuditAction.CONSULT, summary="Read later")
    audit_checkpoint_write()
    first, second = checkpoint_file.read_text().splitlines()
    checkpoint_file.write_text(f"{second}\n{first}\n")
    assert "at line 2: it records fewer entries" in verify_fails()


def test_no_checkpoint_file_is_said_but_not_a_failure(chain):
    err = StringIO()
    call_command("verify_audit", stdout=StringIO(), stderr=err)
    assert "newest entries removed would not be detected" in err.getvalue()


def test_progress_is_shown_while_streaming(chain):
    err = StringIO()
    call_command("verify_audit", progress_every=1, stdout=StringIO(), stderr=err)
    assert f"{len(chain):,} entries verified (" in err.getvalue()


def test_triggers_are_back_after_tampering(chain):
    with triggers_disabled():
        pass
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgenabled FROM pg_trigger WHERE tgname = 'audit_entry_append_only'"
            )
            assert cursor.fetchone() == ("O",)
        else:
            assert sqlite_triggers() == {
                "audit_entry_append_only_update",
                "audit_entry_append_only_delete",
            }
