"""Celery tasks: thin, idempotent wrappers that load ids and call one service each."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from . import services


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def elearning_import(self: Any, import_id: str) -> str:
    """Import one uploaded e-learning export (``services.elearning_import_run``): safe to run
    twice, so a redelivered message after a lost worker does no harm."""
    try:
        record = services.elearning_import_run(import_id=import_id)
    except OSError:
        # Retried (a database or disk hiccup); the last failure is shown on the upload's page.
        if self.request.retries >= (self.max_retries or 0):
            services.elearning_import_fail(import_id=import_id)
        raise
    except Exception:
        services.elearning_import_fail(import_id=import_id)
        raise
    return record.status
