"""The search page, the record page and the API list cost the same number of queries with 10 and
with 500 rows: nothing is fetched row by row. The absolute numbers are pinned too, so that a new
query shows up in review."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cse_portal.young_people import services
from cse_portal.young_people.models import (
    Alias,
    ChronologyEntry,
    Flag,
    FlagKind,
    YoungPerson,
)

pytestmark = pytest.mark.django_db

#: session, user (with agency and role), device; count, page (each record's active flags' kinds
#: read with it); the audit entry naming the page's records (one INSERT, committed by itself, the
#: same on both databases: it takes no lock and reads nothing, the sequencer chains it later); the
#: session is not saved (renewed once a minute)
SEARCH_QUERIES = 6
#: as above plus the record (read once, by the funnel) and its prefetches, the consultation audit
#: entry (written by the funnel, one INSERT), the allocation, the chronology page, who has
#: accessed the record, and the sections feature apps add (missing's panel: its episodes, and the
#: profile when none; outreach's engagements)
RECORD_QUERIES = 18
#: the token with its user, agency and role, count, page (with its flags' kinds and its aliases'
#: names), the audit entry of the page shown (written by the paginator, one INSERT)
API_LIST_QUERIES = 4


def add_young_people(people, count: int) -> None:
    """Rows fast, but shaped like real ones: some with aliases and an active flag."""
    records = YoungPerson.objects.bulk_create(
        YoungPerson(
            given_name=f"Child{i}",
            family_name=f"Family{i:04d}",
            estimated_age=14,
            created_by=people.manager,
        )
        for i in range(count)
    )
    Alias.objects.bulk_create(
        Alias(young_person=r, name=f"Alias of {r.given_name}") for r in records
    )
    Flag.objects.bulk_create(
        Flag(
            young_person=r, kind=FlagKind.REPEAT_MISSING, reason="Repeat", raised_by=people.manager
        )
        for r in records[::2]
    )
    for record in records[:3]:
        services.involvement_open(young_person=record, opened_by=people.manager, reason="Test")


def add_chronology(people, count: int) -> None:
    now = timezone.now()
    ChronologyEntry.objects.bulk_create(
        ChronologyEntry(
            young_person=people.maya,
            occurred_at=now - dt.timedelta(hours=i),
            recorded_by=people.alice if i % 2 else people.manager,
            source_app="young_people",
            title=f"Visit {i}",
        )
        for i in range(count)
    )


def count_queries(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("params", [{}, {"name": "Family"}], ids=["all", "by-name"])
def test_search_page_costs_the_same_with_10_and_500_records(people, client_for, params):
    client = client_for(people.manager)
    url = reverse("young_people:search")
    add_young_people(people, 10)
    few = count_queries(client, url, params)
    add_young_people(people, 490)
    assert count_queries(client, url, params) == few


def test_search_page_query_count_is_pinned(people, client_for, django_assert_num_queries):
    client = client_for(people.manager)
    add_young_people(people, 30)
    with django_assert_num_queries(SEARCH_QUERIES):
        client.get(reverse("young_people:search"))


def test_record_page_costs_the_same_with_10_and_500_chronology_entries(people, client_for):
    client = client_for(people.manager)
    url = reverse("young_people:detail", kwargs={"pk": people.maya.pk})
    add_chronology(people, 10)
    few = count_queries(client, url)
    add_chronology(people, 490)
    assert count_queries(client, url) == few


def test_record_page_query_count_is_pinned(people, client_for, django_assert_num_queries):
    client = client_for(people.manager)
    add_chronology(people, 30)
    url = reverse("young_people:detail", kwargs={"pk": people.maya.pk})
    with django_assert_num_queries(RECORD_QUERIES):
        client.get(url)


def test_record_page_with_the_feedback_address_keeps_the_pinned_count(
    people, client_for, django_assert_num_queries
):
    # Once the involvement is closed the page shows the public feedback address: a static
    # address, so no query more than the pinned count.
    services.involvement_close(young_person=people.maya, closed_by=people.manager, reason="Done")
    client = client_for(people.manager)
    add_chronology(people, 30)
    url = reverse("young_people:detail", kwargs={"pk": people.maya.pk})
    with django_assert_num_queries(RECORD_QUERIES):
        assert "how it went" in client.get(url).content.decode()


def test_api_list_costs_the_same_with_10_and_500_records(people, api_client_for):
    client = api_client_for(people.manager)
    add_young_people(people, 10)
    few = count_queries(client, "/api/v1/young-people/", {"page_size": 200})
    add_young_people(people, 490)
    assert count_queries(client, "/api/v1/young-people/", {"page_size": 200}) == few


def test_api_list_query_count_is_pinned(people, api_client_for, django_assert_num_queries):
    client = api_client_for(people.manager)
    add_young_people(people, 30)
    with django_assert_num_queries(API_LIST_QUERIES):
        client.get("/api/v1/young-people/")
