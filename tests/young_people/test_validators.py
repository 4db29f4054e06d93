"""NHS numbers (modulus 11 check digit) and UK postcodes (format and normalisation)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from cse_portal.young_people.validators import (
    NHS_NUMBER_EXAMPLE,
    format_nhs_number,
    nhs_number_is_valid,
    normalise_postcode,
    validate_nhs_number,
    validate_postcode,
)


def expected_check_digit(first_nine: str) -> int | None:
    """The NHS Data Dictionary's algorithm, written independently of the code under test."""
    remainder = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True)) % 11
    check = (11 - remainder) % 11
    return None if check == 10 else check


def test_a_known_valid_nhs_number_is_accepted():
    validate_nhs_number("9434765919")
    assert nhs_number_is_valid("943 476 5919")


def test_a_wrong_check_digit_is_refused():
    with pytest.raises(ValidationError) as error:
        validate_nhs_number("9434765918")
    assert error.value.code == "nhs_check_digit"


@pytest.mark.parametrize("value", ["943476591", "94347659190", "943476591a"])
def test_anything_but_ten_digits_is_refused(value):
    with pytest.raises(ValidationError) as error:
        validate_nhs_number(value)
    assert error.value.code == "nhs_length"


def test_a_blank_nhs_number_is_allowed():
    validate_nhs_number("")


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_every_accepted_nhs_number_has_a_correct_check_digit(digits):
    if nhs_number_is_valid(digits):
        assert int(digits[9]) == expected_check_digit(digits[:9])


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_the_correct_check_digit_is_always_accepted(first_nine):
    check = expected_check_digit(first_nine)
    accepted = [d for d in "0123456789" if nhs_number_is_valid(first_nine + d)]
    assert accepted == ([] if check is None else [str(check)])


@pytest.mark.parametrize(
    ("raw", "normal"),
    [("s12hh", "S1 2HH"), ("SW1A1AA", "SW1A 1AA"), (" m1  1ae ", "M1 1AE"), ("gir0aa", "GIR 0AA")],
)
def test_postcodes_are_normalised_and_accepted(raw, normal):
    assert normalise_postcode(raw) == normal
    validate_postcode(raw)


@pytest.mark.parametrize("value", ["S1 2H", "QQ1 1AA", "12345", "S1 2HHH", "S1 2CI"])
def test_invalid_postcodes_are_refused(value):
    with pytest.raises(ValidationError):
        validate_postcode(value)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("9434765919", "943 476 5919"), ("943-476-5919", "943 476 5919"), ("", ""), ("12", "12")],
)
def test_nhs_numbers_are_formatted_three_three_four(stored, shown):
    assert format_nhs_number(stored) == shown


def test_the_example_given_to_users_is_a_valid_nhs_number():
    assert nhs_number_is_valid(NHS_NUMBER_EXAMPLE)


# --- A date of birth or an estimated age: one rule, one wording, on every path -------------------


def _record_without_age(people, api_client_for):
    from cse_portal.young_people.models import YoungPerson

    record = YoungPerson(given_name="Jade", family_name="Holloway")
    with pytest.raises(ValidationError) as caught:
        record.full_clean()
    return caught.value.message_dict["date_of_birth"]


def _page_without_age(people, api_client_for):
    from cse_portal.young_people.forms import YoungPersonForm

    form = YoungPersonForm(data={"given_name": "Jade", "family_name": "Holloway"})
    form.is_valid()
    return form.errors["date_of_birth"]


def _api_without_age(people, api_client_for):
    client = api_client_for(people.manager)
    body = {"given_name": "Jade", "family_name": "Holloway", "gender": "female"}
    return client.post("/api/v1/young-people/", body, format="json").json()["date_of_birth"]


def _referral_without_age(people, api_client_for):
    from referrals.services import referral_submit
    from tests.referrals.conftest import referral_fields

    with pytest.raises(ValidationError) as caught:
        referral_submit(referred_by=people.frank, **referral_fields(date_of_birth=None))
    return caught.value.message_dict["date_of_birth"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", [_record_without_age, _page_without_age, _api_without_age, _referral_without_age]
)
def test_a_missing_date_of_birth_and_age_gets_the_same_words_everywhere(
    people, api_client_for, path
):
    from cse_portal.young_people.validators import DATE_OF_BIRTH_OR_AGE

    assert list(path(people, api_client_for)) == [DATE_OF_BIRTH_OR_AGE]
