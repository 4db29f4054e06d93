from __future__ import annotations

import pytest
from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import TokenProxy

from cse_portal.audit.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [TOTPDevice, TokenProxy])
def test_admin_site_does_not_show_second_factor_keys_or_api_tokens(model):
    assert not admin.site.is_registered(model)


def test_admin_can_reset_a_second_factor_so_the_user_enrols_again(people, client_for):
    response = client_for(people.adam).post(
        "/admin/accounts/user/",
        {"action": "reset_second_factor", "_selected_action": [str(people.alice.pk)]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=people.alice).exists()


def test_second_factor_reset_is_audited_as_a_permission_change(people, client_for):
    client_for(people.adam).post(
        "/admin/accounts/user/",
        {"action": "reset_second_factor", "_selected_action": [str(people.alice.pk)]},
    )
    entry = AuditEntry.objects.filter(action=AuditAction.PERMISSION_CHANGE).first()
    assert entry.object_id == str(people.alice.pk)
    assert entry.actor == people.adam


def test_team_manager_is_refused_the_admin_site(people, client_for):
    response = client_for(people.manager).get("/admin/", follow=True)
    assert response.status_code == 403


def test_admin_sees_agencies_and_staff_in_the_admin_site(people, client_for):
    response = client_for(people.adam).get("/admin/")
    assert b"/admin/accounts/agency/" in response.content
    assert b"/admin/accounts/user/" in response.content
