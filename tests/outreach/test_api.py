"""``/api/v1/outreach-sessions/``, ``/api/v1/premises/``, ``/api/v1/training-sessions/``."""

from __future__ import annotations

import pytest
from django.urls import reverse

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


# --- What was seen becomes intelligence; the alert closed with "outreach" -----------------------

GRADING = {
    "source_evaluation": "A",
    "intelligence_evaluation": "1",
    "handling_code": "2",
    "priority": "medium",
}


def test_what_was_seen_becomes_intelligence_through_the_api(people, api_client_for, yasmin):
    from intelligence.models import IntelligenceItem

    session = recorded(yasmin, hot_spot(people))
    response = api_client_for(yasmin).post(
        f"{SESSIONS}{session.pk}/intelligence/", GRADING, format="json"
    )
    assert response.status_code == 201, response.json()
    item = IntelligenceItem.objects.get(origin="outreach")
    assert response.json()["intelligence_reference"] == item.reference
    assert item.content == session.what_seen
    assert item.submitted_by == yasmin
    again = api_client_for(yasmin).post(
        f"{SESSIONS}{session.pk}/intelligence/", GRADING, format="json"
    )
    assert again.status_code == 400
    assert again.json() == {"content": ["What was seen is already intelligence"]}


def test_intelligence_through_the_api_names_the_field_at_fault(people, api_client_for, yasmin):
    session = plan(yasmin, hot_spot(people))
    client = api_client_for(yasmin)
    url = f"{SESSIONS}{session.pk}/intelligence/"
    bad = client.post(url, {**GRADING, "handling_code": "5"}, format="json")
    assert bad.status_code == 400
    assert list(bad.json()) == ["handling_code"]
    nothing_seen = client.post(url, GRADING, format="json")
    assert nothing_seen.status_code == 400
    assert nothing_seen.json() == {"content": ["Record what was seen first"]}


def test_intelligence_from_a_session_the_caller_may_not_see_is_a_404(
    people, api_client_for, yasmin
):
    session = recorded(people.alice, hot_spot(people))
    response = api_client_for(yasmin).post(
        f"{SESSIONS}{session.pk}/intelligence/", GRADING, format="json"
    )
    assert response.status_code == 404


def _answering_an_alert(people):
    from intelligence.models import Alert

    place = hot_spot(people)
    alert = Alert.objects.create(entity=place)
    return alert, plan(people.alice, place, alert=alert)


