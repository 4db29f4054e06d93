"""``manage.py audit_bench_chain`` builds a large log for the benchmarks, written and sequenced as
``audit_record`` and the sequencer would, so ``verify_audit`` proves it intact; never outside
DEBUG."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cse_portal.audit import sequencer
from cse_portal.audit.models import AuditAction, AuditEntry
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
