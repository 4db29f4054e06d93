"""A real Celery worker, consuming from a real broker (Redis when CELERY_BROKER_URL names it, as in
CI; otherwise the embedded filesystem broker), sends the team's notification of a self-referral."""

from __future__ import annotations

import os
import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.test import Client
from django.urls import reverse

from cse_portal.celery import app
from cse_portal.notifications.models import Notification
from referrals.models import Referral

from .test_public import SELF_REFERRAL

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def real_broker(settings, monkeypatch, tmp_path):
    """Eager mode off; a private queue on the configured broker, so parallel test workers never
    take each other's messages."""
    url = os.environ.get("CELERY_BROKER_URL", "")
    if url.startswith("redis://"):
        changes = {"broker_url": url, "broker_transport_options": {}}
    else:
        folder = tmp_path / "broker"
        folder.mkdir()
        changes = {
            "broker_url": "filesystem://",
            "broker_transport_options": {
                "data_folder_in": str(folder),
                "data_folder_out": str(folder),
                "control_folder": str(tmp_path / "control"),
            },
        }
    queue = f"test-{uuid.uuid4().hex}"
    changes |= {
        "task_always_eager": False,
        "task_default_queue": queue,
        "task_ignore_result": True,
    }
    saved = {key: getattr(app.conf, key) for key in changes}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(changes)
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    yield queue
    if app._pool is not None:
        app._pool.force_close_all()
    app.conf.update(saved)


def _wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_real_worker_sends_the_self_referral_notification(people, real_broker):
    people.manager.email = "manager@example.org"
    people.manager.save(update_fields=["email"])

    with start_worker(app, pool="solo", perform_ping_check=False, queues=[real_broker]):
        response = Client().post(reverse("self_referral"), SELF_REFERRAL)
        assert response.status_code == 303  # to the confirmation page
        referral = Referral.objects.get()
        sent = _wait_for(
            lambda: Notification.objects.filter(
                key__startswith=f"referrals:{referral.pk}:", sent_at__isnull=False
            ).exists()
        )

    assert sent, "the worker did not send the notification within 30 seconds"
    assert [m.to for m in mail.outbox] == [["manager@example.org"]]
