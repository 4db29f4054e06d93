"""The signed-in user, by session or by API token, is read with their agency and role in one
query: the layout names both on every page and every audit entry records them."""

from __future__ import annotations

import pytest
from rest_framework.exceptions import AuthenticationFailed

from cse_portal.accounts.api_auth import StaffTokenAuthentication
from cse_portal.accounts.backends import StaffBackend
from cse_portal.accounts.services import api_token_issue, user_set_role

pytestmark = pytest.mark.django_db


def test_the_sessions_user_comes_with_agency_and_role_in_one_query(
    people, django_assert_num_queries
):
    with django_assert_num_queries(1):
        user = StaffBackend().get_user(people.alice.pk)
        assert (user.role, user.agency.name) == ("practitioner", people.alice.agency.name)


def test_the_role_read_with_the_user_is_the_one_the_user_has(people):
    user_set_role(user=people.alice, role="team_manager", changed_by=people.adam)
    assert StaffBackend().get_user(people.alice.pk).role == "team_manager"


def test_a_user_without_role_or_agency_reads_as_none(people):
    people.alice.groups.clear()
    people.alice.agency = None
    people.alice.save()
    user = StaffBackend().get_user(people.alice.pk)
    assert (user.role, user.agency) == (None, None)
    assert not user.has_role("practitioner")


def test_a_deactivated_or_missing_user_is_nobody(people):
    people.alice.is_active = False
    people.alice.save()
    assert StaffBackend().get_user(people.alice.pk) is None
    assert StaffBackend().get_user(10**9) is None


def test_a_token_comes_with_its_user_agency_and_role_in_one_query(
    people, django_assert_num_queries
):
    key = api_token_issue(user=people.bob)
    with django_assert_num_queries(1):
        user, token = StaffTokenAuthentication().authenticate_credentials(key)
        assert (user, user.role, user.agency.name) == (people.bob, "practitioner", "Test Police")
    assert token.key == key


def test_a_wrong_token_or_a_deactivated_users_token_is_refused(people):
    key = api_token_issue(user=people.bob)
    with pytest.raises(AuthenticationFailed, match="Invalid token"):
        StaffTokenAuthentication().authenticate_credentials(key + "x")
    people.bob.is_active = False
    people.bob.save()
    with pytest.raises(AuthenticationFailed, match="inactive"):
        StaffTokenAuthentication().authenticate_credentials(key)


def test_each_user_read_one_after_another_has_their_own_role(people):
    backend = StaffBackend()
    roles = [backend.get_user(p.pk).role for p in (people.alice, people.manager, people.ana)]
    assert roles == ["practitioner", "team_manager", "analyst"]
    keys = [api_token_issue(user=p) for p in (people.bob, people.lucy)]
    users = [StaffTokenAuthentication().authenticate_credentials(k)[0] for k in keys]
    assert [u.role for u in users] == ["practitioner", "lscb_manager"]


@pytest.mark.parametrize("header", ["Token abc\x00def", "Token " + "a" * 1_000_000, "Token a-b"])
def test_a_token_no_token_could_be_is_refused_without_asking_the_database(
    people, django_assert_num_queries, header
):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    with django_assert_num_queries(0):
        response = client.get("/api/v1/young-people/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}
