"""``/api/v1/outreach-sessions/``, ``/api/v1/premises/``, ``/api/v1/training-sessions/``."""

from __future__ import annotations

import pytest

from outreach.models import OutreachSession, SessionEngagement

from .conftest import hot_spot, plan, premises, recorded

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/outreach-sessions/"


def test_a_youth_worker_plans_a_session_through_the_api(people, api_client_for, yasmin):
    place = hot_spot(people)
    response = api_client_for(yasmin).post(
        SESSIONS, {"place": str(place.pk), "starts_at": "2026-06-01T19:00:00Z"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["place_label"] == place.label
    assert response.json()["status"] == "planned"


def test_the_api_names_a_place_the_caller_cannot_pick(people, api_client_for):
    place = hot_spot(people)
    response = api_client_for(people.frank).post(
        SESSIONS, {"place": str(place.pk), "starts_at": "2026-06-01T19:00:00Z"}, format="json"
    )
    assert response.status_code == 403


def test_the_api_refuses_an_unknown_place_with_a_field_error(people, api_client_for):
    response = api_client_for(people.alice).post(
        SESSIONS,
        {"place": "6f1c1f5e-0000-4000-8000-000000000000", "starts_at": "2026-06-01T19:00:00Z"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"place": ["Choose a place you may see"]}


def test_the_api_records_a_session_with_the_page_rules(people, api_client_for):
    session = plan(people.alice, hot_spot(people))
    client = api_client_for(people.alice)
    url = f"{SESSIONS}{session.pk}/record/"
    refused = client.post(
        url,
        {"young_people_count": 0, "young_people": [str(people.maya.pk)]},
        format="json",
    )
    assert refused.status_code == 400
    assert "young_people_count" in refused.json()
    done = client.post(
        url, {"young_people_count": 2, "young_people": [str(people.maya.pk)]}, format="json"
    )
    assert done.status_code == 200
    assert SessionEngagement.objects.get().young_person == people.maya


def test_a_session_the_caller_may_not_see_is_a_404(people, api_client_for, yasmin):
    session = plan(people.alice, hot_spot(people))
    assert api_client_for(yasmin).get(f"{SESSIONS}{session.pk}/").status_code == 404
    assert api_client_for(people.alice).get(f"{SESSIONS}{session.pk}/").status_code == 200


def test_the_session_list_is_what_the_caller_may_see(people, api_client_for, yasmin):
    place = hot_spot(people)
    plan(people.alice, place)
    own = plan(yasmin, place)
    body = api_client_for(yasmin).get(SESSIONS).json()
    assert [row["id"] for row in body["results"]] == [str(own.pk)]
    assert api_client_for(people.manager).get(SESSIONS).json()["count"] == 2


def test_premises_are_added_and_searched(people, api_client_for):
    client = api_client_for(people.alice)
    created = client.post(
        "/api/v1/premises/",
        {"name": "Rainbow Rooms", "sector": "lgbt_venue", "postcode": "s1 2hh"},
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["postcode"] == "S1 2HH"
    premises(people.alice, name="Station Hotel")
    found = client.get("/api/v1/premises/", {"search": "rainbow"}).json()
    assert [row["name"] for row in found["results"]] == ["Rainbow Rooms"]
    by_sector = client.get("/api/v1/premises/", {"sector": "hotel"}).json()
    assert [row["name"] for row in by_sector["results"]] == ["Station Hotel"]


def test_a_bad_sector_is_a_field_error(people, api_client_for):
    response = api_client_for(people.alice).post(
        "/api/v1/premises/", {"name": "X", "sector": "casino"}, format="json"
    )
    assert response.status_code == 400
    assert "sector" in response.json()


def test_training_sessions_are_recorded_and_listed(people, api_client_for, courses):
    client = api_client_for(people.manager)
    response = client.post(
        "/api/v1/training-sessions/",
        {
            "course": "cse-awareness",
            "delivered_on": "2026-05-01",
            "attendance_count": 12,
            "attendees": [str(people.alice.pk)],
            "audience_sectors": ["taxi", "hotel"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["audience_sectors"] == ["hotel", "taxi"]
    mine = api_client_for(people.alice).get("/api/v1/training-sessions/").json()
    assert mine["count"] == 1
    assert api_client_for(people.bob).get("/api/v1/training-sessions/").json()["count"] == 0


def test_a_training_session_names_unknown_attendees(people, api_client_for, courses):
    response = api_client_for(people.manager).post(
        "/api/v1/training-sessions/",
        {
            "course": "cse-awareness",
            "delivered_on": "2026-05-01",
            "attendance_count": 3,
            "attendees": ["6f1c1f5e-0000-4000-8000-000000000000"],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"attendees": ["Name attendees by the ids of active staff users"]}


def test_the_lists_are_for_signed_in_staff_only(db, client):
    for url in (SESSIONS, "/api/v1/premises/", "/api/v1/training-sessions/"):
        assert client.get(url).status_code == 401


def test_recorded_sessions_show_what_was_seen(people, api_client_for):
    session = recorded(people.alice, hot_spot(people))
    body = api_client_for(people.manager).get(f"{SESSIONS}{session.pk}/").json()
    assert body["what_seen"] == session.what_seen
    assert OutreachSession.objects.count() == 1
