"""The foundation's journeys in a real browser: sign-in with a real TOTP code, enrolment, finding
a young person and opening their record, the access funnel's 404, and WCAG 2.2 AA on each page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from urllib.parse import urlparse

from django.utils import timezone
from playwright.sync_api import Page, expect

from cse_portal.accounts.roles import Role
from cse_portal.young_people import services as yp_services
from tests.e2e.helpers import (
    assert_no_axe_violations,
    axe_violations,
    code_for_secret,
    format_violations,
    login_as,
    sign_in_with_password,
)
from tests.factories import make_user
from tests.personas import People


def _path(page: Page) -> str:
    return urlparse(page.url).path


def _search(page: Page, name: str) -> None:
    page.goto("/young-people/")
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Search", exact=True).click()


def test_practitioner_signs_in_with_password_and_code_and_lands_on_home(
    page: Page, people: People
) -> None:
    login_as(page, people.alice)

    assert _path(page) == "/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Alice")


def test_wrong_security_code_is_refused_with_an_error_summary(page: Page, people: People) -> None:
    sign_in_with_password(page, people.alice)
    page.get_by_label("Security code").fill("000000")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_contain_text("The security code is not correct")
    assert _path(page) == "/accounts/verify/"


def test_practitioner_finds_her_young_person_and_reads_the_chronology(
    page: Page, people: People
) -> None:
    yp_services.case_note_add(
        young_person=people.maya,
        recorded_by=people.alice,
        title="Seen at school with an older male",
        detail="Reported by the designated safeguarding lead.",
        occurred_at=timezone.now() - dt.timedelta(days=2),
    )
    login_as(page, people.alice)

    _search(page, "Whitfield")
    expect(page.get_by_role("heading", name="1 result")).to_be_visible()
    page.get_by_role("link", name="WHITFIELD, Maya").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Maya Whitfield")
    chronology = page.get_by_role("table", name="Chronology, newest first")
    expect(chronology).to_contain_text("Seen at school with an older male")
    expect(chronology).to_contain_text("Reported by the designated safeguarding lead.")


def test_search_and_record_work_without_javascript(page_without_js: Page, people: People) -> None:
    login_as(page_without_js, people.alice)

    _search(page_without_js, "Maya")
    page_without_js.get_by_role("link", name="WHITFIELD, Maya").click()

    expect(page_without_js.get_by_role("heading", level=1)).to_have_text("Maya Whitfield")
    assert_no_axe_violations(page_without_js)


def test_practitioner_cannot_open_a_record_not_allocated_to_her(page: Page, people: People) -> None:
    login_as(page, people.alice)

    response = page.goto(f"/young-people/{people.noah.pk}/")

    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_text("Ellison")).to_have_count(0)


def test_first_sign_in_enrols_an_authenticator_from_the_secret_shown(
    page: Page, people: People
) -> None:
    newcomer = make_user(
        "erin", Role.PRACTITIONER, people.social_care, colocated=True, with_device=False
    )
    sign_in_with_password(page, newcomer)

    assert _path(page) == "/accounts/enrol/"
    expect(
        page.get_by_role("img", name="QR code to scan with your authenticator app")
    ).to_be_visible()
    secret = page.locator("#secret-key").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4})+", secret.strip()), secret
    page.get_by_label("Security code").fill(code_for_secret(secret))
    page.get_by_role("button", name="Finish setting up").click()

    page.wait_for_url(lambda url: "/accounts/" not in url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Erin")
    assert newcomer.totpdevice_set.filter(confirmed=True).count() == 1


def _check(page: Page, name: str, found: dict[str, str]) -> None:
    violations = axe_violations(page)
    if violations:
        found[name] = format_violations(violations)


def test_sign_in_pages_meet_wcag_22_aa(
    page: Page, new_page: Callable[..., Page], people: People
) -> None:
    found: dict[str, str] = {}
    newcomer = make_user(
        "erin", Role.PRACTITIONER, people.social_care, colocated=True, with_device=False
    )

    page.goto("/accounts/login/")
    _check(page, "login", found)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_be_visible()
    _check(page, "login with errors", found)

    sign_in_with_password(page, people.alice)
    _check(page, "security code", found)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    _check(page, "security code with errors", found)

    enrolment = new_page()
    sign_in_with_password(enrolment, newcomer)
    _check(enrolment, "enrolment", found)

    assert not found, "\n\n".join(f"{name}:\n{report}" for name, report in found.items())


def test_case_pages_meet_wcag_22_aa(page: Page, people: People) -> None:
    found: dict[str, str] = {}
    login_as(page, people.manager)
    _check(page, "home", found)

    page.goto("/young-people/")
    _check(page, "search", found)
    _search(page, "Whitfield")
    expect(page.get_by_role("heading", name="1 result")).to_be_visible()
    _check(page, "results", found)

    page.get_by_role("link", name="WHITFIELD, Maya").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Maya Whitfield")
    _check(page, "record", found)
    page.get_by_text("Raise a flag").click()
    page.get_by_role("button", name="Raise flag").click()
    expect(page.get_by_role("alert")).to_be_visible()
    _check(page, "record with the flag form's errors", found)
    page.goto(f"/young-people/{people.maya.pk}/")

    page.get_by_role("link", name="Change allocation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Allocation")
    _check(page, "allocation", found)

    page.goto(f"/young-people/{people.maya.pk}/edit/")
    _check(page, "edit", found)

    page.goto(f"/young-people/{people.maya.pk}/00000000-0000-0000-0000-000000000000/")
    _check(page, "not found", found)

    assert not found, "\n\n".join(f"{name}:\n{report}" for name, report in found.items())


def test_record_page_renders_with_govuk_styles(page: Page, people: People) -> None:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    login_as(page, people.alice)
    page.goto(f"/young-people/{people.maya.pk}/")

    # The content security policy lets our own script and styles run: no errors, JS enhancements on.
    assert problems == []
    expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))
    font = page.locator("h1").evaluate("h => getComputedStyle(h).fontFamily")
    assert "GDS Transport" in font
    assert_no_axe_violations(page)
