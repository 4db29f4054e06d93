"""Beat's checkpoint schedule exists after migrating, follows its setting, and comes back after
a flush; on SQLite that flush empties the audit log through its append-only triggers, which are
still there afterwards."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django_celery_beat.models import PeriodicTask

from cse_portal.audit.models import AuditAction, AuditEntry
from cse_portal.audit.schedule import CHECKPOINT, SEQUENCE, ensure_beat_schedule
from cse_portal.audit.services import audit_record
from cse_portal.audit.tasks import audit_sequence

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_checkpoint_task_runs_every_minute_by_default():
    task = PeriodicTask.objects.get(name=CHECKPOINT)
    assert task.task == "cse_portal.audit.tasks.audit_checkpoint_write"
    assert (task.interval.every, task.interval.period, task.enabled) == (60, "seconds", True)


def test_the_sequencer_runs_every_five_seconds_and_chains_what_waits(people, settings):
    task = PeriodicTask.objects.get(name=SEQUENCE)
    assert task.task == "cse_portal.audit.tasks.audit_sequence"
    assert (task.interval.every, task.enabled) == (5, True)
    settings.AUDIT_SEQUENCE_SECONDS = 2
    ensure_beat_schedule(apps)
    assert PeriodicTask.objects.get(name=SEQUENCE).interval.every == 2
    waiting = AuditEntry.objects.filter(position__isnull=True).count()
    assert waiting > 0
    assert audit_sequence.delay().get() == waiting
    assert not AuditEntry.objects.filter(position__isnull=True).exists()


def test_the_interval_follows_the_setting(settings):
    settings.AUDIT_CHECKPOINT_SECONDS = 15
    ensure_beat_schedule(apps)
    assert PeriodicTask.objects.get(name=CHECKPOINT).interval.every == 15


def test_a_flush_empties_the_log_and_the_guard_and_schedule_come_back(people):
    audit_record(actor=people.alice, action=AuditAction.CONSULT, summary="Read")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEntry.objects.exists()
    assert PeriodicTask.objects.filter(name=CHECKPOINT).exists()
    entry = audit_record(actor=None, action=AuditAction.LOGIN_FAILED, summary="After flush")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
