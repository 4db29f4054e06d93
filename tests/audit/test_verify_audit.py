"""``manage.py verify_audit``: exit 0 when the chain is intact; otherwise a non-zero exit naming
the first broken entry. Tampering is done in raw SQL, as an attacker with database access would
(on PostgreSQL the append-only trigger is disabled for the test, then enabled again)."""

from __future__ import annotations

from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cse_portal.audit.models import AuditAction, AuditEntry
from cse_portal.audit.services import audit_record

pytestmark = pytest.mark.django_db


@contextmanager
def trigger_disabled():
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgresql:
            # Deferred foreign-key checks of this test's inserts must run before ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
        try:
            yield cursor
        finally:
            if postgresql:
                cursor.execute(
                    "ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only"
                )


@pytest.fixture
def chain(people):
    for n in range(3):
        audit_record(actor=people.alice, action=AuditAction.CONSULT, summary=f"Read {n}")
    return list(AuditEntry.objects.order_by("id"))


def test_intact_log_exits_zero_and_says_so(chain):
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert f"{len(chain)} entries verified" in out.getvalue()


def test_altered_entry_is_named(chain):
    victim = chain[-2]
    with trigger_disabled() as cursor:
        cursor.execute("UPDATE audit_auditentry SET summary = 'nothing' WHERE id = %s", [victim.pk])
    with pytest.raises(CommandError) as error:
        call_command("verify_audit")
    assert f"entry #{victim.pk}:" in str(error.value)
    assert error.value.returncode != 0


def test_removed_entry_is_found_at_the_entry_after_it(chain):
    victim, after = chain[-2], chain[-1]
    with trigger_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [victim.pk])
    with pytest.raises(CommandError) as error:
        call_command("verify_audit")
    assert f"entry #{after.pk}:" in str(error.value)


def test_rehashed_forgery_still_breaks_the_next_link(chain):
    victim, after = chain[-2], chain[-1]
    victim.summary = "forged"
    forged_hash = victim.compute_hash()
    with trigger_disabled() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET summary = 'forged', entry_hash = %s WHERE id = %s",
            [forged_hash, victim.pk],
        )
    with pytest.raises(CommandError) as error:
        call_command("verify_audit")
    assert f"entry #{after.pk}:" in str(error.value)


def test_trigger_is_back_after_tampering(chain):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    with trigger_disabled():
        pass
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = 'audit_entry_append_only'")
        assert cursor.fetchone() == ("O",)
