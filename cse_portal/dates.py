"""Dates within sense: the one set of rules every date a person types is checked against.

- No date before 1900: nothing the portal records (a birth, an incident, intelligence obtained)
  happened earlier, and a year like 0001 or 202 is a typing slip, not a fact.
- No date in the future where the thing has already happened (a birth, a past event).
- A date of birth entered for a new record makes the young person at most ``OLDEST_AGE`` (25, the
  age to which leaving-care support and the estimated age run). An older age is almost always a
  mistyped year. The rule applies only when a record is made, so that an existing record stays
  editable as its young person grows older.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

EARLIEST = date(1900, 1, 1)
OLDEST_AGE = 25


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def validate_not_before_1900(value: date | datetime | None) -> None:
    if value is not None and _as_date(value) < EARLIEST:
        raise ValidationError("Enter a date in 1900 or later", code="before_1900")


def validate_past_date(value: date | datetime | None) -> None:
    """A date on which something has already happened: from 1900 to today."""
    validate_not_before_1900(value)
    if value is not None and _as_date(value) > timezone.localdate():
        raise ValidationError("Enter a date that is today or in the past", code="future")


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def validate_date_of_birth(value: date | None) -> None:
    """Any date of birth: from 1900 to today."""
    validate_past_date(value)


def validate_new_date_of_birth(value: date | None) -> None:
    """The date of birth of a young person being recorded now: also at most ``OLDEST_AGE``."""
    validate_date_of_birth(value)
    if value is not None and age_on(value, timezone.localdate()) > OLDEST_AGE:
        raise ValidationError(
            f"This date of birth makes the young person older than {OLDEST_AGE}: check the year",
            code="too_old",
        )
