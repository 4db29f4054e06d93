"""The local demo runs with DEBUG on; a 404 still shows the portal's own page, never Django's
technical page that lists every URL pattern."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

TECHNICAL = "Using the URLconf defined in"


@pytest.fixture
def demo(settings):
    settings.DEBUG = True  # as make run sets it; the test runner turns it off


def test_an_unknown_address_shows_the_portal_page_to_anyone(demo, client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert TECHNICAL not in response.text
    assert "young-people/" not in response.text


def test_a_record_the_user_may_not_see_shows_the_portal_page(demo, people, client_for):
    response = client_for(people.frank).get(f"/young-people/{people.maya.pk}/")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "Raised by" not in response.text


def test_a_missing_slash_is_still_redirected(demo, people, client_for):
    response = client_for(people.manager).get("/young-people")
    assert response.status_code == 301
    assert response["Location"] == "/young-people/"


def test_without_debug_django_shows_the_same_page(people, client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.text
