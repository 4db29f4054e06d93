"""Name search closest first, bounded whatever the register's size, and search-before-create still
offering the right record when a national register holds hundreds of similar ones."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cse_portal.statements import FetchStatement, _Compiled
from cse_portal.young_people import selectors
from cse_portal.young_people.models import Alias, YoungPerson
from cse_portal.young_people.selectors import (
    CANDIDATES_PER_LOOKUP,
    NAME_RESULTS,
    young_people_results,
    young_people_search,
    young_person_matches,
)
from tests.core.test_statements import Counted

pytestmark = pytest.mark.django_db

DOB = dt.date(2011, 3, 14)


def _bulk(people, names, **fields) -> list[YoungPerson]:
    return YoungPerson.objects.bulk_create(
        YoungPerson(
            given_name=given,
            family_name=family,
            estimated_age=14,
            created_by=people.manager,
            **fields,
        )
        for given, family in names
    )


def _names(results) -> list[str]:
    return [record.full_name for record in results]


def test_exact_names_come_first_then_starting_then_containing_then_sounding_or_alias(people):
    _bulk(
        people,
        [
            ("Dan", "Smyth"),  # sounds like it
            ("Cat", "Goldsmith"),  # contains it
            ("Bob", "Smithson"),  # starts with it
            ("Zed", "Smith"),  # is it
            ("Ann", "Smith"),  # is it
            ("Ivy", "Jones"),  # nothing to do with it
        ],
    )
    (alias_only,) = _bulk(people, [("Eve", "Stone")])
    Alias.objects.create(young_person=alias_only, name="Smith")
    found = list(young_people_search(people.manager, text="smith"))
    assert _names(found) == [
        "Ann Smith",
        "Zed Smith",
        "Bob Smithson",
        "Cat Goldsmith",
        "Dan Smyth",
        "Eve Stone",
    ]


def test_a_given_name_match_ranks_like_a_family_name_match(people):
    _bulk(people, [("Jordan", "Abbott"), ("Ann", "Jordan"), ("Jordana", "Adams")])
    found = _names(young_people_search(people.manager, text="jordan"))
    assert found[:2] == ["Jordan Abbott", "Ann Jordan"]
    assert found[2] == "Jordana Adams"


def test_more_than_200_matches_list_the_closest_200_and_say_there_are_more(people):
    _bulk(people, [(f"Child{i:03d}", "Smithson") for i in range(NAME_RESULTS)])
    _bulk(people, [("Amy", "Smith")])
    results = young_people_results(people.manager, text="smith")
    assert len(results) == NAME_RESULTS
    assert results.capped
    assert results[0:1][0].full_name == "Amy Smith", "the exact match first, however many others"


def test_fewer_matches_are_listed_whole_and_not_capped(people):
    _bulk(people, [(f"Child{i}", "Whitaker") for i in range(5)])
    results = young_people_results(people.manager, text="whitaker")
    assert len(results) == 5
    assert not results.capped


def test_the_search_page_says_more_than_200_and_counts_nothing(people, client_for):
    _bulk(people, [(f"Child{i:03d}", "Smith") for i in range(NAME_RESULTS + 5)])
    client = client_for(people.manager)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("young_people:search"), {"name": "smith"})
    assert response.status_code == 200
    assert "More than 200 results" in response.content.decode()
    # Nothing counts the matches; the only count is of the closest lookups' bounded rows (at most
    # LOOKUP_ROWS each), which decides whether the less close ones are read at all.
    gate = re.compile(r"COUNT\((?!DISTINCT pk\) FROM \(SELECT pk FROM closeness_)", re.IGNORECASE)
    assert not [q for q in queries if gate.search(q["sql"])], "no count query"
    page_two = client.get(reverse("young_people:search"), {"name": "smith", "page": 2})
    assert "SMITH, Child025" in page_two.content.decode()


def test_the_api_says_the_count_is_capped(people, api_client_for):
    _bulk(people, [(f"Child{i:03d}", "Smith") for i in range(NAME_RESULTS + 5)])
    response = api_client_for(people.manager).get("/api/v1/young-people/", {"search": "smith"})
    assert response.status_code == 200
    assert response.data["count"] == NAME_RESULTS
    assert response.data["count_capped"] is True


def test_two_words_both_match_whichever_is_rarer(people):
    _bulk(people, [(f"Zara{i}", "Brown") for i in range(30)])
    _bulk(people, [("Zara", f"Green{i}") for i in range(30)])
    _bulk(people, [("Tom", "Quinlan"), ("Zara", "Quinlan"), ("Zara", "Quince")])
    assert sorted(_names(young_people_search(people.manager, text="zara quin"))) == [
        "Zara Quince",
        "Zara Quinlan",
    ]
    assert _names(young_people_search(people.manager, text="quinlan zara")) == ["Zara Quinlan"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the rarity probe is PostgreSQL's")
def test_the_rarer_word_drives_the_lookups(people):
    _bulk(people, [("Zara", f"Green{i}") for i in range(30)])
    _bulk(people, [("Zara", "Quinlan")])
    visible = selectors.visible_young_people(people.manager)
    assert selectors._rarest(visible, ["zara", "quinlan"]) == 1
    assert selectors._rarest(visible, ["quinlan", "zara"]) == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the prefix indexes are PostgreSQL's")
def test_the_probe_and_the_exact_and_prefix_lookups_read_only_their_index(people):
    """They name only the id and the two names, which the prefix indexes hold (migration 0010),
    so PostgreSQL can answer them without reading the table's pages. The table is a few hundred
    rows, so the scans it would rather use on one that small are turned off."""
    _bulk(people, [("Zara", "Quinlan"), ("Tom", "Whitfield")])
    _bulk(people, [(f"Child{i}", f"Family{i}") for i in range(300)])
    with connection.cursor() as cursor:
        # Statistics of these rows, not of whatever the table held when last analysed.
        cursor.execute("ANALYZE young_people_youngperson")
    visible = selectors.visible_young_people(people.manager)
    with CaptureQueriesContext(connection) as captured:
        selectors._rarest(visible, ["zara", "whit"])
        selectors._ranked_by_name(people.manager, {}, "whitfield")
    probe, lookups = (query["sql"] for query in captured)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        plans = []
        for sql in (probe, lookups):
            cursor.execute(f"EXPLAIN {sql}")
            plans.append("\n".join(line for (line,) in cursor.fetchall()))
    for plan in plans:
        scans = re.findall(r"(Index(?: Only)? Scan) using (yp_(?:given|family)_prefix_idx)", plan)
        indexes = {index for _, index in scans}
        assert indexes == {"yp_given_prefix_idx", "yp_family_prefix_idx"}, plan
        assert {scan for scan, _ in scans} == {"Index Only Scan"}, plan


def test_name_search_keeps_to_what_the_user_may_see(people):
    _bulk(people, [("Ann", "Smith")])
    assert not young_people_search(people.alice, text="smith").exists()
    assert len(young_people_results(people.alice, text="smith")) == 0


def test_name_search_combines_with_the_date_of_birth(people):
    _bulk(people, [(f"Child{i:03d}", "Smith") for i in range(NAME_RESULTS + 5)])
    (born,) = YoungPerson.objects.bulk_create(
        [YoungPerson(given_name="Zara", family_name="Smith", date_of_birth=DOB)]
    )
    found = young_people_results(people.manager, text="smith", date_of_birth=DOB)
    assert [record.pk for record in found[0:10]] == [born.pk]


def test_search_before_create_finds_whitfield_for_whitfeld_among_hundreds_alike(people):
    """The national case: more people born that day, and more "Whit..." families, than any one
    lookup keeps. The closest must still be offered first, not dropped with the surplus."""
    maya = people.maya  # Maya Whitfield
    many = CANDIDATES_PER_LOOKUP + 50
    _bulk(
        people, [(f"Child{i}", f"Family{i}") for i in range(many)], date_of_birth=maya.date_of_birth
    )
    _bulk(people, [(f"Child{i}", "Whitfield") for i in range(many)])
    _bulk(people, [(f"Child{i}", "Whitford") for i in range(many)])
    _bulk(people, [("Maya", f"Other{i}") for i in range(many)], postcode=maya.postcode)
    matches = young_person_matches(
        given_name="Maya",
        family_name="Whitfeld",
        date_of_birth=maya.date_of_birth,
        postcode=maya.postcode,
    )
    assert matches and matches[0].record == maya
    assert "similar name" in matches[0].reasons


def test_the_new_record_page_offers_whitfield_instead_of_creating_a_duplicate(people, client_for):
    maya = people.maya
    _bulk(people, [(f"Child{i}", "Whitfield") for i in range(CANDIDATES_PER_LOOKUP + 20)])
    before = YoungPerson.objects.count()
    dob = maya.date_of_birth
    response = client_for(people.manager).post(
        reverse("young_people:create"),
        {
            "given_name": "Maya",
            "family_name": "Whitfeld",
            "date_of_birth_0": str(dob.day),
            "date_of_birth_1": str(dob.month),
            "date_of_birth_2": str(dob.year),
            "gender": "female",
            "ethnicity": "not_known",
            "postcode": maya.postcode,
        },
    )
    assert response.status_code == 200
    assert "Whitfield" in response.content.decode()
    assert YoungPerson.objects.count() == before, "nothing created while a match is offered"


@pytest.mark.parametrize("text", ["smith", "maya whit", "jo"])
def test_a_name_search_costs_the_same_with_few_and_many_matches(people, client_for, text):
    client = client_for(people.manager)
    url = reverse("young_people:search")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"name": text}).status_code == 200
        return len(captured)

    _bulk(people, [("Maya", "Whitfield"), ("Jo", "Smith"), ("John", "Smith")])
    few = queries()
    _bulk(people, [(f"Jo{i}", "Smith") for i in range(150)])
    _bulk(people, [("Maya", f"Whit{i}") for i in range(150)])
    assert queries() == few


@pytest.mark.skipif(
    not connection.features.supports_slicing_ordering_in_compound,
    reason="SQLite reads every lookup whole: its registers are small",
)
@pytest.mark.parametrize(
    ("rows", "word"),
    [(rows, word) for rows in (2, 3, 4, 6, 9, 20) for word in ("smith", "smit", "sm", "mith")],
)
def test_skipping_less_close_lookups_ranks_as_reading_them_all(people, monkeypatch, rows, word):
    # Small bounds so each closeness fills the list at a different point: the lookups a full
    # list makes irrelevant are skipped, and the ranking is the same as from all of them.
    _bulk(
        people,
        [(f"Zed{n}", "Smith") for n in range(3)]
        + [(f"Amy{n}", "Smithson") for n in range(3)]
        + [(f"Cat{n}", "Goldsmith") for n in range(3)]
        + [(f"Dan{n}", "Smyth") for n in range(3)]
        + [("Smith", "Jones"), ("Smitty", "Brown")],
    )
    (alias_only,) = _bulk(people, [("Eve", "Stone")])
    Alias.objects.create(young_person=alias_only, name="Smithers")
    monkeypatch.setattr(selectors, "LOOKUP_ROWS", rows)
    monkeypatch.setattr(selectors, "NAME_RESULTS", rows - 1)
    # The bounds are in the kept SQL: what an earlier bound kept is forgotten.
    selectors._FOUND_BY_NAME.forget()
    gated = selectors._ranked_by_name(people.manager, {}, word)

    def every_lookup(parts):
        first, *rest = (rows for _, rows in parts)
        return "", *first.union(*rest, all=True).query.sql_with_params()

    monkeypatch.setattr(selectors, "_gated_by_closeness", every_lookup)
    selectors._FOUND_BY_NAME.forget()
    assert gated == selectors._ranked_by_name(people.manager, {}, word)
    assert gated[0]


@pytest.mark.skipif(
    not connection.features.supports_slicing_ordering_in_compound,
    reason="SQLite builds its search each time: it reads every lookup whole",
)
def test_a_name_search_is_compiled_once_per_asker_and_kind_of_search(people, monkeypatch):
    """Every word of a kind (a fragment or not, driving or not) gives the same SQL with only the
    word changed, so a search is compiled once and later ones bind their words. The rows must
    be the ORM's own, word by word, and a new kind or another asker compiles afresh."""
    _bulk(
        people, [("Zara", "Quinlan"), ("Tom", "Whitfield"), ("Jo", "Smith"), ("Kayleigh", "Jones")]
    )
    _bulk(people, [("Ann", "Smith"), ("Kay", "Jones")], postcode="S1 2HH")
    (aliased,) = _bulk(people, [("Eve", "Stone")])
    Alias.objects.create(young_person=aliased, name="Smithers")
    build = Counted(selectors._found_by_name)
    monkeypatch.setattr(selectors, "_FOUND_BY_NAME", FetchStatement(build))
    searches = [
        ("smith", {}),
        ("kaylee", {}),  # sounds like Kayleigh: the keys computed in the database
        ("whit", {}),
        ("jo", {}),  # a fragment: another kind
        ("sm", {}),
        ("zara quin", {}),  # two words, the rarer driving: another kind
        ("whit tom", {}),  # the second driving: another kind
        ("smith", {"postcode": "S1 2HH"}),  # with a criterion: another kind
        ("jones", {"postcode": "S1 2HH"}),
    ]
    for text, given in searches:
        found = selectors._ranked_by_name(people.manager, given, text)
        assert found == _plain(monkeypatch, people.manager, given, text), text
        assert found[0], text
    kept = selectors._FOUND_BY_NAME._kept
    # Each kind built once for its rows, and compiled again once for each moment's proof.
    assert sorted(names for _, _, names in kept) == [
        ("postcode", "word0_drives"),
        ("word0", "word1_drives"),
        ("word0_drives",),
        ("word0_drives", "word1"),
        ("word0_drives_fragment",),
    ]
    assert build.calls == sum(1 + len(names) for _, _, names in kept)
    assert all(isinstance(compiled, _Compiled) for compiled in kept.values())
    assert selectors._ranked_by_name(people.manager, {}, "smith")[0]
    calls = build.calls
    selectors._ranked_by_name(people.alice, {}, "smith")
    assert build.calls > calls
    # Past KEPT_WORDS, a search is built each time, without proofs (a proof per word).
    kinds, calls = len(kept), build.calls
    many = " ".join(["jo", "sm", "whit", "tom"][: selectors.KEPT_WORDS + 1])
    assert selectors._ranked_by_name(people.manager, {}, many) == _plain(
        monkeypatch, people.manager, {}, many
    )
    assert len(kept) == kinds
    assert build.calls == calls


def _plain(monkeypatch, user, given, text):
    """The same search through the ORM each time, nothing kept."""
    with monkeypatch.context() as patched:
        patched.setattr(selectors, "_FOUND_BY_NAME", selectors._found_by_name)
        return selectors._ranked_by_name(user, given, text)
