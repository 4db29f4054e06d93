"""``{{ value|date:"j M Y" }}``: Django's ``date`` filter, with a fast path for the formats the
portal's tables use.

Django formats a date by parsing the format string, building a formatter object and looking each
month name up through the translation machinery, every time: about 25 µs a date, so a table of 25
rows spent more on its dates than on the rest of its cells. A format made only of the specifiers
below and plain separators is turned, once, into a list of parts, and each date is written from
them; the month names are read once for each language. Anything else (another specifier, an
escape, no format, a value that is not a date, a time asked of a plain date) goes to Django's own
filter, so the output is always Django's (``tests/core/test_dates.py`` compares the two).

A builtin of the template engine (``settings.TEMPLATES``), loaded after Django's own, so it takes
the ``date`` name in every template.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django import template
from django.template import defaultfilters
from django.utils import translation
from django.utils.dates import MONTHS, MONTHS_3

register = template.Library()

Part = Callable[[datetime.date, tuple[list[str], list[str]]], str]

#: The specifiers written here, each as ``dateformat`` writes it.
_SPECIFIERS: dict[str, Part] = {
    "j": lambda d, _: str(d.day),
    "d": lambda d, _: f"{d.day:02d}",
    "n": lambda d, _: str(d.month),
    "m": lambda d, _: f"{d.month:02d}",
    "M": lambda d, names: names[0][d.month],
    "F": lambda d, names: names[1][d.month],
    "Y": lambda d, _: f"{d.year:04d}",
    "y": lambda d, _: f"{d.year % 100:02d}",
}
_TIME_SPECIFIERS: dict[str, Part] = {
    "H": lambda d, _: f"{d.hour:02d}",  # type: ignore[attr-defined]
    "i": lambda d, _: f"{d.minute:02d}",  # type: ignore[attr-defined]
}
#: Characters ``dateformat`` copies as they are.
_SEPARATORS = frozenset(" ,:/-.")


@lru_cache(maxsize=64)
def _parts(fmt: str) -> tuple[tuple[Part | str, ...], bool] | None:
    """The format as parts (a specifier's writer, or text to copy) and whether it asks for the
    time of day; None when any character is one this fast path does not write."""
    parts: list[Part | str] = []
    with_time = False
    for char in fmt:
        if char in _SPECIFIERS:
            parts.append(_SPECIFIERS[char])
        elif char in _TIME_SPECIFIERS:
            parts.append(_TIME_SPECIFIERS[char])
            with_time = True
        elif char in _SEPARATORS:
            parts.append(char)
        else:
            return None
    return tuple(parts), with_time


@lru_cache(maxsize=16)
def _month_names(language: str | None) -> tuple[list[str], list[str]]:
    """The short (``M``) and long (``F``) month names, indexed 1 to 12, in ``language``."""
    short = [""] + [str(MONTHS_3[month]).title() for month in range(1, 13)]
    long = [""] + [str(MONTHS[month]) for month in range(1, 13)]
    return short, long


@register.filter(expects_localtime=True, is_safe=False)
def date(value: Any, arg: str | None = None) -> str:
    if isinstance(value, datetime.date) and arg:
        compiled = _parts(arg)
        if compiled is not None:
            parts, with_time = compiled
            if not with_time or isinstance(value, datetime.datetime):
                names = _month_names(translation.get_language())
                return "".join(
                    part if isinstance(part, str) else part(value, names) for part in parts
                )
    return defaultfilters.date(value, arg)
