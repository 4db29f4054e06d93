"""The two canonical forms of an entry's content (``audit.models``): form 2, which new writers
write and PostgreSQL writes whole for verification, must be PostgreSQL's own text of the same
content, byte for byte, and must never give two contents the same text; entries written in form 1
by the writers before it must still verify, beside form 2's in one log."""

from __future__ import annotations

import json
import os
import secrets
from datetime import UTC, datetime

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cse_portal.audit import sequencer, writers
from cse_portal.audit.models import (
    FORM_2,
    HASHED_FIELDS,
    AuditAction,
    AuditEntry,
    canonical_text,
    jsonb_text,
)
from cse_portal.audit.selectors import verify_chain
from cse_portal.audit.services import audit_record
from cse_portal.audit.verification import ALTERED

from .tamper import triggers_disabled

pytestmark = pytest.mark.django_db

# What PostgreSQL's jsonb holds: no NUL, no lone surrogates.
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
TEXT_FIELDS = HASHED_FIELDS.index("recipients") - HASHED_FIELDS.index("actor_username")
ONE_EXAMPLE_A_TEST = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="jsonb is PostgreSQL's")
@settings(max_examples=300, deadline=None, suppress_health_check=ONE_EXAMPLE_A_TEST)
@given(value=JSON)
def test_jsonb_text_is_what_postgresql_writes(value):
    with connection.cursor() as cursor:
        # As the JSON field stores it: json's text, read into jsonb by the database.
        cursor.execute("SELECT %s::jsonb::text", [json.dumps(value)])
        assert jsonb_text(value) == cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's output functions")
@pytest.mark.parametrize("microsecond", [0, 1, 10, 120000, 999999])
@pytest.mark.parametrize("address", [None, "192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1"])
def test_form_2_writes_the_time_and_the_address_as_postgresql_does(microsecond, address):
    moment = datetime(2026, 12, 5, 10, 0, 0, microsecond, tzinfo=UTC)
    texts = [""] * TEXT_FIELDS
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL DateStyle = 'ISO'")
        cursor.execute(
            "SELECT (%s::timestamptz AT TIME ZONE 'UTC')::text, coalesce(%s::inet::text, '-')",
            [moment, address],
        )
        time, written_address = cursor.fetchone()
    text = canonical_text([moment, None, *texts, [], {}, address])
    assert text.startswith(f"{time}|") and text.endswith(f"|{written_address}")


def _content(texts: list[str], recipients: list[str], detail: dict, ip: str | None) -> list:
    return [datetime(2026, 12, 5, 10, 0, 0, 1, tzinfo=UTC), None, *texts, recipients, detail, ip]


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(TEXT, min_size=TEXT_FIELDS, max_size=TEXT_FIELDS), data=st.data())
def test_text_moved_from_one_field_into_the_next_never_gives_the_same_form_2(texts, data):
    """What an attacker without the key could try: move characters across a field boundary
    ("a", "1:b" against "a1:b", ""), keeping the fields' concatenation, and hope the MAC holds."""
    i = data.draw(st.integers(0, TEXT_FIELDS - 2))
    joined = texts[i] + texts[i + 1]
    cut = data.draw(st.integers(0, len(joined)))
    moved = [*texts[:i], joined[:cut], joined[cut:], *texts[i + 2 :]]
    if moved != texts:
        assert canonical_text(_content(texts, [], {}, None)) != canonical_text(
            _content(moved, [], {}, None)
        )


def test_the_lengths_are_counted_in_bytes():
    # "é" is one character and two bytes, and the database's octet_length counts bytes.
    text = canonical_text(_content(["é", *[""] * (TEXT_FIELDS - 1)], [], {}, None))
    assert "|2:é0:" in text


AWKWARD = [
    {
        "summary": "Shared with «health» | 1:2 — 12:ab",
        "justification": 'Line one\nline two\ttabbed \\ backslash "quoted" \x01',
        "recipients": ["bob|carol", "é"],
        "detail": {"b": [1, 2.5, None, -0.0, 1e-07, 1e20], "aa": {"é": True}, "ab": 10**25},
        "ip_address": "2001:db8::1",
    },
    {"summary": "", "justification": "", "recipients": [], "detail": {}, "ip_address": None},
    {
        "summary": "x" * 255,
        "justification": "😀 four bytes",
        "recipients": [],
        "detail": {"": "", "a": "", "é": "two bytes", "ab": "longer"},
        "ip_address": "10.0.0.255",
    },
]


# Form 1 re-reads the JSON fields from PostgreSQL's text, which writes a float as numeric does:
# 1e20 came back as 100000000000000000000 and -0.0 as 0.0, so an entry holding either could not be
# verified. Form 2 writes them as the database does (AWKWARD's first entry holds both).
FORM_1_SAFE = [{**AWKWARD[0], "detail": {"b": [1, 2.5, None], "aa": {"é": True}}}, *AWKWARD[1:]]


@pytest.mark.parametrize("content", AWKWARD)
def test_form_2_entries_survive_the_database_and_verify(people, content):
    written = audit_record(actor=people.alice, action=AuditAction.DISCLOSE, **content)
    assert written.writer.startswith(FORM_2)
    stored = AuditEntry.objects.get(pk=written.pk)
    assert stored.canonical_content() == written.canonical_content()
    assert stored.compute_mac() == stored.mac
    # verify_chain reads the text the database writes (PostgreSQL) or the stored values (SQLite).
    assert verify_chain() == (AuditEntry.objects.count(), None)


@pytest.mark.parametrize(
    "address", ["2001:DB8:0:0:0:0:0:1", "2001:0db8::0001", "::FFFF:192.0.2.1", "::ffff:c000:201"]
)
def test_an_address_spelt_another_way_is_written_as_the_database_writes_it(people, address):
    """A proxy's header may spell an IPv6 address in capitals, with zeros or an IPv4 tail: the
    MAC must cover the spelling the database gives back, or verification would call the entry
    altered."""
    written = audit_record(actor=people.alice, action=AuditAction.CONSULT, ip_address=address)
    stored = AuditEntry.objects.get(pk=written.pk)
    assert stored.compute_mac() == written.mac
    assert verify_chain() == (AuditEntry.objects.count(), None)


@pytest.fixture
def form_1_writer():
    """Makes this thread's writer one from before form 2 (a name of 16 hex digits); a fresh
    writer of form 2 afterwards."""

    def use() -> None:
        writers._local.writer = writers.Writer(name=secrets.token_hex(8), pid=os.getpid())

    yield use
    writers.new()


def test_a_log_of_both_forms_verifies_and_a_form_1_entry_altered_is_named(people, form_1_writer):
    audit_record(actor=people.alice, action=AuditAction.CONSULT, summary="Form 2 before")
    form_1_writer()
    older = [
        audit_record(actor=people.bob, action=AuditAction.DISCLOSE, **content)
        for content in FORM_1_SAFE
    ]
    assert not any(entry.writer.startswith(FORM_2) for entry in older)
    writers.new()
    audit_record(actor=people.alice, action=AuditAction.CONSULT, summary="Form 2 after")
    total = AuditEntry.objects.count()
    assert verify_chain() == (total, None)
    sequencer.sequence_pending()
    assert verify_chain() == (total, None)
    with triggers_disabled() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET summary = 'Altered' WHERE id = %s", [older[1].pk]
        )
    checked, broken = verify_chain()
    before = AuditEntry.objects.filter(id__lt=older[1].pk).count()
    assert (checked, broken.entry_id, broken.reason) == (before, older[1].pk, ALTERED)
