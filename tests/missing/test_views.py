"""The pages: the ladder for each, the journeys through them, and their query counts."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cse_portal.audit.models import AuditAction, AuditEntry
from missing import services
from missing.models import ImportMatch, MissingEpisode, PoliceImport, ReturnInterview
from tests.ladder import Ladder, Page
from tests.personas import People

from .conftest import hours_ago, jpeg_bytes

pytestmark = pytest.mark.django_db


def scene(people: People) -> dict[str, Any]:
    """Maya reported by alice (open), Noah's episode returned with an interview, Maya's profile
    kept by fiona, an import with a queued row."""
    open_episode = services.episode_report(
        reported_by=people.alice,
        young_person=people.maya,
        missing_since=hours_ago(3),
        last_seen="Bus station",
        risk_grade="medium",
    )
    back = services.episode_report(
        reported_by=people.manager,
        young_person=people.noah,
        missing_since=hours_ago(10),
        last_seen="School gates",
        risk_grade="low",
    )
    services.episode_return(
        episode=back,
        returned_by=people.manager,
        returned_at=hours_ago(2),
        return_method="found_police",
    )
    profile = services.carer_name(
        young_person=people.maya, carer=people.fiona, named_by=people.alice
    )
    police_import = PoliceImport.objects.create(
        file_name="x.csv", stored_as="x.csv", uploaded_by=people.manager, status="done"
    )
    match = ImportMatch.objects.create(
        police_import=police_import,
        line=2,
        police_reference="SY-9",
        row={"given_name": "A", "family_name": "B"},
        candidate_ids=[str(people.noah.pk)],
    )
    return {
        "open": open_episode,
        "returned": back,
        "interview": ReturnInterview.objects.get(episode=back),
        "profile": profile,
        "import": police_import,
        "match": match,
    }


def _scene(people: People) -> dict[str, Any]:
    """Built once per test, on first use, and kept on the test's personas."""
    if not hasattr(people, "missing_scene"):
        people.missing_scene = scene(people)  # type: ignore[attr-defined]
    return people.missing_scene  # type: ignore[attr-defined]


def url(name: str, what: str | None = None) -> Any:
    def make(people: People) -> str:
        records = _scene(people)
        if what is None:
            return reverse(f"missing:{name}")
        return reverse(f"missing:{name}", kwargs={"pk": records[what].pk})

    return make


def record_url(name: str) -> Any:
    return lambda people: reverse(f"missing:{name}", kwargs={"pk": people.maya.pk})


class TestLadder(Ladder):
    HOME = "/missing/"
    PAGES = [
        Page("board", url("board"), "alice", "frank", 403, "Missing now"),
        Page("board for the manager", url("board"), "manager", "lucy", 403, "Maya Whitfield"),
        Page("my work", url("mine"), "frank", "adam", 403, "Episodes you reported"),
        Page("report", url("report"), "frank", "lucy", 403, "Report a young person missing"),
        Page("episode", url("episode", "open"), "alice", "bob", 404, "Bus station"),
        Page(
            "episode for its carer? no",
            url("episode", "returned"),
            "manager",
            "fiona",
            404,
            "School gates",
        ),
        Page("return form", url("return", "open"), "alice", "frank", 404, "Record the return"),
        Page("interviews", url("interviews"), "manager", "frank", 403, "Return home interviews"),
        Page("interview", url("interview", "interview"), "manager", "alice", 404, "Attempts"),
        Page(
            "record interview",
            url("interview_record", "interview"),
            "manager",
            "bob",
            404,
            "Save the interview",
        ),
        Page("declined", url("interview_decline", "interview"), "manager", "bob", 404, "declined"),
        Page("profile", url("profile", "profile"), "fiona", "frank", 404, "Send to police"),
        Page(
            "profile edit",
            url("profile_edit", "profile"),
            "fiona",
            "bob",
            404,
            "Physical description",
        ),
        Page("carers", record_url("carers"), "alice", "bob", 404, "Named carers"),
        Page("imports", url("imports"), "manager", "alice", 403, "Recent imports"),
        Page("import", url("import", "import"), "manager", "alice", 404, "Rows rejected"),
        Page(
            "import progress",
            url("import_progress", "import"),
            "manager",
            "alice",
            404,
            "Episodes created",
        ),
        Page("match queue", url("matches"), "manager", "alice", 403, "SY-9"),
        Page("match", url("match", "match"), "manager", "alice", 404, "Noah Ellison"),
    ]


