"""The layout's menu: the entries of the signed-in user's role, the page shown marked as current."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _menu(html: str) -> list[tuple[str, str, bool]]:
    menu = html.split('id="navigation"', 1)[1].split("</ul>", 1)[0]
    links = re.findall(
        r'<a class="govuk-service-navigation__link" href="([^"]+)"([^>]*)>(.*?)</a>', menu
    )
    return [
        (href, re.sub(r"<[^>]+>", "", label), "aria-current" in rest) for href, rest, label in links
    ]


def test_the_menu_marks_the_page_shown_and_only_it(people, client_for):
    client = client_for(people.manager)
    search = reverse("young_people:search")
    menu = _menu(client.get(search).content.decode())
    current = [(href, label) for href, label, is_current in menu if is_current]
    assert current == [(search, "Young people")]
    assert "Triage" in {label for _, label, _ in menu}, menu
    home = client.get(reverse("home")).content.decode()
    assert not any(is_current for *_, is_current in _menu(home))
    # The home page offers the same entries as the menu, at the same addresses.
    for href, label, _ in menu:
        assert f'href="{href}">{label}</a>' in home


def test_a_role_sees_its_own_entries(people, client_for):
    practitioner = {
        label for _, label, _ in _menu(client_for(people.alice).get("/").content.decode())
    }
    lscb = {label for _, label, _ in _menu(client_for(people.lucy).get("/").content.decode())}
    assert "Triage" not in practitioner | lscb
    assert practitioner != lscb
