"""The outreach pages and API lists cost the same number of queries with a few and with many
rows: nothing is fetched row by row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from outreach import services
from outreach.models import Course

from .conftest import hot_spot, plan, premises, recorded, train

pytestmark = pytest.mark.django_db


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _add(people, number: int, courses) -> None:
    for i in range(number):
        place = hot_spot(people, name=f"Place {people.maya.pk.hex[:4]}{i}", postcode="S1 2HH")
        recorded(people.manager, place, young_people=[people.maya])
        plan(people.alice, place)
        hotel = premises(people.alice, name=f"Hotel {i}")
        services.premises_visit_add(
            actor=people.alice,
            premises=hotel,
            visited_on=hotel.created_at.date(),
            outcome="engaged",
        )
        train(people.manager, courses["cse-awareness"], attendees=[people.alice, people.bob])
        train(people.alice, courses["cse-awareness"], attendees=[people.frank])
        services.feedback_receive(
            address=f"a{i}", fields={"given_by": "young_person", "about": "group", "rating": 3}
        )
        services.activity_record(
            actor=people.alice, kind="group", title=f"Group {i}", held_on=hotel.created_at.date()
        )


PAGES = [
    ("alice", lambda p: reverse("outreach:sessions")),
    ("alice", lambda p: reverse("outreach:hot_spots")),
    ("manager", lambda p: reverse("outreach:hot_spots")),
    ("alice", lambda p: reverse("outreach:premises_list")),
    ("alice", lambda p: reverse("outreach:training")),
    ("alice", lambda p: reverse("outreach:my_training")),
    ("manager", lambda p: reverse("outreach:team_training")),
    ("manager", lambda p: reverse("outreach:cascade")),
    ("manager", lambda p: reverse("outreach:imports")),
    ("alice", lambda p: reverse("outreach:participation")),
    ("alice", lambda p: reverse("young_people:detail", kwargs={"pk": p.maya.pk})),
    ("alice", lambda p: "/api/v1/outreach-sessions/"),
    ("alice", lambda p: "/api/v1/premises/"),
    ("manager", lambda p: "/api/v1/training-sessions/"),
]


@pytest.mark.parametrize(("who", "url"), PAGES, ids=[f"{w}-{i}" for i, (w, _) in enumerate(PAGES)])
def test_a_page_costs_the_same_with_more_rows(people, client_for, api_client_for, who, url):
    from outreach.courses import ensure_courses

    ensure_courses()
    courses = {c.code: c for c in Course.objects.all()}
    path = url(people)
    client = (api_client_for if path.startswith("/api/") else client_for)(getattr(people, who))
    _add(people, 2, courses)
    few = _count(client, path)
    _add(people, 4, courses)
    assert _count(client, path) == few


def test_a_session_page_costs_the_same_with_more_workers_and_visits(people, client_for):
    session = recorded(people.manager, hot_spot(people), young_people=[people.maya])
    url = reverse("outreach:session", kwargs={"pk": session.pk})
    client = client_for(people.manager)
    few = _count(client, url)
    for i in range(4):
        services.session_record(
            actor=people.manager,
            session=session,
            young_people_count=9,
            young_people=[people.maya, people.noah],
            visits=[(premises(people.alice, name=f"Shop {i}"), "engaged")],
        )
        session.workers.add(people.alice, people.bob)
    assert _count(client, url) == few
