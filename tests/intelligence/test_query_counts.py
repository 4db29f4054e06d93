"""The desk, the entity page and the lists cost the same number of queries with a few and with
many rows: nothing is fetched row by row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from intelligence import services
from intelligence.models import Entity

from .conftest import submit

pytestmark = pytest.mark.django_db

TAKEAWAY = {"kind": "location", "name": "Kebab King", "postcode": "S1 2HH"}


def add_items(people, count: int) -> None:
    for number in range(count):
        item = submit(
            people.frank,
            priority=["high", "medium", "low"][number % 3],
            subjects=[
                TAKEAWAY,
                {"kind": "person", "role": "young_person_at_risk", "name": f"Girl {number}"},
            ],
        )
        services.item_sanitise(actor=people.ana, item=item, sanitised_content="Sanitised")
        services.item_disseminate(
            actor=people.ana, item=item, recipients=[people.bob], purpose="Safeguarding"
        )
        if number % 2:
            services.item_mark_assessed(actor=people.ana, item=item)


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _takeaway_url() -> str:
    return reverse("intelligence:entity", args=[Entity.objects.get(kind="location").pk])


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("ana", lambda: reverse("intelligence:desk")),
        ("ana", _takeaway_url),
        ("ana", lambda: reverse("intelligence:entities")),
        ("frank", lambda: reverse("intelligence:mine")),
        ("bob", lambda: reverse("intelligence:received")),
        ("ana", lambda: "/api/v1/intelligence/"),
        ("frank", lambda: "/api/v1/intelligence/"),
        ("bob", lambda: "/api/v1/intelligence/"),
        ("ana", lambda: "/api/v1/entities/"),
    ],
    ids=[
        "desk",
        "entity page",
        "entities",
        "mine",
        "received",
        "api analyst",
        "api submitter",
        "api recipient",
        "api entities",
    ],
)
def test_pages_cost_the_same_with_few_and_many_rows(people, client_for, persona, url):
    client = client_for(getattr(people, persona))
    add_items(people, 2)
    few = _count(client, url())
    add_items(people, 8)
    many = _count(client, url())
    assert few == many


def test_the_review_page_costs_the_same_with_few_and_many_subjects(people, client_for):
    client = client_for(people.ana)
    few = submit(people.frank)
    many = submit(
        people.frank,
        subjects=[{"kind": "phone", "number": f"07700 900{n:03d}"} for n in range(15)]
        + [{"kind": "person", "role": "associate", "name": f"Man {n}"} for n in range(5)],
    )
    for item in (few, many):
        services.item_sanitise(actor=people.ana, item=item, sanitised_content="x")
        services.item_disseminate(actor=people.ana, item=item, recipients=[people.bob], purpose="x")
    counts = [_count(client, reverse("intelligence:review", args=[i.pk])) for i in (few, many)]
    assert counts[0] == counts[1]
