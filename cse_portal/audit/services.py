"""Writing the audit log. Callers write the entry inside the transaction of the action it records,
so an action and its entry are committed, or rolled back, together. Writing takes no lock: the entry
joins its writer's run (``writers.py``) and the sequencer chains it later (``sequencer.py``).

An entry is one INSERT. Inside the caller's transaction it takes no savepoint of its own: an entry
that fails to be written marks the whole transaction for rollback, so no action is committed
without its entry. Outside one (a page that only read) the INSERT commits by itself, without a
BEGIN and a COMMIT around it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils import timezone

from . import checkpoints, sequencer, writers
from .models import AuditAction, AuditEntry


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def audit_record(
    *,
    actor: Any,
    action: AuditAction | str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    subject_id: Any = None,
    summary: str = "",
    justification: str = "",
    recipients: Iterable[str] = (),
    detail: dict[str, Any] | None = None,
    ip_address: str | None = None,
    actor_username: str = "",
) -> AuditEntry:
    """Append one entry to the log.

    ``actor`` is the user who acted (None for the public or the system); ``obj`` the record acted
    on (or give ``object_type``/``object_id``); ``subject_id`` the young person it concerns, so that
    "who has accessed this record" finds it; ``recipients`` whoever personal data was disclosed to.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    signed_in = actor is not None and getattr(actor, "is_authenticated", False)
    agency = getattr(actor, "agency", None) if signed_in else None
    entry = AuditEntry(
        actor=actor if signed_in else None,
        actor_username=actor.get_username() if signed_in else actor_username,
        actor_agency=agency.name if agency else "",
        actor_role=(actor.role or "") if signed_in else "",
        action=str(action),
        object_type=object_type,
        object_id=str(object_id),
        subject_id=str(subject_id) if subject_id else "",
        summary=summary[:255],
        justification=justification,
        recipients=[str(r) for r in recipients],
        detail=_json_safe(detail or {}),
        ip_address=ip_address,
    )
    entry.full_clean(
        exclude=[
            "writer",
            "writer_seq",
            "writer_previous",
            "mac",
            "position",
            "entry_hash",
            "actor",
        ],
        # The fields' own checks above already refuse an unknown action; the database's check
        # constraint refuses it again. Validating constraints here would only repeat that, at the
        # cost of a savepoint and a query on every audited page.
        validate_unique=False,
        validate_constraints=False,
    )
    writer = writers.current()
    seq, previous = writers.link(writer)
    entry.writer, entry.writer_seq, entry.writer_previous = writer.name, seq + 1, previous
    entry.mac = entry.compute_mac()
    entry.save(force_insert=True)
    writers.written(writer, entry.writer_seq, entry.mac)
    return entry


def audit_consultation(
    *,
    actor: Any,
    obj: models.Model,
    subject_id: Any,
    channel: str,
    subjects: list[str] | None = None,
) -> AuditEntry:
    """Record that ``actor`` was handed ``obj`` to read. Written by each app's access funnel, so a
    page or API view that fetched a record is audited because it fetched it. ``subjects``: the
    young people a record about several shows ``actor`` (as a list page's entry names them)."""
    label = obj._meta.verbose_name.capitalize()
    detail: dict[str, Any] = {"channel": channel}
    if subjects is not None:
        detail["subjects"] = sorted(subjects)
    return audit_record(
        actor=actor,
        action=AuditAction.CONSULT,
        obj=obj,
        subject_id=subject_id,
        summary=f"{label} viewed ({channel})",
        detail=detail,
    )


def audit_page_shown(
    *,
    actor: Any,
    object_type: str,
    label: str,
    channel: str,
    shown: list[str],
    subjects: list[str],
    result_count: int,
    criteria: dict[str, str] | None = None,
) -> AuditEntry:
    """Record one page of a list: who looked, where, with what criteria, how many records matched
    and exactly which were on the page (``shown``) about which young people (``subjects``), so a
    list is as accountable as a record."""
    return audit_record(
        actor=actor,
        action=AuditAction.SEARCH,
        object_type=object_type,
        summary=f"{label} listed ({channel}, {len(shown)} shown of {result_count})",
        detail={
            "channel": channel,
            "results": result_count,
            "shown": shown,
            "subjects": subjects,
            "criteria": criteria or {},
        },
    )


def audit_checkpoint_write() -> checkpoints.Checkpoint | None:
    """Sequence what is waiting, then append a signed checkpoint of the chain's head (its position,
    which is the number of entries up to it, and its hash) to the checkpoint file, unless the last
    one already records this head (so running it twice, or retrying it, writes nothing new).
    Returns the checkpoint written, or None.

    A head older than the last checkpoint's means entries were removed since: that is refused
    with ``checkpoints.ChainCutError`` rather than written down as the new truth."""
    sequencer.sequence_pending()
    last = checkpoints.latest()
    head = sequencer.head()
    if head is None and last is None:
        return None
    count, head_hash = head or (0, "")
    if last is not None and last.count == count:
        return None
    if last is not None and count < last.count:
        newest = f"position {count}" if head else "none"
        raise checkpoints.ChainCutError(
            f"the audit log's newest entry is {newest}, but the checkpoint of "
            f"{last.at.isoformat()} recorded position {last.count}: entries were removed"
        )
    checkpoint = checkpoints.Checkpoint(count=count, head_hash=head_hash, at=timezone.now())
    checkpoints.append(checkpoint)
    return checkpoint


def audit_sequence() -> int:
    """Celery beat, every ``AUDIT_SEQUENCE_SECONDS``: chain the entries written since the last run.
    Returns how many were sequenced (0 when another sequencer holds the lock)."""
    return sequencer.sequence_pending()
