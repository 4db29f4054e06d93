"""The sequencer: ties the writers' runs into one chain, after the fact and in batches.

Entries are written without a lock (``writers.py``). Celery beat runs ``sequence_pending`` every
``AUDIT_SEQUENCE_SECONDS`` (and the checkpoint runs it first): it takes committed entries that have
no position yet, oldest id first, gives them the next gapless positions and extends the global chain
(``entry_hash``), ``AUDIT_SEQUENCE_BATCH`` entries a transaction. One sequencer at a time: on
PostgreSQL a transaction-level advisory *try*-lock (a second one finds it held and returns at once,
never queueing behind the first), on SQLite the database's write lock, which every transaction here
takes when it begins.

Setting ``position`` and ``entry_hash`` once, from NULL, is the only change the append-only triggers
allow (migration 0007), so sequencing is a plain UPDATE. Within a writer, an entry is always given a
lower position than its successor: the successor was inserted (higher id) only after the entry was
committed, or in the same transaction, so it is never visible without it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction

from .models import GENESIS_HASH, chain_hash, chain_key

# Any constant, distinct from the project's other advisory locks.
_SEQUENCER_LOCK_KEY = 0x0CE5_A0D2

_TABLE = "audit_auditentry"


def head() -> tuple[int, str] | None:
    """(position, entry_hash) of the newest sequenced entry, or None."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT position, entry_hash FROM {_TABLE} "  # noqa: S608 (constant table name)
            "WHERE position IS NOT NULL ORDER BY position DESC LIMIT 1"
        )
        row = cursor.fetchone()
    return (int(row[0]), str(row[1])) if row else None


def lock() -> None:
    """Wait for the sequencer's lock, until the transaction ends (for a bulk writer that takes
    positions itself: ``audit_bench_chain``)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEQUENCER_LOCK_KEY])


def _try_lock() -> bool:
    if connection.vendor != "postgresql":
        return True  # SQLite: the IMMEDIATE transaction already holds the write lock.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_SEQUENCER_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def sequence_batch(batch: int | None = None) -> int | None:
    """Sequence up to ``batch`` entries in one transaction; how many, or None if another sequencer
    holds the lock."""
    size = batch or settings.AUDIT_SEQUENCE_BATCH
    key = chain_key()
    with transaction.atomic():
        if not _try_lock():
            return None
        position, previous = head() or (0, GENESIS_HASH)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, mac FROM {_TABLE} "  # noqa: S608 (constant table name)
                "WHERE position IS NULL ORDER BY id LIMIT %s",
                [size],
            )
            pending = cursor.fetchall()
            if not pending:
                return 0
            updates = []
            for entry_id, mac in pending:
                position += 1
                previous = chain_hash(key, previous, position, mac)
                updates.append((entry_id, position, previous))
            _write(cursor, updates)
    return len(pending)


def _write(cursor, updates: list[tuple[int, int, str]]) -> None:
    if connection.vendor == "postgresql":
        from psycopg2.extras import execute_values

        execute_values(
            cursor.cursor,
            f"UPDATE {_TABLE} AS e SET position = v.position, entry_hash = v.entry_hash "  # noqa: S608
            "FROM (VALUES %s) AS v (id, position, entry_hash) WHERE e.id = v.id",
            updates,
            template="(%s::bigint, %s::bigint, %s)",
            page_size=len(updates),
        )
        return
    cursor.executemany(
        f"UPDATE {_TABLE} SET position = %s, entry_hash = %s WHERE id = %s",  # noqa: S608
        [(position, entry_hash, entry_id) for entry_id, position, entry_hash in updates],
    )


def sequence_pending(batch: int | None = None) -> int:
    """Sequence every committed entry waiting, a batch a transaction; how many were sequenced."""
    size = batch or settings.AUDIT_SEQUENCE_BATCH
    total = 0
    while True:
        done = sequence_batch(size)
        if not done:
            return total
        total += done
        if done < size:
            return total