def test_a_carer_reports_the_child_from_the_profile_and_sees_the_episode(people, client_for):
    profile = services.carer_name(
        young_person=people.maya, carer=people.fiona, named_by=people.alice
    )
    client = client_for(people.fiona)
    page = client.get(reverse("missing:profile", kwargs={"pk": profile.pk}))
    assert f"?young_person={people.maya.pk}" in page.content.decode()
    today = timezone.localtime()
    response = client.post(
        reverse("missing:report"),
        {
            "young_person": str(people.maya.pk),
            "missing_date_0": today.day,
            "missing_date_1": today.month,
            "missing_date_2": today.year,
            "missing_time": "00:00",
            "last_seen": "Left the home after tea",
            "risk_grade": "high",
        },
    )
    episode = MissingEpisode.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("missing:episode", kwargs={"pk": episode.pk})
    shown = client.get(response["Location"]).content.decode()
    assert "Send the Philomena profile to police" in shown
    assert (
        client.get(reverse("young_people:detail", kwargs={"pk": people.maya.pk})).status_code == 404
    )


def test_a_report_sent_twice_makes_one_episode(people, client_for):
    client = client_for(people.alice)
    today = timezone.localtime()
    form = {
        "young_person": str(people.maya.pk),
        "missing_date_0": today.day,
        "missing_date_1": today.month,
        "missing_date_2": today.year,
        "missing_time": "00:00",
        "last_seen": "Left the home after tea",
        "risk_grade": "medium",
    }
    first = client.post(reverse("missing:report"), form)
    second = client.post(reverse("missing:report"), form)
    episode = MissingEpisode.objects.get()
    assert (
        first["Location"]
        == second["Location"]
        == reverse("missing:episode", kwargs={"pk": episode.pk})
    )


