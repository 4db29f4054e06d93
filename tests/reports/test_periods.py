"""Reporting periods: parsed from the three spellings, each with the one before it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from reports.periods import Period


@pytest.mark.parametrize(
    ("text", "previous", "label"),
    [
        ("2026-09", "2026-08", "September 2026"),
        ("2026-01", "2025-12", "January 2026"),
        ("2026-Q1", "2025-Q4", "Quarter 1 2026 (January to March)"),
        ("2026-q3", "2026-Q2", "Quarter 3 2026 (July to September)"),
        ("2026", "2025", "2026"),
    ],
)
def test_a_period_knows_the_one_before_it(text, previous, label):
    period = Period.parse(text)
    assert period.previous.key == previous
    assert period.label == label
    assert period.previous.end == period.start


@pytest.mark.parametrize("text", ["", "26", "2026-13", "2026-Q5", "2026-00", "1999", "Q3 2026"])
def test_anything_else_is_refused_naming_the_forms(text):
    with pytest.raises(ValidationError, match="2026-Q3"):
        Period.parse(text)


def test_bounds_are_uk_calendar_days():
    period = Period.parse("2026-07")
    assert period.start.date() == dt.date(2026, 7, 1)
    assert period.last_day == dt.date(2026, 7, 31)
    # 1 July 00:00 in London is 30 June 23:00 UTC (summer time).
    assert period.start.astimezone(dt.UTC).hour == 23


def test_the_parts_of_a_quarter_and_a_year():
    assert [p.key for p in Period.parse("2026-Q3").parts] == ["2026-07", "2026-08", "2026-09"]
    assert [p.key for p in Period.parse("2026").parts] == [
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
    ]


def test_the_last_complete_period():
    assert Period.last_complete("quarter", dt.date(2026, 12, 4)).key == "2026-Q3"
    assert Period.last_complete("month", dt.date(2026, 1, 4)).key == "2025-12"
