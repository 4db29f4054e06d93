"""The append-only access and disclosure log (Data Protection Act 2018, part 3, s.62).

Entries can be added and read, never changed or removed: the model, its queryset and database
triggers (PostgreSQL and SQLite) all refuse, except the one write that sequences an entry (setting
its ``position`` and ``entry_hash`` once, from NULL: ``sequencer.py``).

Two keyed chains (HMAC-SHA256 with ``AUDIT_CHAIN_KEY``) make tampering evident without serialising
the writers:

* Every process or thread that writes is a *writer* with a random name (``writers.py``). An entry's
  ``mac`` covers its content, its writer, its number in that writer's run (``writer_seq``) and the
  ``mac`` of the writer's previous entry (``writer_previous``). Writers never wait for each other:
  an entry is one INSERT.
* The sequencer then gives committed entries gapless ``position`` numbers and extends the global
  chain: ``entry_hash`` is the HMAC of the previous position's ``entry_hash``, the position and the
  entry's ``mac``.

An entry's content is written out as text for its MAC in one of two forms, named by its writer
(``FORM_2``): a JSON array (``canonical_form``, the first writers') or a text PostgreSQL writes
with string functions alone (``canonical_text``), which verification reads whole from the database.

``manage.py verify_audit`` finds any entry altered, inserted or removed behind the application's
back: without the key nobody can recompute a MAC or a chain hash. Newest entries cut off the end
are found by the signed checkpoints beat writes outside the database (``checkpoints.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import UTC
from decimal import Decimal
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

GENESIS_HASH = "0" * 64

# The columns an entry's hash covers, in the order of its canonical form. Verification reads
# exactly these as plain tuples (no model instances), which is most of what makes it fast.
HASHED_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_username",
    "actor_agency",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "subject_id",
    "summary",
    "justification",
    "recipients",
    "detail",
    "ip_address",
)


def chain_key() -> bytes:
    return settings.AUDIT_CHAIN_KEY.encode()


# One encoder for every entry: json.dumps with options builds a new one per call, which is a
# third of the cost of verifying an entry.
_CANONICAL_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
)


def canonical_form(values: Sequence[Any]) -> str:
    """Everything the hash protects (``values`` in ``HASHED_FIELDS`` order), in a fixed form that
    survives a database round trip: one JSON array, so a field cannot bleed into the next, built
    by a single call of the C encoder. The time is always written to the microsecond in UTC."""
    occurred_at, actor_id, *rest = values
    return _CANONICAL_ENCODER.encode(
        [
            occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            # A user id (a UUID) without its dashes: how SQLite stores it, whatever reads it.
            str(actor_id).replace("-", "") if actor_id else None,
            *rest,
        ]
    )


#: The writers whose name starts with this write their entries' content in ``canonical_text``
#: (form 2); the older writers, whose names are 16 hex digits, in ``canonical_form`` (form 1). The
#: writer's name is in every entry's MAC, so an entry cannot be moved from one form to the other.
FORM_2 = "v2-"


def canonical_for(writer: str, values: Sequence[Any]) -> str:
    """The content's text in the form its writer wrote it (``FORM_2``)."""
    return canonical_text(values) if writer.startswith(FORM_2) else canonical_form(values)


def canonical_text(values: Sequence[Any]) -> str:
    """Form 2 of everything the hash protects (``values`` in ``HASHED_FIELDS`` order): a text the
    database writes with string functions alone, so verification reads each entry's content as
    one column (``verification._FORM_2``) instead of assembling it here:

    ``time|user id|`` each text field as its length in UTF-8 bytes, ``:`` and itself, then
    ``|recipients|detail|address``, the two JSON fields as PostgreSQL writes ``jsonb``
    (``jsonb_text``). Lengths delimit the free text and JSON texts delimit themselves, so no two
    contents give the same text. The time is UTC as PostgreSQL writes a timestamp in the ISO
    style (``2026-12-05 10:00:00.00001``: no trailing zeros, no fraction on a whole second),
    the address with its netmask (``/32``, ``/128``); a missing user id or address is ``-``."""
    occurred_at, actor_id, *texts, recipients, detail, ip_address = values
    utc = occurred_at.astimezone(UTC)
    time = utc.replace(tzinfo=None, microsecond=0).isoformat(sep=" ")
    if utc.microsecond:
        time += f".{utc.microsecond:06d}".rstrip("0")
    actor = str(actor_id).replace("-", "") if actor_id else "-"
    fields = "".join(f"{len(text.encode())}:{text}" for text in texts)
    documents = f"{jsonb_text(recipients)}|{jsonb_text(detail)}"
    address = f"{ip_address}/{128 if ':' in ip_address else 32}" if ip_address else "-"
    return f"{time}|{actor}|{fields}|{documents}|{address}"


def jsonb_text(value: Any) -> str:
    """``value`` (JSON's types) as PostgreSQL's ``jsonb`` output writes it: keys by their length
    in bytes, then bytewise; ``, `` and ``: `` between; strings escaped as ``json`` escapes them
    (the same rules); numbers as ``numeric`` writes them, without an exponent."""
    if isinstance(value, str):
        return _json_string(value)
    if isinstance(value, dict):
        keys = sorted(value, key=_jsonb_key_order)
        return "{" + ", ".join(f"{_json_string(k)}: {jsonb_text(value[k])}" for k in keys) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(jsonb_text(item) for item in value) + "]"
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # What the database reads from json's text of the float: numeric has no negative zero.
        return format(Decimal(repr(abs(value) if value == 0 else value)), "f")
    raise TypeError(f"not a JSON value: {type(value).__name__}")


