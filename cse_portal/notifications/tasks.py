"""Celery tasks: thin, idempotent wrappers over the outbox's services."""

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
    return services.notification_send(notification_id=notification_id)


@shared_task(acks_late=True)
def notifications_send_pending() -> int:
    """Celery beat, every minute: what the outbox still holds (broker down, worker died)."""
    return services.notifications_send_pending()
