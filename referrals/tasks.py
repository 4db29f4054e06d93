"""Celery tasks: thin, idempotent wrappers that load ids and call one service each."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from . import services


@shared_task(
    acks_late=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=10,
)
def notification_send(notification_id: int) -> bool:
    """Email the team managers about one referral (urgent, or a new self-referral)."""
    return services.notification_send(notification_id=notification_id)


@shared_task(acks_late=True)
def notifications_send_pending() -> int:
    """Celery beat, every minute: send what the outbox still holds (the broker was down, or the
    worker died before sending) and forget rate-limit rows past their window."""
    services.public_submissions_prune()
    return services.notifications_send_pending()


@shared_task(acks_late=True, autoretry_for=(SMTPException, OSError), retry_backoff=True)
def overdue_triage_summary() -> int:
    """Celery beat, daily: the referrals waiting longer than the triage target."""
    return services.overdue_triage_summary_send()
