"""The audit log is append-only: the model, its queryset and the database itself (PostgreSQL and
SQLite) refuse to change or delete an entry, but for the sequencer's one write; each entry carries
a MAC keyed with AUDIT_CHAIN_KEY over its content and its writer's run, and the sequencer chains
them in gapless positions with keyed hashes."""

from __future__ import annotations

import hashlib
import hmac
import itertools

import pytest
from django.db import DatabaseError, connection, transaction

from cse_portal.audit import sequencer, writers
from cse_portal.audit.models import (
    GENESIS_HASH,
    AppendOnlyError,
    AuditAction,
    AuditEntry,
    chain_hash,
    chain_key,
)
from cse_portal.audit.selectors import verify_chain
from cse_portal.audit.services import audit_record
from cse_portal.audit.sqlite3.guard import UNCHANGED_COLUMNS

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


def test_each_entry_continues_its_writers_run(people):
    writer = writers.current()
    run = list(AuditEntry.objects.filter(writer=writer.name).order_by("writer_seq"))
    assert len(run) > 2  # the personas' entries
    assert [e.writer_seq for e in run] == list(range(1, len(run) + 1))
    assert run[0].writer_previous == GENESIS_HASH
    assert all(e.writer_previous == p.mac for p, e in itertools.pairwise(run))


def test_the_sequencer_chains_entries_in_gapless_positions(people):
    assert AuditEntry.objects.filter(position__isnull=False).count() == 0
    total = AuditEntry.objects.count()
    assert sequencer.sequence_pending(batch=2) == total
    log = list(AuditEntry.objects.order_by("position"))
    assert [e.position for e in log] == list(range(1, total + 1))
    assert [e.id for e in log] == sorted(e.id for e in log)
    link = GENESIS_HASH
    for entry in log:
        link = chain_hash(chain_key(), link, entry.position, entry.mac)
        assert entry.entry_hash == link
    assert sequencer.sequence_pending() == 0


def test_an_entry_hash_covers_its_content(entry):
    assert entry.compute_mac() == entry.mac
    entry.summary = "Changed"
    assert entry.compute_mac() != entry.mac


def test_an_entry_rolled_back_with_a_savepoint_leaves_the_run_whole(people):
    before = audit_record(actor=people.alice, action=AuditAction.CONSULT, summary="Kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=people.alice, action=AuditAction.CONSULT, summary="Rolled back")
        raise RuntimeError
    after = audit_record(actor=people.alice, action=AuditAction.CONSULT, summary="Next")
    assert (after.writer_seq, after.writer_previous) == (before.writer_seq + 1, before.mac)
    assert verify_chain() == (AuditEntry.objects.count(), None)


@pytest.mark.django_db(transaction=True)
def test_a_transaction_rolled_back_leaves_the_run_whole():
    first = audit_record(actor=None, action=AuditAction.LOGIN_FAILED, summary="Committed")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action=AuditAction.LOGIN_FAILED, summary="Rolled back")
        raise RuntimeError
    with transaction.atomic():
        second = audit_record(actor=None, action=AuditAction.LOGIN_FAILED, summary="Second")
        third = audit_record(actor=None, action=AuditAction.LOGIN_FAILED, summary="Third")
    assert (second.writer_seq, second.writer_previous) == (2, first.mac)
    assert (third.writer_seq, third.writer_previous) == (3, second.mac)
    assert verify_chain() == (3, None)


def test_the_database_allows_sequencing_once_and_nothing_else(entry):
    def update(sql: str, params: list) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)

    sequence = "UPDATE audit_auditentry SET position = %s, entry_hash = %s WHERE id = %s"
    with pytest.raises(DatabaseError):  # sequencing and changing the content at once
        update(
            "UPDATE audit_auditentry SET position = 1, entry_hash = 'x', summary = 'y' "
            "WHERE id = %s",
            [entry.pk],
        )
    with pytest.raises(DatabaseError):  # only half of it
        update("UPDATE audit_auditentry SET position = 1 WHERE id = %s", [entry.pk])
    update(sequence, [10**9, "h" * 64, entry.pk])
    with pytest.raises(DatabaseError):  # a second time
        update(sequence, [10**9 + 1, "i" * 64, entry.pk])
    with pytest.raises(DatabaseError):  # back to NULL
        update(sequence, [None, None, entry.pk])
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.position, stored.entry_hash, stored.summary) == (10**9, "h" * 64, "Read")


def test_the_sqlite_guard_names_every_column_but_the_sequencers():
    columns = {f.column for f in AuditEntry._meta.concrete_fields}
    assert set(UNCHANGED_COLUMNS) == columns - {"position", "entry_hash"}


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


def test_the_mac_is_keyed_so_the_content_alone_cannot_reproduce_it(entry, settings):
    message = (
        f"{entry.writer}\n{entry.writer_seq}\n{entry.writer_previous}\n{entry.canonical_content()}"
    )
    assert entry.mac != hashlib.sha256(message.encode()).hexdigest()
    assert (
        entry.mac
        == hmac.new(settings.AUDIT_CHAIN_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()
    )
    settings.AUDIT_CHAIN_KEY = "another key"
    assert entry.compute_mac() != entry.mac


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
    assert stored.compute_mac() == stored.mac
    # verify_chain reads plain tuples, not models: the same form must come out of those.
    assert verify_chain() == (AuditEntry.objects.count(), None)
