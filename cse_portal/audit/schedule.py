"""Celery beat's schedule for the audit log: the sequencer every ``AUDIT_SEQUENCE_SECONDS`` and a
signed checkpoint every ``AUDIT_CHECKPOINT_SECONDS`` (written by migration 0004 and after every
migrate; ``cse_portal.beat``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from cse_portal import beat

CHECKPOINT = "audit: signed checkpoint of the chain"
SEQUENCE = "audit: sequence new entries into the chain"


def ensure_beat_schedule(apps: Any, using: str = "default") -> None:
    beat.every(
        apps,
        using,
        name=CHECKPOINT,
        task="cse_portal.audit.tasks.audit_checkpoint_write",
        seconds=settings.AUDIT_CHECKPOINT_SECONDS,
    )
    beat.every(
        apps,
        using,
        name=SEQUENCE,
        task="cse_portal.audit.tasks.audit_sequence",
        seconds=settings.AUDIT_SEQUENCE_SECONDS,
    )
