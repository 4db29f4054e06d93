"""Likely matches for new identity details (search before create)."""

from __future__ import annotations

import datetime as dt

import pytest

from cse_portal.young_people import services
from cse_portal.young_people.selectors import (
    young_people_search,
    young_people_with_identity,
    young_person_matches,
)
from tests.factories import make_young_person

pytestmark = pytest.mark.django_db

DOB = dt.date(2011, 3, 14)


def matched(**details) -> list:
    return [m.record for m in young_person_matches(**details)]


def test_same_name_and_date_of_birth_is_the_best_match(people):
    jade = make_young_person(
        people.manager, given_name="Jade", family_name="Holloway", date_of_birth=DOB
    )
    make_young_person(people.manager, given_name="Jack", family_name="Hollis", date_of_birth=DOB)
    assert matched(given_name="Jade", family_name="Holloway", date_of_birth=DOB)[0] == jade


def test_similar_spelling_is_matched(people):
    jade = make_young_person(
        people.manager, given_name="Jayde", family_name="Holloway", date_of_birth=DOB
    )
    assert jade in matched(given_name="Jade", family_name="Hollowey", date_of_birth=DOB)


def test_an_alias_is_matched(people):
    record = make_young_person(
        people.manager,
        given_name="Amelia",
        family_name="Stone",
        aliases=[("Jade Holloway", "alias")],
    )
    assert record in matched(given_name="Jade", family_name="Holloway")


def test_the_same_nhs_number_is_matched_whatever_the_name(people):
    record = make_young_person(
        people.manager, given_name="Amelia", family_name="Stone", nhs_number="9434765919"
    )
    match = young_person_matches(
        given_name="Jade", family_name="Holloway", nhs_number="943 476 5919"
    )
    assert [m.record for m in match] == [record]
    assert "same NHS number" in match[0].reasons


def test_an_unrelated_record_is_not_offered(people):
    assert (
        matched(given_name="Zebedee", family_name="Quartermain", date_of_birth=dt.date(2009, 1, 1))
        == []
    )


def test_a_merged_away_record_is_not_offered(people):
    services.young_person_merge(
        survivor=people.noah, duplicate=people.maya, merged_by=people.manager, reason="Same child"
    )
    assert people.maya not in matched(given_name="Maya", family_name="Whitfield")


def test_search_by_postcode_ignores_spacing_and_case(people):
    assert set(young_people_search(people.manager, postcode="s12hh")) == {people.maya, people.noah}


# --- Exact identity (what may be linked without a person judging) ---------------------------------


def test_the_same_nhs_number_is_exact_identity_whatever_the_name(people):
    record = make_young_person(people.manager, nhs_number="9434765919")
    found = young_people_with_identity(
        given_name="Someone", family_name="Else", date_of_birth=None, nhs_number="943 476 5919"
    )
    assert found == [record]


def test_a_one_letter_difference_is_not_exact_identity(people):
    make_young_person(people.manager, given_name="Liam", family_name="Carter", date_of_birth=DOB)
    assert not young_people_with_identity(
        given_name="Liam", family_name="Carver", date_of_birth=DOB
    )


def test_a_merged_away_record_is_not_exact_identity(people):
    survivor = make_young_person(people.manager, given_name="Liam", family_name="Carter")
    duplicate = make_young_person(
        people.manager, given_name="Liam", family_name="Carter", date_of_birth=DOB
    )
    services.young_person_merge(
        survivor=survivor,
        duplicate=duplicate,
        merged_by=people.manager,
        reason="Same child",
        keep={"date_of_birth": "survivor"},
    )
    assert not young_people_with_identity(
        given_name="Liam", family_name="Carter", date_of_birth=DOB
    )
