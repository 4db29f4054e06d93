"""Missing From Home or Care in a real browser: a carer reports a looked-after child missing and
sends the Philomena profile to police; the child returns; the interview is recorded in time and
its findings become intelligence; the third episode raises "repeat missing" and asks for a CSE
risk assessment. WCAG 2.2 AA (axe) on every page on the way."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from assessments.models import AssessmentRequest
from cse_portal.young_people.models import FlagKind
from intelligence.models import IntelligenceItem, Origin
from missing import services
from missing.models import MissingEpisode
from tests.e2e.helpers import axe_violations, format_violations, login_as
from tests.personas import People

pytestmark = pytest.mark.e2e


def _check(page: Page, name: str, found: dict[str, str]) -> None:
    violations = axe_violations(page)
    if violations:
        found[name] = format_violations(violations)


def _fill_when(page: Page, prefix: str, moment: dt.datetime) -> None:
    local = timezone.localtime(moment)
    page.locator(f"#id_{prefix}_date_0").fill(str(local.day))
    page.locator(f"#id_{prefix}_date_1").fill(str(local.month))
    page.locator(f"#id_{prefix}_date_2").fill(str(local.year))
    page.locator(f"#id_{prefix}_time").fill(local.strftime("%H:%M"))


def _two_earlier_episodes(people: People) -> None:
    for days in (50, 20):
        episode = services.episode_report(
            reported_by=people.alice,
            young_person=people.maya,
            missing_since=timezone.now() - dt.timedelta(days=days),
            last_seen="Left the home",
            risk_grade="low",
        )
        services.episode_return(
            episode=episode,
            returned_by=people.alice,
            returned_at=timezone.now() - dt.timedelta(days=days, hours=-3),
        )


def test_carer_reports_sends_profile_and_the_return_feeds_the_picture(
    page: Page, new_page: Callable[..., Page], people: People, settings
) -> None:
    settings.MISSING_RULE_LONG_HOURS = 0  # the earlier episodes are entered late
    found: dict[str, str] = {}
    profile = services.carer_name(
        young_person=people.maya, carer=people.fiona, named_by=people.alice
    )
    _two_earlier_episodes(people)

    # The carer reports Maya missing from her profile.
    login_as(page, people.fiona)
    page.goto(f"/missing/profiles/{profile.pk}/")
    _check(page, "profile", found)
    page.get_by_role("link", name="Report Maya missing").click()
    page.wait_for_url(re.compile(r"/missing/report/"))
    _check(page, "report form", found)
    page.get_by_role("button", name="Report missing").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    _check(page, "report form with errors", found)
    _fill_when(page, "missing", timezone.now() - dt.timedelta(hours=2))
    page.get_by_label("Where were they last seen, and with whom?").fill("Left the home after tea")
    page.get_by_label("Police reference").fill("SY-4471")
    page.get_by_label("Medium").check()
    page.get_by_role("button", name="Report missing").click()
    page.wait_for_url(re.compile(r"/missing/episodes/"))
    _check(page, "episode", found)

    # The episode offers the profile first; the carer sends it to police.
    page.get_by_role("link", name="Send the Philomena profile to police").click()
    page.get_by_label("Who is it going to?").fill("PC 4471 Shaw")
    expect(page.get_by_label("Police reference")).to_have_value("SY-4471")
    with page.expect_download() as download:
        # The answer is a download, not a page: nothing to wait for after the click.
        page.get_by_role("button", name="Send to police (PDF)").click(no_wait_after=True)
    assert download.value.suggested_filename.endswith(".pdf")

    # The practitioner records the return.
    episode = MissingEpisode.objects.get(police_reference="SY-4471")
    assert AssessmentRequest.objects.filter(young_person=people.maya).exists()  # third in 90 days
    assert people.maya.flags.filter(kind=FlagKind.REPEAT_MISSING, removed_at__isnull=True).exists()
    alice = new_page()
    login_as(alice, people.alice)
    alice.goto("/missing/")
    _check(alice, "board", found)
    alice.get_by_role("link", name=re.compile("Maya Whitfield")).click()
    alice.get_by_role("link", name="Record the return").click()
    alice.wait_for_url(re.compile(r"/return/$"))
    _check(alice, "return form", found)
    _fill_when(alice, "returned", timezone.now() - dt.timedelta(minutes=30))
    alice.get_by_label("Where were they found? (place name)").fill("Sheffield Interchange")
    alice.get_by_label("Postcode").fill("S1 2BP")
    alice.get_by_label("Found by police").check()
    alice.get_by_role("button", name="Record the return").click()
    expect(alice.get_by_text("A return home interview is due")).to_be_visible()

    # The team manager records the interview in time and shares what it found.
    manager = new_page()
    login_as(manager, people.manager)
    manager.goto("/missing/interviews/")
    _check(manager, "interviews due", found)
    manager.get_by_role("link", name=re.compile("Maya Whitfield")).click()
    manager.wait_for_url(re.compile(r"/missing/interviews/[0-9a-f-]+/$"))
    _check(manager, "interview", found)
    manager.get_by_role("link", name="Record the interview").click()
    manager.wait_for_url(re.compile(r"/record/$"))
    _check(manager, "interview form", found)
    _fill_when(manager, "held", timezone.now() - dt.timedelta(minutes=5))
    manager.get_by_label("Where was the interview held?").fill("School")
    manager.get_by_label("Where had the young person been?").fill("A flat above a takeaway")
    manager.get_by_role("button", name="Save the interview").click()
    expect(manager.get_by_text("within 72 hours")).to_be_visible()
    manager.get_by_role("link", name="Share the findings as intelligence").click()
    manager.wait_for_url(re.compile(r"/findings/$"))
    _check(manager, "findings", found)
    manager.get_by_label("Place 1: name").fill("Flat above the takeaway")
    manager.get_by_label("Vehicle 1: registration").fill("YX19 ABC")
    manager.get_by_role("button", name="Send to the analyst").click()
    expect(manager.get_by_text("on the analyst's desk")).to_be_visible()
    item = IntelligenceItem.objects.get(origin=Origin.RETURN_INTERVIEW)
    assert item.young_person == people.maya
    episode.refresh_from_db()
    assert episode.interview.within_72_hours is True

    assert not found, "\n\n".join(f"{name}:\n{text}" for name, text in found.items())
