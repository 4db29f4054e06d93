"""Helpers for the real-browser journeys: sign in through the real pages with a real TOTP code,
and check a page against WCAG 2.2 AA with axe.

Use them from any test in ``tests/e2e`` (the fixtures are in ``tests/e2e/conftest.py``)::

    from tests.e2e.helpers import assert_no_axe_violations, login_as

    def test_practitioner_sees_her_caseload(page, people):
        login_as(page, people.alice)
        page.goto("/young-people/")
        assert_no_axe_violations(page)
"""

from __future__ import annotations

import base64
import re
import weakref
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, Route, expect

from cse_portal.accounts.models import User

from ..factories import PASSWORD

# WCAG 2.0, 2.1 and 2.2, levels A and AA: what public sector bodies must meet.
WCAG_22_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

_axe = Axe()


def code_for_secret(secret: str) -> str:
    """The 6-digit code an authenticator app would show now for a base32 ``secret`` (spaces
    allowed, as the enrolment page groups the key in fours)."""
    key = base64.b32decode(re.sub(r"\s+", "", secret).upper())
    return f"{totp(key):06d}"


def code_for(user: User) -> str:
    """The current code of ``user``'s confirmed authenticator, usable once more.

    A code is refused if its 30-second step was already used on that device (replay protection,
    ``TOTPDevice.last_t``). A test that signs the same user in twice would otherwise have to wait
    for the next step, so the device forgets the last step it accepted.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    assert device is not None, f"{user.username} has no confirmed TOTP device"
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


def sign_in_with_password(page: Page, user: User, *, password: str = PASSWORD) -> None:
    """The first step only: the password page, leaving the browser on the code (or enrolment)
    page."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/accounts/(verify|enrol)/"))


def login_as(page: Page, user: User, *, password: str = PASSWORD, next_url: str = "") -> Page:
    """Sign ``user`` in through the real pages: username and password, then the current code of
    their authenticator. Ends on the home page (or ``next_url``) and returns ``page``."""
    if next_url:
        page.goto(next_url)
        page.wait_for_url(re.compile(r"/accounts/login/"))
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(re.compile(r"/accounts/verify/"))
    else:
        sign_in_with_password(page, user, password=password)
    assert "/accounts/verify/" in page.url, f"{user.username} was sent to {page.url}, not the code"
    page.get_by_label("Security code").fill(code_for(user))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return page


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


# Pages opened with JavaScript disabled (``page_without_js``, ``new_page(javascript=False)``):
# axe cannot run in them (its promises never settle), so it runs on a copy, see below.
PAGES_WITHOUT_JS: weakref.WeakSet[Page] = weakref.WeakSet()


def _run_axe(page: Page, exclude: list[str] | None) -> list[dict[str, Any]]:
    context: dict[str, Any] | None = {"exclude": [[s] for s in exclude]} if exclude else None
    # A click on a link returns before the next page is in: axe started then finds no document.
    # The journeys wait for the page they mean to check; this only covers its last resources.
    page.wait_for_load_state("load")
    results = _axe.run(
        page,
        context=context,
        options={
            "runOnly": {"type": "tag", "values": WCAG_22_AA_TAGS},
            "resultTypes": ["violations"],
        },
    )
    return list(results.response["violations"])


def _run_axe_on_copy(page: Page, exclude: list[str] | None) -> list[dict[str, Any]]:
    """The page's HTML as the no-JS browser got it, served again to a fresh page that may run axe
    but not our scripts, with the same CSS and viewport."""
    html, url = page.content(), page.url
    browser = page.context.browser
    assert browser is not None
    context = browser.new_context(viewport=page.viewport_size, locale="en-GB")
    try:
        copy = context.new_page()

        def serve(route: Route) -> None:
            if route.request.url == url and route.request.resource_type == "document":
                route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
            elif route.request.resource_type == "script":
                route.abort()
            else:
                route.continue_()

        copy.route("**/*", serve)
        copy.goto(url)
        return _run_axe(copy, exclude)
    finally:
        context.close()


def axe_violations(page: Page, *, exclude: list[str] | None = None) -> list[dict[str, Any]]:
    """Run axe on the page as it is now, WCAG 2.2 AA rules only. ``exclude``: CSS selectors of
    parts not ours to fix (none so far)."""
    if page in PAGES_WITHOUT_JS:
        return _run_axe_on_copy(page, exclude)
    return _run_axe(page, exclude)


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']}")
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary[:300]}")
    return "\n".join(lines)


def assert_no_axe_violations(page: Page, *, exclude: list[str] | None = None) -> None:
    """Fail with a readable list (rule, impact, selectors) if axe finds WCAG 2.2 AA violations."""
    violations = axe_violations(page, exclude=exclude)
    if violations:
        pytest.fail(
            f"axe found {len(violations)} WCAG 2.2 AA violation(s) on {page.url}:\n"
            + format_violations(violations),
            pytrace=False,
        )
