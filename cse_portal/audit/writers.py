"""Writers of the audit log: each process, and each thread in it, writes its own run of entries.

A writer has a random name and links every entry it writes to its previous one (``writer_seq``
counts them, ``writer_previous`` carries the previous entry's MAC), so no two writers ever contend
for anything and one entry is one INSERT. Removing or reordering a writer's entries breaks its run,
which ``verify_audit`` checks; the sequencer (``sequencer.py``) later ties all runs into one chain.

A writer moves on to an entry only once the transaction that wrote it has committed: an entry
rolled back (with its transaction or a savepoint) never existed, so the next one must not link to
it. Until the commit, the entries written in the open transaction are found in its on-commit
callbacks, which Django drops with a savepoint that rolls back.
"""

from __future__ import annotations

import os
import secrets
import threading
from dataclasses import dataclass

from django.db import connection, transaction

from .models import FORM_2, GENESIS_HASH

_local = threading.local()


@dataclass
class Writer:
    name: str
    pid: int
    seq: int = 0
    mac: str = GENESIS_HASH


def current() -> Writer:
    """This thread's writer (a new one after a fork: a child must not continue its parent's run)."""
    writer = getattr(_local, "writer", None)
    if writer is None or writer.pid != os.getpid():
        writer = new()
    return writer


def new() -> Writer:
    """Start a fresh writer for this thread (a random name, an empty run), writing form 2."""
    _local.writer = Writer(name=f"{FORM_2}{secrets.token_hex(8)}", pid=os.getpid())
    return _local.writer


@dataclass(frozen=True)
class _Advance:
    """The on-commit callback of one entry: once committed, the writer's run continues from it."""

    writer: Writer
    seq: int
    mac: str

    def __call__(self) -> None:
        if self.seq > self.writer.seq:
            self.writer.seq, self.writer.mac = self.seq, self.mac


def link(writer: Writer) -> tuple[int, str]:
    """The (number, MAC) of the writer's last entry that still stands: the newest one written in
    this transaction (and not rolled back with a savepoint), else the last one committed."""
    # Django's list of (savepoint ids, callback, robust) waiting for this transaction's commit.
    for _, callback, *_ in reversed(connection.run_on_commit):
        if isinstance(callback, _Advance) and callback.writer is writer:
            return callback.seq, callback.mac
    return writer.seq, writer.mac


def written(writer: Writer, seq: int, mac: str) -> None:
    """Record that the entry (``seq``, ``mac``) was inserted in the open transaction."""
    transaction.on_commit(_Advance(writer, seq, mac))
