"""The outreach pages: the ladder (``tests/ladder.py``) over the table of pages, then each page's
behaviour, and the public feedback form's safety."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cse_portal.audit.models import AuditEntry
from intelligence.models import Alert, IntelligenceItem
from outreach.models import (
    ElearningImport,
    Feedback,
    OutreachSession,
    ParticipationActivity,
    Premises,
    SessionStatus,
    TrainingSession,
)
from tests.ladder import Ladder, Page
from tests.personas import People

from .conftest import activity, hot_spot, plan, premises, recorded, train

pytestmark = pytest.mark.django_db


def _session(p: People) -> OutreachSession:
    return recorded(p.alice, hot_spot(p))


def _premises(p: People) -> Premises:
    return premises(p.alice)


def _training(p: People) -> TrainingSession:
    from outreach.courses import ensure_courses
    from outreach.models import Course

    ensure_courses()
    return train(p.manager, Course.objects.get(code="cse-awareness"), attendees=[p.alice])


def _own_training(p: People) -> TrainingSession:
    """Training alice delivered and recorded herself."""
    from outreach.courses import ensure_courses
    from outreach.models import Course

    ensure_courses()
    return train(p.alice, Course.objects.get(code="cse-awareness"))


def _activity(p: People) -> ParticipationActivity:
    return activity(p.alice)


def _url(name: str, make=None):
    if make is None:
        return lambda p: reverse(f"outreach:{name}")
    return lambda p: reverse(f"outreach:{name}", kwargs={"pk": make(p).pk})


PAGES = [
    Page("sessions", _url("sessions"), "alice", "frank", 403, "Outreach sessions"),
    Page("hot spots", _url("hot_spots"), "alice", "ana", 403, "Hot spots"),
    Page("plan", _url("session_new"), "alice", "lucy", 403, "Plan an outreach session"),
    Page("session", _url("session", _session), "alice", "frank", 404, "Kebab King"),
    Page("record", _url("session_record", _session), "alice", "frank", 404, "Record what"),
    Page("premises list", _url("premises_list"), "alice", "frank", 403, "Businesses"),
    Page("premises new", _url("premises_new"), "alice", "adam", 403, "Add a business"),
    Page("premises", _url("premises", _premises), "alice", "frank", 404, "Station Hotel"),
    Page("premises edit", _url("premises_edit", _premises), "alice", "ana", 404, "Station"),
    Page("training", _url("training"), "alice", "", 0, "Training sessions"),
    Page("training new", _url("training_new"), "alice", "lucy", 403, "Record training"),
    Page("my training", _url("my_training"), "alice", "", 0, "My training"),
    Page("team training", _url("team_training"), "manager", "alice", 403, "Sectors reached"),
    Page("cascade", _url("cascade"), "manager", "alice", 403, "cascade"),
    Page("imports", _url("imports"), "manager", "alice", 403, "E-learning import"),
    Page("training session", _url("training_session", _training), "alice", "bob", 404, "CSE"),
    # Corrected by whoever recorded it, or the team manager: alice attended, so sees it, but
    # did not record it; bob recorded nothing; neither corrects it.
    Page("training edit", _url("training_edit", _training), "manager", "alice", 404, "Correct"),
    Page("training edit, other", _url("training_edit", _training), "manager", "bob", 404, "CSE"),
    Page("own training edit", _url("training_edit", _own_training), "alice", "bob", 404, "CSE"),
    Page(
        "own training edit, manager",
        _url("training_edit", _own_training),
        "manager",
        "lucy",
        404,
        "CSE",
    ),
    Page("participation", _url("participation"), "alice", "frank", 403, "Feedback received"),
    Page("activity edit", _url("activity_edit", _activity), "alice", "bob", 404, "Youth forum"),
    Page(
        "activity edit, manager",
        _url("activity_edit", _activity),
        "manager",
        "frank",
        404,
        "Correct",
    ),
    Page("activity new", _url("activity_new"), "alice", "frank", 403, "participation activity"),
    Page(
        "plan post",
        _url("session_new"),
        "alice",
        "frank",
        403,
        "",
        method="post",
        data={
            "new_place_name": "Bus station",
            "new_place_postcode": "S1 2HH",
            "day_0": "1",
            "day_1": "6",
            "day_2": "2026",
            "start_time": "19:00",
        },
    ),
]


class TestLadder(Ladder):
    PAGES = PAGES
    HOME = "/outreach/"


def test_the_hot_spot_list_plans_a_session_in_one_click(people, client_for):
    place = hot_spot(people)
    page = client_for(people.alice).get(reverse("outreach:hot_spots")).content.decode()
    assert f"{reverse('outreach:session_new')}?place={place.pk}" in page


def test_a_plan_from_an_alert_answers_it(people, client_for):
    place = hot_spot(people)
    alert = Alert.objects.create(entity=place, young_people_count=2)
    client = client_for(people.manager)
    url = f"{reverse('outreach:session_new')}?alert={alert.pk}"
    assert "Answering the pattern alert" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "place": str(place.pk),
            "alert": str(alert.pk),
            "day_0": "1",
            "day_1": "6",
            "day_2": "2026",
            "start_time": "19:30",
            "end_time": "21:00",
        },
    )
    session = OutreachSession.objects.get()
    assert response["Location"] == reverse("outreach:session", kwargs={"pk": session.pk})
    assert (session.alert, session.place) == (alert, place)
    assert session.ends_at.hour - session.starts_at.hour == 2 or session.ends_at > session.starts_at


def test_a_plan_with_errors_says_what_to_fix(people, client_for):
    response = client_for(people.alice).post(reverse("outreach:session_new"), {"start_time": "7pm"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose where the session is, or give a new place&#x27;s name" in page
    assert "Enter the start time as hours and minutes, like 19:30" in page
    assert not OutreachSession.objects.exists()


def test_recording_a_session_links_a_record_found_by_name(people, client_for):
    session = plan(people.alice, hot_spot(people))
    client = client_for(people.alice)
    url = reverse("outreach:session_record", kwargs={"pk": session.pk})
    assert "Maya Whitfield" in client.get(url, {"find": "Maya"}).content.decode()
    response = client.post(
        url,
        {"young_people_count": "3", "young_people": [str(people.maya.pk)], "what_seen": "Cars"},
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.RECORDED
    assert list(session.engagements.values_list("young_person", flat=True)) == [people.maya.pk]


def test_the_session_page_counts_young_people_the_viewer_may_not_see(people, client_for, yasmin):
    session = recorded(people.manager, hot_spot(people), young_people=[people.maya])
    session.workers.add(yasmin)
    page = client_for(yasmin).get(reverse("outreach:session", kwargs={"pk": session.pk}))
    text = page.content.decode()
    assert "Maya" not in text
    assert "and 1 whose record you cannot see" in text


def test_a_youth_worker_turns_what_was_seen_into_intelligence(people, client_for, yasmin):
    session = recorded(yasmin, hot_spot(people))
    response = client_for(yasmin).post(
        reverse("outreach:session_intelligence", kwargs={"pk": session.pk}),
        {
            "content": session.what_seen,
            "source_evaluation": "A",
            "intelligence_evaluation": "1",
            "handling_code": "2",
            "priority": "medium",
        },
    )
    assert response.status_code == 302
    item = IntelligenceItem.objects.get(origin="outreach")
    assert item.submitted_by == yasmin


def test_intelligence_with_a_missing_grading_says_so(people, client_for, yasmin):
    session = recorded(yasmin, hot_spot(people))
    response = client_for(yasmin).post(
        reverse("outreach:session_intelligence", kwargs={"pk": session.pk}),
        {"content": "Seen", "priority": "low"},
    )
    assert response.status_code == 400
    assert "Choose the source evaluation" in response.content.decode()


def test_the_session_closes_its_alert(people, client_for):
    place = hot_spot(people)
    alert = Alert.objects.create(entity=place)
    session = plan(people.alice, place, alert=alert)
    from outreach import services

    services.session_record(actor=people.alice, session=session, young_people_count=2)
    client = client_for(people.alice)
    url = reverse("outreach:session_close_alert", kwargs={"pk": session.pk})
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Weekly outreach in place"}).status_code == 302
    alert.refresh_from_db()
    assert alert.outcome == "outreach"


def test_a_visit_is_recorded_on_the_premises_page(people, client_for):
    hotel = premises(people.alice)
    response = client_for(people.alice).post(
        reverse("outreach:premises", kwargs={"pk": hotel.pk}),
        {
            "visited_on_0": "2",
            "visited_on_1": "3",
            "visited_on_2": "2026",
            "outcome": "engaged",
            "materials": "yes",
        },
    )
    assert response.status_code == 302
    hotel.refresh_from_db()
    assert hotel.materials_displayed
    assert hotel.visits.count() == 1


def test_the_team_manager_sees_the_concerns_a_business_reported(people, client_for):
    from tests.intelligence.conftest import community_concern

    referral = community_concern(venue="Station Hotel", postcode="S9 9ZZ")
    hotel = premises(people.alice)
    url = reverse("outreach:premises", kwargs={"pk": hotel.pk})
    assert referral.reference in client_for(people.manager).get(url).content.decode()
    page = client_for(people.alice).get(url).content.decode()
    assert referral.reference not in page
    assert "1 through" in page


def test_the_import_page_takes_a_csv_and_shows_its_progress(people, client_for, courses):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "export.csv", b"email,module,completed_on\nx@y.org,el-cse-intro,2026-01-01\n"
    )
    response = client_for(people.manager).post(reverse("outreach:imports"), {"file": upload})
    assert response.status_code == 302
    client = client_for(people.manager)
    page = client.get(response["Location"]).content.decode()
    assert "export.csv" in page
    # While it runs the panel alone is polled (htmx): no meta refresh, which WCAG 2.2.1 rules out.
    record = ElearningImport.objects.get()
    progress_url = reverse("outreach:import_progress", kwargs={"pk": record.pk})
    assert 'http-equiv="refresh"' not in page
    assert f'hx-get="{progress_url}"' in page
    assert "htmx.min.js" in page
    assert '"includeIndicatorStyles": false' in page  # no inline style for the CSP to refuse
    panel = client.get(progress_url).content.decode()
    assert "<html" not in panel and "Refresh the progress" in panel
    ElearningImport.objects.filter(pk=record.pk).update(status="done")
    assert "hx-get" not in client.get(progress_url).content.decode()  # over: polling stops


def test_the_import_page_refuses_a_file_that_is_not_csv(people, client_for, courses):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("export.xlsx", b"PK\x03\x04")
    response = client_for(people.manager).post(reverse("outreach:imports"), {"file": upload})
    assert response.status_code == 400
    assert "The file must be a CSV file" in response.content.decode()


def test_the_record_page_lists_outreach_sessions_where_the_young_person_was_engaged(
    people, client_for
):
    session = recorded(people.manager, hot_spot(people), young_people=[people.maya])
    page = client_for(people.alice).get(
        reverse("young_people:detail", kwargs={"pk": people.maya.pk})
    )
    text = page.content.decode()
    assert 'id="cse-outreach-heading"' in text
    assert reverse("outreach:session", kwargs={"pk": session.pk}) in text


def test_the_record_page_has_no_outreach_panel_when_never_engaged(people, client_for):
    page = client_for(people.alice).get(
        reverse("young_people:detail", kwargs={"pk": people.maya.pk})
    )
    assert "cse-outreach-heading" not in page.content.decode()


def test_the_navigation_offers_outreach_to_youth_workers_only_among_frontline(
    people, client_for, yasmin
):
    link = f'href="{reverse("outreach:sessions")}"'
    assert link in client_for(yasmin).get(reverse("home")).content.decode()
    assert link not in client_for(people.frank).get(reverse("home")).content.decode()


# --- The public feedback form --------------------------------------------------------------------

FEEDBACK = {"given_by": "young_person", "about": "support", "rating": "5", "went_well": "Listened"}


def _token(client: Client) -> str:
    import re

    page = client.get(reverse("feedback")).content.decode()
    return re.search(r'name="form_token" value="([^"]+)"', page)[1]


def test_the_feedback_form_needs_no_account_and_sets_no_cookie(db):
    client = Client()
    response = client.get(reverse("feedback"))
    assert response.status_code == 200
    assert "Exit this page" in response.content.decode()
    assert not response.cookies


def test_feedback_is_sent_then_redirected_without_trace(db):
    client = Client()
    response = client.post(reverse("feedback"), {**FEEDBACK, "form_token": _token(client)})
    assert response.status_code == 303
    assert response["Location"] == reverse("feedback_sent")
    assert not response.cookies
    assert Feedback.objects.get().went_well == "Listened"
    assert "Thank you" in client.get(response["Location"]).content.decode()


def test_feedback_posted_again_shows_nothing_of_what_was_written(db):
    client = Client()
    data = {**FEEDBACK, "form_token": _token(client), "went_well": "A private thing"}
    client.post(reverse("feedback"), data)
    again = client.post(reverse("feedback"), data)
    assert "A private thing" not in again.content.decode()
    assert Feedback.objects.count() == 1


def test_feedback_from_another_site_is_turned_back(db):
    client = Client()
    response = client.post(
        reverse("feedback"),
        {**FEEDBACK, "form_token": _token(client)},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    assert not Feedback.objects.exists()


def test_feedback_past_the_ceiling_is_refused_with_what_was_typed(db, settings):
    settings.REFERRALS_PUBLIC_RATE_CEILING = 0
    client = Client()
    response = client.post(reverse("feedback"), {**FEEDBACK, "form_token": _token(client)})
    assert response.status_code == 429
    assert "Listened" in response.content.decode()


def test_feedback_without_a_rating_says_so(db):
    client = Client()
    data = {**FEEDBACK, "form_token": _token(client)}
    del data["rating"]
    response = client.post(reverse("feedback"), data)
    assert "Say how it was" in response.content.decode()
    assert not Feedback.objects.exists()


def test_reading_feedback_is_audited(people, client_for):
    from outreach import services

    services.feedback_receive(
        address="x", fields={"given_by": "young_person", "about": "support", "rating": 4}
    )
    client = client_for(people.alice)
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    client.get(reverse("outreach:participation"))
    (entry,) = AuditEntry.objects.filter(id__gt=before)
    assert entry.object_type == "outreach.feedback"
