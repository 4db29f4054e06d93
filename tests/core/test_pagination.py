"""Counting stops at the cap: a national register's search never counts every match."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cse_portal import pagination
from cse_portal.young_people.models import YoungPerson

pytestmark = pytest.mark.django_db


@pytest.fixture
def cap_of_three(monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    YoungPerson.objects.bulk_create(
        YoungPerson(given_name=f"Child{i}", family_name="Capped", estimated_age=14)
        for i in range(5)
    )


def test_the_count_stops_at_the_cap_and_says_so(cap_of_three):
    paginator = pagination.CappedPaginator(YoungPerson.objects.order_by("family_name"), 2)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (3, True, 2)


def test_a_count_under_the_cap_is_exact(cap_of_three):
    records = YoungPerson.objects.filter(given_name="Child0")
    paginator = pagination.CappedPaginator(records, 2)
    assert (paginator.count, paginator.capped) == (1, False)


def test_the_count_asks_the_database_for_no_more_than_the_cap(cap_of_three):
    with CaptureQueriesContext(connection) as queries:
        pagination.CappedPaginator(YoungPerson.objects.order_by("family_name"), 2).count  # noqa: B018
    (sql,) = [q["sql"] for q in queries.captured_queries]
    assert "LIMIT 4" in sql and "ORDER BY" not in sql


@pytest.mark.parametrize("per_page", [2, 3])
def test_a_deep_page_read_by_its_keys_holds_the_same_rows_in_the_same_order(monkeypatch, per_page):
    YoungPerson.objects.bulk_create(
        YoungPerson(given_name=f"Child{i % 4}", family_name=f"Deep{i % 3}", estimated_age=14)
        for i in range(11)
    )
    records = YoungPerson.objects.order_by("family_name", "given_name", "id")
    plain = Paginator(records, per_page, orphans=1)
    monkeypatch.setattr(pagination, "KEYS_FIRST_FROM", per_page)  # every page but the first
    capped = pagination.CappedPaginator(records, per_page, orphans=1)
    assert capped.num_pages == plain.num_pages > 3
    for number in capped.page_range:
        with CaptureQueriesContext(connection) as queries:
            rows = list(capped.page(number).object_list)
        assert rows == list(plain.page(number).object_list)
        assert len(queries) == (1 if number == 1 else 2)  # the keys, then their rows
    keys_sql = queries.captured_queries[0]["sql"]
    assert keys_sql.count('"young_people_youngperson"."given_name"') == 1  # in the ORDER BY only


def test_the_api_says_when_the_count_is_capped(people, api_client_for, cap_of_three):
    body = api_client_for(people.manager).get("/api/v1/young-people/").json()
    assert (body["count"], body["count_capped"]) == (3, True)


def test_the_list_page_says_there_are_more(people, client_for, cap_of_three):
    page = client_for(people.manager).get(reverse("young_people:search"))
    assert "More than 3 records you can see" in page.text


def test_the_assessment_tabs_count_no_further_than_the_cap(people, client_for, monkeypatch):
    from assessments import services as assessment_services

    monkeypatch.setattr(pagination, "COUNT_CAP", 1)
    for _ in range(2):
        assessment_services.assessment_start(young_person=people.maya, assessor=people.alice)
    page = client_for(people.alice).get(reverse("assessments:list"), {"show": "in_progress"})
    assert "In progress (more than 1)" in page.text


def test_the_assessments_api_search_is_the_young_people_name_search(people, api_client_for):
    from assessments import services as assessment_services

    assessment_services.assessment_start(young_person=people.maya, assessor=people.alice)
    client = api_client_for(people.alice)
    assert client.get("/api/v1/assessments/", {"search": "whitfield"}).json()["count"] == 1
    assert client.get("/api/v1/assessments/", {"search": "ellison"}).json()["count"] == 0


def test_rows_of_records_naming_young_people_are_audited_from_the_records(rf, people):
    from referrals.models import Referral

    request = rf.get("/")
    request.user = people.manager
    for model in (YoungPerson, Referral):
        with pytest.raises(TypeError, match="name young people"):
            pagination.record_rows_shown(request, [], model=model, result_count=0, channel="x")
