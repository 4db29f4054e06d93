"""Outreach in a real browser: a youth worker plans a session at a hot spot with a worker of the
youth charity, records it and turns what was seen into intelligence; a young person gives
feedback without JavaScript. Axe on every page on the way."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cse_portal.accounts.models import AgencyKind
from cse_portal.accounts.roles import Role
from intelligence.models import IntelligenceItem
from outreach.models import Feedback, OutreachSession
from tests.e2e.helpers import assert_no_axe_violations, login_as
from tests.factories import AgencyFactory, make_user
from tests.outreach.conftest import hot_spot
from tests.personas import People

pytestmark = pytest.mark.e2e


def test_a_youth_worker_records_a_session_at_a_hot_spot_and_makes_it_intelligence(
    page: Page, people: People
):
    place = hot_spot(people)
    agency = AgencyFactory(name="Test Youth Service", kind=AgencyKind.YOUTH_SERVICE)
    yasmin = make_user("yasmin", Role.FRONTLINE, agency)
    vera = make_user("vera", Role.FRONTLINE, people.vcs)
    login_as(page, yasmin)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Outreach").click()
    expect(page.get_by_role("heading", name="Outreach sessions")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Plan a session").click()
    page.get_by_label("Find a place by name or postcode").fill("Kebab")
    page.get_by_role("button", name="Find", exact=True).click()
    page.wait_for_url(re.compile(r"find=Kebab"))
    assert_no_axe_violations(page)
    page.get_by_label(place.label).check()
    today = timezone.localdate() - dt.timedelta(days=1)
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_label("Start time").fill("19:00")
    page.get_by_label("End time (optional)").fill("21:30")
    # Yasmin is going (ticked for her); a worker of the youth charity goes with her.
    expect(page.get_by_label("Yasmin Tester")).to_be_checked()
    expect(page.get_by_label("Vera Tester")).to_be_hidden()  # her agency is folded away
    page.get_by_text("Test Youth Charity: 1 worker").click()
    page.get_by_label("Vera Tester").check()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Plan the session").click()
    # Her agency is not taking part yet: said beside the workers, everything ticked kept.
    expect(
        page.get_by_role("link", name=re.compile("Vera Tester is of Test Youth Charity"))
    ).to_be_visible()
    expect(page.get_by_label("Vera Tester")).to_be_checked()
    expect(page.get_by_label("Start time")).to_have_value("19:00")
    assert_no_axe_violations(page)
    page.get_by_label("Test Youth Charity", exact=True).check()
    page.get_by_role("button", name="Plan the session").click()

    expect(page.get_by_role("heading", name=place.label)).to_be_visible()
    expect(page.get_by_text("Vera Tester (Test Youth Charity)")).to_be_visible()
    assert_no_axe_violations(page)
    # The plan changes before the night: a start after the end is refused, nothing typed lost.
    page.get_by_role("link", name="Change the plan").click()
    expect(page.get_by_role("heading", name="Change the plan")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_label("Start time").fill("22:00")
    page.get_by_label("Others taking part without a portal account").fill("Sam from the youth club")
    page.get_by_label("Yasmin Tester").uncheck()
    page.get_by_role("button", name="Save the plan").click()
    expect(page.get_by_text("The session must end after it starts").first).to_be_visible()
    expect(page.get_by_label("Others taking part without a portal account")).to_have_value(
        "Sam from the youth club"
    )
    expect(page.get_by_label("Yasmin Tester")).not_to_be_checked()
    page.get_by_label("Yasmin Tester").check()
    assert_no_axe_violations(page)
    page.get_by_label("Start time").fill("18:30")
    page.get_by_role("button", name="Save the plan").click()
    expect(page.get_by_text(re.compile(r"Plan of outreach session \S+ changed"))).to_be_visible()
    expect(page.get_by_text("Sam from the youth club")).to_be_visible()
    page.get_by_role("link", name="Record what happened").click()
    page.wait_for_url(re.compile(r"/record/$"))
    assert_no_axe_violations(page)
    page.get_by_label("How many young people did you engage?").fill("6")
    page.get_by_label("Materials given").fill("Wallet cards with the helpline number")
    page.get_by_label("What did you see?").fill(
        "Two girls of about 14 got into a silver car with an older man at 9pm."
    )
    page.get_by_role("button", name="Save the record").click()

    expect(page.get_by_role("button", name="Submit as intelligence")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Submit as intelligence").click()
    expect(
        page.get_by_text(re.compile(r"Intelligence \S+ submitted to the analyst"))
    ).to_be_visible()
    assert_no_axe_violations(page)
    # Opened again and saved as it is: nothing is written, and the page says so.
    recorded_at = OutreachSession.objects.get().recorded_at
    page.get_by_role("link", name="Change what was recorded").click()
    expect(page.get_by_label("Materials given")).to_have_value(
        "Wallet cards with the helpline number"
    )
    page.get_by_role("button", name="Save the record").click()
    expect(page.get_by_text("Nothing changed")).to_be_visible()
    assert_no_axe_violations(page)

    session = OutreachSession.objects.get()
    assert session.recorded_at == recorded_at
    assert f"{timezone.localtime(session.starts_at):%H:%M}" == "18:30"
    assert set(session.workers.all()) == {yasmin, vera}
    item = IntelligenceItem.objects.get(origin="outreach")
    assert session.intelligence_item_id == item.pk
    assert item.submitted_by == yasmin
    assert list(item.mentions.values_list("entity_id", flat=True)) == [place.pk]


def test_a_young_person_gives_feedback_without_javascript(page_without_js: Page, transactional_db):
    page = page_without_js
    page.goto("/feedback/")
    expect(page.get_by_role("button", name="Exit this page")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_text("Say how it was").first).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_label("A young person").check()
    page.get_by_label("A group or session").check()
    page.get_by_label("Very good").check()
    page.get_by_label("What went well? (optional)").fill("They listened to me.")
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    assert_no_axe_violations(page)
    assert page.context.cookies() == []
    assert Feedback.objects.get().went_well == "They listened to me."


def test_a_trainer_corrects_training_and_an_activity_without_losing_what_was_typed(
    page: Page, people: People
):
    from outreach.courses import ensure_courses
    from outreach.models import Course, ParticipationActivity, TrainingSession
    from tests.outreach.conftest import activity, train

    ensure_courses()
    session = train(people.alice, Course.objects.get(code="cse-awareness"), count=4)
    record = activity(people.alice)
    login_as(page, people.alice)

    page.goto(f"/outreach/training/{session.pk}/")
    page.get_by_role("link", name="Correct this training").click()
    expect(page.get_by_role("heading", name="Correct training")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_label("How many people attended?").fill("1")
    page.get_by_label("Attendees with an account (optional)").fill("bob\nmanager")
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_text("The number attending cannot be less than those named").first
    ).to_be_visible()
    assert_no_axe_violations(page)
    expect(page.get_by_label("Attendees with an account (optional)")).to_have_value("bob\nmanager")
    page.get_by_label("How many people attended?").fill("6")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Training corrected")).to_be_visible()
    assert TrainingSession.objects.get().attendance_count == 6

    page.goto("/outreach/participation/")
    page.get_by_role("link", name="Correct Youth forum").click()
    expect(page.get_by_role("heading", name="Correct a participation activity")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Nothing changed")).to_be_visible()
    assert ParticipationActivity.objects.get(pk=record.pk).title == "Youth forum"


def test_axe_finds_nothing_on_the_register_training_and_participation_pages(
    page: Page, people: People
):
    """The outreach pages the journeys above do not pass through, each with something on it."""
    from outreach import services
    from outreach.courses import ensure_courses
    from outreach.models import Course, Premises, TrainingSession
    from tests.outreach.conftest import activity, premises, train

    ensure_courses()
    courses = {c.code: c for c in Course.objects.all()}

    hot_spot(people)
    hotel = premises(people.manager)
    services.premises_visit_add(
        actor=people.manager,
        premises=hotel,
        visited_on=timezone.localdate(),
        outcome="engaged",
        materials_displayed=True,
    )
    train(people.manager, courses["cse-awareness"], attendees=[people.alice], premises=[hotel])
    activity(people.manager)
    started = services.elearning_import_start(
        actor=people.manager,
        filename="completions.csv",
        content="email,module,completed_on\nnobody@example.org,cse-awareness,2026-01-05\n",
    )
    services.elearning_import_run(import_id=started.pk)
    login_as(page, people.manager)
    training = TrainingSession.objects.get()
    for path in (
        "/outreach/hot-spots/",
        "/outreach/premises/",
        "/outreach/premises/new/",
        f"/outreach/premises/{Premises.objects.get().pk}/",
        f"/outreach/premises/{hotel.pk}/edit/",
        "/outreach/training/",
        "/outreach/training/new/",
        f"/outreach/training/{training.pk}/",
        "/outreach/training/mine/",
        "/outreach/training/team/",
        "/outreach/training/cascade/",
        "/outreach/training/imports/",
        f"/outreach/training/imports/{started.pk}/",
        "/outreach/participation/",
        "/outreach/participation/activities/new/",
    ):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        expect(page.locator("h1")).to_be_visible()
        assert_no_axe_violations(page)