def test_the_api_closes_the_alert_with_the_outcome_outreach(people, api_client_for):
    from cse_portal.audit.models import AuditAction, AuditEntry
    from outreach import services

    alert, session = _answering_an_alert(people)
    client = api_client_for(people.alice)
    url = f"{SESSIONS}{session.pk}/close-alert/"
    early = client.post(url, {"reason": "Weekly outreach in place"}, format="json")
    assert early.status_code == 400
    assert early.json() == {"reason": ["Record the session before closing its alert"]}
    services.session_record(actor=people.alice, session=session, young_people_count=2)
    blank = client.post(url, {"reason": ""}, format="json")
    assert blank.status_code == 400
    assert list(blank.json()) == ["reason"]
    done = client.post(url, {"reason": "Weekly outreach in place"}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["alert_closed"] is True
    alert.refresh_from_db()
    assert (alert.status, alert.outcome) == ("closed", "outreach")
    assert AuditEntry.objects.filter(object_id=str(alert.pk), action=AuditAction.ALTER).exists()
    again = client.post(url, {"reason": "Again"}, format="json")
    assert again.status_code == 400
    assert again.json() == {"alert": ["The session already closed its alert"]}


def test_closing_an_alert_needs_a_role_that_may(people, api_client_for, yasmin):
    from outreach import services

    _alert, session = _answering_an_alert(people)
    services.session_record(actor=people.alice, session=session, young_people_count=2)
    session.workers.add(yasmin)
    url = f"{SESSIONS}{session.pk}/close-alert/"
    assert api_client_for(yasmin).post(url, {"reason": "x"}, format="json").status_code == 403
    assert api_client_for(people.frank).post(url, {"reason": "x"}, format="json").status_code == 404


def test_a_session_without_an_alert_says_so(people, api_client_for):
    session = recorded(people.alice, hot_spot(people))
    response = api_client_for(people.alice).post(
        f"{SESSIONS}{session.pk}/close-alert/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"reason": ["This session does not answer an alert"]}


# --- Training sessions corrected (PATCH) ---------------------------------------------------------


def test_the_team_manager_corrects_a_training_session(people, api_client_for, courses):
    from cse_portal.audit.models import AuditAction, AuditEntry

    from .conftest import train

    session = train(people.manager, courses["cse-awareness"], attendees=[people.alice])
    client = api_client_for(people.manager)
    url = f"/api/v1/training-sessions/{session.pk}/"
    response = client.patch(
        url, {"attendance_count": 14, "audience_sectors": ["taxi"]}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["attendance_count"], body["audience_sectors"]) == (14, ["taxi"])
    assert body["attendees"] == [str(people.alice.pk)]
    entries = AuditEntry.objects.filter(object_id=str(session.pk), action=AuditAction.ALTER)
    assert entries.count() == 1
    assert client.patch(url, {"attendance_count": 14}, format="json").status_code == 200
    assert entries.count() == 1


def test_a_training_correction_names_the_field_at_fault(people, api_client_for, courses):
    from .conftest import train

    session = train(people.alice, courses["cse-awareness"], count=2)
    client = api_client_for(people.alice)
    url = f"/api/v1/training-sessions/{session.pk}/"
    response = client.patch(
        url,
        {"attendees": [str(people.bob.pk), str(people.manager.pk), str(people.frank.pk)]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "attendance_count": ["The number attending cannot be less than those named"]
    }
    other = client.patch(url, {"trainer": str(people.bob.pk)}, format="json")
    assert other.json() == {"trainer": ["Record only the training you delivered yourself"]}
    unknown = client.patch(url, {"course": "no-such-course"}, format="json")
    assert unknown.status_code == 400
    assert list(unknown.json()) == ["course"]


def test_only_who_recorded_training_corrects_it_through_the_api(people, api_client_for, courses):
    from .conftest import train

    session = train(people.manager, courses["cse-awareness"], attendees=[people.alice])
    url = f"/api/v1/training-sessions/{session.pk}/"
    # alice attended, so she sees it, but did not record it.
    assert api_client_for(people.alice).get(url).status_code == 200
    for who in (people.alice, people.bob, people.lucy):
        response = api_client_for(who).patch(url, {"attendance_count": 1}, format="json")
        assert response.status_code == 404
    assert api_client_for(people.alice).put(url, {}, format="json").status_code == 405


@pytest.mark.parametrize("search", ["S1 2HH", "s12hh", "s1  2hh", "S1 2", "s1"])
def test_premises_are_found_by_their_postcode_however_it_is_typed(people, api_client_for, search):
    premises(people.alice, name="Station Hotel", postcode="S1 2HH")
    premises(people.alice, name="Rainbow Rooms", postcode="S60 1QD")
    found = api_client_for(people.alice).get("/api/v1/premises/", {"search": search}).json()
    assert [row["name"] for row in found["results"]] == ["Station Hotel"]


def test_the_register_page_finds_premises_by_their_full_postcode(people, client_for):
    premises(people.alice, name="Station Hotel", postcode="S1 2HH")
    page = client_for(people.alice).get(reverse("outreach:premises_list"), {"q": "S1 2HH"})
    assert "Station Hotel" in page.content.decode()


def test_a_frontline_youth_worker_finds_a_place_and_plans_there_through_the_api(
    people, api_client_for, yasmin
):
    place = hot_spot(people)
    client = api_client_for(yasmin)
    found = client.get(f"{SESSIONS}places/", {"search": "kebab s1"})
    assert found.status_code == 200, found.json()
    assert [p["id"] for p in found.json()] == [str(place.pk)]
    assert found.json()[0]["postcode"] == place.postcode
    planned = client.post(
        SESSIONS,
        {"place": found.json()[0]["id"], "starts_at": "2026-06-01T19:00:00Z"},
        format="json",
    )
    assert planned.status_code == 201, planned.json()
    assert planned.json()["place_id"] == str(place.pk)


def test_the_place_finder_says_what_is_wrong_and_is_for_outreach_staff_only(
    people, api_client_for, yasmin
):
    client = api_client_for(yasmin)
    assert client.get(f"{SESSIONS}places/").json() == {
        "search": ["Give part of a place's name, address or postcode"]
    }
    too_long = client.get(f"{SESSIONS}places/", {"search": "x" * 101})
    assert too_long.status_code == 400
    assert "at most 100" in too_long.json()["search"][0]
    for user in (people.frank, people.lucy, people.ana):
        refused = api_client_for(user).get(f"{SESSIONS}places/", {"search": "kebab"})
        assert refused.status_code == 403


def test_a_premises_with_several_mistakes_hears_of_them_all_at_once(
    people, api_client_for, client_for
):
    wrong = {"name": "", "sector": "hotel", "postcode": "NOT A CODE"}
    response = api_client_for(people.alice).post("/api/v1/premises/", wrong, format="json")
    assert response.status_code == 400
    assert {"name", "postcode"} <= set(response.json())
    page = client_for(people.alice).post("/outreach/premises/new/", wrong)
    text = page.content.decode()
    assert "Enter the name" in text and "NOT A CODE" in text
    assert 'href="#id_postcode"' in text
