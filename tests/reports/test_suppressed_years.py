"""Figures shown outside the team are read from their calendar year suppressed whole, so asking
for overlapping periods one after another gives nothing back that one request hides."""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import measures
from reports.periods import Period
from reports.suppression import Shown

from .conftest import at, referrals

Q3 = Period.parse("2026-Q3")
YEAR = Period.parse("2026")


def _every_request(year: Period) -> dict[tuple[str, str], set[Shown]]:
    """Each cell as every way of asking shows it: each period of the year (with the period
    before it), and the trends of the quarterly summaries and the annual review."""
    seen: dict[tuple[str, str], set[Shown]] = defaultdict(set)

    def note(figures: measures.Figures) -> None:
        for row in figures.rows():
            if row.kind == "rate" or measures.MEASURES[row.name].snapshot:
                continue
            seen[(row.name, figures.period.key)].add(row.current)
            if row.previous is not None:
                seen[(row.name, figures.period.previous.key)].add(row.previous)

    for period in measures.year_periods(year.year):
        note(measures.figures_for(period))
        if period.parts:
            figures, trend = measures.figures_with_trend(period, period.parts)
            note(figures)
            for row in trend.rows:
                seen[(row.name, period.key)].add(row.total)
                for part, shown in zip(trend.periods, row.values, strict=True):
                    seen[(row.name, part.key)].add(shown)
    return seen


def test_a_month_hidden_alone_is_not_given_back_by_its_quarter_and_the_other_months(people):
    """July 6, August 7 and September 2 referrals: September is suppressed. Asked for alone, the
    quarter showed 15 and July and August each showed theirs, so September was 15 - 6 - 7."""
    referrals(6, referred_by=people.fiona, submitted_at=at(2026, 7, 2))
    referrals(7, referred_by=people.fiona, submitted_at=at(2026, 8, 2))
    referrals(2, referred_by=people.fiona, submitted_at=at(2026, 9, 2))
    shown = {
        key: measures.figures_for(Period.parse(key)).as_dict()["referrals_received"]
        for key in ("2026-Q3", "2026-07", "2026-08", "2026-09")
    }
    assert shown["2026-09"].suppressed
    # Whatever else is hidden, the quarter and the other two months are never all shown.
    assert any(shown[key].suppressed for key in ("2026-Q3", "2026-07", "2026-08"))


def test_every_request_shows_a_cell_as_its_year_table_does(people):
    """Small and large counts over the months and agencies of two years: each cell is shown the
    same by every request that shows it, and that is the year's table suppressed whole (whose
    safety the suppression property tests prove), so nothing shown across requests is more than
    the one table shows."""
    for month, police, health in ((1, 3, 9), (2, 8, 1), (5, 2, 2), (7, 6, 0), (8, 7, 4), (9, 2, 6)):
        referrals(police, referred_by=people.fiona, submitted_at=at(2026, month, 3))
        referrals(health, referred_by=people.frank, submitted_at=at(2026, month, 20))
    referrals(4, referred_by=people.fiona, submitted_at=at(2025, 12, 3))
    referrals(3, kind="self", submitted_at=at(2026, 8, 9))
    seen = _every_request(YEAR)
    table = {
        **measures.suppress_year(measures.compute_year(2026), 2026),
        **measures.suppress_year(measures.compute_year(2025), 2025),
    }
    for key, shown in seen.items():
        assert shown == {table[key]}, key
    # The data gave it something to hide, and in every period of 2026.
    assert any(shown.suppressed for shown in table.values())
    assert {key for key in seen if key[1].startswith("2026")} >= {
        ("referrals_received", p.key) for p in measures.year_periods(2026)
    }


def test_the_period_before_january_comes_from_the_year_before(people):
    referrals(4, referred_by=people.fiona, submitted_at=at(2025, 12, 3))
    referrals(9, referred_by=people.fiona, submitted_at=at(2025, 11, 3))
    january = measures.figures_for(Period.parse("2026-01"))
    december = measures.figures_for(Period.parse("2025-12"))
    for row in january.rows():
        if row.previous is not None and row.kind != "rate":
            assert row.previous == december.as_dict()[row.name], row.name
    assert december.as_dict()["referrals_received"].suppressed


@pytest.mark.parametrize("rows", [0, 40])
@pytest.mark.parametrize(("period", "years"), [("2026-Q3", 1), ("2026-Q1", 2), ("2026", 2)])
def test_the_figures_cost_a_fixed_number_of_queries(people, rows, period, years):
    """One query for each date or period key a source counts by, for each calendar year read,
    and one for each source of counts of now: whatever the rows."""
    referrals(rows, referred_by=people.frank, submitted_at=at(2026, 7, 2))
    period = Period.parse(period)
    with CaptureQueriesContext(connection) as queries:
        measures.figures_for(period)
    assert len(queries) == measures.shown_query_count(period) == 2 + 24 * years
