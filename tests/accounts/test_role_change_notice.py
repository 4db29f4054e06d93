"""When an account is given a role that reads case data, the team managers are told through the
outbox (sent by the worker once the change commits); other role changes tell nobody."""

from __future__ import annotations

import pytest
from django.core import mail

from cse_portal.accounts.roles import Role
from cse_portal.accounts.services import user_set_role
from cse_portal.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def managers(people) -> list[str]:
    people.manager.email = "manager@example.org"
    people.manager.save(update_fields=["email"])
    Notification.objects.all().delete()  # the personas' own creation
    return ["manager@example.org"]


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.TEAM_MANAGER, Role.ANALYST])
def test_a_role_reading_case_data_is_announced_to_the_team_managers(
    people, managers, role, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user_set_role(user=people.frank, role=role, changed_by=people.adam)
    [message] = mail.outbox
    assert message.to == managers
    assert people.frank.username in message.body
    assert Role(role).label in message.body
    assert people.adam.username in message.body
    assert Notification.objects.get().sent_at is not None


@pytest.mark.parametrize("role", [Role.FRONTLINE, Role.LSCB_MANAGER, Role.ADMIN])
def test_other_role_changes_tell_nobody(people, managers, role, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user_set_role(user=people.ana, role=role, changed_by=people.adam)
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_the_notice_waits_in_the_outbox_until_the_change_commits(people, managers):
    user_set_role(user=people.frank, role=Role.PRACTITIONER, changed_by=people.adam)
    # Written in the change's transaction (never run here), so only a committed change is told.
    assert Notification.objects.get().sent_at is None
    assert mail.outbox == []
