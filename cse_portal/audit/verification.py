"""Proving the audit log intact.

Every entry must carry the keyed MAC of its content and its place in its writer's run; each writer's
run must be whole (numbered 1, 2, 3... each entry naming the MAC of the one before); the sequenced
entries must hold the positions 1 to N without a gap, each with the keyed chain hash of the one
before, its position and its MAC; every signed checkpoint must meet the hash it recorded at its
position, and the log must reach the newest; and no entry may have waited for the sequencer longer
than ``AUDIT_UNSEQUENCED_MAX_SECONDS`` (the sequencer stopped, or someone holds entries back).

The sequenced positions are cut into segments, verified each on its own (in parallel processes on
PostgreSQL, whose server-side cursors stream each segment in constant memory), then the seams are
checked: each segment starts from the stored hash before it (which the segment before verified),
and each writer's first entry in a segment must follow its last entry in the segments before. The
entries past the last sequenced position when verification started (sequenced meanwhile, or still
waiting) are then verified in this process, in order. One segment, verified in this process, is the
same code with a single seam at the genesis hash."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import chain, islice
from multiprocessing import get_context
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from .checkpoints import Checkpoint
from .models import (
    FORM_2,
    GENESIS_HASH,
    HASHED_FIELDS,
    ChainMacs,
    canonical_json,
    canonical_text,
    chain_key,
)
from .sequencer import head

Progress = Callable[[int], None]

BROKEN_LINK = (
    "its link to the previous position is broken (an entry before it was removed, inserted or "
    "altered, or its chain hash was)"
)
ALTERED = "its content does not match its keyed MAC (altered)"
WRITER_BROKEN = (
    "its writer's run is broken (an earlier entry by the same writer was removed or altered)"
)


@dataclass(frozen=True)
class ChainBreak:
    """Where verification stopped: the entry's id when there is one (an entry that is missing has
    none, only the position it should hold), its position if sequenced, and why."""

    entry_id: int | None
    reason: str
    position: int | None = None

    def where(self) -> str:
        if self.entry_id is None:
            return f"position {self.position}"
        at = f"entry #{self.entry_id}"
        return at if self.position is None else f"{at} (position {self.position})"


@dataclass
class Segment:
    """What one run of positions showed. ``firsts`` holds, for each writer, its first entry in the
    segment as (position, id, writer_seq, writer_previous) and ``lasts`` its last as (writer_seq,
    mac): the seams to check against the segments before. ``heads`` maps each checkpoint position
    in range to the stored hash found there. ``broken`` is (entries intact before it, break)."""

    low: int
    start_hash: str | None = None
    last_hash: str | None = None
    count: int = 0
    broken: tuple[int, ChainBreak] | None = None
    firsts: dict[str, tuple[int, int, int, str]] = field(default_factory=dict)
    lasts: dict[str, tuple[int, str]] = field(default_factory=dict)
    heads: dict[int, str] = field(default_factory=dict)


def verify_chain(
    *,
    chunk_size: int = 20_000,
    checkpoints: Sequence[Checkpoint] = (),
    progress: Progress | None = None,
    progress_every: int = 1_000_000,
    workers: int | None = None,
    segments: int | None = None,
    now: datetime | None = None,
) -> tuple[int, ChainBreak | None]:
    """Verify the whole log; return how many entries were verified intact and the first break.

    ``workers`` processes share the sequenced entries (default on PostgreSQL: one more than the
    CPUs, at most 8, since each waits for its cursor's next rows while the database makes them),
    over ``segments`` runs of positions (default: four a worker, or one for this process
    alone). Inside a transaction (a test, a caller's atomic block) other processes could not see its
    uncommitted entries, so it is then always this process alone."""
    if workers is None:
        workers = min((os.cpu_count() or 1) + 1, 8)
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        workers = 1
    top = head()
    high = top[0] if top else 0
    positions = {c.count for c in checkpoints if c.count > 0}
    found: list[Segment] = []
    if high:
        ranges = _ranges(1, high, segments or (workers * 4 if workers > 1 else 1))
        if workers > 1:
            found = _verify_in_parallel(ranges, positions, chunk_size, workers, progress)
        else:
            for low, end in ranges:
                done = sum(segment.count for segment in found)
                report = None if progress is None else _offset(progress, done)
                found.append(
                    verify_segment(low, end, positions, chunk_size, report, progress_every)
                )
    checked, broken, writers, last_hash = _join(found, checkpoints, high)
    if broken is not None:
        return checked, broken
    tail_checked, broken = _verify_tail(high, last_hash, writers, chunk_size, now or timezone.now())
    if progress is not None and tail_checked:
        progress(checked + tail_checked)
    return checked + tail_checked, broken


def _offset(progress: Progress, done: int) -> Progress:
    """Progress of one segment reported as progress of the whole log."""
    return lambda checked: progress(done + checked)


def _ranges(low: int, high: int, parts: int) -> list[tuple[int, int]]:
    width = max(1, -(-(high - low + 1) // parts))
    return [(start, min(start + width - 1, high)) for start in range(low, high + 1, width)]


def _verify_in_parallel(
    ranges: list[tuple[int, int]],
    positions: set[int],
    chunk_size: int,
    workers: int,
    progress: Progress | None,
) -> list[Segment]:
    # Forked children must not share this process's database connection.
    connections.close_all()
    results: list[Segment] = []
    done = 0
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        futures = [
            pool.submit(
                _segment_in_child, low, end, {p for p in positions if low <= p <= end}, chunk_size
            )
            for low, end in ranges
        ]
        for future in as_completed(futures):
            segment = future.result()
            results.append(segment)
            done += segment.count
            if progress is not None:
                progress(done)
    return sorted(results, key=lambda segment: segment.low)


def _segment_in_child(low: int, high: int, positions: set[int], chunk_size: int) -> Segment:
    try:
        return verify_segment(low, high, positions, chunk_size)
    finally:
        connections.close_all()


def verify_segment(
    low: int,
    high: int,
    positions: set[int] | Sequence[int] = (),
    chunk_size: int = 20_000,
    progress: Progress | None = None,
    progress_every: int = 1_000_000,
) -> Segment:
    """Verify the entries at positions ``low`` to ``high``: MACs, chain links and writer runs
    inside the segment. Stops at the first break."""
    macs = ChainMacs(chain_key())
    entry_mac, chain_hash = macs.entry_mac, macs.chain_hash
    form_1 = _form_1_text()
    segment = Segment(low=low, start_hash=GENESIS_HASH if low == 1 else None)
    wanted = set(positions)
    firsts, lasts, heads = segment.firsts, segment.lasts, segment.heads
    previous = segment.start_hash
    expected = low
    count = 0
    # One position either side: the hash this segment starts from, and the entry that names a
    # gap at its end.
    for row in _rows(_SEQUENCED, [low - 1, high + 1], chunk_size):
        entry_id, position, writer, seq, writer_previous, mac, stored, canonical = row[:8]
        if row[9] is not None:  # form 1
            canonical = form_1(row)
        if position == low - 1:
            segment.start_hash = previous = stored
            continue
        if position > high and expected > high:
            break
        broken = None
        if position != expected:
            broken = _gap(entry_id, expected, position)
        elif entry_mac(writer, seq, writer_previous, canonical) != mac:
            broken = (position - 1, ChainBreak(entry_id, ALTERED, position))
        elif previous is None or chain_hash(previous, position, mac) != stored:
            broken = (position - 1, ChainBreak(entry_id, BROKEN_LINK, position))
        else:
            last = lasts.get(writer)
            if last is None:
                firsts[writer] = (position, entry_id, seq, writer_previous)
            elif (seq, writer_previous) != (last[0] + 1, last[1]):
                broken = (position - 1, ChainBreak(entry_id, WRITER_BROKEN, position))
        if broken is not None:
            segment.broken = broken
            break
        lasts[writer] = (seq, mac)
        previous = stored
        if position in wanted:
            heads[position] = stored
        expected += 1
        count += 1
        if progress is not None and count % progress_every == 0:
            progress(count)
    if segment.broken is None and expected <= high:
        segment.broken = (
            expected - 1,
            ChainBreak(None, f"missing (removed): positions {expected} to {high}", expected),
        )
    segment.last_hash, segment.count = previous, count
    return segment


def _gap(entry_id: int, expected: int, position: int) -> tuple[int, ChainBreak]:
    missing = (
        f"position {expected}"
        if position == expected + 1
        else (f"positions {expected} to {position - 1}")
    )
    return expected - 1, ChainBreak(
        entry_id, f"{missing} before it missing (removed): {BROKEN_LINK}", position
    )


def _join(
    segments: list[Segment], checkpoints: Sequence[Checkpoint], high: int
) -> tuple[int, ChainBreak | None, dict[str, tuple[int, str]], str]:
    """Check the seams between segments (chain and writers) and the checkpoints against the
    segments' findings. Returns the entries verified, the earliest break, and each writer's last
    (writer_seq, mac) and the chain's last hash, for the entries after them."""
    found: list[tuple[int, ChainBreak]] = []
    writers: dict[str, tuple[int, str]] = {}
    expected_hash = GENESIS_HASH
    heads: dict[int, str] = {}
    checked = 0
    for segment in segments:
        if segment.start_hash is not None and segment.start_hash != expected_hash:
            found.append((segment.low - 1, ChainBreak(None, BROKEN_LINK, segment.low)))
        for writer, (position, entry_id, seq, previous) in segment.firsts.items():
            if segment.broken is not None and position > segment.broken[1].position:
                continue
            last = writers.get(writer, (0, GENESIS_HASH))
            if (seq, previous) != (last[0] + 1, last[1]):
                found.append((position - 1, ChainBreak(entry_id, WRITER_BROKEN, position)))
        if segment.broken is not None:
            found.append(segment.broken)
        heads.update(segment.heads)
        if found:
            break
        writers.update(segment.lasts)
        checked += segment.count
        expected_hash = segment.last_hash or expected_hash
    for checkpoint in checkpoints:
        if checkpoint.count > high:
            found.append(
                (
                    high,
                    ChainBreak(
                        None,
                        f"missing: the log ends at position {high}, but the checkpoint of "
                        f"{checkpoint.at.isoformat()} recorded {checkpoint.count} entries "
                        "(the newest entries were removed)",
                        checkpoint.count,
                    ),
                )
            )
        elif checkpoint.count in heads and heads[checkpoint.count] != checkpoint.head_hash:
            found.append(
                (
                    checkpoint.count - 1,
                    ChainBreak(None, _mismatch(checkpoint), checkpoint.count),
                )
            )
    if found:
        before, broken = min(found, key=lambda item: item[0])
        return before, broken, writers, expected_hash
    return checked, None, writers, expected_hash


def _mismatch(checkpoint: Checkpoint) -> str:
    return (
        f"it does not match the checkpoint of {checkpoint.at.isoformat()}, which recorded the "
        f"hash {checkpoint.head_hash[:12]}... there (removed or replaced)"
    )


def _verify_tail(
    high: int,
    previous: str,
    writers: dict[str, tuple[int, str]],
    chunk_size: int,
    now: datetime,
) -> tuple[int, ChainBreak | None]:
    """The entries past position ``high``: those sequenced since verification started (in position
    order, continuing the chain), then those still waiting (in id order), each checked against its
    MAC and its writer's run, and none waiting too long."""
    macs = ChainMacs(chain_key())
    form_1 = _form_1_text()
    oldest = now - timedelta(seconds=settings.AUDIT_UNSEQUENCED_MAX_SECONDS)
    expected = high + 1
    count = 0
    for row in _rows(_TAIL, [high], chunk_size):
        entry_id, position, writer, seq, writer_previous, mac, stored, canonical, occurred = row[:9]
        if row[9] is not None:  # form 1
            canonical = form_1(row)
        if macs.entry_mac(writer, seq, writer_previous, canonical) != mac:
            return count, ChainBreak(entry_id, ALTERED, position)
        if position is not None:
            if position != expected:
                return count, _gap(entry_id, expected, position)[1]
            if macs.chain_hash(previous, position, mac) != stored:
                return count, ChainBreak(entry_id, BROKEN_LINK, position)
            previous = stored
            expected += 1
        last = writers.get(writer, (0, GENESIS_HASH))
        if (seq, writer_previous) != (last[0] + 1, last[1]):
            return count, ChainBreak(entry_id, WRITER_BROKEN, position)
        writers[writer] = (seq, mac)
        occurred_at = datetime.fromisoformat(occurred) if position is None else None
        if occurred_at is not None and occurred_at < oldest:
            waited = int((now - occurred_at).total_seconds())
            return count, ChainBreak(
                entry_id,
                f"it has waited {waited} s for the sequencer (more than "
                f"AUDIT_UNSEQUENCED_MAX_SECONDS, {settings.AUDIT_UNSEQUENCED_MAX_SECONDS} s): is "
                "beat running the sequencer? (`manage.py audit_sequence` runs it once)",
            )
        count += 1
    return count, None


_TIME, _RECIPIENTS, _DETAIL = (
    HASHED_FIELDS.index(name) for name in ("occurred_at", "recipients", "detail")
)
_OTHER_COLUMNS = ("id", "position", "writer", "writer_seq", "writer_previous", "mac", "entry_hash")
# PostgreSQL writes the time and the user id in their canonical text (``canonical_form``):
# cheaper than parsing them into Python objects only to format them again.
_PG_TIME = """to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""
# The columns whose text can hold nothing JSON escapes (digits, hex, fixed punctuation) are quoted
# as they are: ``to_json`` would scan each character for escaping (over 500,000 entries, 230 ms
# less for the time and 90 ms less for the user id).
_PG_QUOTED = {
    "occurred_at": _PG_TIME,
    "actor_id": "replace(actor_id::text, '-', '')",
    # The inet output function's text (no /32 on a single address), which ``abbrev`` gives.
    "ip_address": "abbrev(ip_address)",
}


def _pg_json(name: str) -> str:
    """SQL giving the column's value as ``canonical_form`` writes it. PostgreSQL's JSON string
    escaping is Python's with ``ensure_ascii=False`` (the quote, the backslash, \\b \\f \\n
    \\r \\t, other control characters as a lower-case \\u00xx, everything else as it is), so
    the scalar columns are written into the canonical text by the database, leaving Python only
    the two JSON columns, whose key order and spacing it must set itself."""
    if name in _PG_QUOTED:
        return f"""coalesce('"' || {_PG_QUOTED[name]} || '"', 'null')"""
    return f"coalesce(to_json({name})::text, 'null')"


#: ``canonical_text`` (form 2) as PostgreSQL writes it: the whole content in one column, from
#: output functions and ``concat`` alone (the time's output function, in the ISO style set for
#: the transaction, took 6 ms over 500,000 entries where ``to_char`` took 468).
_FORM_2 = (
    "concat((occurred_at AT TIME ZONE 'UTC')::text, '|', "
    "coalesce(replace(actor_id::text, '-', ''), '-'), '|', "
    + ", ".join(
        f"octet_length({name}), ':', {name}"
        for name in HASHED_FIELDS[HASHED_FIELDS.index("actor_username") : _RECIPIENTS]
    )
    + ", '|', recipients::text, '|', detail::text, '|', coalesce(ip_address::text, '-'))"
)
_IS_FORM_2 = f"starts_with(writer, '{FORM_2}')"


def _select(where: str) -> str:
    if connection.vendor == "postgresql":
        head = HASHED_FIELDS[:_RECIPIENTS]
        form_1 = f"NOT {_IS_FORM_2}"
        columns = (
            *_OTHER_COLUMNS,
            # Form 2's whole text, or form 1's head: one concat_ws a part, as a chain of || copies
            # the growing text at every step. Form 1's other parts only for its entries.
            f"CASE WHEN {_IS_FORM_2} THEN {_FORM_2} ELSE "
            f"'[' || concat_ws(',', {', '.join(_pg_json(name) for name in head)}) || ',' END",
            # The time again, only where the entry waits for the sequencer (``_verify_tail``).
            f"CASE WHEN position IS NULL THEN {_PG_TIME} END",
            f"CASE WHEN {form_1} THEN recipients::text END",
            f"CASE WHEN {form_1} THEN detail::text END",
            f"CASE WHEN {form_1} THEN ',' || concat_ws(',', "
            + ", ".join(_pg_json(n) for n in HASHED_FIELDS[_DETAIL + 1 :])
            + ") || ']' END",
        )
    else:
        columns = (*_OTHER_COLUMNS, *HASHED_FIELDS)
    # Built from constant names only.
    return f"SELECT {', '.join(columns)} FROM audit_auditentry WHERE {where}"  # noqa: S608


_CANONICAL_CACHE = 10_000

_SEQUENCED = "position BETWEEN %s AND %s ORDER BY position"
_TAIL = "position > %s OR position IS NULL ORDER BY position NULLS LAST, id"


def _rows(where: str, params: list[Any], chunk_size: int) -> Iterator[tuple[Any, ...]]:
    # Chained in C, a chunk at a time: a generator resumed for every row costs more.
    return chain.from_iterable(_chunks(where, params, chunk_size))


def _chunks(where: str, params: list[Any], chunk_size: int) -> Iterator[Sequence[tuple[Any, ...]]]:
    """The rows of ``where`` as (id, position, writer, writer_seq, writer_previous, mac, entry_hash,
    the content's text, the time in its canonical text where the entry waits for the sequencer,
    then three parts of form 1 or three None), read with plain SQL: the ORM's per-row conversions
    cost more than the hashing. The content's text is whole for form 2; for form 1 it is the head
    of the text, which ``_form_1_text`` completes from the three parts.

    On PostgreSQL the database writes the text (``_FORM_2``; for form 1 the scalar columns,
    ``_pg_json``), and the rows stream through a server-side cursor inside one transaction:
    outside one, Django declares the cursor WITH HOLD, and the server would copy the whole range
    before sending the first row. The driver's rows are handed on as they are. Not on SQLite,
    whose transactions here would take the write lock; there the content is read as values and
    written out here."""
    if connection.vendor == "sqlite":
        rows = _sqlite_rows(where, params)
        while chunk := list(islice(rows, chunk_size)):
            yield chunk
        return
    with transaction.atomic():
        with connection.cursor() as setting:
            # How form 2's time is written, whatever the server's default.
            setting.execute("SET LOCAL DateStyle = 'ISO'")
        cursor = connection.chunked_cursor()
        try:
            cursor.execute(_select(where), params)
            while rows := cursor.fetchmany(chunk_size):
                yield rows
        finally:
            cursor.close()


def _sqlite_rows(where: str, params: list[Any]) -> Iterator[tuple[Any, ...]]:
    loads = json.loads
    with connection.cursor() as cursor:
        cursor.execute(_select(where), params)
        for row in cursor:
            values = list(row[7:])
            # SQLite hands back the stored UTC time without its zone, and the user id already
            # without dashes.
            occurred_at = values[_TIME].replace(tzinfo=UTC)
            occurred = occurred_at.isoformat(timespec="microseconds")
            values[_RECIPIENTS] = loads(values[_RECIPIENTS])
            values[_DETAIL] = loads(values[_DETAIL])
            if row[2].startswith(FORM_2):
                values[_TIME] = occurred_at
                canonical = canonical_text(values)
            else:
                values[_TIME] = occurred
                canonical = canonical_json(values)
            yield (*row[:7], canonical, occurred, None, None, None)


def _form_1_text() -> Callable[[tuple[Any, ...]], str]:
    """Completes a form 1 row's text: its head, its two JSON columns as ``canonical_form`` writes
    them, and its tail. The JSON columns' stored text and its canonical form are kept for the
    texts that recur (most entries disclose to nobody, and a consultation's detail is one of a
    handful): parsing and writing the same text again would give the same result. Bounded, as a
    list page's detail is unique."""
    loads, encode = json.loads, canonical_json
    canonical_of: dict[str, str] = {}

    def canonical_json_of(text: str) -> str:
        canonical = canonical_of.get(text)
        if canonical is None:
            canonical = encode(loads(text))
            if len(canonical_of) < _CANONICAL_CACHE:
                canonical_of[text] = canonical
        return canonical

    def complete(row: tuple[Any, ...]) -> str:
        head, _, recipients, detail, tail = row[7:]
        return f"{head}{canonical_json_of(recipients)},{canonical_json_of(detail)}{tail}"

    return complete
