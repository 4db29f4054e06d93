"""Celery tasks: thin, idempotent wrappers that call one service each."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def audit_checkpoint_write() -> int | None:
    """Celery beat, every ``AUDIT_CHECKPOINT_SECONDS``: sign the chain's head into the checkpoint
    file (sequencing what waits first). Returns the head's position checkpointed, or None when the
    last checkpoint already had it."""
    checkpoint = services.audit_checkpoint_write()
    return checkpoint.count if checkpoint else None


@shared_task(acks_late=True)
def audit_sequence() -> int:
    """Celery beat, every ``AUDIT_SEQUENCE_SECONDS``: chain the entries written since the last run
    (nothing when another run holds the sequencer's lock). Returns how many were sequenced."""
    return services.audit_sequence()
