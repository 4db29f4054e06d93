"""The Celery tasks: retried, idempotent, and on Celery beat's schedule."""

from __future__ import annotations

import datetime as dt

import pytest
from celery.exceptions import Retry
from django.core import mail
from django_celery_beat.models import PeriodicTask

from cse_portal.notifications import tasks as outbox_tasks
from cse_portal.notifications.models import Notification
from referrals import tasks
from referrals.models import Referral

from .conftest import self_referral, submit

pytestmark = pytest.mark.django_db


def pending_notification() -> Notification:
    referral = self_referral()
    return Notification.objects.get(key__startswith=f"referrals:{referral.pk}:")


def test_a_failing_mail_server_is_retried_and_the_notification_kept(
    people, managers_with_email, settings
):
    assert OSError in outbox_tasks.notification_send.autoretry_for
    settings.EMAIL_BACKEND = "tests.referrals.failing_backend.FailingBackend"
    notification = pending_notification()
    # Eagerly, Celery reports the scheduled retry as ``Retry``.
    with pytest.raises((OSError, Retry)):
        outbox_tasks.notification_send.delay(notification.pk)
    notification.refresh_from_db()
    assert notification.sent_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox_tasks.notification_send.delay(notification.pk).get() is True
    assert len(mail.outbox) == 1


def test_sending_twice_sends_once(people, managers_with_email):
    notification = pending_notification()
    assert outbox_tasks.notification_send.delay(notification.pk).get() is True
    assert outbox_tasks.notification_send.delay(notification.pk).get() is False
    assert len(mail.outbox) == 1


def test_the_daily_summary_task_emails_the_overdue(people, managers_with_email):
    referral = submit(people.frank)
    Referral.objects.filter(pk=referral.pk).update(
        submitted_at=referral.submitted_at - dt.timedelta(days=5)
    )
    assert tasks.overdue_triage_summary.delay().get() == 1
    assert referral.reference in mail.outbox[0].body


def test_beat_runs_the_outbox_every_minute_and_the_summary_daily(db):
    outbox = PeriodicTask.objects.get(
        task="cse_portal.notifications.tasks.notifications_send_pending"
    )
    assert (outbox.interval.every, outbox.interval.period) == (60, "seconds")
    summary = PeriodicTask.objects.get(task="referrals.tasks.overdue_triage_summary")
    assert (summary.crontab.hour, summary.crontab.minute) == ("8", "0")
