"""The outbox: claimed with a lease, marked sent only after sending, swept when a lease runs out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from cse_portal.notifications import services
from cse_portal.notifications.models import Notification

pytestmark = pytest.mark.django_db

SEEN_DURING_SEND: list[Notification] = []


class RecordingBackend(EmailBackend):
    """Notes the outbox row as the mail server receives the message."""

    def send_messages(self, messages: Any) -> int:
        SEEN_DURING_SEND.append(Notification.objects.get())
        return super().send_messages(messages)


@pytest.fixture
def managers(people) -> list[str]:
    people.manager.email = "manager@example.org"
    people.manager.save(update_fields=["email"])
    Notification.objects.all().delete()  # the personas' own role notices
    return ["manager@example.org"]


def queue(key: str = "test:1") -> Notification:
    return services.notification_queue(
        key=key, recipient_role="team_manager", subject="Something to see", body="A link"
    )


def test_the_same_key_is_one_notification(managers):
    assert queue().pk == queue().pk
    assert Notification.objects.count() == 1


def test_it_is_marked_sent_only_after_the_mail_server_took_it(managers, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_services.RecordingBackend"
    SEEN_DURING_SEND.clear()
    notification = queue()
    assert services.notification_send(notification_id=notification.pk) is True
    [during] = SEEN_DURING_SEND
    assert during.sent_at is None
    assert during.claimed_until > timezone.now()
    notification.refresh_from_db()
    assert notification.sent_at is not None
    assert notification.claimed_until is None
    assert [m.to for m in mail.outbox] == [managers]


def test_a_notification_under_someone_elses_lease_is_left_alone(managers):
    notification = queue()
    Notification.objects.update(claimed_until=timezone.now() + timedelta(minutes=1))
    assert services.notification_send(notification_id=notification.pk) is False
    assert services.notifications_send_pending() == 0
    assert mail.outbox == []


def test_once_the_lease_runs_out_the_sweep_sends_it(managers):
    queue()
    Notification.objects.update(claimed_until=timezone.now() - timedelta(seconds=1), attempts=1)
    assert services.notifications_send_pending() == 1
    notification = Notification.objects.get()
    assert notification.sent_at is not None
    assert notification.attempts == 2
    assert len(mail.outbox) == 1


def test_a_failed_send_frees_the_lease_for_the_retry(managers, settings):
    settings.EMAIL_BACKEND = "tests.referrals.failing_backend.FailingBackend"
    notification = queue()
    with pytest.raises(OSError):
        services.notification_send(notification_id=notification.pk)
    notification.refresh_from_db()
    assert (notification.sent_at, notification.claimed_until) == (None, None)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.notification_send(notification_id=notification.pk) is True


def test_sent_once_only(managers):
    notification = queue()
    assert services.notification_send(notification_id=notification.pk) is True
    assert services.notification_send(notification_id=notification.pk) is False
    assert services.notifications_send_pending() == 0
    assert len(mail.outbox) == 1
