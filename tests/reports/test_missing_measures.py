"""Missing-episode and return-interview measures, counted on rows written by hand (the episode
tally rebuilt from them, as after data written straight into the database): the period's
edges (UK time), the previous period beside it, the repeat rule's setting, suppression on the
page, in the exports, the PDF and the API, and never a child's identity for the LSCB."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from missing import tally
from missing.models import MissingEpisode, ReturnInterview
from reports import documents, measures
from reports.models import ReportRun
from reports.periods import Period
from tests.factories import make_young_person

from .conftest import at

Q3 = Period.parse("2026-Q3")


def episode(young_person, missing_since: dt.datetime) -> MissingEpisode:
    return MissingEpisode.objects.create(
        young_person=young_person,
        missing_since=missing_since,
        last_seen="Left the home after tea",
        risk_grade="low",
        status="returned",
        returned_at=missing_since + dt.timedelta(hours=3),
    )


def interview(episode: MissingEpisode, offered: dt.datetime, status: str = "due", **fields):
    due = offered + dt.timedelta(hours=72)
    values = {
        "episode": episode,
        "young_person": episode.young_person,
        "status": status,
        "due_at": due,
        "created_at": offered,
    }
    if status != "due":
        values["completed_at"] = fields.pop("completed_at", due - dt.timedelta(hours=1))
        values["completed_by"] = fields.pop("completed_by")
    if status == "declined":
        values["carers_offered"] = True
    values.update(fields)
    return ReturnInterview.objects.create(**values)


@pytest.fixture
def missing_rows(people):
    """Q3 2026 (1 July to 30 September, British Summer Time) and Q2 before it.

    Maya: three episodes in Q3, the first at the first minute and the last in the last hour.
    Noah: two in Q3 and one in the last hour of Q2. A third child: three in Q2. A fourth: one in
    the first minute of Q4 (counted nowhere)."""
    third = make_young_person(people.manager)
    fourth = make_young_person(people.manager)
    maya = [episode(people.maya, at(2026, m, d, h)) for m, d, h in ((7, 1, 0), (8, 5, 10))]
    maya.append(episode(people.maya, at(2026, 9, 30, 23)))
    noah = [episode(people.noah, at(2026, m, d, 10)) for m, d in ((7, 10), (8, 10))]
    noah_before = episode(people.noah, at(2026, 6, 30, 23))
    for month in (4, 5, 6):
        episode(third, at(2026, month, 2))
    late = episode(fourth, at(2026, 10, 1, 0))
    worker = people.alice
    # Offered in Q3: two in time (one exactly at the deadline), one late, one declined, one due.
    interview(maya[0], at(2026, 7, 1, 0), "done", completed_by=worker)
    exact = at(2026, 8, 5, 13)
    interview(
        maya[1], exact, "done", completed_at=exact + dt.timedelta(hours=72), completed_by=worker
    )
    interview(
        noah[1],
        at(2026, 8, 10, 13),
        "done",
        completed_at=at(2026, 8, 10, 13) + dt.timedelta(hours=72, minutes=1),
        completed_by=worker,
    )
    interview(maya[2], at(2026, 9, 30, 23), "declined", completed_by=worker)
    interview(noah[0], at(2026, 7, 10, 13))
    # Offered in Q2 (its last hour) and in Q4.
    interview(noah_before, at(2026, 6, 30, 23), "done", completed_by=worker)
    interview(late, at(2026, 10, 1, 0), "done", completed_by=worker)
    tally.rebuild()
    return people


def test_episodes_children_and_repeat_missing_with_the_previous_period(missing_rows):
    raw = measures.compute_raw(Q3)
    assert raw.current["missing_episodes"] == 5
    assert raw.current["missing_children"] == 2
    assert raw.current["missing_repeat"] == 1  # Maya; Noah has two
    assert raw.previous["missing_episodes"] == 4
    assert raw.previous["missing_children"] == 2
    assert raw.previous["missing_repeat"] == 1  # the third child


def test_repeat_missing_follows_the_missing_apps_trigger_setting(missing_rows, settings):
    settings.MISSING_RULE_REPEAT_COUNT = 2
    raw = measures.compute_raw(Q3)
    assert raw.current["missing_repeat"] == 2
    assert raw.previous["missing_repeat"] == 1  # Noah had one in Q2


def test_return_interviews_offered_in_time_late_declined(missing_rows):
    raw = measures.compute_raw(Q3)
    assert raw.current["interviews_offered"] == 5
    assert raw.current["interviews_in_time"] == 2
    assert raw.current["interviews_late"] == 1
    assert raw.current["interviews_declined"] == 1
    assert raw.current["interviews_outstanding"] == 1
    assert raw.previous["interviews_offered"] == 1
    assert raw.previous["interviews_in_time"] == 1


def test_the_months_of_a_quarter_and_the_year(missing_rows):
    july = measures.compute_raw(Period.parse("2026-07"))
    assert july.current["missing_episodes"] == 2
    assert july.previous["missing_episodes"] == 2  # Noah's last hour of June and the third child
    year = measures.compute_raw(Period.parse("2026"))
    assert year.current["missing_episodes"] == 10
    assert year.current["missing_repeat"] == 3  # Maya, Noah and the third child
    assert year.current["missing_children"] == 4


def test_the_breakdown_adds_up(missing_rows):
    raw = measures.compute_raw(Q3)
    section = next(s for s in measures.SECTIONS if s.slug == "return_interviews")
    assert raw.current[section.total] == sum(raw.current[p] for p in section.parts)


def test_small_counts_are_suppressed_and_the_rate_with_them(missing_rows):
    shown = measures.figures_for(Q3).as_dict()
    # Five episodes shown beside a suppressed count of children missing repeatedly would give it
    # back: with three episodes needed to count, only one child fits in five. The episodes go too.
    assert shown["missing_episodes"].suppressed
    for name in ("missing_children", "missing_repeat", "interviews_in_time", "interviews_declined"):
        assert shown[name].suppressed and shown[name].value is None, name
    assert shown["interviews_in_time_rate"].suppressed
    plain = measures.figures_for(Q3, suppress=False).as_dict()
    assert plain["missing_repeat"].value == 1


@pytest.mark.parametrize("rows", [0, 30])
def test_the_missing_measures_cost_a_fixed_number_of_queries_whatever_the_rows(people, rows):
    for n in range(rows):
        episode(people.maya, at(2026, 7, 2) + dt.timedelta(hours=n))
    with CaptureQueriesContext(connection) as queries:
        measures.figures_for(Q3)
    assert len(queries) == measures.shown_query_count(Q3) == 26


def test_the_lscb_sees_the_missing_figures_but_no_child(missing_rows, client_for):
    people = missing_rows
    page = client_for(people.lucy).get(reverse("reports:lscb"), {"period": "2026-Q3"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Missing from home or care" in text and "Return home interviews" in text
    for name in ("Maya", "Whitfield", "Noah", "Ellison", str(people.maya.pk)):
        assert name not in text
    csv = client_for(people.lucy).get(reverse("reports:lscb_csv"), {"period": "2026-Q3"})
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert next(line for line in lines if ",missing_episodes," in line).split(",")[3] == (
        "suppressed"  # it would bound the suppressed repeat count to 1
    )
    assert next(line for line in lines if ",missing_repeat," in line).split(",")[3] == "suppressed"


def test_the_api_gives_the_missing_measures_suppressed(missing_rows):
    client = APIClient()
    client.force_authenticate(missing_rows.lucy)
    body = client.get("/api/v1/measures/", {"period": "2026-Q3"}).json()
    rows = {row["name"]: row for row in body["measures"]}
    # 5 would bound the suppressed repeat count to 1 (three episodes each): suppressed too.
    assert rows["missing_episodes"]["value"] is None and rows["missing_episodes"]["suppressed"]
    assert rows["missing_episodes"]["previous"] is None  # 4: suppressed
    assert rows["missing_episodes"]["previous_suppressed"] is True
    assert rows["missing_repeat"]["value"] is None and rows["missing_repeat"]["suppressed"]
    assert "MISSING_RULE_REPEAT_COUNT" in rows["missing_repeat"]["definition"]
    assert str(missing_rows.maya.pk) not in str(body)


def test_the_annual_review_shows_the_missing_measures_and_no_child(missing_rows):
    run = ReportRun(kind="annual_review", period="2026", requested_by=missing_rows.lucy)
    context = documents.lscb_context(run, lambda percent, step: None)
    context |= {"run": run, "generated_at": timezone.now(), "draft": True}
    html = render_to_string("reports/pdf_lscb.html", context)
    assert "Missing from home or care" in html and "Children missing repeatedly" in html
    for name in ("Maya", "Whitfield", "Noah", "Ellison"):
        assert name not in html


def test_the_team_dashboard_counts_missing_now_and_interviews_due_and_overdue(people, client_for):
    now = timezone.now()
    away = MissingEpisode.objects.create(
        young_person=people.maya,
        missing_since=now - dt.timedelta(hours=5),
        last_seen="Left school at lunch",
        risk_grade="high",
    )
    back = episode(people.noah, now - dt.timedelta(days=5))
    older = episode(people.noah, now - dt.timedelta(days=9))
    interview(back, now - dt.timedelta(hours=2))  # due in 70 hours
    interview(older, now - dt.timedelta(days=5))  # past its deadline
    response = client_for(people.manager).get(reverse("reports:team"))
    figures = {label: value for label, value, _url, _note in response.context["figures"]}
    assert figures["Missing now"] == 1
    assert figures["Return interviews due"] == 1
    assert figures["Return interviews overdue"] == 1
    assert away.pk  # the open episode is the one counted