_json_string = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _jsonb_key_order(key: str) -> tuple[int, bytes]:
    encoded = key.encode()
    return len(encoded), encoded


def canonical_json(values: list[Any]) -> str:
    """``canonical_form`` of values whose time and user id are already in their canonical text
    (as verification has PostgreSQL write them, which is cheaper than parsing them in Python)."""
    return _CANONICAL_ENCODER.encode(values)


def entry_mac(
    key: bytes, writer: str, writer_seq: int, writer_previous: str, canonical: str
) -> str:
    """The keyed MAC of one entry: its content and its place in its writer's run."""
    return hmac.digest(
        key, _entry_message(writer, writer_seq, writer_previous, canonical), hashlib.sha256
    ).hex()


def chain_hash(key: bytes, previous_hash: str, position: int, mac: str) -> str:
    """The global chain at ``position``: the chain before it, the position and the entry's MAC
    (which covers everything else)."""
    return hmac.digest(key, _chain_message(previous_hash, position, mac), hashlib.sha256).hex()


def _entry_message(writer: str, writer_seq: int, writer_previous: str, canonical: str) -> bytes:
    return f"{writer}\n{writer_seq}\n{writer_previous}\n{canonical}".encode()


def _chain_message(previous_hash: str, position: int, mac: str) -> bytes:
    return f"{previous_hash}\n{position}\n{mac}".encode()


# RFC 2104's pads, as translation tables: each byte of the key XOR 0x36 and XOR 0x5c.
_INNER_PAD = bytes(byte ^ 0x36 for byte in range(256))
_OUTER_PAD = bytes(byte ^ 0x5C for byte in range(256))


class ChainMacs:
    """``entry_mac`` and ``chain_hash`` under one key, for verifying millions of entries.

    HMAC-SHA256 (RFC 2104) hashes the key's inner and outer pads before any message; OpenSSL
    does that again on every call, which is most of the cost of a MAC over a short message. Here
    the two padded hashes are made once and copied for each message, which halves a MAC's cost.
    The results are HMAC's, bit for bit."""

    def __init__(self, key: bytes) -> None:
        block = hashlib.sha256().block_size
        if len(key) > block:
            key = hashlib.sha256(key).digest()
        key = key.ljust(block, b"\0")
        self._inner = hashlib.sha256(key.translate(_INNER_PAD))
        self._outer = hashlib.sha256(key.translate(_OUTER_PAD))

        inner_copy, outer_copy = self._inner.copy, self._outer.copy

        def mac(message: bytes) -> str:
            inner = inner_copy()
            inner.update(message)
            outer = outer_copy()
            outer.update(inner.digest())
            return outer.hexdigest()

        self._mac = mac

    def entry_mac(self, writer: str, writer_seq: int, writer_previous: str, canonical: str) -> str:
        return self._mac(_entry_message(writer, writer_seq, writer_previous, canonical))

    def chain_hash(self, previous_hash: str, position: int, mac: str) -> str:
        return self._mac(_chain_message(previous_hash, position, mac))


class AuditAction(models.TextChoices):
    COLLECT = "collect", "Collection (record created)"
    ALTER = "alter", "Alteration"
    CONSULT = "consult", "Consultation"
    SEARCH = "search", "Search"
    EXPORT = "export", "Export"
    PRINT = "print", "Print"
    DISCLOSE = "disclose", "Disclosure"
    COMBINE = "combine", "Combination (merge)"
    ERASE = "erase", "Erasure"
    LOGIN = "login", "Sign-in"
    LOGIN_FAILED = "login_failed", "Failed sign-in"
    LOGOUT = "logout", "Sign-out"
    PERMISSION_CHANGE = "permission_change", "Permission change"


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or delete an audit entry."""


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be changed")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be deleted")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be changed")

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries are written one at a time by audit_record")


class AuditEntry(models.Model):
    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(default=timezone.now, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    actor_agency = models.CharField(max_length=200, blank=True)
    actor_role = models.CharField(max_length=40, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    subject_id = models.CharField(
        max_length=64, blank=True, help_text="The young person the entry concerns, if any."
    )
    summary = models.CharField(max_length=255, blank=True)
    justification = models.TextField(blank=True)
    recipients = models.JSONField(default=list, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    writer = models.CharField(max_length=32, editable=False)
    writer_seq = models.PositiveBigIntegerField(editable=False)
    writer_previous = models.CharField(max_length=64, editable=False)
    mac = models.CharField(max_length=64, editable=False)
    # Set once, from NULL, by the sequencer (the only UPDATE the database allows).
    position = models.BigIntegerField(null=True, unique=True, editable=False)
    entry_hash = models.CharField(max_length=64, null=True, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["subject_id", "-occurred_at"], name="audit_subject_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor", "-occurred_at"], name="audit_actor_idx"),
            models.Index(fields=["action", "-occurred_at"], name="audit_action_idx"),
            # What the sequencer reads: the entries not yet given a position, oldest first.
            models.Index(
                fields=["id"],
                condition=models.Q(position__isnull=True),
                name="audit_unsequenced_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["writer", "writer_seq"], name="audit_writer_seq_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(action__in=AuditAction.values), name="audit_action_valid"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"#{self.id} {self.action} {self.object_type}:{self.object_id} by {self.actor_username}"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be deleted")

    def canonical_content(self) -> str:
        return canonical_for(self.writer, [getattr(self, name) for name in HASHED_FIELDS])

    def compute_mac(self) -> str:
        return entry_mac(
            chain_key(),
            self.writer,
            self.writer_seq,
            self.writer_previous,
            self.canonical_content(),
        )
