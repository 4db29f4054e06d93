"""Staff administration through the admin site: every change of access is audited, deactivation
ends sessions, and new accounts need a strong password."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session

from cse_portal.accounts.models import User
from cse_portal.audit.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db


def change_form(user: User, **overrides) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "job_title": user.job_title,
        "agency": str(user.agency_id),
        "role": user.role,
        "in_colocated_team": "on" if user.in_colocated_team else "",
        "is_active": "on" if user.is_active else "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def last_change_of(user: User) -> AuditEntry:
    return AuditEntry.objects.filter(
        action=AuditAction.PERMISSION_CHANGE, object_id=str(user.pk)
    ).latest("id")


def test_moving_a_user_to_another_agency_is_audited(people, client_for):
    response = client_for(people.adam).post(
        f"/admin/accounts/user/{people.bob.pk}/change/",
        change_form(people.bob, agency=str(people.social_care.pk)),
    )
    assert response.status_code == 302
    entry = last_change_of(people.bob)
    assert entry.detail["changes"] == {"agency__name": ["Test Police", people.social_care.name]}


def test_taking_a_user_out_of_the_colocated_team_is_audited(people, client_for):
    client_for(people.adam).post(
        f"/admin/accounts/user/{people.bob.pk}/change/",
        change_form(people.bob, in_colocated_team=""),
    )
    assert last_change_of(people.bob).detail["changes"] == {"in_colocated_team": [True, False]}


def test_role_change_in_the_admin_is_audited(people, client_for):
    client_for(people.adam).post(
        f"/admin/accounts/user/{people.bob.pk}/change/",
        change_form(people.bob, role="analyst"),
    )
    assert last_change_of(people.bob).detail["changes"] == {"role": ["practitioner", "analyst"]}


def test_deactivating_in_the_admin_ends_the_users_sessions(people, client_for):
    client_for(people.bob)
    client_for(people.adam).post(
        f"/admin/accounts/user/{people.bob.pk}/change/", change_form(people.bob, is_active="")
    )
    assert not User.objects.get(pk=people.bob.pk).is_active
    sessions = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert str(people.bob.pk) not in sessions


def test_saving_without_changes_audits_nothing(people, client_for):
    before = AuditEntry.objects.filter(action=AuditAction.PERMISSION_CHANGE).count()
    client_for(people.adam).post(
        f"/admin/accounts/user/{people.bob.pk}/change/", change_form(people.bob)
    )
    assert AuditEntry.objects.filter(action=AuditAction.PERMISSION_CHANGE).count() == before


def test_a_new_account_with_a_weak_password_is_refused(people, client_for):
    response = client_for(people.adam).post(
        "/admin/accounts/user/add/",
        {
            "username": "newbie",
            "password": "password1",
            "agency": str(people.police.pk),
            "role": "frontline",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="newbie").exists()
