"""The audit log is append-only: the model, its queryset and (on PostgreSQL) the database itself
refuse to change or delete an entry; entries are chained by their hashes."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from cse_portal.audit.models import GENESIS_HASH, AppendOnlyError, AuditAction, AuditEntry
from cse_portal.audit.services import audit_record

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the append-only trigger exists on PostgreSQL only; SQLite relies on the model guards",
)


@pytest.fixture
def entry(people):
    return audit_record(actor=people.alice, action=AuditAction.CONSULT, summary="Read")


def test_saving_an_existing_entry_is_refused(entry):
    entry.summary = "Changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).summary == "Read"


def test_deleting_an_entry_is_refused(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_queryset_update_is_refused(entry):
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(summary="Changed")
    assert AuditEntry.objects.get(pk=entry.pk).summary == "Read"


def test_queryset_delete_is_refused(entry):
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_bulk_writes_are_refused(entry):
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.bulk_update([entry], ["summary"])
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.bulk_create([AuditEntry(action=AuditAction.CONSULT)])


@postgresql_only
def test_raw_sql_update_is_refused_by_the_database(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET summary = 'x' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).summary == "Read"


@postgresql_only
def test_raw_sql_delete_is_refused_by_the_database(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_each_entry_is_chained_to_the_one_before(people):
    first, second = AuditEntry.objects.order_by("id")[:2]
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.entry_hash


def test_an_entry_hash_covers_its_content(entry):
    assert entry.compute_hash() == entry.entry_hash
    entry.summary = "Changed"
    assert entry.compute_hash() != entry.entry_hash


def test_entry_records_who_their_agency_and_role(entry, people):
    assert (entry.actor_username, entry.actor_agency, entry.actor_role) == (
        "alice",
        "Test Children's Social Care",
        "practitioner",
    )
