"""``/healthz``: 200 with both checks "ok"; 503 naming the part that is down."""

from __future__ import annotations

import pytest

from cse_portal.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


def test_healthz_needs_no_sign_in_and_is_not_cached(client):
    response = client.get("/healthz")
    assert "no-store" in response["Cache-Control"]


@pytest.fixture
def unreachable_broker(settings, monkeypatch):
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration (CI sets
    # it to the real Redis), so the variable goes too or the check would still reach Redis.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    previous = celery_app.conf.broker_url
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    yield
    celery_app.conf.broker_url = previous


def test_healthz_answers_503_when_the_broker_is_unreachable(client, unreachable_broker):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "unavailable"}


class _DeadConnection:
    def cursor(self):
        from django.db import OperationalError

        raise OperationalError("connection refused")


def test_healthz_answers_503_when_the_database_is_unreachable(client, monkeypatch):
    monkeypatch.setattr("cse_portal.health.connection", _DeadConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "unavailable", "broker": "ok"}
