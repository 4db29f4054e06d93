"""The picture's pages and API cost the same number of queries with a few and with many hubs,
young people, places and alerts: the network is one statement, nothing is fetched row by row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intelligence.models import Alert

from .conftest import submit

pytestmark = pytest.mark.django_db


def add_patterns(people, start: int, count: int) -> None:
    """``count`` cars and places, each seen with three children (so each raises an alert)."""
    for number in range(start, start + count):
        for child in range(3):
            submit(
                people.frank,
                subjects=[
                    {
                        "kind": "person",
                        "role": "young_person_at_risk",
                        "name": f"Girl {number}-{child}",
                    },
                    {"kind": "vehicle", "registration": f"KB{number:02d} ABC"},
                    {
                        "kind": "location",
                        "name": f"Takeaway {number}",
                        "postcode": "S1 2HH",
                        "latitude": "53.38",
                        "longitude": "-1.47",
                    },
                    {
                        "kind": "person",
                        "role": "suspected_exploiter",
                        "name": f"Man {number}",
                        "date_of_birth": "1980-01-01",
                    },
                ],
            )


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(queries)


def _alert_url() -> str:
    return f"/intelligence/picture/alerts/{Alert.objects.order_by('raised_at').first().pk}/"


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("ana", lambda: "/intelligence/picture/"),
        ("ana", lambda: "/api/v1/intelligence/network/"),
        ("ana", lambda: "/intelligence/picture/?min_source=2&min_intelligence=B"),
        ("ana", lambda: "/api/v1/intelligence/network/?min_source=1"),
        ("ana", lambda: "/intelligence/picture/hot-spots/"),
        ("ana", lambda: "/intelligence/picture/hot-spots/?min_intelligence=A"),
        ("alice", lambda: "/intelligence/picture/hot-spots/"),
        ("ana", lambda: "/intelligence/picture/alerts/"),
        ("manager", lambda: "/api/v1/alerts/"),
        ("ana", _alert_url),
    ],
    ids=[
        "analysis",
        "network api",
        "analysis graded",
        "network api graded",
        "hot spots",
        "hot spots graded",
        "hot spots practitioner",
        "alerts",
        "alerts api",
        "alert",
    ],
)
def test_pages_cost_the_same_with_few_and_many_rows(people, client_for, persona, url):
    add_patterns(people, 0, 1)
    user = getattr(people, persona)
    if url().startswith("/api/"):
        from rest_framework.test import APIClient

        client = APIClient()
        client.force_authenticate(user)
    else:
        client = client_for(user)
    client.get(url())  # the first request of a client also sets up its session
    few = _count(client, url())
    add_patterns(people, 1, 6)
    many = _count(client, url())
    assert few == many


def test_the_network_is_one_statement(people):
    from intelligence.network import default_filters, picture_build

    add_patterns(people, 0, 4)
    with CaptureQueriesContext(connection) as queries:
        picture = picture_build(default_filters())
    assert len(queries) == 1
    assert len(picture.hubs) == 12
