"""The ``date`` filter's fast path writes exactly what Django's ``date`` filter writes."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template, defaultfilters
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from cse_portal.templatetags.dates import _parts
from cse_portal.templatetags.dates import date as fast_date

#: Every format the templates use, and a few more the fast path writes.
FORMATS = [
    "j M Y",
    "j F Y",
    "j M Y H:i",
    "j F Y H:i",
    "j F Y, H:i",
    "j M, H:i",
    "j M Y, H:i",
    "M y",
    "H:i",
    "d/m/Y",
    "d.y",
    "n-j-y",
]

moments = st.datetimes(
    min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 31, 23, 59)
)


@settings(max_examples=300, deadline=None)
@given(moment=moments, fmt=st.sampled_from(FORMATS), language=st.sampled_from(["en-gb", "fr"]))
def test_the_fast_path_writes_what_django_writes(moment, fmt, language):
    with translation.override(language):
        assert fast_date(moment, fmt) == defaultfilters.date(moment, fmt)
        day = moment.date()
        if "H" not in fmt:
            assert fast_date(day, fmt) == defaultfilters.date(day, fmt)


@pytest.mark.parametrize("fmt", ["d/m/Y", "j M Y"])
def test_every_format_the_templates_use_without_a_time_takes_the_fast_path(fmt):
    assert _parts(fmt) is not None


@pytest.mark.parametrize(
    ("value", "fmt"),
    [
        (datetime.date(2026, 9, 5), "D j N Y"),  # specifiers the fast path does not write
        (datetime.date(2026, 9, 5), r"j \o\f F"),  # an escape
        (datetime.date(2026, 9, 5), None),  # the DATE_FORMAT setting
        ("2026-09-05", "j M Y"),  # not a date
        (None, "j M Y"),
        ("", "j M Y"),
    ],
)
def test_anything_else_is_djangos(value, fmt):
    assert fast_date(value, fmt) == defaultfilters.date(value, fmt)


def test_a_time_of_a_plain_date_is_refused_as_django_refuses_it():
    with pytest.raises(TypeError, match="time-related"):
        defaultfilters.date(datetime.date(2026, 9, 5), "H:i")
    with pytest.raises(TypeError, match="time-related"):
        fast_date(datetime.date(2026, 9, 5), "H:i")


def test_templates_use_it_with_the_time_in_the_current_zone():
    moment = datetime.datetime(2026, 7, 1, 23, 30, tzinfo=datetime.UTC)
    rendered = Template('{{ moment|date:"j M Y H:i" }}').render(Context({"moment": moment}))
    with timezone.override("Europe/London"):
        local = Template('{{ moment|date:"j M Y H:i" }}').render(Context({"moment": moment}))
    assert rendered == defaultfilters.date(timezone.localtime(moment), "j M Y H:i")
    assert local == "2 Jul 2026 00:30"


def test_every_template_gets_the_fast_filter_under_the_date_name():
    node = Template('{{ moment|date:"j M Y" }}').nodelist[0]
    assert node.filter_expression.filters[0][0] is fast_date
