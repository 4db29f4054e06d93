"""{% cached_url %} gives the address {% url %} gives, for every kind of argument."""

from __future__ import annotations

import uuid

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from cse_portal.templatetags.links import cached_reverse


def render(source: str, **context: object) -> str:
    return Template(source).render(Context(context))


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("home", []),
        ("young_people:search", []),
        ("young_people:detail", [uuid.uuid4()]),
        ("referrals:triage", [uuid.uuid4()]),
        ("young_people:flag_remove", [uuid.uuid4(), 7]),
    ],
)
def test_the_same_address_as_reverse(name, args):
    assert cached_reverse(name, *args) == reverse(name, args=args)


def test_each_row_gets_its_own_key():
    first, second = uuid.uuid4(), uuid.uuid4()
    assert cached_reverse("young_people:detail", first) == f"/young-people/{first}/"
    assert cached_reverse("young_people:detail", second) == f"/young-people/{second}/"


def test_a_key_given_as_text_is_reversed_as_url_does():
    key = uuid.uuid4()
    assert cached_reverse("young_people:detail", str(key)) == f"/young-people/{key}/"


def test_a_key_the_pattern_refuses_is_refused():
    with pytest.raises(NoReverseMatch):
        cached_reverse("young_people:flag_remove", uuid.uuid4(), -1)
    with pytest.raises(NoReverseMatch):
        cached_reverse("young_people:detail", 12)


def test_the_script_prefix_is_followed():
    key = uuid.uuid4()
    set_script_prefix("/portal/")
    try:
        assert cached_reverse("young_people:detail", key) == f"/portal/young-people/{key}/"
    finally:
        set_script_prefix("/")
    assert cached_reverse("young_people:detail", key) == f"/young-people/{key}/"


def test_the_tag_renders_and_assigns_the_address():
    key = uuid.uuid4()
    html = render("{% cached_url 'young_people:detail' key %}", key=key)
    assert html == f"/young-people/{key}/"
    html = render("{% cached_url 'home' as home %}[{{ home }}]")
    assert html == "[/]"
