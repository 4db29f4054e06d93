"""The reads other apps use (place pickers, hot spots, alerts, entities) and the access funnel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from cse_portal.audit.models import AuditEntry
from intelligence import permissions, selectors, services
from intelligence.models import Alert, Entity

from .conftest import item_fields, submit

pytestmark = pytest.mark.django_db

TAKEAWAY = {
    "kind": "location",
    "name": "Kebab King",
    "postcode": "S1 2HH",
    "venue_kind": "takeaway",
}
PARK = {"kind": "location", "name": "Meadow Park", "postcode": "S2 4QQ", "venue_kind": "park"}


def child(name: str) -> dict:
    return {"kind": "person", "role": "young_person_at_risk", "name": name}


def test_location_search_finds_places_by_name_or_postcode(people):
    services.location_find_or_create(actor=people.alice, name="Kebab King", postcode="S1 2HH")
    services.location_find_or_create(actor=people.alice, name="Meadow Park", postcode="S2 4QQ")
    assert [e.label for e in selectors.locations_search(user=people.bob, q="kebab")] == [
        "Kebab King, S1 2HH"
    ]
    assert selectors.locations_search(user=people.bob, q="s2").count() == 1
    assert selectors.locations_search(user=people.lucy, q="kebab").count() == 0


def test_hot_spots_rank_places_by_young_people_then_items(people):
    submit(people.frank, subjects=[TAKEAWAY, child("Amy"), child("Beth")])
    submit(people.frank, subjects=[TAKEAWAY, child("Cara")])
    submit(people.frank, subjects=[PARK, child("Amy")])
    submit(people.frank, subjects=[PARK])
    submit(people.frank, subjects=[PARK])
    spots = list(selectors.hot_spots(user=people.ana))
    assert [(s.label, s.young_people_count, s.items_count) for s in spots] == [
        ("Kebab King, S1 2HH", 3, 2),
        ("Meadow Park, S2 4QQ", 1, 3),
    ]


def test_hot_spots_count_a_linked_child_once_however_mentioned(people):
    submit(people.frank, subjects=[TAKEAWAY, {**child("Maya"), "young_person": people.maya}])
    services.item_submit(
        actor=people.alice,
        **item_fields(subjects=[TAKEAWAY]),
        young_person=people.maya,
    )
    (spot,) = selectors.hot_spots(user=people.manager)
    assert (spot.young_people_count, spot.items_count) == (1, 2)


def test_hot_spots_since_leave_out_older_items(people):
    submit(people.frank, subjects=[TAKEAWAY], obtained_at=timezone.now() - dt.timedelta(days=200))
    submit(people.frank, subjects=[PARK])
    since = timezone.now() - dt.timedelta(days=90)
    assert [s.label for s in selectors.hot_spots(user=people.ana, since=since)] == [
        "Meadow Park, S2 4QQ"
    ]


@pytest.mark.parametrize("user", ["frank", "lucy", "adam"])
def test_hot_spots_are_not_for_everyone(people, user):
    submit(people.frank, subjects=[TAKEAWAY])
    assert selectors.hot_spots(user=getattr(people, user)).count() == 0


def test_alerts_are_for_the_analyst_and_team_manager(people):
    entity = Entity.objects.create(kind="vehicle", key="AB12CDE", label="AB12 CDE")
    alert = Alert.objects.create(entity=entity, young_people_count=3)
    assert list(selectors.alerts_open(user=people.ana)) == [alert]
    assert list(selectors.alerts_visible_to(people.manager)) == [alert]
    for name in ("alice", "frank", "lucy", "adam"):
        assert selectors.alerts_visible_to(getattr(people, name)).count() == 0


def test_the_first_open_alerts_come_with_how_many_are_open_in_one_query(people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(3):
        entity = Entity.objects.create(kind="vehicle", key=f"AB12CD{n}", label=f"AB12 CD{n}")
        Alert.objects.create(entity=entity, young_people_count=3)
    Alert.objects.create(
        entity=Entity.objects.create(kind="vehicle", key="ZZ12ZZZ", label="ZZ12 ZZZ"),
        young_people_count=3,
        status="closed",
        closed_at=timezone.now(),
        outcome="operation",
        reason="Known to the police already",
    )
    with CaptureQueriesContext(connection) as queries:
        first, count = selectors.alerts_open_first(user=people.manager, limit=2)
    assert (len(first), count, len(queries)) == (2, 3, 1)
    assert first == list(selectors.alerts_open(user=people.manager)[:2])
    assert selectors.alerts_open_first(user=people.frank, limit=2) == ([], 0)


def test_entity_for_hands_out_what_the_viewer_may_see_audited(people):
    submit(people.frank)
    vehicle = Entity.objects.get(kind="vehicle")
    assert selectors.entity_for(user=people.ana, pk=vehicle.pk) == vehicle
    assert AuditEntry.objects.filter(object_id=str(vehicle.pk), action="consult").count() == 1
    for name in ("manager", "alice", "frank", "lucy"):
        with pytest.raises(Http404):
            selectors.entity_for(user=getattr(people, name), pk=vehicle.pk)
    Alert.objects.create(entity=vehicle, young_people_count=3)
    assert selectors.entity_for(user=people.manager, pk=vehicle.pk) == vehicle
    with pytest.raises(Http404):
        selectors.entity_for(user=people.ana, pk="not-an-id")


def test_a_submitter_sees_their_own_the_analyst_all_submitted(people):
    mine = submit(people.frank)
    draft = services.item_save_draft(actor=people.frank, content="draft")
    other = submit(people.fiona)
    assert set(permissions.own_items(people.frank)) == {mine, draft}
    assert set(permissions.analyst_items(people.ana)) == {mine, other}
    assert permissions.get_own_item(people.frank, mine.pk) == mine
    for getter, user, item in [
        (permissions.get_own_item, people.frank, other),
        (permissions.get_item_for_analyst, people.ana, draft),
        (permissions.get_item_for_analyst, people.manager, mine),
        (permissions.get_received_item, people.alice, mine),
    ]:
        with pytest.raises(Http404):
            getter(user, item.pk)


def test_the_analyst_looks_up_identity_only(people):
    found = selectors.young_people_for_linking(people.ana).get(pk=people.maya.pk)
    assert found.given_name == "Maya"
    assert "school" in found.get_deferred_fields()
    assert selectors.young_people_for_linking(people.frank).count() == 0


def test_the_desk_puts_a_high_priority_submission_first_even_before_work_in_progress(people):
    earlier = timezone.now() - dt.timedelta(days=3)
    low_in_progress = submit(people.frank, priority="low", subjects=[])
    services.item_take(actor=people.ana, item=low_in_progress)
    medium_older = submit(people.frank, priority="medium", subjects=[])
    medium_newer = submit(people.frank, priority="medium", subjects=[])
    high_new = submit(people.frank, priority="high", subjects=[])
    type(medium_older).objects.filter(pk=medium_older.pk).update(submitted_at=earlier)
    services.item_mark_assessed(
        actor=people.ana, item=submit(people.frank, priority="high", subjects=[])
    )
    assert list(selectors.desk_queue(people.ana)) == [
        high_new,
        medium_older,
        medium_newer,
        low_in_progress,
    ]
