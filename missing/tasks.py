"""Celery tasks: thin, idempotent wrappers that load ids and call one service each."""

from __future__ import annotations

from celery import shared_task

from . import importing, services, tally


@shared_task(
    acks_late=True, reject_on_worker_lost=True, autoretry_for=(OSError,), retry_backoff=True
)
def police_import_run(import_id: str) -> str:
    """Import (or resume importing) a police file. A worker lost mid-file leaves the message
    unacknowledged; the next worker resumes from the last committed batch."""
    return importing.import_run(import_id=import_id).status


@shared_task(acks_late=True)
def long_episodes_check() -> int:
    """Celery beat, every 15 minutes: open episodes past the long-episode rule fire it."""
    return services.long_episodes_check()


@shared_task(acks_late=True)
def episode_tally_compact() -> int:
    """Celery beat, nightly: the episode tally's ledger folded into a row a period and count (the
    reports' missing figures unchanged, read off fewer rows)."""
    return tally.compact()


@shared_task(acks_late=True)
def episode_tally_rebuild() -> int:
    """The episode tally written afresh from every episode (``manage.py missing_tally_rebuild``
    does the same from the command line)."""
    return tally.rebuild()
