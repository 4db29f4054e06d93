"""Submission, entities found or created once, the linking listeners, and closing an alert."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cse_portal.audit.models import AuditEntry
from cse_portal.young_people.models import ChronologyAudience, ChronologyEntry
from intelligence import linking, services
from intelligence.models import (
    Alert,
    AlertStatus,
    Entity,
    EntityKind,
    IntelligenceItem,
    ItemStatus,
    Mention,
)

from .conftest import item_fields, submit

pytestmark = pytest.mark.django_db


def test_a_submission_is_received_with_a_reference_and_its_subjects_as_entities(people):
    item = submit(people.frank)

    assert item.status == ItemStatus.RECEIVED
    assert item.reference.startswith(f"INT-{timezone.localdate().year}-")
    assert item.agency == people.health
    kinds = set(item.mentions.values_list("entity__kind", "role"))
    assert kinds == {
        ("person", "young_person_at_risk"),
        ("vehicle", "vehicle_used"),
        ("location", "place"),
        ("phone", "phone_used"),
    }
    assert Entity.objects.get(kind="vehicle").key == "AB12CDE"
    assert Entity.objects.get(kind="phone").key == "+447700900123"


def test_references_follow_on_in_order(people):
    first, second = submit(people.frank), submit(people.fiona)
    assert int(second.reference[-6:]) == int(first.reference[-6:]) + 1


def test_the_same_vehicle_phone_and_place_are_stored_once(people):
    submit(people.frank)
    submit(
        people.fiona,
        subjects=[
            {"kind": "vehicle", "registration": "AB12CDE"},
            {"kind": "phone", "number": "+44 7700 900123"},
            {"kind": "location", "name": "KEBAB KING", "postcode": "S12HH"},
        ],
    )
    assert Entity.objects.filter(kind="vehicle").count() == 1
    assert Entity.objects.filter(kind="phone").count() == 1
    assert Entity.objects.filter(kind="location").count() == 1
    assert Mention.objects.filter(entity__kind="vehicle").count() == 2


def test_people_are_matched_only_on_the_exact_name_and_date_of_birth(people):
    born = dt.date(1990, 5, 1)
    person = {"kind": "person", "role": "suspected_exploiter", "name": "Dean Marsh"}
    submit(people.frank, subjects=[{**person, "date_of_birth": born}])
    submit(people.frank, subjects=[{**person, "name": "dean  MARSH", "date_of_birth": born}])
    submit(people.frank, subjects=[person])
    assert Entity.objects.filter(kind="person").count() == 2


def test_the_submission_is_audited(people):
    item = submit(people.frank)
    entry = AuditEntry.objects.get(object_id=str(item.pk), action="collect")
    assert entry.actor == people.frank


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"source_evaluation": "1"}, "source_evaluation"),
        ({"scheme": "3x5x2", "source_evaluation": "B"}, "source_evaluation"),
        ({"intelligence_evaluation": "A"}, "intelligence_evaluation"),
        ({"handling_code": "P"}, "handling_code"),
        ({"handling_code": "5"}, "handling_conditions"),
        (
            {
                "scheme": "3x5x2",
                "source_evaluation": "1",
                "intelligence_evaluation": "A",
                "handling_code": "C",
            },
            "handling_conditions",
        ),
        ({"priority": "urgent"}, "priority"),
        ({"content": "  "}, "content"),
        ({"obtained_at": None}, "obtained_at"),
        ({"obtained_at": timezone.now() + dt.timedelta(days=2)}, "obtained_at"),
        ({"source_kind": ""}, "source_kind"),
        ({"subjects": [{"kind": "vehicle", "registration": "NOT A REG"}]}, "subjects"),
        ({"subjects": [{"kind": "phone", "number": "12"}]}, "subjects"),
        ({"subjects": [{"kind": "person", "name": "X"}]}, "subjects"),
        ({"subjects": [{"kind": "boat"}]}, "subjects"),
    ],
)
def test_a_wrong_field_is_an_error_on_that_field_and_nothing_is_saved(people, overrides, field):
    with pytest.raises(ValidationError) as caught:
        submit(people.frank, **overrides)
    assert field in caught.value.message_dict
    assert not IntelligenceItem.objects.exists()
    assert not Entity.objects.exists()


def test_subject_errors_name_the_subject_and_field(people):
    with pytest.raises(ValidationError) as caught:
        submit(
            people.frank, subjects=[{"kind": "phone", "number": "07700 900123"}, {"kind": "phone"}]
        )
    assert caught.value.message_dict["subjects"][0].startswith("Subject 2 (number)")


def test_conditions_make_code_5_and_c_valid(people):
    item = submit(people.frank, handling_code="5", handling_conditions="Refer to me first")
    assert item.handling_conditions == "Refer to me first"
    item = submit(
        people.frank,
        scheme="3x5x2",
        source_evaluation="2",
        intelligence_evaluation="c",
        handling_code="c",
        handling_conditions="Not to be shared with the school",
    )
    assert item.grading == "2 C C"


@pytest.mark.parametrize("user", ["lucy", "adam"])
def test_lscb_and_admin_do_not_submit(people, user):
    with pytest.raises(PermissionDenied):
        submit(getattr(people, user))


def test_a_draft_is_kept_unchecked_then_submitted(people):
    draft = services.item_save_draft(actor=people.frank, content="Half written", subjects=[])
    assert draft.is_draft
    assert not Mention.objects.exists()
    item = submit(people.frank, item=draft)
    assert item.pk == draft.pk
    assert item.status == ItemStatus.RECEIVED


def test_nobody_submits_another_persons_draft(people):
    draft = services.item_save_draft(actor=people.frank, content="Mine")
    with pytest.raises(PermissionDenied):
        submit(people.fiona, item=draft)


def test_a_debrief_from_another_app_links_the_young_persons_record(people):
    item = services.item_submit(
        actor=people.alice,
        **item_fields(subjects=[]),
        origin="return_interview",
        origin_reference="episode-1",
        young_person=people.maya,
    )
    person = Entity.objects.get(kind="person")
    assert person.young_person == people.maya
    assert item.mentions.get().role == "young_person_at_risk"
    entry = ChronologyEntry.objects.get(young_person=people.maya, source_app="intelligence")
    assert entry.audience == ChronologyAudience.MANAGERS
    assert entry.title == f"Intelligence {item.reference} linked"
    assert "Kebab" not in entry.title + entry.detail


def test_linking_listeners_are_told_inside_the_transaction(people):
    heard = []

    def listener(*, entity_ids, item, linked_by):
        heard.append((len(entity_ids), item.reference, linked_by, IntelligenceItem.objects.count()))

    linking.register("test", listener)
    try:
        item = submit(people.frank)
    finally:
        linking.unregister("test")
    assert heard == [(4, item.reference, people.frank, 1)]


def test_a_failing_listener_rolls_the_submission_back(people):
    def listener(**kwargs):
        raise ValidationError("refused")

    linking.register("test", listener)
    try:
        with pytest.raises(ValidationError):
            submit(people.frank)
    finally:
        linking.unregister("test")
    assert not IntelligenceItem.objects.exists()


# --- Locations -----------------------------------------------------------------------------------


def test_a_location_is_found_again_never_duplicated_and_filled_in(people):
    first = services.location_find_or_create(
        actor=people.alice, name="Station Hotel", postcode="s1 1aa"
    )
    again = services.location_find_or_create(
        actor=people.bob,
        name="station  hotel",
        postcode="S11AA",
        venue_kind="hotel",
        latitude="53.38",
        longitude="-1.47",
    )
    assert again.pk == first.pk
    again.refresh_from_db()
    assert again.venue_kind == "hotel"
    assert str(again.latitude) == "53.380000"
    assert Entity.objects.filter(kind=EntityKind.LOCATION).count() == 1


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({}, "name"),
        ({"name": "X", "postcode": "NOPE"}, "postcode"),
        ({"name": "X", "latitude": "200"}, "latitude"),
        ({"name": "X", "longitude": "east"}, "longitude"),
        ({"name": "X", "venue_kind": "castle"}, "venue_kind"),
    ],
)
def test_a_location_must_be_a_place(people, fields, error):
    with pytest.raises(ValidationError) as caught:
        services.location_find_or_create(actor=people.alice, **fields)
    assert error in caught.value.message_dict


# --- Alerts --------------------------------------------------------------------------------------


def make_alert() -> Alert:
    number = Entity.objects.count() + 100
    entity = Entity.objects.create(kind="vehicle", key=f"AB{number}CDE", label=f"AB{number} CDE")
    return Alert.objects.create(entity=entity, young_people_count=3)


def test_an_alert_is_closed_with_its_outcome_and_reason_audited(people):
    alert = services.alert_close(
        actor=people.ana, alert=make_alert(), outcome="disruption", reason="Letters served"
    )
    assert alert.status == AlertStatus.CLOSED
    assert alert.closed_by == people.ana
    assert AuditEntry.objects.filter(object_id=str(alert.pk), action="alter").exists()


def test_an_alert_needs_an_outcome_and_a_reason_and_closes_once(people):
    alert = make_alert()
    with pytest.raises(ValidationError) as caught:
        services.alert_close(actor=people.ana, alert=alert, outcome="party", reason="")
    assert set(caught.value.message_dict) == {"outcome", "reason"}
    services.alert_close(actor=people.ana, alert=alert, outcome="operation", reason="Op Vale")
    with pytest.raises(ValidationError):
        services.alert_close(actor=people.ana, alert=alert, outcome="operation", reason="Again")


def test_outreach_closes_an_alert_only_as_outreach(people):
    alert = make_alert()
    with pytest.raises(PermissionDenied):
        services.alert_close(actor=people.alice, alert=alert, outcome="operation", reason="x")
    services.alert_close(actor=people.alice, alert=alert, outcome="outreach", reason="Session")
    with pytest.raises(PermissionDenied):
        services.alert_close(actor=people.frank, alert=make_alert(), outcome="outreach", reason="x")


# --- Merging young people -----------------------------------------------------------------------


def test_merging_two_records_moves_entities_and_items(people):
    item = services.item_submit(
        actor=people.alice, **item_fields(subjects=[]), young_person=people.noah
    )
    moved = services.young_person_merged(
        survivor=people.maya, duplicate=people.noah, merged_by=people.manager
    )
    item.refresh_from_db()
    assert item.young_person == people.maya
    assert Entity.objects.get(kind="person").young_person == people.maya
    assert moved == {"intelligence.entity": 1, "intelligence.intelligenceitem": 1}


def test_linking_a_person_to_the_record_it_is_already_linked_to_writes_nothing(people):
    item = submit(people.frank)
    person = item.mentions.get(entity__kind="person").entity
    services.entity_link_young_person(actor=people.ana, entity=person, young_person=people.maya)
    linked = AuditEntry.objects.filter(object_id=str(person.pk), action="combine")
    assert linked.count() == 1
    services.entity_link_young_person(actor=people.ana, entity=person, young_person=people.maya)
    assert linked.count() == 1
