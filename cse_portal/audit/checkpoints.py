"""Signed checkpoints of the audit chain, kept outside the database.

A hash chain proves that nothing inside it was changed, but not that nothing was cut off its end:
delete the newest entries and what remains is still a perfect chain. So beat appends, every
``AUDIT_CHECKPOINT_SECONDS``, one line to ``AUDIT_CHECKPOINT_PATH``: how many entries the chain held
(which is the position of the newest, positions being gapless from 1), the newest's chain hash, and
when, signed with ``AUDIT_CHAIN_KEY``. Someone who can rewrite
the database but not that file (or not forge its signature) can no longer shorten the log unseen.

The file is JSON Lines, one checkpoint a line, only ever appended to.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings

from .models import chain_key

# Far longer than one line (about 200 bytes), so the last line is always whole in the tail read.
_TAIL_BYTES = 4096


@dataclass(frozen=True)
class Checkpoint:
    count: int  # also the head's position
    head_hash: str
    at: datetime

    def payload(self) -> str:
        return json.dumps(
            {
                "at": self.at.isoformat(),
                "count": self.count,
                "head_hash": self.head_hash,
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    def signature(self, key: bytes) -> str:
        return hmac.digest(key, self.payload().encode(), hashlib.sha256).hex()


class CheckpointError(Exception):
    """A checkpoint file that cannot be trusted: ``line`` is its 1-based line number."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


class ChainCutError(RuntimeError):
    """The log's head is older than the last checkpoint's: its newest entries were removed."""


def checkpoint_path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_PATH)


def append(checkpoint: Checkpoint) -> None:
    """Append one signed line and force it to disk before returning, so a checkpoint that was
    reported written survives a crash."""
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(
        {"checkpoint": json.loads(checkpoint.payload()), "hmac": checkpoint.signature(chain_key())},
        sort_keys=True,
        separators=(",", ":"),
    )
    # O_APPEND: every write lands at the end whatever else has the file open.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def _parse(number: int, line: str, key: bytes) -> Checkpoint:
    try:
        record = json.loads(line)
        fields = record["checkpoint"]
        checkpoint = Checkpoint(
            count=int(fields["count"]),
            head_hash=str(fields["head_hash"]),
            at=datetime.fromisoformat(fields["at"]),
        )
        signature = str(record["hmac"])
    except (ValueError, KeyError, TypeError) as error:
        raise CheckpointError(number, f"unreadable ({error})") from error
    if not hmac.compare_digest(signature, checkpoint.signature(key)):
        raise CheckpointError(number, "its signature is wrong (forged or altered)")
    return checkpoint


def latest() -> Checkpoint | None:
    """The newest checkpoint, read from the end of the file (which grows by a line a minute for
    years), its signature checked."""
    path = checkpoint_path()
    if not path.exists():
        return None
    with path.open("rb") as file:
        size = file.seek(0, os.SEEK_END)
        file.seek(max(0, size - _TAIL_BYTES))
        tail = file.read().decode("utf-8", errors="replace")
    lines = [line for line in tail.splitlines() if line.strip()]
    if not lines:
        return None
    # The line number is not known without reading the whole file: -1 says "the last line".
    return _parse(-1, lines[-1], chain_key())


def read_all() -> list[Checkpoint]:
    """Every checkpoint in the file, in the order written, each signature checked. Raises
    ``CheckpointError`` naming the first line that is unreadable, badly signed, or goes backwards
    (a count that shrinks means lines were reordered or spliced in)."""
    path = checkpoint_path()
    if not path.exists():
        return []
    key = chain_key()
    checkpoints: list[Checkpoint] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            checkpoint = _parse(number, line, key)
            if checkpoints and checkpoint.count < checkpoints[-1].count:
                raise CheckpointError(number, "it records fewer entries than the line before it")
            checkpoints.append(checkpoint)
    return checkpoints
