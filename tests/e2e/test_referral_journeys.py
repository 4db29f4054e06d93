"""Referral journeys in a real browser: a young person refers themselves with JavaScript on and
off, "Exit this page" by button and by Shift three times, a GP refers, the team manager triages
and allocates and the practitioner then sees the young person; axe on every page on the way."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Callable
from urllib.parse import urlparse

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import Page, Route, expect

from referrals import services
from referrals.models import Consent, Referral, ReferralKind, ReferralStatus
from tests.e2e.helpers import assert_no_axe_violations, login_as
from tests.personas import People

pytestmark = pytest.mark.e2e

EXIT_URL = "https://www.bbc.co.uk/weather"


@pytest.fixture(autouse=True)
def _instrument(transactional_db: None) -> None:
    """A live-server test starts from flushed tables: put back the published instrument whose
    items the referral form offers as indicators (loaded by a data migration otherwise)."""
    migration = importlib.import_module("assessments.migrations.0002_south_yorkshire_v1")
    migration.load_v1(apps, None)


def _path(page: Page) -> str:
    return urlparse(page.url).path


def _neutral_site(page: Page) -> None:
    """Stand in for the neutral site: the tests never leave the machine."""

    def fulfil(route: Route) -> None:
        route.fulfill(
            status=200,
            content_type="text/html",
            body="<!DOCTYPE html><html lang='en'><title>Weather</title><h1>Weather</h1></html>",
        )

    page.context.route(re.compile(r"^https://www\.bbc\.co\.uk/.*"), fulfil)


def _self_refer(page: Page) -> str:
    page.goto("/self-referral/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tell us what is happening")
    expect(page.get_by_text("In danger right now?")).to_be_visible()
    expect(page.get_by_text("0800 1111")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your age")
    assert_no_axe_violations(page)
    page.get_by_label("What should we call you?").fill("Jay")
    page.get_by_label("How old are you?").fill("14")
    page.get_by_label("Text message").check()
    page.get_by_label("Your phone number, email address").fill("07700 900123")
    page.get_by_label("When is it safe to contact you?").fill("After school")
    page.get_by_label("Tell us what is happening").fill("A man online keeps asking for photos.")
    page.get_by_label("Someone is asking me to send photos or videos").check()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("We have got your message")
    assert_no_axe_violations(page)
    reference = page.locator(".govuk-panel__body strong").inner_text()
    assert _path(page).startswith("/self-referral/sent/")
    assert reference not in page.url
    assert page.context.cookies() == []
    return reference


SECRET = "Nobody else may read this: a man online keeps asking for photos."


def _write_message(page: Page, *, age: str = "14") -> None:
    """Fill the self-referral form with a message the next person must never see."""
    page.get_by_label("How old are you?").fill(age)
    page.get_by_label("Do not contact me").check()
    page.get_by_label("Tell us what is happening").fill(SECRET)


def _shows_nothing_typed(page: Page) -> None:
    assert SECRET not in page.content()
    message = page.get_by_label("Tell us what is happening")
    if message.count():
        expect(message).to_have_value("")


def _new_public_page(new_page: Callable[..., Page], javascript: bool) -> Page:
    page = new_page(javascript=javascript)
    _neutral_site(page)
    page.goto("/accounts/login/")
    page.context.clear_cookies()  # the staff sign-in page's own: any cookie now is the public's
    page.goto("/self-referral/")
    return page


def _exit(page: Page) -> None:
    page.get_by_role("button", name="Exit this page").click()
    page.wait_for_url(EXIT_URL)


JS_ON_AND_OFF = pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])


@JS_ON_AND_OFF
def test_back_after_exit_shows_nothing_typed(
    new_page: Callable[..., Page], people: People, javascript: bool
) -> None:
    page = _new_public_page(new_page, javascript)
    _write_message(page)
    _exit(page)
    page.go_back()
    _shows_nothing_typed(page)
    assert not Referral.objects.exists()


@JS_ON_AND_OFF
def test_back_after_an_error_shows_nothing_typed(
    new_page: Callable[..., Page], people: People, javascript: bool
) -> None:
    page = _new_public_page(new_page, javascript)
    _write_message(page, age="")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your age")
    expect(page.get_by_label("Tell us what is happening")).to_have_value(SECRET)
    _exit(page)
    page.go_back()  # without JavaScript the browser sends the erroneous post again
    _shows_nothing_typed(page)
    page.reload()
    _shows_nothing_typed(page)
    assert_no_axe_violations(page)
    assert not Referral.objects.exists()


@JS_ON_AND_OFF
def test_after_sending_reload_and_back_neither_show_nor_send_again(
    new_page: Callable[..., Page], people: People, javascript: bool
) -> None:
    page = _new_public_page(new_page, javascript)
    _write_message(page)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("We have got your message")
    reference = Referral.objects.get().reference
    expect(page.get_by_text(reference)).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("This page is not available")
    assert reference not in page.content()
    assert_no_axe_violations(page)
    assert page.context.cookies() == []
    _exit(page)
    # With JavaScript the exit replaced the confirmation, so Back reaches the form at once.
    page.go_back()
    assert reference not in page.content()
    if not javascript:
        page.go_back()
    assert _path(page) == "/self-referral/"
    _shows_nothing_typed(page)
    assert Referral.objects.count() == 1


def test_the_footer_mentions_shift_only_when_it_works(
    new_page: Callable[..., Page], people: People
) -> None:
    shift = "You can also press Shift three times."
    with_js = new_page()
    with_js.goto("/self-referral/")
    expect(with_js.get_by_text(shift)).to_be_visible()
    without_js = new_page(javascript=False)
    without_js.goto("/self-referral/")
    expect(without_js.get_by_text(shift)).to_be_hidden()
    expect(without_js.get_by_text('Use "Exit this page" to leave quickly.')).to_be_visible()


def test_a_young_person_refers_themselves_with_javascript(page: Page, people: People) -> None:
    reference = _self_refer(page)
    referral = Referral.objects.get(reference=reference)
    assert referral.kind == ReferralKind.SELF
    assert referral.self_referral.name == "Jay"


def test_a_young_person_refers_themselves_without_javascript(
    page_without_js: Page, people: People
) -> None:
    reference = _self_refer(page_without_js)
    assert Referral.objects.filter(reference=reference, kind=ReferralKind.SELF).exists()


def test_exit_this_page_button_leaves_and_back_does_not_return(page: Page, people: People) -> None:
    _neutral_site(page)
    page.goto("/accounts/login/")
    page.goto("/self-referral/")
    page.get_by_role("button", name="Exit this page").click()
    page.wait_for_url(EXIT_URL)
    page.go_back()
    assert _path(page) == "/accounts/login/"


def test_shift_three_times_leaves_and_back_does_not_return(page: Page, people: People) -> None:
    _neutral_site(page)
    page.goto("/accounts/login/")
    page.goto("/report-a-concern/")
    page.get_by_label("When was it?").click()
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(EXIT_URL)
    page.go_back()
    assert _path(page) == "/accounts/login/"


def test_exit_this_page_is_a_plain_link_without_javascript(
    page_without_js: Page, people: People
) -> None:
    _neutral_site(page_without_js)
    page_without_js.goto("/self-referral/")
    page_without_js.get_by_role("button", name="Exit this page").click()
    page_without_js.wait_for_url(EXIT_URL)


def test_someone_reports_what_they_saw(page: Page, people: People) -> None:
    page.goto("/report-a-concern/")
    assert_no_axe_violations(page)
    page.get_by_label("What did you see or hear?").fill("Girls in uniform with men at midnight.")
    page.get_by_label("When was it?").fill("Friday, about midnight")
    page.get_by_label("Name of the place").fill("Riverside Hotel")
    page.get_by_label("Vehicles").fill("Silver Astra YA19 ABC")
    page.get_by_label("No", exact=True).check()
    page.get_by_label("Hotel, B&B or guest house").check()
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report sent")
    assert_no_axe_violations(page)
    assert Referral.objects.filter(kind=ReferralKind.COMMUNITY).exists()


def test_at_the_flood_ceiling_the_report_comes_back_typed(
    page: Page, people: People, settings
) -> None:
    settings.REFERRALS_PUBLIC_RATE_CEILING = 0
    page.goto("/report-a-concern/")
    page.get_by_label("What did you see or hear?").fill("Something")
    page.get_by_label("When was it?").fill("Today")
    page.get_by_label("Postcode").fill("S60 2BB")
    page.get_by_label("Not sure").check()
    page.get_by_label("Member of the public").check()
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("alert")).to_contain_text("cannot take this one right now")
    expect(page.get_by_role("alert")).to_contain_text("0800 1111")
    expect(page.get_by_label("What did you see or hear?")).to_have_value("Something")
    assert_no_axe_violations(page)
    assert not Referral.objects.exists()


def test_a_gp_refers_a_young_person(page: Page, people: People) -> None:
    login_as(page, people.frank)  # frontline, health
    page.get_by_role("link", name="Make a referral").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Make a referral to the CSE team")
    expect(page.get_by_text("We will check for an existing record")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_label("First name").fill("Skye")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_text(re.compile(r"Draft \w+ saved"))).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the young person's last name")
    expect(page.get_by_label("First name")).to_have_value("Skye")
    assert_no_axe_violations(page)

    born = timezone.localdate() - dt.timedelta(days=14 * 365 + 30)
    page.get_by_label("Last name").fill("Thornton")
    page.get_by_label("Day").fill(str(born.day))
    page.get_by_label("Month").fill(str(born.month))
    page.get_by_label("Year").fill(str(born.year))
    page.locator("input[name=indicators][value=groom_older_partner]").check()
    page.get_by_label("Describe your concerns").fill("Came to surgery with an older man.")
    expect(page.locator("#conditional-danger")).to_contain_text("If yes, call 999 now")
    page.locator("#id_immediate_danger_1").check()  # No
    page.get_by_label("What does the young person know").fill("That I am referring.")
    page.get_by_label("No, consent was not asked for").check()
    page.get_by_label("If not, why are you sharing").fill("Risk of significant harm")
    page.get_by_role("button", name="Send referral").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Referral")
    expect(page.get_by_text("Awaiting triage")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="My referrals").first.click()
    expect(page.get_by_role("table")).to_contain_text("Awaiting triage")
    assert_no_axe_violations(page)
    referral = Referral.objects.get(referred_by=people.frank)
    assert referral.status == ReferralStatus.SUBMITTED
    assert referral.young_person is not None


def test_the_team_manager_triages_and_the_practitioner_then_sees_the_young_person(
    page: Page, new_page: Callable[..., Page], people: People
) -> None:
    referral = services.referral_submit(
        referred_by=people.frank,
        given_name="Skye",
        family_name="Thornton",
        date_of_birth=timezone.localdate() - dt.timedelta(days=14 * 365 + 30),
        concerns="Seen getting into cars with older men.",
        immediate_danger=True,
        consent=Consent.GIVEN,
    )
    login_as(page, people.manager)
    page.get_by_role("link", name="Triage").first.click()
    expect(page.get_by_role("table")).to_contain_text(referral.reference)
    expect(page.get_by_role("table")).to_contain_text("Urgent")
    assert_no_axe_violations(page)

    page.get_by_role("link", name=referral.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Referral {referral.reference}")
    assert_no_axe_violations(page)
    expect(page.get_by_label("Reason for your decision")).to_have_count(0)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Select a decision")
    assert_no_axe_violations(page)

    page.get_by_label("Allocate to practitioners of the co-located team").check()
    page.get_by_role("button", name="Continue").click()
    # Only what allocation needs: no agency, no original referral, no record to link.
    expect(page.get_by_label("Partner agency")).to_have_count(0)
    expect(page.get_by_label("Reference of the original referral")).to_have_count(0)
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Allocate").click()
    expect(page.get_by_role("alert")).to_contain_text("Select at least one practitioner")
    expect(page.get_by_role("alert")).to_contain_text("Enter the reason for your decision")
    assert_no_axe_violations(page)
    page.get_by_label(re.compile(r"^Bob Tester")).check()
    page.get_by_label("Reason for your decision").fill("Urgent: significant indicators")
    page.get_by_role("button", name="Allocate").click()
    expect(page.get_by_text("Nothing is waiting for triage")).to_be_visible()

    practitioner = new_page()
    login_as(practitioner, people.bob)
    practitioner.goto(f"/young-people/{referral.young_person_id}/")
    expect(practitioner.get_by_role("heading", level=1)).to_have_text("Skye Thornton")


def test_the_team_manager_links_a_self_referral_without_javascript(
    page_without_js: Page, people: People
) -> None:
    page = page_without_js
    referral = services.self_referral_submit(
        name="Noah", age=14, contact_method="none", happening="Someone keeps messaging me."
    )
    login_as(page, people.manager)
    page.goto(f"/referrals/triage/{referral.pk}/")
    page.get_by_label("Link to a young person's record").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_label("Reason for your decision")).to_have_count(1)
    expect(page.get_by_label("Practitioners to allocate")).to_have_count(0)
    page.get_by_label("Find a record by name").fill("Noah")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"find=Noah"))
    assert_no_axe_violations(page)
    page.get_by_label(re.compile(r"^Noah Ellison")).check()
    page.get_by_label("Reason for your decision").fill("Known to the team")
    page.get_by_role("button", name="Link to this record").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Linked to a young")
    assert_no_axe_violations(page)
    referral.refresh_from_db()
    assert referral.young_person == people.noah
