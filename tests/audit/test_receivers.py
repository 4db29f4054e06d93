"""Security events reach the audit log: role changes, deactivation and API tokens are permission
changes naming who made them. (Sign-in events are tested with the sign-in pages, in
``tests/accounts/test_login.py``.)"""

from __future__ import annotations

import pytest

from cse_portal.accounts import services
from cse_portal.audit.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db


def last_permission_change() -> AuditEntry:
    return AuditEntry.objects.filter(action=AuditAction.PERMISSION_CHANGE).latest("id")


def test_role_change_is_audited_with_before_and_after(people):
    services.user_set_role(user=people.bob, role="team_manager", changed_by=people.adam)
    entry = last_permission_change()
    assert (entry.actor, entry.object_id) == (people.adam, str(people.bob.pk))
    assert entry.detail["changes"] == {"role": ["practitioner", "team_manager"]}


def test_setting_the_same_role_again_writes_nothing(people):
    before = AuditEntry.objects.count()
    services.user_set_role(user=people.bob, role="practitioner", changed_by=people.adam)
    assert AuditEntry.objects.count() == before


def test_deactivation_is_audited(people):
    services.user_deactivate(user=people.bob, changed_by=people.adam)
    entry = last_permission_change()
    assert (entry.actor, entry.object_id) == (people.adam, str(people.bob.pk))
    assert entry.detail["changes"] == {"is_active": [True, False]}


def test_token_issue_is_audited(people):
    services.api_token_issue(user=people.bob, issued_by=people.adam)
    entry = last_permission_change()
    assert entry.summary == "API token issued to bob"
    assert entry.object_id == str(people.bob.pk)


def test_token_is_not_issued_to_an_inactive_user(people):
    services.user_deactivate(user=people.bob, changed_by=people.adam)
    with pytest.raises(ValueError, match="inactive"):
        services.api_token_issue(user=people.bob)
