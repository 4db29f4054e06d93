"""``/api/v1/users/``: staff are listed for team managers only, so they can allocate work."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

USERS = "/api/v1/users/"


def test_anonymous_caller_gets_401(people, client):
    assert client.get(USERS).status_code == 401


def test_session_without_second_factor_gets_401(people, password_only_client_for):
    assert password_only_client_for(people.manager).get(USERS).status_code == 401


@pytest.mark.parametrize("persona", ["alice", "frank", "ana", "lucy", "adam"])
def test_only_team_managers_list_staff(people, api_client_for, persona):
    assert api_client_for(getattr(people, persona)).get(USERS).status_code == 403


def test_team_manager_lists_practitioners_with_their_agency(people, api_client_for):
    body = api_client_for(people.manager).get(USERS, {"role": "practitioner"}).json()
    rows = {r["username"]: r["agency"] for r in body["results"]}
    assert rows == {"alice": "Test Children's Social Care", "bob": "Test Police"}
    assert set(body) == {"count", "count_capped", "next", "previous", "results"}


def test_user_detail_is_refused_to_a_practitioner(people, api_client_for):
    response = api_client_for(people.alice).get(f"{USERS}{people.bob.pk}/")
    assert response.status_code == 403


def test_deactivated_users_are_not_listed(people, api_client_for):
    from cse_portal.accounts.services import user_deactivate

    user_deactivate(user=people.bob, changed_by=people.adam)
    body = api_client_for(people.manager).get(USERS, {"role": "practitioner"}).json()
    assert [r["username"] for r in body["results"]] == ["alice"]
