"""The picture's pages and API: who may open them (the analyst for the analysis and the network;
the analyst and team manager for alerts; hot spots for those who do outreach too), what they show
without JavaScript, bad input named, and what they audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cse_portal.audit.models import AuditEntry
from intelligence.models import Alert, Entity

from .conftest import submit

pytestmark = pytest.mark.django_db

CAR = {"kind": "vehicle", "registration": "KB12 ABC", "make": "Vauxhall", "colour": "Grey"}
KEBAB_KING = {
    "kind": "location",
    "name": "Kebab King",
    "postcode": "S1 2HH",
    "venue_kind": "takeaway",
    "latitude": "53.381",
    "longitude": "-1.470",
}
EXPLOITER = {
    "kind": "person",
    "role": "suspected_exploiter",
    "name": "Big Dave",
    "date_of_birth": "1985-01-02",
}


def child(name: str) -> dict:
    return {
        "kind": "person",
        "role": "young_person_at_risk",
        "name": name,
        "date_of_birth": "2011-03-04",
    }


def build_pattern(people, names=("Jade", "Kayla", "Leah"), days_ago: int = 2) -> None:
    for name in names:
        submit(
            people.frank,
            obtained_at=timezone.now() - dt.timedelta(days=days_ago),
            subjects=[child(name), CAR, KEBAB_KING, EXPLOITER],
        )


PICTURE = "/intelligence/picture/"
HOT_SPOTS = "/intelligence/picture/hot-spots/"
ALERTS = "/intelligence/picture/alerts/"
NETWORK = "/api/v1/intelligence/network/"


@pytest.mark.parametrize(
    ("persona", "picture", "hot_spots", "alerts"),
    [
        ("ana", 200, 200, 200),
        ("manager", 403, 200, 200),
        ("alice", 403, 200, 403),
        ("frank", 403, 403, 403),
        ("lucy", 403, 403, 403),
        ("adam", 403, 403, 403),
    ],
)
def test_who_opens_which_page(people, client_for, persona, picture, hot_spots, alerts):
    client = client_for(getattr(people, persona))
    assert client.get(PICTURE).status_code == picture
    assert client.get(HOT_SPOTS).status_code == hot_spots
    assert client.get(ALERTS).status_code == alerts


def test_an_alert_nobody_may_see_is_a_404_like_a_missing_one(people, client_for):
    build_pattern(people)
    alert = Alert.objects.first()
    for persona in ("alice", "frank", "lucy"):
        assert client_for(getattr(people, persona)).get(f"{ALERTS}{alert.pk}/").status_code == 404
    assert (
        client_for(people.ana).get(f"{ALERTS}00000000-0000-0000-0000-000000000000/").status_code
        == 404
    )


def test_the_analysis_reads_as_tables_without_javascript(people, client_for):
    build_pattern(people)
    response = client_for(people.ana).get(PICTURE)
    page = response.content.decode()
    assert "Kebab King" in page and "KB12 ABC" in page and "Big Dave" in page
    assert "Jade" in page and "Kayla" in page
    assert 'data-network-url="/api/v1/intelligence/network/?' in page
    # The chart's section is hidden until its script draws it; the scripts are files (the CSP).
    assert "<script>" not in page and "hidden>" in page
    assert "js/link-chart.js" in page and "vendor/cytoscape/cytoscape.min.js" in page
    entry = AuditEntry.objects.filter(summary__contains="(intelligence picture,").get()
    jade = Entity.objects.get(label="Jade")
    assert str(jade.pk) in entry.detail["shown"]
    assert str(Entity.objects.get(kind="vehicle").pk) in entry.detail["shown"]


def test_a_child_linked_to_a_record_is_the_audit_entrys_subject(people, client_for):
    from intelligence import services

    build_pattern(people)
    jade = Entity.objects.get(label="Jade")
    services.entity_link_young_person(actor=people.ana, entity=jade, young_person=people.maya)
    client_for(people.ana).get(PICTURE)
    entry = AuditEntry.objects.filter(summary__contains="(intelligence picture,").get()
    assert entry.detail["subjects"] == [str(people.maya.pk)]


def test_the_analysis_filters_by_district_kind_and_links(people, client_for):
    build_pattern(people)
    submit(people.frank, subjects=[child("Zoe"), {"kind": "vehicle", "registration": "ZZ99 ZZZ"}])
    client = client_for(people.ana)
    page = client.get(PICTURE, {"kind": "vehicle"}).content.decode()
    assert "KB12 ABC" in page and "ZZ99 ZZZ" in page and "Kebab King" not in page
    page = client.get(PICTURE, {"kind": "vehicle", "min_links": "2"}).content.decode()
    assert "KB12 ABC" in page and "ZZ99 ZZZ" not in page
    page = client.get(PICTURE, {"district": "s1"}).content.decode()
    assert "KB12 ABC" in page and "ZZ99 ZZZ" not in page
    page = client.get(PICTURE, {"district": "M14"}).content.decode()
    assert "KB12 ABC" not in page


def test_the_analysis_names_bad_filters(people, client_for):
    client = client_for(people.ana)
    response = client.get(
        PICTURE,
        {
            "district": "1S",
            "min_links": "0",
            "since_0": "31",
            "since_1": "2",
            "since_2": "2025",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter a postcode district" in page
    assert "Enter 1 or more young people" in page
    assert "must be a real date" in page
    assert "Error:" in page


def test_the_network_api_returns_the_charts_elements(people, api_client_for):
    build_pattern(people)
    response = api_client_for(people.ana).get(NETWORK)
    assert response.status_code == 200
    data = response.json()
    groups = {node["label"]: node["group"] for node in data["nodes"]}
    assert groups["Kebab King, S1 2HH"] == "location"
    assert groups["Big Dave"] == "exploiter"
    assert groups["Jade"] == "young_person"
    car = next(n for n in data["nodes"] if n["group"] == "vehicle")
    assert car["young_people"] == 3 and car["items"] == 3
    ids = {node["id"] for node in data["nodes"]}
    assert all(edge["source"] in ids and edge["target"] in ids for edge in data["edges"])
    assert len(data["edges"]) == 3 * 3
    assert data["truncated"] is False


def test_the_network_api_is_the_analysts_and_checks_its_input(people, api_client_for):
    for persona in ("manager", "alice", "frank", "lucy", "adam"):
        assert api_client_for(getattr(people, persona)).get(NETWORK).status_code == 403
    client = api_client_for(people.ana)
    bad = client.get(NETWORK, {"since": "2026-02-30", "district": "??", "kind": "planet"})
    assert bad.status_code == 400
    assert set(bad.json()) >= {"since", "district", "kind"}
    backwards = client.get(NETWORK, {"since": "2025-05-01", "until": "2025-01-01"})
    assert backwards.status_code == 400
    assert "on or before" in str(backwards.json())


def test_the_network_only_counts_the_period_asked(people, api_client_for):
    build_pattern(people, days_ago=200)
    client = api_client_for(people.ana)
    assert client.get(NETWORK).json()["nodes"] == []
    since = (timezone.localdate() - dt.timedelta(days=365)).isoformat()
    assert len(client.get(NETWORK, {"since": since}).json()["nodes"]) == 6


def test_hot_spots_list_and_map_points(people, client_for):
    build_pattern(people)
    page = client_for(people.alice).get(HOT_SPOTS).content.decode()
    assert "Kebab King" in page
    assert 'id="hot-spot-points"' in page and "53.381" in page
    assert 'data-tile-url=""' in page
    assert "vendor/leaflet/leaflet.js" in page and "js/hot-spot-map.js" in page
    # A practitioner sees places, not the entity pages.
    assert reverse("intelligence:entity", args=[Entity.objects.get(kind="location").pk]) not in page


def test_hot_spots_period_leaves_older_places_out(people, client_for):
    build_pattern(people, days_ago=200)
    client = client_for(people.ana)
    assert "Kebab King" not in client.get(HOT_SPOTS).content.decode()
    assert "Kebab King" in client.get(HOT_SPOTS, {"period": "365"}).content.decode()


def test_the_tile_layer_is_a_setting(people, client_for, settings):
    build_pattern(people)
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    page = client_for(people.ana).get(HOT_SPOTS).content.decode()
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in page


def test_the_analyst_reads_the_evidence_and_closes_an_alert(people, client_for):
    build_pattern(people)
    alert = Alert.objects.get(entity__kind="vehicle")
    client = client_for(people.ana)
    page = client.get(f"{ALERTS}{alert.pk}/").content.decode()
    assert "KB12 ABC" in page and "Jade" in page and "Leah" in page
    assert "Close the alert" in page
    refused = client.post(f"{ALERTS}{alert.pk}/", {"outcome": "operation", "reason": ""})
    assert "Give the reason for closing the alert" in refused.content.decode()
    done = client.post(
        f"{ALERTS}{alert.pk}/", {"outcome": "operation", "reason": "Operation Lantern"}
    )
    assert done.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.outcome, alert.closed_by) == ("closed", "operation", people.ana)
    closed = client.get(ALERTS, {"status": "closed"}).content.decode()
    assert "KB12 ABC" in closed and "Police operation" in closed


def test_the_team_manager_sees_alerts_with_the_evidence_disseminated_to_the_team(
    people, client_for
):
    build_pattern(people)
    alert = Alert.objects.get(entity__kind="vehicle")
    page = client_for(people.manager).get(f"{ALERTS}{alert.pk}/").content.decode()
    assert "KB12 ABC" in page
    assert "No items you may see." in page and "Jade" not in page


def test_the_alerts_api_lists_reads_and_closes(people, api_client_for):
    build_pattern(people)
    client = api_client_for(people.manager)
    listed = client.get("/api/v1/alerts/", {"status": "open"}).json()
    assert listed["count"] == 3
    alert = Alert.objects.get(entity__kind="vehicle")
    read = client.get(f"/api/v1/alerts/{alert.pk}/").json()
    assert read["entity"]["label"] == "KB12 ABC (Grey Vauxhall)"
    assert read["young_people_count"] == 3
    bad = client.post(f"/api/v1/alerts/{alert.pk}/close/", {"outcome": "party"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"outcome", "reason"}
    closed = client.post(
        f"/api/v1/alerts/{alert.pk}/close/",
        {"outcome": "disruption", "reason": "Warning notice served"},
        format="json",
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = client.post(
        f"/api/v1/alerts/{alert.pk}/close/",
        {"outcome": "disruption", "reason": "Again"},
        format="json",
    )
    assert again.status_code == 400
    assert client.get("/api/v1/alerts/", {"status": "wrong"}).status_code == 400


def test_the_alerts_api_refuses_other_roles(people, api_client_for):
    build_pattern(people)
    alert = Alert.objects.first()
    for persona in ("alice", "frank", "lucy", "adam"):
        client = api_client_for(getattr(people, persona))
        assert client.get("/api/v1/alerts/").status_code == 403
        assert client.get(f"/api/v1/alerts/{alert.pk}/").status_code in (403, 404)


def test_the_network_api_refuses_dates_it_cannot_count(people, api_client_for):
    client = api_client_for(people.ana)
    for query in ({"until": "9999-12-31"}, {"since": "0001-01-01", "until": "0001-02-01"}):
        response = client.get(NETWORK, query)
        assert response.status_code == 400, query
        assert "1900 to 2100" in str(response.json())


def test_the_team_manager_counts_only_the_mentions_disseminated_to_the_team(people, api_client_for):
    from intelligence import services

    build_pattern(people)
    vehicle = Alert.objects.get(entity__kind="vehicle").entity
    client = api_client_for(people.manager)
    listed = {row["id"]: row for row in client.get("/api/v1/entities/").json()["results"]}
    assert listed[str(vehicle.pk)]["mentions_count"] == 0
    assert client.get(f"/api/v1/entities/{vehicle.pk}/").json()["mentions_count"] == 0
    item = vehicle.mentions.select_related("item").first().item
    services.item_sanitise(actor=people.ana, item=item, sanitised_content="A grey car")
    services.item_disseminate(actor=people.ana, item=item, recipients=[people.alice], purpose="x")
    listed = {row["id"]: row for row in client.get("/api/v1/entities/").json()["results"]}
    assert listed[str(vehicle.pk)]["mentions_count"] == 1
    assert client.get(f"/api/v1/entities/{vehicle.pk}/").json()["mentions_count"] == 1
    analyst = api_client_for(people.ana).get(f"/api/v1/entities/{vehicle.pk}/").json()
    assert analyst["mentions_count"] == vehicle.mentions.count() == 3


def test_closing_an_alert_sent_twice_says_it_is_closed_and_changes_nothing(people, client_for):
    build_pattern(people)
    alert = Alert.objects.get(entity__kind="vehicle")
    client = client_for(people.manager)
    url = f"{ALERTS}{alert.pk}/"
    first = client.post(url, {"outcome": "disruption", "reason": "Warning notice served"})
    assert first.status_code == 302
    again = client.post(url, {"outcome": "operation", "reason": "Typed again"}, follow=True)
    assert again.status_code == 200
    assert "already closed" in again.content.decode()
    alert.refresh_from_db()
    assert (alert.outcome, alert.reason) == ("disruption", "Warning notice served")
    closed = AuditEntry.objects.filter(object_id=str(alert.pk), summary__startswith="Alert closed")
    assert closed.count() == 1
