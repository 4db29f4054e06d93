"""The picture's minimum grading: both schemes read on one order (3x5x2's), the analyst's
re-evaluation in force where there is one, the same on the analysis page, the network API and hot
spots, and a bad value named."""

from __future__ import annotations

import pytest

from intelligence import services
from intelligence.models import GRADING_CODES, GRADING_LEVELS, Scheme, codes_at_least
from intelligence.network import default_filters, picture_build

from .conftest import submit

pytestmark = pytest.mark.django_db

PICTURE = "/intelligence/picture/"
HOT_SPOTS = "/intelligence/picture/hot-spots/"
NETWORK = "/api/v1/intelligence/network/"


def test_every_code_of_both_schemes_has_exactly_one_level():
    for field, levels in GRADING_LEVELS.items():
        for scheme in Scheme.values:
            placed = [code for _level, _label, codes in levels for code in codes[scheme]]
            assert sorted(placed) == sorted(GRADING_CODES[scheme][field])


@pytest.mark.parametrize(
    ("field", "minimum", "expected"),
    [
        ("source_evaluation", "1", {"5x5x5": ("A", "B"), "3x5x2": ("1",)}),
        ("source_evaluation", "2", {"5x5x5": ("A", "B", "C", "E"), "3x5x2": ("1", "2")}),
        ("source_evaluation", "3", None),
        ("source_evaluation", "", None),
        ("intelligence_evaluation", "A", {"5x5x5": ("1", "2"), "3x5x2": ("A",)}),
        ("intelligence_evaluation", "C", {"5x5x5": ("1", "2", "3"), "3x5x2": ("A", "B", "C")}),
        ("intelligence_evaluation", "E", None),
    ],
)
def test_a_minimum_keeps_its_level_and_the_more_reliable(field, minimum, expected):
    assert codes_at_least(field, minimum) == expected


def test_an_unknown_level_is_refused():
    with pytest.raises(ValueError, match="level"):
        codes_at_least("source_evaluation", "A")


def _graded(people, registration: str, place: str, **grading) -> object:
    """An item naming a child, a car and a place, graded as given."""
    return submit(
        people.frank,
        subjects=[
            {"kind": "person", "role": "young_person_at_risk", "name": f"Child of {place}"},
            {"kind": "vehicle", "registration": registration},
            {
                "kind": "location",
                "name": place,
                "postcode": "S1 2HH",
                "latitude": "53.38",
                "longitude": "-1.47",
            },
        ],
        **grading,
    )


@pytest.fixture
def four_items(people):
    """A 5x5x5 B2 and a 5x5x5 E4 item, a 3x5x2 1 A and a 3x5x2 3 D one, each its own car."""
    _graded(people, "AA11 AAA", "Good Cafe", source_evaluation="B", intelligence_evaluation="2")
    _graded(people, "BB22 BBB", "Poor Cafe", source_evaluation="E", intelligence_evaluation="4")
    _graded(
        people,
        "CC33 CCC",
        "Fine Hotel",
        scheme="3x5x2",
        source_evaluation="1",
        intelligence_evaluation="A",
        handling_code="P",
    )
    _graded(
        people,
        "DD44 DDD",
        "Weak Hotel",
        scheme="3x5x2",
        source_evaluation="3",
        intelligence_evaluation="D",
        handling_code="P",
    )


def _cars(client, **query) -> set[str]:
    response = client.get(NETWORK, {"kind": "vehicle", **query})
    assert response.status_code == 200, response.content
    return {node["label"] for node in response.json()["nodes"] if node["group"] == "vehicle"}


def test_the_network_keeps_items_at_least_as_reliable_in_either_scheme(
    people, api_client_for, four_items
):
    client = api_client_for(people.ana)
    assert _cars(client) == {"AA11 AAA", "BB22 BBB", "CC33 CCC", "DD44 DDD"}
    assert _cars(client, min_source="1") == {"AA11 AAA", "CC33 CCC"}
    assert _cars(client, min_source="2") == {"AA11 AAA", "BB22 BBB", "CC33 CCC"}
    assert _cars(client, min_intelligence="B") == {"AA11 AAA", "CC33 CCC"}
    assert _cars(client, min_intelligence="D") == {"AA11 AAA", "BB22 BBB", "CC33 CCC", "DD44 DDD"}
    assert _cars(client, min_source="2", min_intelligence="C") == {"AA11 AAA", "CC33 CCC"}
    assert response_filters(client, min_source="1")["min_source"] == "1"


