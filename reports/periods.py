"""Reporting periods: a month (``2026-09``), a quarter (``2026-Q3``) or a year (``2026``), each
with the period before it of the same length. Periods are calendar periods in UK time; their
bounds are aware datetimes, start inclusive and end exclusive."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.utils import timezone


class Granularity:
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CHOICES = (MONTH, QUARTER, YEAR)


_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?:Q(?P<quarter>[1-4])|(?P<month>0[1-9]|1[0-2])))?$")
MONTHS = "January February March April May June July August September October November December"


@dataclass(frozen=True)
class Period:
    granularity: str
    year: int
    number: int  # the month (1-12), the quarter (1-4) or 1 for a year

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2026``, ``2026-Q3`` or ``2026-09``; ``ValidationError`` naming the forms otherwise."""
        match = _PATTERN.match((text or "").strip().upper())
        if not match or not 2000 <= int(match["year"]) <= 2100:
            raise ValidationError(
                "Enter a period as a year (2026), a quarter (2026-Q3) or a month (2026-09), "
                "between 2000 and 2100",
                code="period",
            )
        year = int(match["year"])
        if match["quarter"]:
            return cls(Granularity.QUARTER, year, int(match["quarter"]))
        if match["month"]:
            return cls(Granularity.MONTH, year, int(match["month"]))
        return cls(Granularity.YEAR, year, 1)

    @classmethod
    def containing(cls, day: date, granularity: str) -> Period:
        if granularity == Granularity.MONTH:
            return cls(granularity, day.year, day.month)
        if granularity == Granularity.QUARTER:
            return cls(granularity, day.year, (day.month - 1) // 3 + 1)
        return cls(Granularity.YEAR, day.year, 1)

    @classmethod
    def last_complete(cls, granularity: str, today: date | None = None) -> Period:
        """The most recent period of this length that has ended (what a subscription reports)."""
        return cls.containing(today or timezone.localdate(), granularity).previous

    @property
    def key(self) -> str:
        if self.granularity == Granularity.MONTH:
            return f"{self.year}-{self.number:02d}"
        if self.granularity == Granularity.QUARTER:
            return f"{self.year}-Q{self.number}"
        return str(self.year)

    def __str__(self) -> str:
        return self.key

    @property
    def label(self) -> str:
        if self.granularity == Granularity.MONTH:
            return f"{MONTHS.split()[self.number - 1]} {self.year}"
        if self.granularity == Granularity.QUARTER:
            first = MONTHS.split()[(self.number - 1) * 3]
            last = MONTHS.split()[self.number * 3 - 1]
            return f"Quarter {self.number} {self.year} ({first} to {last})"
        return f"{self.year}"

    @property
    def first_day(self) -> date:
        if self.granularity == Granularity.MONTH:
            return date(self.year, self.number, 1)
        if self.granularity == Granularity.QUARTER:
            return date(self.year, (self.number - 1) * 3 + 1, 1)
        return date(self.year, 1, 1)

    @property
    def next(self) -> Period:
        if self.granularity == Granularity.MONTH:
            year, month = divmod(self.year * 12 + self.number, 12)
            return Period(self.granularity, year, month + 1)
        if self.granularity == Granularity.QUARTER:
            year, quarter = divmod(self.year * 4 + self.number, 4)
            return Period(self.granularity, year, quarter + 1)
        return Period(self.granularity, self.year + 1, 1)

    @property
    def previous(self) -> Period:
        if self.granularity == Granularity.MONTH:
            year, month = divmod(self.year * 12 + self.number - 2, 12)
            return Period(self.granularity, year, month + 1)
        if self.granularity == Granularity.QUARTER:
            year, quarter = divmod(self.year * 4 + self.number - 2, 4)
            return Period(self.granularity, year, quarter + 1)
        return Period(self.granularity, self.year - 1, 1)

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first_day, time.min))

    @property
    def end(self) -> datetime:
        """The first instant after the period."""
        return self.next.start

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.next.first_day.toordinal() - 1)

    @property
    def parts(self) -> list[Period]:
        """The months of a quarter, the quarters of a year (a month has none)."""
        if self.granularity == Granularity.QUARTER:
            first = (self.number - 1) * 3 + 1
            return [Period(Granularity.MONTH, self.year, m) for m in range(first, first + 3)]
        if self.granularity == Granularity.YEAR:
            return [Period(Granularity.QUARTER, self.year, q) for q in range(1, 5)]
        return []

    def has_started(self, today: date | None = None) -> bool:
        return self.first_day <= (today or timezone.localdate())


def recent_periods(today: date | None = None, count: int = 6) -> dict[str, list[Period]]:
    """The periods offered by the dashboard's picker: the current and recent ones of each length."""
    today = today or timezone.localdate()
    offered: dict[str, list[Period]] = {}
    for granularity in Granularity.CHOICES:
        period = Period.containing(today, granularity)
        periods = []
        for _ in range(count if granularity != Granularity.YEAR else 3):
            periods.append(period)
            period = period.previous
        offered[granularity] = periods
    return offered
