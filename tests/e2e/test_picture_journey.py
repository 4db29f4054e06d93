"""The analyst's picture in a real browser: the link chart draws from the network API and exports,
the hot spots map draws on a plain background (no tile is fetched), the Kebab King alert is read
and closed; no script is refused by the CSP and axe finds nothing on any page. Without JavaScript
the same picture reads as tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

from intelligence import services
from tests.e2e.helpers import assert_no_axe_violations, login_as
from tests.personas import People

KEBAB_KING = {
    "kind": "location",
    "name": "Kebab King",
    "postcode": "S1 2HH",
    "venue_kind": "takeaway",
    "latitude": "53.3811",
    "longitude": "-1.4701",
}


def build_pattern(people: People) -> None:
    for name in ("Jade", "Kayla", "Leah"):
        services.item_submit(
            actor=people.frank,
            scheme="5x5x5",
            source_evaluation="B",
            intelligence_evaluation="2",
            handling_code="1",
            priority="medium",
            obtained_at=timezone.now() - dt.timedelta(days=3),
            content=f"Who: {name}. What: got into a grey car outside the takeaway.",
            source_kind="own_observation",
            subjects=[
                {
                    "kind": "person",
                    "role": "young_person_at_risk",
                    "name": name,
                    "date_of_birth": "2011-03-04",
                },
                {"kind": "vehicle", "registration": "KB12 ABC", "colour": "Grey"},
                KEBAB_KING,
            ],
        )


def watch_console(page: Page) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"{page.url}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "request",
        lambda r: problems.append(f"fetched {r.url}") if "tile" in r.url else None,
    )
    return problems


def test_the_analyst_reads_the_picture_and_closes_the_kebab_king_alert(
    page: Page, people: People
) -> None:
    build_pattern(people)
    problems = watch_console(page)
    login_as(page, people.ana)

    menu = page.get_by_role("navigation", name="Menu")
    menu.get_by_role("link", name="Intelligence picture").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Intelligence picture")
    chart = page.locator("[data-link-chart]")
    expect(chart).to_have_attribute("data-link-chart-ready", "5")
    expect(page.get_by_role("table", name="Locations")).to_contain_text("Kebab King")
    with page.expect_download() as png:
        page.get_by_role("button", name="Download the chart as PNG").click()
    assert png.value.suggested_filename == "intelligence-picture.png"
    with page.expect_download() as svg:
        page.get_by_role("button", name="Download the chart as SVG").click()
    assert "Kebab King" in Path(svg.value.path()).read_text(encoding="utf-8")
    assert_no_axe_violations(page)

    menu.get_by_role("link", name="Hot spots").click()
    expect(page.locator("[data-hot-spot-map]")).to_have_attribute("data-hot-spot-map-ready", "1")
    expect(page.get_by_role("table", name="Places")).to_contain_text("Kebab King")
    assert_no_axe_violations(page)

    menu.get_by_role("link", name="Pattern alerts").click()
    expect(page.get_by_role("table", name="Open alerts")).to_contain_text("Kebab King")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Kebab King").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kebab King")
    expect(page.locator("main")).to_contain_text("Leah")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Close the alert").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the outcome")
    assert_no_axe_violations(page)
    page.get_by_label("Outreach").check()
    page.get_by_label("Reason").fill("Detached youth work at the takeaway on Friday nights")
    page.get_by_role("button", name="Close the alert").click()
    expect(page.locator("main")).to_contain_text("Closed")
    assert problems == [], problems


def test_without_javascript_the_picture_reads_as_tables(
    page_without_js: Page, people: People
) -> None:
    build_pattern(people)
    page = page_without_js
    login_as(page, people.ana)
    page.goto("/intelligence/picture/")
    expect(page.get_by_role("table", name="Vehicles")).to_contain_text("KB12 ABC")
    expect(page.locator("[data-link-chart]")).to_be_hidden()
    assert_no_axe_violations(page)
