"""The foundation's journeys in a real browser: sign-in with a real TOTP code, enrolment, finding
a young person and opening their record, the access funnel's 404, and WCAG 2.2 AA on each page."""

from __future__ import annotations

from urllib.parse import urlparse

from playwright.sync_api import Page, expect

from tests.e2e.helpers import login_as
from tests.personas import People


def test_practitioner_signs_in_with_password_and_code_and_lands_on_home(
    page: Page, people: People
) -> None:
    login_as(page, people.alice)

    assert urlparse(page.url).path == "/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Alice")
