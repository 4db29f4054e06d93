"""A location's coordinates, typed or picked on the map by the analyst on the place's page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cse_portal.audit.models import AuditEntry
from intelligence import services
from intelligence.models import Entity

pytestmark = pytest.mark.django_db


@pytest.fixture
def place(people):
    return services.location_find_or_create(
        actor=people.frank, name="Kebab King", postcode="S1 2HH", venue_kind="takeaway"
    )


def _audited(place):
    return AuditEntry.objects.filter(object_id=str(place.pk), summary__contains="coordinates")


def test_the_analyst_places_a_location_and_the_same_again_writes_nothing(people, place):
    assert services.location_set_coordinates(
        actor=people.ana, entity=place, latitude=" 53.38 ", longitude="-1.47"
    )
    place.refresh_from_db()
    assert (place.latitude, place.longitude) == (Decimal("53.380000"), Decimal("-1.470000"))
    assert _audited(place).count() == 1
    assert not services.location_set_coordinates(
        actor=people.ana, entity=place, latitude="53.38", longitude="-1.470"
    )
    assert _audited(place).count() == 1
    assert services.location_set_coordinates(
        actor=people.ana, entity=place, latitude="", longitude=""
    )
    place.refresh_from_db()
    assert place.latitude is None and _audited(place).count() == 2


@pytest.mark.parametrize(
    ("latitude", "longitude", "field"),
    [
        ("91", "0", "latitude"),
        ("53", "x", "longitude"),
        ("53.38", "", "longitude"),
        ("", "1", "latitude"),
    ],
)
def test_coordinates_are_checked(people, place, latitude, longitude, field):
    with pytest.raises(ValidationError) as caught:
        services.location_set_coordinates(
            actor=people.ana, entity=place, latitude=latitude, longitude=longitude
        )
    assert field in caught.value.message_dict


@pytest.mark.parametrize("persona", ["frank", "manager", "alice"])
def test_only_the_analyst_places_a_location(people, place, persona):
    with pytest.raises(PermissionDenied):
        services.location_set_coordinates(
            actor=getattr(people, persona), entity=place, latitude="53", longitude="-1"
        )


def test_the_place_page_saves_coordinates_and_keeps_a_wrong_one_with_its_error(
    people, place, client_for, settings
):
    client = client_for(people.ana)
    url = reverse("intelligence:entity", args=[place.pk])
    page = client.get(url).content.decode()
    assert 'name="latitude"' in page and "data-place-picker" not in page
    wrong = client.post(url, {"action": "coordinates", "latitude": "153", "longitude": "-1.47"})
    assert wrong.status_code == 200
    text = wrong.content.decode()
    assert "Enter a latitude between -90 and 90" in text and 'value="153"' in text
    done = client.post(url, {"action": "coordinates", "latitude": "53.38", "longitude": "-1.47"})
    assert done.status_code == 302
    place.refresh_from_db()
    assert place.latitude == Decimal("53.38")
    settings.MAP_TILE_URL = "https://tiles.example.test/{z}/{x}/{y}.png"
    assert "data-place-picker" in client.get(url).content.decode()


def test_only_a_place_and_only_for_the_analyst_on_the_page(people, place, client_for):
    vehicle = services.subject_entity(
        people.ana,
        {"kind": "vehicle", "registration": "AB12CDE", "make": "", "model": "", "colour": ""},
    )
    ana = client_for(people.ana)
    assert (
        'name="latitude"'
        not in ana.get(reverse("intelligence:entity", args=[vehicle.pk])).content.decode()
    )
    refused = ana.post(
        reverse("intelligence:entity", args=[vehicle.pk]),
        {"action": "coordinates", "latitude": "53", "longitude": "-1"},
    )
    assert refused.status_code == 403
    assert Entity.objects.get(pk=place.pk).latitude is None
