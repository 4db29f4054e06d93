"""Each dashboard costs a fixed number of queries whatever the number of rows (the measures in
one grouped query per source, not one per cell)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from intelligence.models import Alert, Entity
from reports import measures
from reports.periods import Period

from .conftest import at, referrals

# The signed-in request's own three (session, user with agency and role, TOTP device; the session is
# renewed at most once a minute, not saved on every request) and the figures' fixed queries: the
# calendar year read whole (2026-Q3's previous quarter is in it), one query grouped by month (or
# period key) for each date a source counts by (18) and two more (by quarter, over the year) for
# each of the three dates with distinct counts, and the two sources of counts of now. No query per
# cell or per row. Outreach sessions by area are conditional counts in the outreach sessions' own
# query; the missing episodes, children and repeat missing are read off the missing app's episode
# tally.
SIGN_IN = 3
LSCB = 29


def _grow(people, size: int) -> None:
    referrals(size, referred_by=people.fiona, submitted_at=at(2026, 7, 3))
    for n in range(size // 5):
        entity = Entity.objects.create(kind="vehicle", key=f"AB{size}X{n}", label=f"AB{size} X{n}")
        Alert.objects.create(entity=entity, young_people_count=3)


def _count(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("user", "url", "params"),
    [
        ("lucy", "reports:lscb", {"period": "2026-Q3"}),
        ("manager", "reports:team", {}),
        ("ana", "reports:analyst", {"period": "2026-07"}),
        ("lucy", "reports:lscb_csv", {"period": "2026-Q3"}),
    ],
)
def test_a_dashboard_costs_the_same_with_ten_times_the_rows(people, client_for, user, url, params):
    client = client_for(getattr(people, user))
    _grow(people, 10)
    small = _count(client, reverse(url), **params)
    _grow(people, 100)
    assert _count(client, reverse(url), **params) == small


def test_the_lscb_dashboard_is_its_grouped_aggregates_and_the_sign_in(people, client_for):
    client = client_for(people.lucy)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("reports:lscb"), {"period": "2026-Q3"})
    assert len(queries) == LSCB
    # The pin is the sign-in and one aggregate per source, not a number found by running it.
    assert SIGN_IN + measures.shown_query_count(Period.parse("2026-Q3")) == LSCB
