"""Convert the entries written under the locked chain: first prove that chain intact (every link,
every keyed hash, every signed checkpoint met), refusing to convert a log that is not; then make
them one writer's run, numbered in id order, sequenced at positions 1 to N; and rewrite the signed
checkpoints for the new chain (the same counts, each with the new chain's hash at that position),
keeping the old file beside it as ``<name>.pre-sequencer``.

The hashing here is frozen as it was written, so later changes to the models cannot change what
this migration does."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import migrations

WRITER = "pre-sequencer"
GENESIS = "0" * 64
BATCH = 5_000
HASHED = (
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
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _canonical(values) -> str:
    occurred_at, actor_id, *rest = values
    return _ENCODER.encode(
        [
            occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            str(actor_id).replace("-", "") if actor_id else None,
            *rest,
        ]
    )


def _hmac(key: bytes, message: str) -> str:
    return hmac.digest(key, message.encode(), hashlib.sha256).hex()


def _old_checkpoints(path: Path, key: bytes) -> list[dict]:
    if not path.exists():
        return []
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        record = json.loads(line)
        fields = record["checkpoint"]
        payload = json.dumps(fields, sort_keys=True, separators=(",", ":"))
        if "head_id" not in fields or not hmac.compare_digest(
            str(record["hmac"]), _hmac(key, payload)
        ):
            raise RuntimeError(
                f"audit checkpoint file {path}, line {number}: not a valid signed checkpoint of "
                "the locked chain; the audit log was not converted"
            )
        found.append(fields)
    return found


class _Refused(RuntimeError):
    pass


def convert(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_auditentry")
        total = cursor.fetchone()[0]
    if not total:
        # A new database: nothing written yet, and whatever checkpoint file the settings name
        # belongs to another database.
        return
    key = settings.AUDIT_CHAIN_KEY.encode()
    path = Path(settings.AUDIT_CHECKPOINT_PATH)
    olds = _old_checkpoints(path, key)
    heads = {int(c["head_id"]): c for c in olds}
    new_hashes: dict[int, str] = {}  # old head id -> new chain hash at its position
    sqlite = connection.vendor == "sqlite"
    columns = ", ".join(("id", "previous_hash", "entry_hash", *HASHED))
    select = f"SELECT {columns} FROM audit_auditentry ORDER BY id"  # noqa: S608
    reader = connection.chunked_cursor() if not sqlite else connection.cursor()
    writer = connection.cursor()
    expected = GENESIS
    chain = GENESIS
    last_mac = GENESIS
    position = 0
    try:
        reader.execute(select)
        while rows := reader.fetchmany(BATCH):
            updates = []
            for entry_id, previous_hash, entry_hash, *values in rows:
                if sqlite:
                    values[0] = values[0].replace(tzinfo=UTC)
                values[11] = json.loads(values[11])
                values[12] = json.loads(values[12])
                canonical = _canonical(values)
                intact = previous_hash == expected and hmac.compare_digest(
                    _hmac(key, f"{previous_hash}\n{canonical}"), entry_hash
                )
                if not intact:
                    raise _Refused(
                        f"the audit chain is broken at entry #{entry_id}; the audit log was not "
                        "converted (run verify_audit of the previous release to see why)"
                    )
                expected = entry_hash
                position += 1
                mac = _hmac(key, f"{WRITER}\n{position}\n{last_mac}\n{canonical}")
                chain = _hmac(key, f"{chain}\n{position}\n{mac}")
                updates.append((WRITER, position, last_mac, mac, position, chain, entry_id))
                last_mac = mac
                head = heads.get(entry_id)
                if head is not None:
                    if (head["head_hash"], int(head["count"])) != (entry_hash, position):
                        raise _Refused(
                            f"entry #{entry_id} does not match its signed checkpoint; the audit "
                            "log was not converted"
                        )
                    new_hashes[entry_id] = chain
            _write(writer, updates, sqlite)
    finally:
        reader.close()
        writer.close()
    missing = [head_id for head_id in heads if head_id not in new_hashes]
    if missing:
        raise _Refused(
            f"entry #{max(missing)} is named by a signed checkpoint but is not in the log (the "
            "newest entries were removed); the audit log was not converted"
        )
    _rewrite_checkpoints(path, key, olds, new_hashes)


def _write(cursor, updates, sqlite: bool) -> None:
    if not sqlite:
        from psycopg2.extras import execute_values

        execute_values(
            cursor.cursor,
            "UPDATE audit_auditentry AS e SET writer = v.writer, writer_seq = v.seq, "
            "writer_previous = v.previous, mac = v.mac, position = v.position, "
            "entry_hash = v.chain FROM (VALUES %s) AS v (writer, seq, previous, mac, position, "
            "chain, id) WHERE e.id = v.id",
            updates,
            template="(%s, %s::bigint, %s, %s, %s::bigint, %s, %s::bigint)",
            page_size=len(updates),
        )
        return
    cursor.executemany(
        "UPDATE audit_auditentry SET writer = %s, writer_seq = %s, writer_previous = %s, "
        "mac = %s, position = %s, entry_hash = %s WHERE id = %s",
        updates,
    )


def _rewrite_checkpoints(path: Path, key: bytes, olds, new_hashes) -> None:
    if not olds:
        return
    lines = []
    for old in olds:
        fields = {
            "at": datetime.fromisoformat(old["at"]).isoformat(),
            "count": int(old["count"]),
            "head_hash": new_hashes[int(old["head_id"])],
        }
        payload = json.dumps(fields, sort_keys=True, separators=(",", ":"))
        lines.append(
            json.dumps(
                {"checkpoint": fields, "hmac": _hmac(key, payload)},
                sort_keys=True,
                separators=(",", ":"),
            )
        )
    kept = path.with_name(path.name + ".pre-sequencer")
    fresh = path.with_name(path.name + ".converting")
    fresh.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.chmod(fresh, 0o600)
    os.replace(path, kept)
    os.replace(fresh, path)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_writer_runs_and_positions")]

    # Converting a log that has been written cannot be undone: the old hashes are replaced.
    operations = [migrations.RunPython(convert)]
