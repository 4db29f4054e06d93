"""Ladder tests for the home page and the admin site (administrators only, behind the same
two-step sign-in), and signing out."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from cse_portal.audit.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
VERIFY = "/accounts/verify/"


def _follow_to_end(client, path: str):
    response = client.get(path)
    for _ in range(3):
        if response.status_code not in (301, 302):
            break
        response = client.get(response["Location"])
    return response


# --- Home ----------------------------------------------------------------------------------------


def test_home_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == LOGIN


def test_home_sends_a_user_without_second_factor_to_the_code_page(people, password_only_client_for):
    response = password_only_client_for(people.alice).get("/")
    assert urlsplit(response["Location"]).path == VERIFY


@pytest.mark.parametrize("persona", ["manager", "alice", "frank", "ana", "lucy", "adam"])
def test_home_welcomes_every_signed_in_role(people, client_for, persona):
    user = getattr(people, persona)
    response = client_for(user).get("/")
    assert response.status_code == 200
    assert f"Welcome, {user.first_name}" in response.content.decode()


def test_home_shows_the_young_people_link_to_practitioners_only(people, client_for):
    assert "/young-people/" in client_for(people.alice).get("/").content.decode()
    assert "/young-people/" not in client_for(people.frank).get("/").content.decode()


# --- Admin site ----------------------------------------------------------------------------------


def test_admin_sends_anonymous_visitors_to_the_portal_sign_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert urlsplit(client.get(response["Location"])["Location"]).path == LOGIN


def test_admin_sends_a_user_without_second_factor_to_the_code_page(
    people, password_only_client_for
):
    response = password_only_client_for(people.adam).get("/admin/")
    assert urlsplit(response["Location"]).path == VERIFY


@pytest.mark.parametrize("persona", ["manager", "alice", "frank", "ana", "lucy"])
def test_admin_refuses_everyone_but_administrators(people, client_for, persona):
    response = _follow_to_end(client_for(getattr(people, persona)), "/admin/")
    assert response.status_code == 403


def test_admin_opens_for_a_verified_administrator(people, client_for):
    response = client_for(people.adam).get("/admin/")
    assert response.status_code == 200
    assert "CSE portal administration" in response.content.decode()


def test_admin_offers_no_case_data(people, client_for):
    body = client_for(people.adam).get("/admin/").content.decode()
    assert "/admin/young_people/" not in body
    assert "/admin/audit/" not in body


# --- Signing out ---------------------------------------------------------------------------------


def test_sign_out_ends_the_session_and_is_audited(people, client_for):
    client = client_for(people.alice)
    response = client.post("/accounts/logout/")
    assert response.status_code == 200
    assert urlsplit(client.get("/").get("Location", "")).path == LOGIN
    entry = AuditEntry.objects.filter(action=AuditAction.LOGOUT).latest("id")
    assert entry.actor == people.alice


def test_sign_out_by_get_is_refused(people, client_for):
    client = client_for(people.alice)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/").status_code == 200


def test_pages_carry_no_store_and_security_headers(people, client_for):
    response = client_for(people.alice).get("/")
    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_not_found_page_is_in_the_portal_style(people, client_for):
    response = client_for(people.alice).get("/young-people/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_refused_page_explains_what_to_do(people, client_for):
    response = client_for(people.frank).get("/young-people/")
    assert response.status_code == 403
    assert "ask your team manager" in response.content.decode()
