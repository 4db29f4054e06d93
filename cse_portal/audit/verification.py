"""Proving the audit chain intact: every entry linked to the one before and carrying the keyed
hash of its content, every signed checkpoint met with the hash and position it recorded, and the
log reaching the newest checkpoint.

The log is cut into segments of consecutive ids, verified each on its own (in parallel processes
on PostgreSQL, whose server-side cursors stream each segment in constant memory), then the seams
are checked: each segment's first entry must link to the last entry of the one before. One
segment, verified in this process, is the same code with a single seam at the genesis hash."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC
from multiprocessing import get_context
from operator import attrgetter
from typing import Any

from django.db import connection, connections, transaction
from django.db.models import Max, Min

from .checkpoints import Checkpoint
from .models import GENESIS_HASH, HASHED_FIELDS, AuditEntry, canonical_form, chain_hash, chain_key

Progress = Callable[[int], None]

BROKEN_LINK = (
    "its link to the previous entry is broken (an entry before it was removed, inserted or altered)"
)
ALTERED = "its content does not match its keyed hash (altered)"


@dataclass(frozen=True)
class ChainBreak:
    entry_id: int
    reason: str


@dataclass
class Segment:
    """What one run of consecutive ids showed. ``heads`` maps each checkpoint head id in range to
    (entries of the segment up to it, its hash), the hash None when the log passed that id without
    meeting it."""

    first_id: int | None = None
    first_previous: str | None = None
    last_hash: str | None = None
    count: int = 0
    broken: ChainBreak | None = None
    heads: dict[int, tuple[int, str | None]] = field(default_factory=dict)


def verify_chain(
    *,
    chunk_size: int = 20_000,
    checkpoints: Sequence[Checkpoint] = (),
    progress: Progress | None = None,
    progress_every: int = 1_000_000,
    workers: int | None = None,
    segments: int | None = None,
) -> tuple[int, ChainBreak | None]:
    """Verify the whole log; return how many entries were checked and the first break.

    ``workers`` processes share the work (default: one per CPU on PostgreSQL, at most 8), over
    ``segments`` runs of ids (default: four a worker, or one for this process alone). Inside a
    transaction (a test, a caller's atomic block) other processes could not see its uncommitted
    entries, so it is then always this process alone."""
    bounds = AuditEntry.objects.aggregate(low=Min("id"), high=Max("id"))
    low, high = bounds["low"], bounds["high"]
    if workers is None:
        workers = min(os.cpu_count() or 1, 8)
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        workers = 1
    head_ids = sorted({c.head_id for c in checkpoints})
    if low is None:
        return _join([], checkpoints, high)
    if head_ids:
        # A checkpointed head below the oldest entry left means entries removed from the start.
        low = min(low, head_ids[0])
    # Several segments a worker, so progress is reported as they finish and a slow one does not
    # leave the others idle.
    ranges = _ranges(low, high, segments or (workers * 4 if workers > 1 else 1))
    if workers > 1:
        found = _verify_in_parallel(ranges, head_ids, chunk_size, workers, progress)
    else:
        found = []
        done = 0
        for start, end in ranges:
            report = None if progress is None else _offset(progress, done)
            segment = verify_segment(start, end, head_ids, chunk_size, report, progress_every)
            found.append((start, segment))
            done += segment.count
    return _join(found, checkpoints, high)


def _offset(progress: Progress, done: int) -> Progress:
    """Progress of one segment reported as progress of the whole log."""
    return lambda checked: progress(done + checked)


def _ranges(low: int, high: int, parts: int) -> list[tuple[int, int]]:
    width = max(1, -(-(high - low + 1) // parts))
    return [(start, min(start + width - 1, high)) for start in range(low, high + 1, width)]


def _verify_in_parallel(
    ranges: list[tuple[int, int]],
    head_ids: list[int],
    chunk_size: int,
    workers: int,
    progress: Progress | None,
) -> list[tuple[int, Segment]]:
    # Forked children must not share this process's database connection.
    connections.close_all()
    results: dict[int, Segment] = {}
    done = 0
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        futures = {
            pool.submit(
                _segment_in_child,
                start,
                end,
                [h for h in head_ids if start <= h <= end],
                chunk_size,
            ): start
            for start, end in ranges
        }
        for future in as_completed(futures):
            segment = future.result()
            results[futures[future]] = segment
            done += segment.count
            if progress is not None:
                progress(done)
    return sorted(results.items())


def _segment_in_child(low: int, high: int, head_ids: list[int], chunk_size: int) -> Segment:
    try:
        return verify_segment(low, high, head_ids, chunk_size)
    finally:
        connections.close_all()


def verify_segment(
    low: int,
    high: int,
    head_ids: Sequence[int],
    chunk_size: int = 20_000,
    progress: Progress | None = None,
    progress_every: int = 1_000_000,
) -> Segment:
    """Verify the entries with ids from ``low`` to ``high``: links inside the segment and every
    keyed hash. Stops at the first break."""
    key = chain_key()
    segment = Segment()
    pending = iter(sorted(h for h in head_ids if low <= h <= high))
    next_head = next(pending, None)
    last_hash = None
    count = 0
    for entry_id, previous_hash, entry_hash, content in _chain_rows(low, high, chunk_size):
        while next_head is not None and next_head < entry_id:
            segment.heads[next_head] = (count, None)
            next_head = next(pending, None)
        if segment.first_id is None:
            segment.first_id, segment.first_previous = entry_id, previous_hash
        elif previous_hash != last_hash:
            segment.broken = ChainBreak(entry_id, BROKEN_LINK)
            break
        if chain_hash(key, previous_hash, canonical_form(content)) != entry_hash:
            segment.broken = ChainBreak(entry_id, ALTERED)
            break
        last_hash = entry_hash
        count += 1
        if next_head == entry_id:
            segment.heads[entry_id] = (count, entry_hash)
            next_head = next(pending, None)
        if progress is not None and count % progress_every == 0:
            progress(count)
    else:
        while next_head is not None:
            segment.heads[next_head] = (count, None)
            next_head = next(pending, None)
    segment.last_hash, segment.count = last_hash, count
    return segment


def _join(
    segments: list[tuple[int, Segment]], checkpoints: Sequence[Checkpoint], high: int | None
) -> tuple[int, ChainBreak | None]:
    """Check the seams between segments and the checkpoints against the segments' findings;
    return the total checked and the break with the lowest entry id."""
    by_head: dict[int, list[Checkpoint]] = {}
    for checkpoint in checkpoints:
        by_head.setdefault(checkpoint.head_id, []).append(checkpoint)
    offset = 0
    expected = GENESIS_HASH
    for _, segment in segments:
        found: list[tuple[int, int, ChainBreak]] = []  # (entry id, checked before it, break)
        if segment.first_id is not None and segment.first_previous != expected:
            found.append((segment.first_id, offset, ChainBreak(segment.first_id, BROKEN_LINK)))
        if segment.broken is not None:
            found.append((segment.broken.entry_id, offset + segment.count, segment.broken))
        for head_id, (position, head_hash) in segment.heads.items():
            for checkpoint in by_head[head_id]:
                if (head_hash, offset + position) != (checkpoint.head_hash, checkpoint.count):
                    before = offset + position - (head_hash is not None)
                    found.append((head_id, before, ChainBreak(head_id, _mismatch(checkpoint))))
        if found:
            _, checked, broken = min(found, key=lambda item: item[0])
            return checked, broken
        offset += segment.count
        expected = segment.last_hash or expected
    beyond = [c for c in checkpoints if high is None or c.head_id > high]
    if beyond:
        newest = max(beyond, key=attrgetter("head_id"))
        return offset, ChainBreak(
            newest.head_id,
            f"missing: the log ends after {offset} entries, but the checkpoint of "
            f"{newest.at.isoformat()} recorded {newest.count} entries up to this one "
            "(the newest entries were removed)",
        )
    return offset, None


def _mismatch(checkpoint: Checkpoint) -> str:
    return (
        f"it does not match the checkpoint of {checkpoint.at.isoformat()}, which recorded it as "
        f"entry {checkpoint.count} with hash {checkpoint.head_hash[:12]}... (removed or replaced)"
    )


_TIME, _RECIPIENTS, _DETAIL = (
    HASHED_FIELDS.index(name) for name in ("occurred_at", "recipients", "detail")
)
_COLUMNS = ", ".join(("id", "previous_hash", "entry_hash", *HASHED_FIELDS))
# Built from constant names only.
_SELECT = f"SELECT {_COLUMNS} FROM audit_auditentry WHERE id BETWEEN %s AND %s ORDER BY id"  # noqa: S608


def _chain_rows(low: int, high: int, chunk_size: int) -> Iterator[tuple[int, str, str, list[Any]]]:
    """Entries ``low`` to ``high`` in chain order as (id, previous hash, hash, values in
    ``HASHED_FIELDS`` order), read with plain SQL: the ORM's per-row conversions cost more than
    the hashing. Only the JSON columns (text from either database) and SQLite's zone-less times
    need converting here.

    On PostgreSQL the rows stream through a server-side cursor inside one transaction: outside
    one, Django declares the cursor WITH HOLD, and the server would copy the whole range before
    sending the first row. Not on SQLite, whose transactions here would take the write lock."""
    sqlite = connection.vendor == "sqlite"
    loads = json.loads
    with nullcontext() if sqlite else transaction.atomic():
        cursor = connection.chunked_cursor()
        try:
            cursor.execute(_SELECT, [low, high])
            while rows := cursor.fetchmany(chunk_size):
                for entry_id, previous_hash, entry_hash, *values in rows:
                    if sqlite:
                        # SQLite hands back the stored UTC time without its zone.
                        values[_TIME] = values[_TIME].replace(tzinfo=UTC)
                    values[_RECIPIENTS] = loads(values[_RECIPIENTS])
                    values[_DETAIL] = loads(values[_DETAIL])
                    yield entry_id, previous_hash, entry_hash, values
        finally:
            cursor.close()
