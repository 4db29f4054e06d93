"""The access log in words (names, agencies, roles; never usernames or role codes), the record's
sidebar with the last few distinct people, and the full log paged at a fixed query cost."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from cse_portal.accounts.roles import Role
from cse_portal.audit.models import AuditAction
from cse_portal.audit.services import audit_record
from cse_portal.young_people.views import ACCESS_LOG_PAGE_SIZE
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def consult(user, record, times: int = 1) -> None:
    for i in range(times):
        audit_record(
            actor=user,
            action=AuditAction.CONSULT,
            obj=record,
            subject_id=record.pk,
            summary=f"Record page {i}",
        )


def log_url(people, **query) -> str:
    url = reverse("young_people:access_log", kwargs={"pk": people.maya.pk})
    return url + (f"?page={query['page']}" if query else "")


def test_the_log_names_people_with_their_agency_and_role_in_words(people, client_for):
    consult(people.alice, people.maya)
    page = client_for(people.manager).get(log_url(people)).text
    assert people.alice.get_full_name() in page
    assert escape(people.alice.agency.name) in page
    assert Role.PRACTITIONER.label in page
    assert f">{people.alice.username}<" not in page
    assert "team_manager" not in page and ">practitioner<" not in page


def test_the_sidebar_lists_the_last_few_distinct_people(people, client_for):
    others = [make_user(f"reader{i}", Role.PRACTITIONER, people.social_care) for i in range(6)]
    consult(people.alice, people.maya, times=3)
    for user in others:
        consult(user, people.maya)
    response = client_for(people.manager).get(
        reverse("young_people:detail", kwargs={"pk": people.maya.pk})
    )
    names = [person["who"].name for person in response.context["recent_access"]]
    assert len(names) == len(set(names)) == 5
    # The manager's own view of the page is the newest consultation.
    assert names[0] == people.manager.get_full_name()
    assert names[1:] == [u.get_full_name() for u in reversed(others)][:4]


def test_the_full_log_is_paged(people, client_for):
    consult(people.alice, people.maya, times=ACCESS_LOG_PAGE_SIZE + 5)
    manager = client_for(people.manager)
    first = manager.get(log_url(people))
    second = manager.get(log_url(people, page=2))
    assert len(first.context["lines"]) == ACCESS_LOG_PAGE_SIZE
    assert 5 <= len(second.context["lines"]) < ACCESS_LOG_PAGE_SIZE
    assert "page 1 of 2" in first.text


def test_the_log_costs_the_same_queries_for_few_and_many_entries(people, client_for):
    manager = client_for(people.manager)
    consult(people.alice, people.maya, times=2)
    manager.get(log_url(people))  # warm the session
    with CaptureQueriesContext(connection) as few:
        manager.get(log_url(people))
    for i in range(8):
        consult(make_user(f"many{i}", Role.PRACTITIONER, people.police), people.maya, times=5)
    with CaptureQueriesContext(connection) as many:
        manager.get(log_url(people))
    assert len(many) == len(few)
