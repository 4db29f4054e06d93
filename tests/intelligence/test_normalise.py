"""Registrations, phone numbers and postcodes are normalised on entry, so one thing is one key."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from intelligence import normalise


@pytest.mark.parametrize(
    ("typed", "key", "kind"),
    [
        ("ab12 cde", "AB12CDE", "current"),
        (" AB12CDE ", "AB12CDE", "current"),
        ("a123 bcd", "A123BCD", "prefix"),
        ("A1BCD", "A1BCD", "prefix"),
        ("abc 123d", "ABC123D", "suffix"),
        ("ABC-1D", "ABC1D", "suffix"),
    ],
)
def test_registrations_in_the_three_formats_are_upper_cased_without_spaces(typed, key, kind):
    assert normalise.normalise_registration(typed) == key
    assert normalise.registration_format(key) == kind


@pytest.mark.parametrize("typed", ["", "12345", "AB123CDE", "A12", "ABCDEFG", "AB12 CD3"])
def test_anything_else_is_refused_naming_the_formats(typed):
    with pytest.raises(ValidationError, match="current"):
        normalise.normalise_registration(typed)


def test_a_registration_is_shown_as_on_the_plate():
    assert normalise.format_registration("AB12CDE") == "AB12 CDE"
    assert normalise.format_registration("ABC123D") == "ABC 123D"


@pytest.mark.parametrize(
    "typed",
    ["07700 900123", "07700900123", "+44 7700 900123", "0044 7700 900123", "(07700) 900-123"],
)
def test_uk_mobile_numbers_become_e164(typed):
    assert normalise.normalise_phone(typed) == "+447700900123"


def test_a_landline_and_a_foreign_number_become_e164():
    assert normalise.normalise_phone("0114 496 0000") == "+441144960000"
    assert normalise.normalise_phone("+33 1 42 68 53 00") == "+33142685300"


@pytest.mark.parametrize("typed", ["", "12", "not a number", "07700 90012", "+44 1234"])
def test_numbers_that_cannot_be_real_are_refused(typed):
    with pytest.raises(ValidationError, match="real phone number"):
        normalise.normalise_phone(typed)


def test_an_e164_number_is_read_back_in_the_national_format():
    assert normalise.format_phone("+447700900123") == "07700 900123"


def test_postcodes_are_normalised_as_the_core_does_and_checked():
    assert normalise.clean_postcode("s11aa") == "S1 1AA"
    with pytest.raises(ValidationError):
        normalise.clean_postcode("NOT A CODE")


def test_keys_ignore_case_and_spacing():
    assert normalise.location_key(name=" Kebab  KING ", address="", postcode="s1 2hh") == (
        "S1 2HH|kebab king"
    )
    assert normalise.account_key("Snapchat", "@Big_Dave") == "snapchat:big_dave"
    assert normalise.person_key("Dave  SMITH", None) == "dave smith|"