def test_each_node_links_to_its_entity_page(people, api_client_for, four_items):
    from django.urls import reverse

    nodes = api_client_for(people.ana).get(NETWORK).json()["nodes"]
    assert nodes
    for node in nodes:
        assert node["url"] == reverse("intelligence:entity", args=[node["id"]])


def response_filters(client, **query) -> dict:
    return client.get(NETWORK, query).json()["filters"]


def test_the_analysts_regrading_is_the_one_in_force(people, api_client_for):
    low = _graded(
        people, "BB22 BBB", "Poor Cafe", source_evaluation="E", intelligence_evaluation="4"
    )
    high = _graded(
        people, "AA11 AAA", "Good Cafe", source_evaluation="A", intelligence_evaluation="1"
    )
    client = api_client_for(people.ana)
    assert _cars(client, min_source="1", min_intelligence="A") == {"AA11 AAA"}
    for item, source, intelligence in ((low, "A", "1"), (high, "D", "5")):
        services.item_regrade(
            actor=people.ana,
            item=item,
            source_evaluation=source,
            intelligence_evaluation=intelligence,
            handling_code="1",
            reason="Corroborated by the police national database",
        )
    assert _cars(client, min_source="1", min_intelligence="A") == {"BB22 BBB"}


def test_the_statement_counts_only_the_items_kept(people, four_items):
    from dataclasses import replace

    every = picture_build(replace(default_filters(), groups=("location",)))
    kept = picture_build(replace(default_filters(), groups=("location",), min_source="1"))
    assert {hub.label for hub in every.hubs} == {
        "Good Cafe, S1 2HH",
        "Poor Cafe, S1 2HH",
        "Fine Hotel, S1 2HH",
        "Weak Hotel, S1 2HH",
    }
    assert {hub.label for hub in kept.hubs} == {"Good Cafe, S1 2HH", "Fine Hotel, S1 2HH"}


def test_the_network_api_names_a_bad_minimum(people, api_client_for):
    client = api_client_for(people.ana)
    bad = client.get(NETWORK, {"min_source": "A", "min_intelligence": "9"})
    assert bad.status_code == 400
    assert "Choose a minimum source evaluation" in str(bad.json()["min_source"])
    assert "Choose a minimum intelligence evaluation" in str(bad.json()["min_intelligence"])


def test_the_analysis_page_filters_by_grading_without_javascript(people, client_for, four_items):
    client = client_for(people.ana)
    page = client.get(PICTURE, {"kind": "vehicle"}).content.decode()
    assert "BB22 BBB" in page and "AA11 AAA" in page
    page = client.get(PICTURE, {"kind": "vehicle", "min_source": "1"}).content.decode()
    assert "AA11 AAA" in page and "CC33 CCC" in page
    assert "BB22 BBB" not in page and "DD44 DDD" not in page
    assert "only items graded source: Reliable only" in page
    # The chart reads the same filter.
    assert "min_source=1" in page
    # The form explains how the two schemes are read on one scale.
    assert "5x5x5 A (always reliable) and B" in page


def test_the_analysis_page_names_a_bad_minimum(people, client_for):
    response = client_for(people.ana).get(PICTURE, {"min_source": "Z", "min_intelligence": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page and "<title>Error:" in page
    assert "Choose a minimum source evaluation from the list" in page
    assert "Choose a minimum intelligence evaluation from the list" in page
    assert 'href="#id_min_source"' in page


def test_hot_spots_filter_by_grading(people, client_for, four_items):
    client = client_for(people.alice)
    page = client.get(HOT_SPOTS).content.decode()
    assert "Poor Cafe" in page and "Good Cafe" in page
    page = client.get(HOT_SPOTS, {"period": "90", "min_intelligence": "A"}).content.decode()
    assert "Good Cafe" in page and "Fine Hotel" in page
    assert "Poor Cafe" not in page and "Weak Hotel" not in page
    bad = client.get(HOT_SPOTS, {"min_source": "Z"}).content.decode()
    assert "Choose a minimum source evaluation from the list" in bad
    assert "govuk-error-summary" in bad
