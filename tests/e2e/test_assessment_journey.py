"""The CSE risk assessment in a real browser: a practitioner completes an assessment, the team
manager approves it, and the young person's level and review date change; WCAG 2.2 AA (axe) on
every assessment page, in its error states too."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from assessments import selectors
from assessments.models import Assessment, AssessmentStatus
from cse_portal.young_people.models import RiskLevel
from tests.e2e.helpers import axe_violations, format_violations, login_as
from tests.personas import People

pytestmark = pytest.mark.e2e

HIGH = {
    "groom_cars": "Current or within the last 6 months",
    "groom_older_partner": "Current or within the last 6 months",
    "missing_overnight": "Current or within the last 6 months",
    "health_sti": "Current or within the last 6 months",
}


def _check(page: Page, name: str, found: dict[str, str]) -> None:
    violations = axe_violations(page)
    if violations:
        found[name] = format_violations(violations)


def _answer_every_item(page: Page, answers: dict[str, str]) -> None:
    definition = selectors.current_definition()
    assert definition is not None
    for code, item in definition.items.items():
        group = page.get_by_role("group", name=item.text, exact=True)
        group.get_by_label(answers.get(code, "Not present"), exact=True).check()


def _wait_for_saved_answers(page: Page, answered: int) -> None:
    """Wait until the answers saved as they were ticked have all arrived, as a person would see
    before pressing a button: the last save reports how many items are answered."""
    expect(page.locator("#autosave-status")).to_contain_text(f": {answered} of ")


def test_practitioner_assesses_and_manager_approves(
    page: Page, new_page: Callable[..., Page], people: People
) -> None:
    found: dict[str, str] = {}

    # The practitioner starts from the young person's record.
    login_as(page, people.alice)
    page.goto(f"/young-people/{people.maya.pk}/")
    _check(page, "record before", found)
    page.get_by_role("link", name="Start a CSE risk assessment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start a CSE risk assessment")
    _check(page, "start", found)
    page.get_by_role("button", name="Start assessment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Complete the CSE risk assessment")
    _check(page, "answers", found)

    # Submitting with nothing answered: the error summary, and the assessment stays a draft.
    page.get_by_role("group", name="Seen getting into cars driven by unknown adults").get_by_label(
        HIGH["groom_cars"]
    ).check()
    _wait_for_saved_answers(page, 1)
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_role("alert")).to_contain_text("Select an answer for: Regularly missing")
    expect(
        page.get_by_role(
            "group", name="Seen getting into cars driven by unknown adults"
        ).get_by_label(HIGH["groom_cars"])
    ).to_be_checked()
    _check(page, "answers with errors", found)

    _answer_every_item(page, HIGH)
    _wait_for_saved_answers(page, len(selectors.current_definition().items))
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("CSE risk assessment")
    expect(page.get_by_text("Awaiting approval", exact=True)).to_be_visible()
    _check(page, "assessment", found)
    assessment = Assessment.objects.get(young_person=people.maya)
    assert (assessment.status, assessment.score) == (AssessmentStatus.SUBMITTED, 20)

    # The manager finds it awaiting approval and approves it.
    manager = new_page()
    login_as(manager, people.manager)
    manager.get_by_role("link", name="Assessments").first.click()
    manager.wait_for_url(re.compile(r"/assessments/$"))
    _check(manager, "team list", found)
    manager.get_by_role("link", name=re.compile(r"Awaiting approval \(1\)")).click()
    manager.wait_for_url(re.compile(r"/assessments/\?"))
    _check(manager, "awaiting approval", found)
    manager.get_by_role("link", name=re.compile("Maya Whitfield")).click()
    manager.get_by_role("link", name="Approve or return").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Approve or return the assessment")
    _check(manager, "decision", found)
    manager.get_by_role("button", name="Confirm decision").click()
    expect(manager.get_by_role("alert")).to_contain_text("Choose whether to approve or return")
    _check(manager, "decision with errors", found)
    manager.get_by_label("Approve the assessment").check()
    manager.get_by_role("button", name="Confirm decision").click()
    expect(manager.get_by_text("Assessment approved")).to_be_visible()
    expect(manager.get_by_text("Strategy discussion to hold")).to_be_visible()

    # The young person's level and review date have changed, and show on the record.
    people.maya.refresh_from_db()
    assessment.refresh_from_db()
    due = timezone.localdate() + dt.timedelta(weeks=4)
    assert people.maya.current_risk_level == RiskLevel.HIGH
    assert assessment.review_due == due
    page.goto(f"/young-people/{people.maya.pk}/")
    expect(page.get_by_text("CSE risk: High")).to_be_visible()
    panel = page.get_by_role("region", name="CSE risk assessments")
    expect(panel).to_contain_text(f"Review due {due:%-d %B %Y}")
    expect(panel.get_by_role("img", name="CSE risk level over time")).to_be_visible()
    _check(page, "record after", found)

    for show in ("to_do", "in_progress", "overdue"):
        manager.goto(f"/assessments/?show={show}")
        _check(manager, f"team list {show}", found)

    assert not found, "\n\n".join(f"{name}:\n{report}" for name, report in found.items())


def test_answers_save_without_javascript(page_without_js: Page, people: People) -> None:
    login_as(page_without_js, people.alice)
    page_without_js.goto(f"/assessments/young-people/{people.maya.pk}/start/")
    page_without_js.get_by_role("button", name="Start assessment").click()
    page_without_js.get_by_role(
        "group", name="Seen getting into cars driven by unknown adults"
    ).get_by_label("6 to 12 months ago").check()
    page_without_js.get_by_role(
        "button", name="Save and continue after Grooming and relationships"
    ).click()
    expect(page_without_js.get_by_text("Your answers have been saved")).to_be_visible()
    assert page_without_js.url.endswith("/answers/#section-4")  # the next section: Health
    assert Assessment.objects.get().answers == {"groom_cars": "6_to_12_months"}


def test_an_answer_ticked_is_kept_without_pressing_save(page: Page, people: People) -> None:
    # htmx must work within the content security policy (no inline styles or scripts).
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    login_as(page, people.alice)
    page.goto(f"/assessments/young-people/{people.maya.pk}/start/")
    page.get_by_role("button", name="Start assessment").click()
    # A click returns before the next page has loaded: an answer ticked before htmx has started
    # on the new page would be sent by nobody.
    page.wait_for_url(re.compile(r"/answers/$"))
    page.wait_for_load_state("load")
    question = "Seen getting into cars driven by unknown adults"
    page.get_by_role("group", name=question).get_by_label("6 to 12 months ago").check()
    expect(page.locator("#autosave-status")).to_contain_text("Answers saved at")
    violations = axe_violations(page)
    assert not violations, format_violations(violations)

    page.reload()
    expect(
        page.get_by_role("group", name=question).get_by_label("6 to 12 months ago")
    ).to_be_checked()
    assert Assessment.objects.get().answers == {"groom_cars": "6_to_12_months"}
    assert refused == []
