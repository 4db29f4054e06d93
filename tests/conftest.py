from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from cse_portal.accounts.middleware import RENEWED_AT
from cse_portal.accounts.models import User

from .personas import People, build_people


@pytest.fixture
def people(db: None) -> People:
    """Named personas per agency and role (see ``tests/personas.py``)."""
    return build_people()


def sign_in(client: Client, user: User) -> Client:
    """Sign ``user`` in with the second factor passed, as after a real TOTP sign-in."""
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    assert device is not None, f"{user} has no confirmed TOTP device"
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[RENEWED_AT] = int(time.time())  # as the response to a real sign-in sets it
    session.save()
    return client


@pytest.fixture
def client_for(db: None) -> Callable[[User], Client]:
    """``client_for(people.alice)``: a fresh client signed in as that user."""

    def make(user: User) -> Client:
        return sign_in(Client(), user)

    return make


@pytest.fixture(autouse=True)
def _session_renewal_outlasts_a_test(settings) -> None:
    # The idle timeout's renewal writes the session once a minute (SESSION_RENEW_SECONDS): a test
    # slower than that on a busy machine would count the write among a page's queries. The tests
    # of renewal itself set the interval they need.
    settings.SESSION_RENEW_SECONDS = 3600


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # PBKDF2's deliberate slowness protects real passwords; tests only need a correct hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def password_only_client_for(db: None) -> Callable[[User], Client]:
    """``password_only_client_for(people.alice)``: signed in with the password but no code yet."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api_client_for(db: None) -> Callable[[User], APIClient]:
    """``api_client_for(people.manager)``: a DRF client with a freshly issued API token."""
    from cse_portal.accounts.services import api_token_issue

    def make(user: User) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)}")
        return client

    return make


@pytest.fixture(autouse=True)
def _fresh_audit_writer() -> None:
    """Each test writes the audit log as a new writer: a run carried over from an earlier test
    would link to entries that test's database no longer holds."""
    from cse_portal.audit import writers

    writers.new()
