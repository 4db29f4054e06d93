"""``manage.py verify_audit``: exit 0 when the chain is intact; otherwise a non-zero exit naming
the first broken entry. Tampering is done in raw SQL, as an attacker with database access would
(the append-only triggers lifted for the test, then put back)."""

from __future__ import annotations

import hashlib
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cse_portal.audit.models import GENESIS_HASH, AuditAction, AuditEntry
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


def test_altered_entry_is_named(chain):
    victim = chain[-2]
    with triggers_disabled() as cursor:
        cursor.execute("UPDATE audit_auditentry SET summary = 'nothing' WHERE id = %s", [victim.pk])
    assert f"entry #{victim.pk}:" in verify_fails()


def test_removed_entry_is_found_at_the_entry_after_it(chain):
    victim, after = chain[-2], chain[-1]
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [victim.pk])
    assert f"entry #{after.pk}:" in verify_fails()


def test_rehashed_forgery_still_breaks_the_next_link(chain):
    victim, after = chain[-2], chain[-1]
    victim.summary = "forged"
    forged_hash = victim.compute_hash()
    with triggers_disabled() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET summary = 'forged', entry_hash = %s WHERE id = %s",
            [forged_hash, victim.pk],
        )
    assert f"entry #{after.pk}:" in verify_fails()


def unkeyed_hash(previous_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256(f"{previous_hash}\n{entry.canonical_content()}".encode()).hexdigest()


def test_an_altered_entry_with_every_hash_after_it_recomputed_is_found(chain):
    # Everything an attacker without the key can do: change an entry, then recompute its hash and
    # every later one with SHA-256 (the whole chain consistent again, as before the key).
    victim = chain[1]
    victim.summary = "forged"
    previous = chain[0].entry_hash
    with triggers_disabled() as cursor:
        for entry in chain[1:]:
            new_hash = unkeyed_hash(previous, entry)
            cursor.execute(
                "UPDATE audit_auditentry SET summary = %s, previous_hash = %s, entry_hash = %s "
                "WHERE id = %s",
                [entry.summary, previous, new_hash, entry.pk],
            )
            previous = new_hash
    message = verify_fails()
    assert f"entry #{victim.pk}:" in message
    assert "keyed hash" in message


def test_a_chain_recomputed_with_another_key_is_found_at_its_first_entry(chain, settings):
    first = chain[0]
    settings.AUDIT_CHAIN_KEY = "an attacker's guess"
    previous = GENESIS_HASH
    forged = []
    for entry in chain:
        entry.previous_hash = previous
        previous = entry.compute_hash()
        forged.append((entry.previous_hash, previous, entry.pk))
    with triggers_disabled() as cursor:
        for row in forged:
            cursor.execute(
                "UPDATE audit_auditentry SET previous_hash = %s, entry_hash = %s WHERE id = %s", row
            )
    settings.AUDIT_CHAIN_KEY = "embedded-demo-only-audit-" + "k" * 40
    assert f"entry #{first.pk}:" in verify_fails()


def test_newest_entries_removed_after_a_checkpoint_are_found(chain):
    audit_checkpoint_write()
    head = chain[-1]
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id >= %s", [chain[-2].pk])
    message = verify_fails()
    assert f"entry #{head.pk}: missing" in message
    assert "the newest entries were removed" in message


def test_a_whole_log_removed_is_found(chain):
    audit_checkpoint_write()
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry")
    assert f"entry #{chain[-1].pk}: missing" in verify_fails()


def test_a_checkpointed_head_removed_and_the_tail_kept_is_found(chain, people):
    # Removing the checkpointed entry and relinking the next one is impossible without the key,
    # but the checkpoint names the entry even before the chain does.
    audit_checkpoint_write()
    audit_record(actor=people.alice, action=AuditAction.CONSULT, summary="Read later")
    head = chain[-1]
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [head.pk])
    assert f"entry #{head.pk}:" in verify_fails()


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
    rewrite_last_checkpoint(
        checkpoint_file, count=2, head_id=chain[-2].pk, head_hash=chain[-2].entry_hash
    )
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
