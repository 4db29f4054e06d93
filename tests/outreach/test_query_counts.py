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


# Pinned: the plan, change, record and session pages, with few and with many workers on offer or
# named: those on offer are one query (their roles read in the database, their agencies joined),
# those named one more (a prefetch). Every page starts with the same 3: the login session, the
# user (with their agency and role), their authenticator. An audit entry is one INSERT.
#: + the hot spots and their latest sessions (2), the workers on offer (1), the agencies (2: the
#: form's choices are tested and listed).
PLAN_PAGE_QUERIES = 8
#: + the session through the funnel and its audit entry (2), the hot spots (2), the session's
#: agencies (1), the workers named (1) and on offer (1), the agencies on offer (2).
EDIT_PAGE_QUERIES = 12
#: + the session through the funnel, the young people it shows (named in the audit entry) and
#: its audit entry (3), the young people linked, the premises nearby and their visits (3), the
#: workers named (1) and on offer (1).
RECORD_PAGE_QUERIES = 11
#: + the session through the funnel, the young people it shows and its audit entry (3), the
#: session again with its place, agencies, workers and visits (4), the engagements seen and
#: counted (2), may it be changed (1).
SESSION_PAGE_QUERIES = 13

PINNED = {
    "plan": PLAN_PAGE_QUERIES,
    "edit": EDIT_PAGE_QUERIES,
    "record": RECORD_PAGE_QUERIES,
    "session": SESSION_PAGE_QUERIES,
}


def _more_workers(people, number: int, start: int = 0) -> list:
    """Outreach staff of the two agencies taking part: a youth charity worker and a social care
    practitioner each."""
    from cse_portal.accounts.roles import Role
    from tests.factories import make_user

    made = []
    for i in range(start, start + number):
        made.append(make_user(f"vcs{i}", Role.FRONTLINE, people.vcs, with_device=False))
        made.append(make_user(f"prac{i}", Role.PRACTITIONER, people.social_care, with_device=False))
    return made


@pytest.mark.parametrize("page", list(PINNED))
def test_a_session_form_or_page_costs_the_same_however_many_workers(
    people, client_for, django_assert_num_queries, page
):
    session = plan(people.alice, hot_spot(people), agencies=[people.vcs])
    url = {
        "plan": reverse("outreach:session_new"),
        "edit": reverse("outreach:session_edit", kwargs={"pk": session.pk}),
        "record": reverse("outreach:session_record", kwargs={"pk": session.pk}),
        "session": reverse("outreach:session", kwargs={"pk": session.pk}),
    }[page]
    client = client_for(people.alice)
    for start, number in ((0, 1), (1, 15)):
        # Each round: more workers on offer, and all of them named on the session.
        workers = _more_workers(people, number, start)
        session.workers.add(*workers)
        with django_assert_num_queries(PINNED[page]):
            response = client.get(url)
        assert response.status_code == 200
        text = response.content.decode()
        assert all(str(w) in text for w in workers)
