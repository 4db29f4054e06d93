"""Sound-alike and similar names: the same keys and the same similarity in Python (SQLite) as in
PostgreSQL's fuzzystrmatch and pg_trgm, used by the name search and by search-before-create."""

from __future__ import annotations

import datetime as dt
import random
import string
import uuid

import pytest
from django.db.models import Value
from django.urls import reverse
from faker import Faker

from cse_portal.young_people.models import YoungPerson
from cse_portal.young_people.name_matching import (
    DMetaphone,
    DMetaphoneAlt,
    Similarity,
    dmetaphone,
    dmetaphone_alt,
    similarity,
    sound_keys,
)
from cse_portal.young_people.selectors import (
    MAX_CANDIDATES,
    young_people_search,
    young_person_matches,
)
from tests.factories import make_young_person

pytestmark = pytest.mark.django_db

DOB = dt.date(2011, 3, 14)


def _names() -> list[str]:
    fake = Faker(["en_GB", "en_IE", "pl_PL", "fr_FR", "en_IN"])
    fake.seed_instance(7)
    names = {fake.first_name() for _ in range(150)} | {fake.last_name() for _ in range(150)}
    return sorted(names | {"Kayleigh", "Siobhan", "O'Brien", "Smith-Jones", "Zoë", "Łukasz", "X"})


def test_the_database_computes_the_same_keys_as_python(people):
    """On PostgreSQL this compares fuzzystrmatch with the package; on SQLite it proves the
    registered functions are the ones the ORM calls."""
    names = _names()
    YoungPerson.objects.bulk_create(
        YoungPerson(given_name=name, family_name="Test", estimated_age=14) for name in names
    )
    rows = YoungPerson.objects.filter(family_name="Test").annotate(
        key=DMetaphone("given_name"), alternate=DMetaphoneAlt("given_name")
    )
    assert len(rows) == len(names)
    for row in rows:
        assert (row.key, row.alternate) == (
            dmetaphone(row.given_name),
            dmetaphone_alt(row.given_name),
        ), row.given_name


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Maya Whitfield", "Maya Whitfeld"),
        ("Maya Whitfield", "maya whitford"),
        ("Kayleigh Smith", "Kaylee Smyth"),
        ("O'Brien", "OBrien"),
        ("Zoë", "Zoe"),
        ("", "Anything"),
    ],
)
def test_the_database_computes_the_same_similarity_as_python(people, left, right):
    make_young_person(people.manager, given_name="Same", family_name="Measure")
    in_database = (
        YoungPerson.objects.filter(family_name="Measure")
        .annotate(s=Similarity(Value(left), Value(right)))
        .get()
        .s
    )
    assert in_database == pytest.approx(similarity(left, right))


def test_kaylee_and_kayleigh_sound_the_same():
    assert set(sound_keys("kaylee")) & set(sound_keys("Kayleigh"))
    assert not set(sound_keys("Kayleigh")) & set(sound_keys("Karen"))


def test_searching_kaylee_finds_kayleigh(people):
    kayleigh = make_young_person(people.manager, given_name="Kayleigh", family_name="Price")
    assert list(young_people_search(people.manager, text="kaylee")) == [kayleigh]
    assert list(young_people_search(people.manager, text="kaylee prise")) == [kayleigh]


def test_searching_a_sound_alike_finds_an_alias(people):
    record = make_young_person(
        people.manager,
        given_name="Amelia",
        family_name="Stone",
        aliases=[("Kayleigh", "known_as")],
    )
    assert list(young_people_search(people.manager, text="Kaylee")) == [record]


def test_sound_alike_search_still_keeps_to_what_the_user_may_see(people):
    make_young_person(people.manager, given_name="Kayleigh", family_name="Price")
    assert not young_people_search(people.alice, text="kaylee").exists()


def test_the_search_page_finds_kayleigh_for_kaylee(people, client_for):
    make_young_person(people.manager, given_name="Kayleigh", family_name="Price")
    page = client_for(people.manager).get(reverse("young_people:search"), {"name": "kaylee"})
    assert "PRICE, Kayleigh" in page.text


def test_search_before_create_offers_a_sound_alike_spelling(people, client_for):
    kayleigh = make_young_person(
        people.manager, given_name="Kayleigh", family_name="Smith", date_of_birth=DOB
    )
    data = {
        "given_name": "Kaylee",
        "family_name": "Smyth",
        "date_of_birth_0": "14",
        "date_of_birth_1": "3",
        "date_of_birth_2": "2011",
        "gender": "female",
        "ethnicity": "not_known",
    }
    response = client_for(people.manager).post(reverse("young_people:create"), data)
    assert kayleigh in [m.record for m in response.context["matches"]]


def test_a_name_spelt_unlike_but_said_alike_is_offered_with_its_reason(people):
    phoebe = make_young_person(
        people.manager, given_name="Phoebe", family_name="Quayle", date_of_birth=DOB
    )
    matches = young_person_matches(given_name="Febee", family_name="Kwail", date_of_birth=DOB)
    assert [m.record for m in matches] == [phoebe]
    assert "name sounds the same" in matches[0].reasons


# --- The closest survives among very many candidates ----------------------------------------------

SIMILAR_ROWS = 3_000


def test_the_closest_record_survives_thousands_of_similar_candidates(people):
    """Thousands of records share the date of birth and postcode and look like the name, far more
    than are scored in Python. Their ids sort before Maya's, so a cut without ranking (by id, or
    the order a UNION happens to return) drops her."""
    (maya,) = YoungPerson.objects.bulk_create(
        [
            YoungPerson(
                id=uuid.UUID(int=2**128 - 1),
                given_name="Maya",
                family_name="Whitfield",
                date_of_birth=DOB,
                postcode="S1 2HH",
            )
        ]
    )
    chance = random.Random(12)
    YoungPerson.objects.bulk_create(
        YoungPerson(
            id=uuid.UUID(int=i + 1),
            given_name=chance.choice(["Maya", "Maia", "Mya", "Mayah"]),
            family_name="Whit" + "".join(chance.choices(string.ascii_lowercase, k=4)),
            date_of_birth=DOB,
            postcode="S1 2HH",
        )
        for i in range(SIMILAR_ROWS)
    )
    assert SIMILAR_ROWS > 5 * MAX_CANDIDATES
    matches = young_person_matches(
        given_name="Maya", family_name="Whitfeld", date_of_birth=DOB, postcode="S1 2HH"
    )
    assert matches[0].record == maya
