"""Celery tasks: thin, idempotent wrappers that load ids and call one service each."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def public_submissions_prune() -> int:
    """Celery beat, every minute: forget rate-limit rows past their window."""
    return services.public_submissions_prune()


@shared_task(acks_late=True, autoretry_for=(SMTPException, OSError), retry_backoff=True)
def overdue_triage_summary() -> int:
    """Celery beat, daily: the referrals waiting longer than the triage target."""
    return services.overdue_triage_summary_send()
