"""The audit log is append-only: the model, its queryset and the database itself (PostgreSQL and
SQLite) refuse to change or delete an entry; entries are chained by hashes keyed with
AUDIT_CHAIN_KEY."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from django.db import DatabaseError, connection, transaction

from cse_portal.audit.models import (
    GENESIS_HASH,
    AppendOnlyError,
    AuditAction,
    AuditEntry,
)
from cse_portal.audit.selectors import verify_chain
from cse_portal.audit.services import audit_record

pytestmark = pytest.mark.django_db


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


def test_raw_sql_update_is_refused_by_the_database(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET summary = 'x' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).summary == "Read"


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


def test_raw_sql_delete_of_the_whole_log_is_refused_by_the_database(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_hash_is_keyed_so_the_content_alone_cannot_reproduce_it(entry, settings):
    unkeyed = hashlib.sha256(f"{entry.previous_hash}\n{entry.canonical_content()}".encode())
    assert entry.entry_hash != unkeyed.hexdigest()
    settings.AUDIT_CHAIN_KEY = "another key"
    assert entry.compute_hash() != entry.entry_hash


def test_the_hash_is_an_hmac_sha256_with_the_chain_key(entry, settings):
    expected = hmac.new(
        settings.AUDIT_CHAIN_KEY.encode(),
        f"{entry.previous_hash}\n{entry.canonical_content()}".encode(),
        hashlib.sha256,
    ).hexdigest()
    assert entry.entry_hash == expected


def test_the_canonical_form_survives_the_database_round_trip(people):
    written = audit_record(
        actor=people.alice,
        action=AuditAction.DISCLOSE,
        summary="Shared with «health» — 1/2",
        recipients=["bob", "carol"],
        detail={"b": [1, 2.5, None], "a": {"nested": "tab\tand\nnewline"}},
        ip_address="2001:db8::1",
    )
    stored = AuditEntry.objects.get(pk=written.pk)
    assert stored.canonical_content() == written.canonical_content()
    assert stored.compute_hash() == stored.entry_hash
    # verify_chain reads plain tuples, not models: the same form must come out of those.
    assert verify_chain() == (AuditEntry.objects.count(), None)
