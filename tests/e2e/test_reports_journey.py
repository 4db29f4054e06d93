"""Reports in a real browser: the LSCB manager opens the LSCB dashboard, requests the annual
review from it, watches its progress (polled by htmx; the refresh link works without
JavaScript) and downloads the PDF. The team manager's and the analyst's dashboards are opened by
them. WCAG 2.2 AA (axe) on every reports page on the way.

The worker is the test itself: the request's hand-over to the broker is held back, the run's
progress moved as the task moves it, then the real generation run, so each state is seen."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.utils import timezone
from playwright.sync_api import Page, Route, expect

from missing import tally
from missing.models import MissingEpisode
from referrals.models import Referral
from reports import services, tasks
from reports.models import ReportRun
from tests.e2e.helpers import axe_violations, format_violations, login_as
from tests.factories import ReportRunFactory
from tests.pdf import pdf_pages
from tests.personas import People

pytestmark = pytest.mark.e2e


def _check(page: Page, name: str, found: dict[str, str]) -> None:
    violations = axe_violations(page)
    if violations:
        found[name] = format_violations(violations)


def _watch_polls(page: Page) -> list[str]:
    """What each of the page's progress polls got (sent, answered with a status, or failed), in
    order: shown if the panel is not seen to move. (Playwright hands the events over whenever the
    test next calls it, so their order is kept but not their times.)"""
    polls: list[str] = []

    def note(what: str, url: str) -> None:
        if url.endswith("/progress/"):
            polls.append(what)

    page.on("request", lambda request: note("sent", request.url))
    page.on("response", lambda response: note(f"answered {response.status}", response.url))
    page.on("requestfailed", lambda request: note(f"failed: {request.failure}", request.url))
    return polls


def _some_rows(people: People) -> None:
    start = timezone.make_aware(dt.datetime(timezone.localdate().year, 2, 3, 10))
    Referral.objects.bulk_create(
        Referral(
            kind="professional",
            status="submitted",
            concerns="Seen with older men at the retail park.",
            consent="given",
            referred_by=people.fiona,
            young_person=people.maya,
            submitted_at=start + dt.timedelta(days=n),
        )
        for n in range(7)
    )
    for n in range(6):
        moment = start + dt.timedelta(days=10 * n)
        MissingEpisode.objects.create(
            young_person=people.noah,
            missing_since=moment,
            last_seen="Left the home after tea",
            risk_grade="low",
            status="returned",
            returned_at=moment + dt.timedelta(hours=3),
        )
    tally.rebuild()  # the episodes were written straight into the table


def test_lscb_manager_requests_watches_and_downloads_the_annual_review(
    page: Page, new_page: Callable[..., Page], people: People, monkeypatch
) -> None:
    handed_over: list[str] = []
    monkeypatch.setattr(
        tasks.report_generate, "apply_async", lambda args, **kw: handed_over.append(args[0])
    )
    _some_rows(people)
    year = str(timezone.localdate().year)
    found: dict[str, str] = {}

    login_as(page, people.lucy)
    page.goto("/reports/lscb/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("LSCB dashboard")
    page.get_by_label("Period").fill(year)
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Missing from home or care")).to_be_visible()
    expect(page.get_by_role("heading", name="Return home interviews")).to_be_visible()
    for name in ("Maya", "Whitfield", "Noah", "Ellison"):
        assert name not in page.content()
    _check(page, "LSCB dashboard", found)

    page.get_by_role(
        "link", name=f"request the annual review of service provision for {year}"
    ).click()
    expect(page.get_by_role("heading", name="Request a report")).to_be_visible()
    expect(page.get_by_label("Annual review of service provision")).to_be_checked()
    expect(page.get_by_label("Period", exact=True)).to_have_value(year)
    _check(page, "reports list", found)
    page.get_by_role("button", name="Request the report").click()

    page.wait_for_url(re.compile(r"/reports/[0-9a-f-]{36}/$"))
    run = ReportRun.objects.get(requested_by=people.lucy)
    assert handed_over == [str(run.pk)]
    expect(page.locator("#progress-bar")).to_have_attribute("value", "0")
    expect(page.locator("#report-progress")).to_contain_text("waiting for a worker")
    _check(page, "report detail (queued)", found)

    # The worker starts: the page shows it without being reloaded (htmx polls the panel).
    detail_url = page.url
    polls = _watch_polls(page)
    page.evaluate("window.__not_reloaded = true")
    ReportRun.objects.filter(pk=run.pk).update(
        status="running", progress=50, step="Drawing the charts"
    )
    expect(page.locator("#progress-bar")).to_have_attribute("value", "50")
    expect(page.locator("#report-progress")).to_contain_text("Drawing the charts")
    assert page.evaluate("window.__not_reloaded") is True
    _check(page, "report detail (running)", found)

    # Without JavaScript the refresh link shows the progress too.
    plain = new_page(javascript=False)
    login_as(plain, people.lucy, next_url=detail_url)
    expect(plain.locator("#progress-bar")).to_have_attribute("value", "50")
    ReportRun.objects.filter(pk=run.pk).update(progress=75, step="Laying out the PDF")
    plain.get_by_role("link", name="Refresh the progress").click()
    expect(plain.locator("#progress-bar")).to_have_attribute("value", "75")
    _check(plain, "report detail without JavaScript", found)

    # The worker finishes: the page (still not reloaded) offers the download.
    ReportRun.objects.filter(pk=run.pk).update(status="queued", progress=0, step="")
    assert services.report_generate(run_id=run.pk) is True
    download_button = page.get_by_role("link", name=re.compile(r"Download the PDF"))
    try:
        expect(download_button).to_be_visible(timeout=30_000)
    except AssertionError as failure:
        raise AssertionError(f"{failure}\nThe panel's polls:\n" + "\n".join(polls)) from None
    expect(page.locator("#report-progress")).to_contain_text("Ready")
    assert page.evaluate("window.__not_reloaded") is True
    _check(page, "report detail (ready)", found)
    with page.expect_download() as download_info:
        download_button.click()
    content = download_info.value.path().read_bytes()
    assert content.startswith(b"%PDF")
    assert pdf_pages(content) >= 2, "the annual review runs to several pages"
    assert b"Maya" not in content and b"Whitfield" not in content

    page.goto("/reports/")
    expect(page.get_by_role("link", name="Annual review of service provision")).to_be_visible()
    _check(page, "reports list (with the report)", found)

    manager = new_page()
    login_as(manager, people.manager)
    manager.goto("/reports/team/")
    expect(manager.get_by_role("heading", level=1)).to_be_visible()
    _check(manager, "team dashboard", found)

    analyst = new_page()
    login_as(analyst, people.ana)
    analyst.goto("/reports/analyst/")
    expect(analyst.get_by_role("heading", level=1)).to_be_visible()
    _check(analyst, "analyst dashboard", found)

    assert not found, "\n\n".join(f"{name}:\n{text}" for name, text in found.items())


def test_a_poll_left_unanswered_does_not_stop_the_progress(page: Page, people: People) -> None:
    """htmx sends nothing more from an element while its last request is in flight: one poll
    that never gets an answer (a connection dropped on the way) would freeze the panel for good.
    The layout's request timeout gives it up, and the next poll shows the progress."""
    run = ReportRunFactory(
        requested_by=people.lucy,
        status="running",
        progress=20,
        step="Counting the referrals",
    )
    held: list[Route] = []

    def hold_the_first(route: Route) -> None:
        if not held:
            held.append(route)  # never answered
        else:
            route.continue_()

    login_as(page, people.lucy)
    page.route(re.compile(r"/reports/[0-9a-f-]{36}/progress/$"), hold_the_first)
    page.goto(f"/reports/{run.pk}/")
    expect(page.locator("#progress-bar")).to_have_attribute("value", "20")
    for _ in range(50):  # the first poll goes 2 s after the page
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the panel never polled"
    ReportRun.objects.filter(pk=run.pk).update(progress=60, step="Drawing the charts")
    # The held request times out after 10 s; the next poll follows within 2 s.
    expect(page.locator("#progress-bar")).to_have_attribute("value", "60", timeout=25_000)
    expect(page.locator("#report-progress")).to_contain_text("Drawing the charts")
