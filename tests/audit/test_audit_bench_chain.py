"""``manage.py audit_bench_chain`` builds a large log for the benchmarks, written and sequenced as
``audit_record`` and the sequencer would, so ``verify_audit`` proves it intact; never outside
DEBUG."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cse_portal.audit import sequencer
from cse_portal.audit.management.commands.audit_bench_chain import entry_values, synthetic_entries
from cse_portal.audit.models import (
    FORM_2,
    GENESIS_HASH,
    AuditAction,
    AuditEntry,
    canonical_for,
    chain_hash,
    chain_key,
    entry_mac,
)
from cse_portal.audit.selectors import verify_chain
from cse_portal.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_appended_entries_continue_the_chain_and_verify(people, settings):
    settings.DEBUG = True  # as under make bench; pytest-django turns it off
    audit_record(actor=people.alice, action=AuditAction.CONSULT, summary="Before")
    before = AuditEntry.objects.count()
    call_command("audit_bench_chain", entries=250, batch=100, stdout=StringIO(), stderr=StringIO())
    # Whatever waited was sequenced first; the synthetic entries follow, in several writers' runs.
    assert AuditEntry.objects.filter(position__isnull=True).count() == 0
    assert AuditEntry.objects.order_by("-position").first().position == before + 250
    assert AuditEntry.objects.values("writer").distinct().count() > 10
    audit_record(actor=people.alice, action=AuditAction.CONSULT, summary="After")
    assert verify_chain() == (before + 251, None)
    sequencer.sequence_pending()
    assert verify_chain(segments=3) == (before + 251, None)


def test_it_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG"):
        call_command("audit_bench_chain", entries=10)
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("subjects", [(), ("7d3c1a8e-1f0b-4c57-9d2e-5a6b7c8d9e0f",)])
def test_the_text_put_together_for_speed_is_the_canonical_form(subjects):
    """The generator writes each entry's canonical text (form 2) directly; its MACs must be those
    of the model's own canonical form of the same values."""
    key = chain_key()
    runs: dict[str, str] = {}
    previous = GENESIS_HASH
    for entry in synthetic_entries(500, (0, GENESIS_HASH), seed=7, subjects=subjects):
        writer, seq, writer_previous, mac, position, entry_hash = entry[8:]
        assert writer_previous == runs.get(writer, GENESIS_HASH)
        values = entry_values(entry)
        assert writer.startswith(FORM_2)
        canonical = canonical_for(writer, values)
        assert mac == entry_mac(key, writer, seq, writer_previous, canonical)
        assert entry_hash == chain_hash(key, previous, position, mac)
        runs[writer], previous = mac, entry_hash
    assert len(runs) > 10
