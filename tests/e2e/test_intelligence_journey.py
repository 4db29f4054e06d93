"""Intelligence in a real browser: a youth worker submits a 5x5x5 report naming a vehicle, the
analyst regrades it, writes the sanitised version and disseminates it to a practitioner, who reads
only the sanitised text; WCAG 2.2 AA (axe) on every page of the way, the form's error state too."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from intelligence.models import IntelligenceItem, ItemStatus
from tests.e2e.helpers import axe_violations, format_violations, login_as
from tests.factories import make_user
from tests.personas import People

pytestmark = pytest.mark.e2e

ORIGINAL = "Jade got into a silver Vauxhall outside Kebab King; Mr Patel the manager told me."
SANITISED = "A girl of about 14 was seen getting into a silver car outside a takeaway."


#: The grading scheme's two radios reveal each scheme's codes: GOV.UK Frontend's script marks
#: them ``aria-expanded``, which ARIA does not yet allow on a radio (a known issue it keeps on
#: purpose, govuk-frontend #979, as screen readers announce it). Only those two inputs are left
#: out; the rest of the form, the codes included, is checked.
GOVUK_CONDITIONAL_RADIOS = ["#id_scheme_0", "#id_scheme_1"]


def _check(page: Page, name: str, found: dict[str, str]) -> None:
    violations = axe_violations(page, exclude=GOVUK_CONDITIONAL_RADIOS)
    if violations:
        found[name] = format_violations(violations)


def _radio(page: Page, name: str, value: str) -> None:
    page.locator(f'input[name="{name}"][value="{value}"]').check()


def test_youth_worker_submits_analyst_disseminates_practitioner_reads(
    page: Page, new_page: Callable[..., Page], people: People
) -> None:
    from cse_portal.accounts.models import AgencyKind
    from cse_portal.accounts.roles import Role
    from tests.factories import AgencyFactory

    found: dict[str, str] = {}
    youth = AgencyFactory(name="Test Youth Service", kind=AgencyKind.YOUTH_SERVICE)
    worker = make_user("yasmin", Role.FRONTLINE, youth)

    # The youth worker submits, first forgetting the grading: the errors, nothing lost.
    login_as(page, worker)
    page.goto("/intelligence/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Submit intelligence")
    _check(page, "form", found)
    day = timezone.localdate() - dt.timedelta(days=2)
    page.locator('input[name="obtained_on_0"]').fill(str(day.day))
    page.locator('input[name="obtained_on_1"]').fill(str(day.month))
    page.locator('input[name="obtained_on_2"]').fill(str(day.year))
    page.get_by_label("Time (optional)").fill("21:30")
    page.get_by_label("My own observation").check()
    page.get_by_label("Who told whom (optional)").fill("Mr Patel, the night manager")
    page.get_by_label("What", exact=True).fill(ORIGINAL)
    page.locator('input[name="vehicle-0-registration"]').fill("ya19 khm")
    page.locator('input[name="vehicle-0-colour"]').fill("Silver")
    page.locator('input[name="vehicle-0-make"]').fill("Vauxhall")
    page.get_by_role("button", name="Submit intelligence").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.get_by_label("What", exact=True)).to_have_value(ORIGINAL)
    _check(page, "form with errors", found)
    _radio(page, "scheme", "5x5x5")
    _radio(page, "s5_source", "B")
    _radio(page, "s5_intelligence", "2")
    _radio(page, "s5_handling", "1")
    _radio(page, "priority", "medium")
    page.get_by_role("button", name="Submit intelligence").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("submitted")
    item = IntelligenceItem.objects.get()
    assert item.status == ItemStatus.RECEIVED
    assert item.mentions.filter(entity__key="YA19KHM").exists()
    _check(page, "submitter's view", found)
    page.goto("/intelligence/")
    expect(page.get_by_role("link", name=item.reference)).to_be_visible()
    _check(page, "my intelligence", found)

    # The analyst: the desk, the review, a new grading, the sanitised version, dissemination.
    analyst = new_page()
    login_as(analyst, people.ana)
    analyst.goto("/intelligence/desk/")
    _check(analyst, "desk", found)
    analyst.get_by_role("link", name=item.reference).click()
    expect(analyst.get_by_role("heading", level=1)).to_have_text(f"Review {item.reference}")
    expect(analyst.get_by_text("Mr Patel, the night manager")).to_be_visible()
    _check(analyst, "review", found)
    analyst.get_by_text("Re-evaluate the grading").click()
    _radio(analyst, "regrade-source_evaluation", "C")
    _radio(analyst, "regrade-intelligence_evaluation", "3")
    _radio(analyst, "regrade-handling_code", "1")
    analyst.get_by_label("Reason for the new grading").fill("The source saw it from a distance")
    analyst.get_by_role("button", name="Record the new grading").click()
    expect(analyst.locator(".govuk-notification-banner")).to_contain_text("New grading")
    analyst.locator('textarea[name="sanitise-sanitised_content"]').fill(SANITISED)
    analyst.get_by_role("button", name="Save the sanitised version").click()
    expect(analyst.locator(".govuk-notification-banner")).to_contain_text("Sanitised version")
    # Subjects: the vehicle's page and the page to resolve it to another entity.
    analyst.get_by_role("link", name=re.compile("Same as another")).first.click()
    expect(analyst.get_by_role("heading", level=1)).to_contain_text("already known")
    _check(analyst, "resolve a subject", found)
    analyst.go_back()
    analyst.get_by_role("link", name=re.compile("^Vehicle: YA19 KHM")).click()
    expect(analyst.get_by_role("heading", level=1)).to_contain_text("YA19 KHM")
    _check(analyst, "entity", found)
    analyst.go_back()
    analyst.reload()
    # Disseminated to a police practitioner, with the purpose (code 1).
    bob_label = re.compile(rf"^{re.escape(people.bob.get_full_name() or 'bob')} \(")
    analyst.get_by_label(bob_label).check()
    analyst.get_by_label("Purpose of sharing").fill("Safeguarding: CSE strategy meeting")
    analyst.get_by_role("button", name="Disseminate").click()
    expect(analyst.locator(".govuk-notification-banner")).to_contain_text("disseminated")
    _check(analyst, "review after dissemination", found)

    # The practitioner reads the sanitised version only.
    recipient = new_page()
    login_as(recipient, people.bob)
    recipient.goto("/intelligence/shared/")
    _check(recipient, "shared with me", found)
    recipient.get_by_role("link", name=item.reference).click()
    expect(recipient.get_by_text(SANITISED)).to_be_visible()
    body = recipient.content()
    assert ORIGINAL not in body and "Mr Patel" not in body
    expect(recipient.get_by_text("C3 1")).to_be_visible()  # the grading in force
    _check(recipient, "shared item", found)

    # The submitter sees only the status move on.
    page.goto(f"/intelligence/{item.pk}/")
    expect(page.get_by_text("Being assessed")).to_be_visible()
    assert SANITISED not in page.content()

    assert not found, "axe found WCAG 2.2 AA violations:\n" + "\n".join(
        f"{name}:\n{text}" for name, text in found.items()
    )


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_back_after_submitting_shows_an_empty_form_not_a_second_submission(
    new_page: Callable[..., Page], people: People, javascript: bool
) -> None:
    """On a shared computer, Back after submitting must not show what was written, ready to be
    submitted a second time."""
    page = new_page(javascript=javascript)
    login_as(page, people.frank)
    page.goto("/intelligence/new/")
    day = timezone.localdate() - dt.timedelta(days=1)
    page.locator('input[name="obtained_on_0"]').fill(str(day.day))
    page.locator('input[name="obtained_on_1"]').fill(str(day.month))
    page.locator('input[name="obtained_on_2"]').fill(str(day.year))
    page.get_by_label("My own observation").check()
    page.get_by_label("What", exact=True).fill(ORIGINAL)
    _radio(page, "scheme", "5x5x5")
    _radio(page, "s5_source", "B")
    _radio(page, "s5_intelligence", "2")
    _radio(page, "s5_handling", "1")
    _radio(page, "priority", "low")
    page.get_by_role("button", name="Submit intelligence").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("submitted")
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Submit intelligence")
    expect(page.get_by_label("What", exact=True)).to_have_value("")
    page.get_by_role("button", name="Submit intelligence").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert IntelligenceItem.objects.count() == 1


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_back_after_disseminating_does_not_offer_the_same_dissemination_again(
    new_page: Callable[..., Page], people: People, javascript: bool
) -> None:
    from intelligence import services
    from intelligence.models import Dissemination
    from tests.intelligence.conftest import submit

    item = submit(people.frank)
    services.item_sanitise(actor=people.ana, item=item, sanitised_content=SANITISED)
    page = new_page(javascript=javascript)
    login_as(page, people.ana)
    page.goto(f"/intelligence/desk/{item.pk}/")
    alice = page.locator(f'input[name="disseminate-recipients"][value="{people.alice.pk}"]')
    alice.check()
    page.get_by_label("Purpose of sharing").fill("Safeguarding: CSE strategy meeting")
    page.get_by_role("button", name="Disseminate").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("disseminated")
    page.go_back()
    expect(alice).not_to_be_checked()
    expect(page.get_by_label("Purpose of sharing")).to_have_value("")
    assert Dissemination.objects.filter(item=item).count() == 1
