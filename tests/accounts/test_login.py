"""Sign-in: password, then a TOTP code; enrolment on first sign-in; lockout keyed on username and
address together; the demo-only skip; deactivation ends every session and token."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings as settings_module
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cse_portal.accounts.middleware import RENEWED_AT
from cse_portal.accounts.roles import Role
from cse_portal.accounts.services import user_deactivate
from cse_portal.audit.models import AuditAction, AuditEntry
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
VERIFY = "/accounts/verify/"
ENROL = "/accounts/enrol/"


def code_for(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):0{device.digits}d}"


def password_step(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def full_sign_in(client: Client, user) -> None:
    password_step(client, user.username)
    response = client.post(VERIFY, {"token": code_for(user)})
    assert response.status_code == 302, response.content


# --- Password then code --------------------------------------------------------------------------


def test_right_password_leads_to_the_code_page_not_the_portal(people, client):
    response = password_step(client, "alice")
    assert urlsplit(response["Location"]).path == VERIFY
    assert urlsplit(client.get("/").headers["Location"]).path == VERIFY


def test_wrong_password_is_refused_with_a_message(people, client):
    response = password_step(client, "alice", "not-the-password")
    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()


def test_right_code_after_password_opens_the_portal(people, client):
    password_step(client, "alice")
    response = client.post(VERIFY, {"token": code_for(people.alice), "next": "/young-people/"})
    assert response["Location"] == "/young-people/"
    assert client.get("/young-people/").status_code == 200


def test_wrong_code_is_refused(people, client):
    password_step(client, "alice")
    good = code_for(people.alice)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"token": wrong})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert urlsplit(client.get("/").headers["Location"]).path == VERIFY


def test_a_used_code_cannot_be_replayed(people, client):
    password_step(client, "alice")
    code = code_for(people.alice)
    assert client.post(VERIFY, {"token": code}).status_code == 302
    client.post("/accounts/logout/")
    password_step(client, "alice")
    response = client.post(VERIFY, {"token": code})
    assert response.status_code == 200
    assert urlsplit(client.get("/").headers["Location"]).path == VERIFY


def test_next_pointing_off_site_is_ignored(people, client):
    password_step(client, "alice")
    response = client.post(VERIFY, {"token": code_for(people.alice), "next": "https://evil.test/"})
    assert response["Location"] == "/"


def _session_key(client: Client) -> str:
    return client.cookies["sessionid"].value


def _client_with_session(key: str) -> Client:
    other = Client()
    other.cookies["sessionid"] = key
    return other


def test_the_session_key_changes_at_the_password_and_again_at_the_code(people, client):
    before = client.session.session_key  # a session as an anonymous visitor would have
    password_step(client, "alice")
    after_password = _session_key(client)
    assert client.post(VERIFY, {"token": code_for(people.alice)}).status_code == 302
    after_code = _session_key(client)
    assert len({before, after_password, after_code}) == 3
    assert client.get("/").status_code == 200


def test_a_key_seen_between_the_two_steps_does_not_open_the_portal(people, client):
    password_step(client, "alice")
    seen = _client_with_session(_session_key(client))
    client.post(VERIFY, {"token": code_for(people.alice)})
    response = seen.get("/")
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == LOGIN


def test_the_demo_skip_changes_the_session_key_too(people, client, settings):
    settings.REQUIRE_SECOND_FACTOR = False
    password_step(client, "alice")
    after_password = _session_key(client)
    client.post(VERIFY, {"skip": "1"})
    assert _session_key(client) != after_password
    assert client.get("/").status_code == 200


# --- Enrolment -----------------------------------------------------------------------------------


@pytest.fixture
def newcomer(people):
    return make_user("newcomer", Role.PRACTITIONER, people.social_care, with_device=False)


def test_user_without_a_device_is_sent_to_enrolment(newcomer, client):
    password_step(client, "newcomer")
    response = client.get(VERIFY)
    assert urlsplit(response["Location"]).path == ENROL


def test_enrolment_shows_a_qr_code_and_the_secret(newcomer, client):
    password_step(client, "newcomer")
    response = client.get(ENROL)
    assert 'src="data:image/svg+xml;base64,' in response.content.decode()
    assert "".join(response.context["secret_groups"])


def test_each_visit_to_enrolment_shows_a_new_secret(newcomer, client):
    password_step(client, "newcomer")
    first = "".join(client.get(ENROL).context["secret_groups"])
    second = "".join(client.get(ENROL).context["secret_groups"])
    assert first != second
    assert TOTPDevice.objects.filter(user=newcomer).count() == 1


def test_enrolment_confirms_the_device_with_a_right_code(newcomer, client):
    password_step(client, "newcomer")
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=newcomer)
    response = client.post(ENROL, {"token": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 302
    assert TOTPDevice.objects.get(user=newcomer).confirmed
    assert client.get("/").status_code == 200


def test_enrolment_changes_the_session_key_when_the_device_is_confirmed(newcomer, client):
    password_step(client, "newcomer")
    client.get(ENROL)
    after_password = _session_key(client)
    device = TOTPDevice.objects.get(user=newcomer)
    client.post(ENROL, {"token": f"{totp(device.bin_key):06d}"})
    assert _session_key(client) != after_password
    assert client.get("/").status_code == 200


def test_enrolment_refuses_a_wrong_code(newcomer, client):
    password_step(client, "newcomer")
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=newcomer)
    wrong = f"{(totp(device.bin_key) + 1) % 1_000_000:06d}"
    assert client.post(ENROL, {"token": wrong}).status_code == 200
    assert not TOTPDevice.objects.get(user=newcomer).confirmed


# --- Demo skip -----------------------------------------------------------------------------------


def test_skip_button_is_absent_when_the_second_factor_is_required(people, client, settings):
    settings.REQUIRE_SECOND_FACTOR = True
    password_step(client, "alice")
    assert "Continue without a code" not in client.get(VERIFY).content.decode()
    client.post(VERIFY, {"skip": "1"})
    assert urlsplit(client.get("/").headers["Location"]).path == VERIFY


def test_skip_button_works_in_a_relaxed_local_demo(people, client, settings):
    settings.REQUIRE_SECOND_FACTOR = False
    password_step(client, "alice")
    assert "Continue without a code" in client.get(VERIFY).content.decode()
    client.post(VERIFY, {"skip": "1"})
    assert client.get("/").status_code == 200


# --- Lockout -------------------------------------------------------------------------------------


def _fail_five_times(client: Client, username: str, address: str) -> None:
    for _ in range(5):
        password_step(client, username, "wrong-password", REMOTE_ADDR=address)


def test_five_failures_lock_that_username_from_that_address(people):
    _fail_five_times(Client(), "alice", "10.0.0.1")
    response = password_step(Client(), "alice", REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert "Location" not in response


def test_lockout_does_not_reach_a_colleague_at_the_same_address(people):
    _fail_five_times(Client(), "alice", "10.0.0.1")
    response = password_step(Client(), "bob", REMOTE_ADDR="10.0.0.1")
    assert urlsplit(response["Location"]).path == VERIFY


def test_lockout_does_not_reach_the_same_user_from_another_address(people):
    _fail_five_times(Client(), "alice", "10.0.0.1")
    response = password_step(Client(), "alice", REMOTE_ADDR="10.0.0.2")
    assert urlsplit(response["Location"]).path == VERIFY


def test_wrong_codes_count_towards_the_lockout(people):
    client = Client(REMOTE_ADDR="10.0.0.3")
    password_step(client, "alice")
    wrong = f"{(int(code_for(people.alice)) + 1) % 1_000_000:06d}"
    statuses = [client.post(VERIFY, {"token": wrong}).status_code for _ in range(5)]
    assert statuses[-1] == 429
    assert password_step(Client(), "alice", REMOTE_ADDR="10.0.0.3").status_code == 429


# --- Deactivation and idle timeout ---------------------------------------------------------------


def test_deactivation_ends_the_users_existing_session(people, client_for):
    client = client_for(people.alice)
    assert client.get("/").status_code == 200
    user_deactivate(user=people.alice, changed_by=people.adam)
    assert urlsplit(client.get("/").headers["Location"]).path == LOGIN


def test_deactivation_stops_the_api_token(people, api_client_for):
    client = api_client_for(people.alice)
    assert client.get("/api/v1/young-people/").status_code == 200
    user_deactivate(user=people.alice, changed_by=people.adam)
    assert client.get("/api/v1/young-people/").status_code == 401


def test_deactivated_user_cannot_sign_in_again(people, client):
    user_deactivate(user=people.alice, changed_by=people.adam)
    response = password_step(client, "alice")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def _expiry(client: Client) -> datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def _set_renewed_at(client: Client, when: int) -> None:
    session = client.session
    session[RENEWED_AT] = when
    session.save()


def test_a_request_renews_the_idle_timeout_once_the_renewal_interval_has_passed(
    people, client_for, settings
):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    settings.SESSION_RENEW_SECONDS = 60
    client = client_for(people.alice)
    _set_renewed_at(client, int(time.time()) - settings.SESSION_RENEW_SECONDS)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() + timedelta(minutes=5)
    )
    assert client.get("/").status_code == 200
    assert _expiry(client) > timezone.now() + timedelta(minutes=29)
    assert client.session[RENEWED_AT] >= int(time.time()) - 5


def test_requests_within_the_renewal_interval_write_nothing_for_the_session(
    people, client_for, settings
):
    settings.SESSION_RENEW_SECONDS = 60
    client = client_for(people.alice)
    client.get("/")  # renews
    before = _expiry(client)
    assert client.get("/").status_code == 200
    assert _expiry(client) == before
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert queries.captured_queries, "the page ran no query at all: nothing was measured"
    assert not [
        q for q in queries.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]
    ]


def test_a_session_left_idle_past_its_expiry_is_signed_out(people, client_for):
    client = client_for(people.alice)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert urlsplit(client.get("/").headers["Location"]).path == LOGIN


def test_a_cookie_naming_no_live_session_creates_none(people):
    client = Client()
    client.cookies[settings_module.SESSION_COOKIE_NAME] = "no-such-session-key-0123456789ab"
    response = client.get("/report-a-concern/")
    assert response.status_code == 200
    assert not Session.objects.exists()
    assert settings_module.SESSION_COOKIE_NAME not in response.cookies or (
        response.cookies[settings_module.SESSION_COOKIE_NAME].value == ""
    )


# --- Audit of sign-in events ---------------------------------------------------------------------


def test_password_and_code_are_both_audited_as_sign_in(people, client):
    full_sign_in(client, people.alice)
    stages = list(
        AuditEntry.objects.filter(action=AuditAction.LOGIN, actor=people.alice)
        .order_by("id")
        .values_list("detail__stage", flat=True)
    )
    assert stages == ["password", "second_factor"]


def test_wrong_password_is_audited_with_the_username_and_address(people, client):
    password_step(client, "alice", "wrong-password", REMOTE_ADDR="10.0.0.9")
    entry = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).latest("id")
    assert (entry.actor_username, entry.ip_address) == ("alice", "10.0.0.9")
    assert entry.detail["stage"] == "password"


def test_wrong_code_is_audited_once_against_the_user(people, client):
    password_step(client, "alice")
    wrong = f"{(int(code_for(people.alice)) + 1) % 1_000_000:06d}"
    client.post(VERIFY, {"token": wrong})
    entries = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED)
    assert [(e.actor, e.detail["stage"]) for e in entries] == [(people.alice, "second_factor")]


def test_entering_the_password_again_does_not_reset_the_count_of_wrong_codes(people):
    client = Client(REMOTE_ADDR="10.0.0.4")
    wrong = f"{(int(code_for(people.alice)) + 1) % 1_000_000:06d}"
    for _ in range(2):
        password_step(client, "alice")
        for _ in range(2):
            client.post(VERIFY, {"token": wrong})
        client.post("/accounts/logout/")
    password_step(client, "alice")
    assert client.post(VERIFY, {"token": wrong}).status_code == 429


def test_a_complete_sign_in_clears_earlier_failures(people):
    client = Client(REMOTE_ADDR="10.0.0.5")
    for _ in range(4):
        password_step(client, "alice", "wrong-password")
    full_sign_in(client, people.alice)
    client.post("/accounts/logout/")
    for _ in range(4):
        password_step(client, "alice", "wrong-password")
    assert urlsplit(password_step(client, "alice")["Location"]).path == VERIFY


@pytest.mark.parametrize("cookie", ["abcdefgh\x00ijkl", "a" * 1_000_000, "ABC<script>123456"])
def test_a_session_cookie_no_session_could_have_is_no_session(people, cookie):
    client = Client()
    client.cookies[settings_module.SESSION_COOKIE_NAME] = cookie
    response = client.get("/young-people/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