def test_a_report_with_errors_says_what_is_wrong(people, client_for):
    response = client_for(people.frank).post(reverse("missing:report"), {"given_name": "Ava"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Where were they last seen" in body


def test_the_reporter_is_offered_their_likely_records_first(people, client_for):
    today = timezone.localtime()
    data = {
        "given_name": "Maya",
        "family_name": "Whitfeld",
        "date_of_birth_0": people.maya.date_of_birth.day,
        "date_of_birth_1": people.maya.date_of_birth.month,
        "date_of_birth_2": people.maya.date_of_birth.year,
        "missing_date_0": today.day,
        "missing_date_1": today.month,
        "missing_date_2": today.year,
        "missing_time": "00:00",
        "last_seen": "Park",
        "risk_grade": "low",
    }
    client = client_for(people.alice)
    response = client.post(reverse("missing:report"), data)
    assert response.status_code == 200
    assert f'value="{people.maya.pk}"' in response.content.decode()
    assert not MissingEpisode.objects.exists()
    client.post(reverse("missing:report"), {**data, "existing_record": str(people.maya.pk)})
    assert MissingEpisode.objects.get().young_person == people.maya


def test_the_return_page_records_the_return(people, client_for):
    episode = _scene(people)["open"]
    now = timezone.localtime()
    response = client_for(people.alice).post(
        reverse("missing:return", kwargs={"pk": episode.pk}),
        {
            "returned_date_0": now.day,
            "returned_date_1": now.month,
            "returned_date_2": now.year,
            "returned_time": now.strftime("%H:%M"),
            "found_name": "Sheffield Interchange",
            "found_postcode": "S1 2BP",
            "return_method": "found_police",
            "cse_indicators": ["groom_cars"],
        },
    )
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.status == "returned"
    assert episode.found_location.postcode == "S1 2BP"


def test_a_return_sent_twice_is_recorded_once_and_says_so(people, client_for):
    episode = _scene(people)["open"]
    now = timezone.localtime()
    form = {
        "returned_date_0": now.day,
        "returned_date_1": now.month,
        "returned_date_2": now.year,
        "returned_time": now.strftime("%H:%M"),
        "return_method": "found_police",
    }
    client = client_for(people.alice)
    url = reverse("missing:return", kwargs={"pk": episode.pk})
    assert client.post(url, form).status_code == 302
    again = client.post(url, form, follow=True)
    assert again.status_code == 200
    assert "The return has already been recorded" in again.content.decode()
    assert ReturnInterview.objects.filter(episode=episode).count() == 1
    recorded = AuditEntry.objects.filter(
        object_id=str(episode.pk), summary="Return from missing recorded"
    )
    assert recorded.count() == 1


def test_the_interviewer_is_chosen_from_the_agency_not_typed(people, client_for):
    interview = _scene(people)["interview"]
    client = client_for(people.manager)
    page = client.get(
        reverse("missing:interview", kwargs={"pk": interview.pk}), {"agency": people.police.pk}
    )
    body = page.content.decode()
    assert f'value="{people.fiona.pk}"' in body
    assert f'value="{people.frank.pk}"' not in body  # frank works for health
    response = client.post(
        reverse("missing:interview_assign", kwargs={"pk": interview.pk}),
        {"agency": str(people.police.pk), "interviewer": str(people.fiona.pk)},
    )
    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.interviewer == people.fiona
    assert (
        client_for(people.fiona)
        .get(reverse("missing:interview", kwargs={"pk": interview.pk}))
        .status_code
        == 200
    )


def test_a_photo_is_served_only_through_the_funnel(people, client_for):
    profile = _scene(people)["profile"]
    carer = client_for(people.fiona)
    upload = SimpleUploadedFile("me.jpg", jpeg_bytes(gps=True), content_type="image/jpeg")
    response = carer.post(
        reverse("missing:profile_photo_upload", kwargs={"pk": profile.pk}), {"photo": upload}
    )
    assert response.status_code == 302
    photo_url = reverse("missing:profile_photo", kwargs={"pk": profile.pk})
    served = carer.get(photo_url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert "no-store" in served["Cache-Control"]
    assert client_for(people.frank).get(photo_url).status_code == 404
    assert client_for(people.bob).get(photo_url).status_code == 404
    consulted = AuditEntry.objects.filter(action=AuditAction.CONSULT, object_id=str(profile.pk))
    assert consulted.filter(detail__channel="photo", actor=people.fiona).count() == 1


def test_a_renamed_executable_upload_comes_back_with_the_error(people, client_for):
    profile = _scene(people)["profile"]
    upload = SimpleUploadedFile("me.png", b"MZ" + b"\x00" * 100, content_type="image/png")
    response = client_for(people.fiona).post(
        reverse("missing:profile_photo_upload", kwargs={"pk": profile.pk}), {"photo": upload}
    )
    assert response.status_code == 400
    assert "The photo must be a JPG or PNG" in response.content.decode()


def test_send_to_police_returns_the_pdf_and_records_the_disclosure(people, client_for):
    profile = _scene(people)["profile"]
    response = client_for(people.fiona).post(
        reverse("missing:profile_send", kwargs={"pk": profile.pk}),
        {"recipient": "PC 4471 Shaw", "police_reference": "SY-77"},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    entry = AuditEntry.objects.get(action=AuditAction.DISCLOSE)
    assert entry.recipients == ["PC 4471 Shaw"]


def test_the_record_page_shows_the_panel(people, client_for):
    _scene(people)
    body = (
        client_for(people.alice)
        .get(reverse("young_people:detail", kwargs={"pk": people.maya.pk}))
        .content.decode()
    )
    assert "Missing episodes" in body
    assert "Missing now" in body
    assert "Philomena profile" in body


# --- Query counts ---------------------------------------------------------------------------------


def add_episodes(people: People, count: int) -> None:
    """Open and returned episodes, with due, overdue and done interviews (bulk-created)."""
    now = timezone.now()
    from tests.factories import make_young_person

    for index in range(count):
        young_person = make_young_person(people.manager, given_name=f"Row{index}")
        episodes = MissingEpisode.objects.bulk_create(
            [
                MissingEpisode(
                    young_person=young_person,
                    missing_since=now - dt.timedelta(hours=5 + index),
                    last_seen="x",
                    risk_grade="high",
                    risk_rank=0,
                ),
                MissingEpisode(
                    young_person=young_person,
                    missing_since=now - dt.timedelta(days=10),
                    returned_at=now - dt.timedelta(days=9),
                    status="returned",
                    last_seen="x",
                    risk_grade="low",
                ),
                MissingEpisode(
                    young_person=young_person,
                    missing_since=now - dt.timedelta(hours=30),
                    returned_at=now - dt.timedelta(hours=20),
                    status="returned",
                    last_seen="x",
                    risk_grade="low",
                ),
                MissingEpisode(
                    young_person=young_person,
                    missing_since=now - dt.timedelta(days=20),
                    returned_at=now - dt.timedelta(days=19),
                    status="returned",
                    last_seen="x",
                    risk_grade="low",
                ),
            ]
        )
        ReturnInterview.objects.bulk_create(
            [
                ReturnInterview(
                    episode=episodes[1],
                    young_person=young_person,
                    due_at=now - dt.timedelta(days=6),
                ),
                ReturnInterview(
                    episode=episodes[2],
                    young_person=young_person,
                    due_at=now + dt.timedelta(hours=52),
                    agency=people.police,
                    interviewer=people.fiona,
                ),
                ReturnInterview(
                    episode=episodes[3],
                    young_person=young_person,
                    due_at=now - dt.timedelta(days=16),
                    status="done",
                    completed_at=now - dt.timedelta(days=17),
                    completed_by=people.manager,
                ),
            ]
        )


def count_queries(client, path: str, **params) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("board", {}),
        ("interviews", {"show": "due"}),
        ("interviews", {"show": "overdue"}),
        ("interviews", {"show": "done"}),
        ("mine", {}),
    ],
)
def test_the_boards_cost_the_same_with_few_and_many_rows(people, client_for, name, params):
    client = client_for(people.manager)
    path = reverse(f"missing:{name}")
    add_episodes(people, 2)
    few = count_queries(client, path, **params)
    add_episodes(people, 20)
    many = count_queries(client, path, **params)
    assert few == many


#: session, user (with agency and role), device; each tab's capped count (the list shown reuses
#: its own); the page; the audit entry of the page shown (one INSERT, committed by itself).
INTERVIEW_LIST_QUERIES = 8


@pytest.mark.parametrize("show", ["due", "overdue", "done"])
def test_the_interview_lists_count_each_tab_once(people, client_for, show):
    client = client_for(people.manager)
    add_episodes(people, 5)
    path = reverse("missing:interviews")
    with CaptureQueriesContext(connection) as context:
        response = client.get(path, {"show": show})
    assert response.status_code == 200
    counts = [q["sql"] for q in context.captured_queries if "COUNT(" in q["sql"]]
    assert len(counts) == 3, counts
    assert len(context.captured_queries) == INTERVIEW_LIST_QUERIES


def test_interviews_done_are_told_against_the_deadline_set(people, client_for, settings):
    """The deadline is a setting (``MISSING_INTERVIEW_HOURS``): the lists and the interview's page
    say the hours set, not a fixed 72."""
    settings.MISSING_INTERVIEW_HOURS = 48
    add_episodes(people, 1)
    client = client_for(people.manager)
    page = client.get(reverse("missing:interviews"), {"show": "done"}).content.decode()
    assert "Within 48 hours" in page and "72 hours" not in page
    done = ReturnInterview.objects.get(status="done")
    page = client.get(reverse("missing:interview", kwargs={"pk": done.pk})).content.decode()
    assert "within 48 hours" in page and "72 hours" not in page


def test_the_board_puts_high_risk_first_then_the_longest_missing(people, client_for):
    add_episodes(people, 3)
    services.episode_report(
        reported_by=people.manager,
        young_person=people.maya,
        missing_since=hours_ago(100),
        last_seen="x",
        risk_grade="medium",
    )
    page = client_for(people.manager).get(reverse("missing:board")).context["page"]
    grades = [e.risk_grade for e in page.object_list]
    assert grades == ["high", "high", "high", "medium"]
    ages = [e.missing_since for e in page.object_list[:3]]
    assert ages == sorted(ages)


def test_the_record_panel_costs_the_same_with_many_episodes(people, client_for):
    client = client_for(people.alice)
    path = reverse("young_people:detail", kwargs={"pk": people.maya.pk})
    services.episode_report(
        reported_by=people.alice,
        young_person=people.maya,
        missing_since=hours_ago(2),
        last_seen="x",
        risk_grade="low",
    )
    few = count_queries(client, path)
    now = timezone.now()
    MissingEpisode.objects.bulk_create(
        MissingEpisode(
            young_person=people.maya,
            missing_since=now - dt.timedelta(days=30 + n),
            returned_at=now - dt.timedelta(days=29 + n),
            status="returned",
            last_seen="x",
            risk_grade="low",
        )
        for n in range(30)
    )
    assert count_queries(client, path) == few


def test_a_profile_saved_unchanged_says_nothing_changed_and_writes_nothing(people, client_for):
    profile = _scene(people)["profile"]
    carer = client_for(people.fiona)
    url = reverse("missing:profile_edit", kwargs={"pk": profile.pk})
    form = {"medication": "Inhaler", "medical_needs": "Asthma"}
    assert carer.post(url, form).status_code == 302
    profile.refresh_from_db()
    stamp = profile.updated_at
    altered = AuditEntry.objects.filter(action=AuditAction.ALTER, object_id=str(profile.pk))
    before = altered.count()
    response = carer.post(url, form, follow=True)
    assert "Nothing changed" in response.content.decode()
    profile.refresh_from_db()
    assert profile.updated_at == stamp
    assert altered.count() == before


def test_an_interview_sent_twice_is_recorded_once_and_says_so(people, client_for):
    interview = _scene(people)["interview"]
    now = timezone.localtime()
    form = {
        "held_date_0": now.day,
        "held_date_1": now.month,
        "held_date_2": now.year,
        "held_time": now.strftime("%H:%M"),
        "location_held": "School",
        "where_been": "A friend's flat",
    }
    client = client_for(people.manager)
    url = reverse("missing:interview_record", kwargs={"pk": interview.pk})
    assert client.post(url, form).status_code == 302
    again = client.post(url, form, follow=True)
    assert again.status_code == 200
    assert "The return home interview has already been recorded" in again.content.decode()
    held = AuditEntry.objects.filter(
        object_id=str(interview.pk), summary="Return home interview held"
    )
    assert held.count() == 1


@pytest.mark.parametrize(
    ("name", "what", "who"),
    [
        ("report", None, "alice"),
        ("return", "open", "alice"),
        ("risk_grade", "open", "alice"),
        ("interview_assign", "interview", "manager"),
        ("interview_attempt", "interview", "manager"),
        ("interview_record", "interview", "manager"),
        ("interview_decline", "interview", "manager"),
        ("profile_photo_upload", "profile", "fiona"),
        ("profile_send", "profile", "fiona"),
        ("imports", None, "manager"),
    ],
)
def test_an_empty_form_says_what_to_give_not_this_field_is_required(
    people, client_for, name, what, who
):
    """GOV.UK error messages say what to do: never Django's bare "This field is required"."""
    # A browser always sends the CSRF token: the form is bound even when every field is empty.
    response = client_for(getattr(people, who)).post(
        url(name, what)(people), {"csrfmiddlewaretoken": "x"}
    )
    body = response.content.decode()
    assert response.status_code == 400, name
    assert "There is a problem" in body
    assert "This field is required" not in body


def test_a_reporter_who_may_not_see_the_record_is_not_told_its_history(people, client_for):
    """A frontline reporter's details silently link the child's record; the rules that fired on
    the episode (three episodes in 90 days...) speak of that record, which they may not see."""
    from .conftest import hours_ago as ago

    for hours in (200, 100):
        episode = services.episode_report(
            reported_by=people.alice,
            young_person=people.maya,
            missing_since=ago(hours),
            last_seen="Town",
            risk_grade="low",
        )
        services.episode_return(
            episode=episode, returned_by=people.alice, returned_at=ago(hours - 1)
        )
    third = services.episode_report(
        reported_by=people.frank,
        young_person_details={
            "given_name": "Maya",
            "family_name": "Whitfield",
            "date_of_birth": people.maya.date_of_birth,
        },
        missing_since=ago(1),
        last_seen="Bus station",
        risk_grade="low",
    )
    assert third.young_person == people.maya
    assert third.firings.exists()  # the repeat rule fired on the record's history
    url = reverse("missing:episode", kwargs={"pk": third.pk})
    shown = client_for(people.frank).get(url).content.decode()
    assert "missing episodes in" not in shown
    assert "Rules that fired" not in shown
    assert "Rules that fired" in client_for(people.alice).get(url).content.decode()


def test_a_running_import_shows_its_progress_without_refreshing_the_page(people, client_for):
    """No meta refresh (WCAG 2.2.1, axe's meta-refresh): the panel alone is polled (htmx)."""
    police_import = _scene(people)["import"]
    PoliceImport.objects.filter(pk=police_import.pk).update(
        status="running", size_bytes=1000, bytes_done=400
    )
    client = client_for(people.manager)
    page = client.get(reverse("missing:import", kwargs={"pk": police_import.pk})).content.decode()
    progress_url = reverse("missing:import_progress", kwargs={"pk": police_import.pk})
    assert 'http-equiv="refresh"' not in page
    assert f'hx-get="{progress_url}"' in page
    assert "htmx.min.js" in page
    assert '"includeIndicatorStyles": false' in page  # no inline style for the CSP to refuse
    panel = client.get(progress_url).content.decode()
    assert "<html" not in panel
    assert 'value="40"' in panel
    PoliceImport.objects.filter(pk=police_import.pk).update(status="done")
    done = client.get(progress_url).content.decode()
    assert "hx-get" not in done  # polling stops once it is over


def test_two_candidates_of_one_name_and_birthday_can_be_told_apart(people, client_for):
    from tests.factories import make_young_person

    match = _scene(people)["match"]
    twin = make_young_person(
        given_name=people.noah.given_name,
        family_name=people.noah.family_name,
        date_of_birth=people.noah.date_of_birth,
        postcode="S9 9ZZ",
    )
    ImportMatch.objects.filter(pk=match.pk).update(
        candidate_ids=[str(people.noah.pk), str(twin.pk)]
    )
    page = client_for(people.manager).get(reverse("missing:match", kwargs={"pk": match.pk}))
    body = page.content.decode()
    labels = re.findall(
        r'<label class="govuk-label govuk-radios__label"[^>]*>\s*([^<]*?)\s*</label>', body
    )
    assert len(labels) == 3, labels
    assert len(set(labels)) == 3, labels
    assert "postcode S9 9ZZ" in body


def test_a_match_answered_twice_makes_one_episode_and_says_so(people, client_for):
    match = _scene(people)["match"]
    ImportMatch.objects.filter(pk=match.pk).update(
        row={
            "police_reference": "SY-9",
            "given_name": "Noah",
            "family_name": "Ellison",
            "date_of_birth": str(people.noah.date_of_birth),
            "missing_since": hours_ago(5).isoformat(),
            "risk_grade": "low",
        }
    )
    client = client_for(people.manager)
    url = reverse("missing:match", kwargs={"pk": match.pk})
    first = client.post(url, {"record": str(people.noah.pk)})
    assert first.status_code == 302, first.content.decode()[:2000]
    again = client.post(url, {"record": str(people.noah.pk)}, follow=True)
    assert again.status_code == 200
    assert "This row has already been matched" in again.content.decode()
    assert MissingEpisode.objects.filter(police_reference="SY-9").count() == 1
    assert client_for(people.alice).get(url).status_code == 404
