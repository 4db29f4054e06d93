"""With the broker unreachable a self-referral is still saved, and the team's notification goes out
once the broker is back (Celery beat runs the outbox task)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from cse_portal.celery import app
from cse_portal.notifications import tasks
from cse_portal.notifications.models import Notification
from referrals.models import Referral

from .test_public import SELF_REFERRAL

pytestmark = pytest.mark.django_db

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker_down(settings, monkeypatch):
    """Eager mode off and the broker on a port nobody listens on."""
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration (CI sets
    # it to the real Redis): without removing it the broker would never be down.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    changes = {
        "task_always_eager": False,
        "broker_url": CLOSED_PORT_BROKER,
        "broker_transport_options": {},
        "broker_connection_timeout": 1,
    }
    # Celery reads Django's settings through its own configuration: note what it sees now, before
    # anything changes, to put it back afterwards.
    saved = {key: getattr(app.conf, key) for key in changes}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = CLOSED_PORT_BROKER
    # Set on the Celery app too, with fresh connection pools so nothing reuses a connection made
    # before.
    app.conf.update(changes)
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    yield
    if app._pool is not None:
        app._pool.force_close_all()
    app.conf.update(saved)


def test_a_self_referral_survives_the_broker_being_down(
    people, broker_down, django_capture_on_commit_callbacks
):
    people.manager.email = "manager@example.org"
    people.manager.save(update_fields=["email"])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = Client().post(reverse("self_referral"), SELF_REFERRAL, follow=True)
    handovers = [c for c in callbacks if "notification_queue" in getattr(c, "__qualname__", "")]
    assert len(handovers) == 1  # the after-commit hand-over to Celery was attempted...
    assert response.status_code == 200
    referral = Referral.objects.get()
    assert referral.reference in response.text
    notification = Notification.objects.get(key__startswith=f"referrals:{referral.pk}:")
    assert notification.sent_at is None  # ...failed, and the notification waits in the outbox
    assert mail.outbox == []

    # The broker is back: beat runs the outbox task (eagerly here, in the test's own process).
    app.conf.task_always_eager = True
    assert tasks.notifications_send_pending.delay().get() == 1
    notification.refresh_from_db()
    assert notification.sent_at is not None
    assert [m.to for m in mail.outbox] == [["manager@example.org"]]
    assert referral.reference in mail.outbox[0].subject


def test_a_silent_broker_is_given_up_on_after_the_configured_timeout(settings):
    """What keeps a request from hanging on a broker that does not answer is configuration (the
    hand-over is also tried once: ``retry=False`` in ``notifications.services``), so this checks
    the configuration rather than timing a request."""
    assert app.conf.broker_connection_timeout == settings.CELERY_BROKER_CONNECTION_TIMEOUT <= 5
