"""The client's address for the lockout and the audit log: REMOTE_ADDR unless trusted reverse
proxies are configured, and then only the entry the outermost proxy added to X-Forwarded-For."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from cse_portal.accounts.client_address import client_address
from cse_portal.audit.models import AuditAction, AuditEntry
from tests.factories import PASSWORD

PROXY = "10.0.0.1"


def request_from(forwarded: str | None):
    extra = {"REMOTE_ADDR": PROXY}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_a_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request_from("203.0.113.5")) == PROXY


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "198.51.100.7, 203.0.113.5", "203.0.113.5"),  # the first entry is the client's claim
        (2, "198.51.100.7, 203.0.113.5, 192.0.2.9", "203.0.113.5"),
        (1, None, PROXY),
    ],
)
def test_behind_trusted_proxies_the_proxys_entry_is_used(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_address(request_from(forwarded)) == expected


def _fail(username: str, forwarded: str) -> None:
    Client().post(
        "/accounts/login/",
        {"username": username, "password": "wrong-password"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def _try(username: str, forwarded: str) -> int:
    return (
        Client()
        .post(
            "/accounts/login/",
            {"username": username, "password": PASSWORD},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=forwarded,
        )
        .status_code
    )


@pytest.mark.django_db
def test_behind_a_proxy_one_client_cannot_lock_a_user_out_for_everyone(people, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        _fail("alice", "203.0.113.5")
    assert _try("alice", "203.0.113.5") == 429
    assert _try("alice", "203.0.113.6") == 302


@pytest.mark.django_db
def test_without_trusted_proxies_a_forged_header_does_not_escape_the_lockout(people, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(5):
        _fail("alice", f"203.0.113.{n}")
    assert _try("alice", "203.0.113.99") == 429


@pytest.mark.django_db
def test_failed_sign_in_is_audited_with_the_clients_address(people, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    _fail("alice", "198.51.100.7, 203.0.113.5")
    entry = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).latest("id")
    assert entry.ip_address == "203.0.113.5"
