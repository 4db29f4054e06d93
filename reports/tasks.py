"""Celery tasks: thin, idempotent wrappers that take ids and call one service each.

``report_generate`` acknowledges late (a worker killed mid-report leaves the message to be
delivered again; the broker's visibility timeout is longer than the longest report) and its
service claims the run with a lease, so a second delivery of a run being worked on, or of one
already done, does nothing. Failures retry with back-off; the error is kept on the run."""

from __future__ import annotations

from smtplib import SMTPException
from typing import Any

from celery import shared_task

from . import services


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def report_generate(self: Any, run_id: str) -> bool:
    try:
        return services.report_generate(run_id=run_id)
    except Exception as error:
        from .models import ReportRun, RunStatus

        if ReportRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).exists():
            raise self.retry(exc=error, countdown=min(60, 5 * 2**self.request.retries)) from error
        raise


@shared_task(acks_late=True)
def reports_resume_stalled() -> int:
    """Beat, every minute."""
    return services.reports_resume_stalled()


@shared_task(acks_late=True)
def subscriptions_generate() -> int:
    """Beat, daily."""
    return services.subscriptions_generate()


@shared_task(acks_late=True)
def reports_delete_expired() -> int:
    """Beat, daily."""
    return services.reports_delete_expired()


@shared_task(acks_late=True, autoretry_for=(SMTPException, OSError), retry_backoff=True)
def report_notice_send(notice_id: int) -> bool:
    return services.report_notice_send(notice_id=notice_id)


@shared_task(acks_late=True)
def report_notices_send_pending() -> int:
    """Beat, every minute: notices the broker never delivered or whose worker died."""
    return services.report_notices_send_pending()
