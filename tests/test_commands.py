"""The contract's management commands: ``seed_demo`` (idempotent, ``--json`` logins, refused in
production mode) and ``issue_api_token`` (a working token on the last line)."""

from __future__ import annotations

import base64
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_otp.oath import totp
from rest_framework.test import APIClient

from cse_portal.accounts.models import Agency, User
from cse_portal.audit.models import AuditEntry
from cse_portal.young_people.models import ChronologyEntry, YoungPerson

pytestmark = pytest.mark.django_db

LOGIN_KEYS = {"username", "password", "role", "agency", "totp_secret"}
ROLES = {"frontline", "practitioner", "team_manager", "analyst", "lscb_manager", "admin"}


def counts() -> dict[str, int]:
    return {
        "agencies": Agency.objects.count(),
        "users": User.objects.count(),
        "young_people": YoungPerson.objects.count(),
        "chronology": ChronologyEntry.objects.count(),
    }


def seed_json() -> list[dict]:
    out = StringIO()
    call_command("seed_demo", "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def seeded(settings) -> list[dict]:
    settings.DEBUG = True  # as ``make run`` sets it; the test runner turns it off
    return seed_json()


def test_seed_demo_is_idempotent(seeded):
    before = counts()
    seed_json()
    assert counts() == before
    assert before["young_people"] > 0


def test_seed_demo_json_gives_a_working_login_for_every_role(seeded, client):
    assert all(set(row) == LOGIN_KEYS for row in seeded)
    assert {row["role"] for row in seeded} == ROLES
    row = next(r for r in seeded if r["role"] == "team_manager")
    key = base64.b32decode(row["totp_secret"])
    client.post("/accounts/login/", {"username": row["username"], "password": row["password"]})
    client.post("/accounts/verify/", {"token": f"{totp(key):06d}"})
    assert client.get("/young-people/").status_code == 200


def test_seed_demo_refuses_production_mode(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--allow-production"):
        call_command("seed_demo")
    assert User.objects.count() == 0


def test_issue_api_token_prints_a_working_token_last(people):
    out = StringIO()
    call_command("issue_api_token", "manager", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/young-people/").status_code == 200


def test_issue_api_token_replaces_the_previous_token(people):
    first, second = StringIO(), StringIO()
    call_command("issue_api_token", "manager", stdout=first)
    call_command("issue_api_token", "manager", stdout=second)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {first.getvalue().split()[-1]}")
    assert client.get("/api/v1/young-people/").status_code == 401


def test_issue_api_token_for_an_unknown_user_fails(people):
    with pytest.raises(CommandError, match="No user"):
        call_command("issue_api_token", "nobody")
    assert not AuditEntry.objects.filter(summary__startswith="API token").exists()
