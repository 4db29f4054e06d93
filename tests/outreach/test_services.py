"""The services: what each checks, writes and records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cse_portal.audit.models import AuditEntry
from cse_portal.young_people.models import ChronologyEntry
from intelligence import selectors as intelligence_selectors
from intelligence.models import Alert, IntelligenceItem
from outreach import services
from outreach.models import (
    Feedback,
    PremisesVisit,
    SessionEngagement,
    SessionStatus,
    VisitOutcome,
)

from .conftest import plan, premises, recorded

pytestmark = pytest.mark.django_db


def test_a_youth_worker_plans_a_session_at_a_hot_spot(people, yasmin, place):
    session = plan(yasmin, place)
    assert session.status == SessionStatus.PLANNED
    assert list(session.workers.all()) == [yasmin]
    assert list(session.agencies.all()) == [yasmin.agency]
    assert AuditEntry.objects.filter(object_id=str(session.pk), action="collect").exists()


def test_a_health_frontline_worker_does_not_do_outreach(people, place):
    with pytest.raises(PermissionDenied):
        plan(people.frank, place)


def test_a_session_must_end_after_it_starts(people, yasmin, place):
    now = timezone.now()
    with pytest.raises(ValidationError) as error:
        plan(yasmin, place, starts_at=now, ends_at=now - dt.timedelta(hours=1))
    assert error.value.message_dict == {"ends_at": ["The session must end after it starts"]}


def test_a_session_is_at_a_place_not_a_person(people, yasmin, place):
    person = intelligence_selectors.young_people_for_linking(people.manager).first()
    with pytest.raises(ValidationError) as error:
        plan(yasmin, person)
    assert "place" in error.value.message_dict


def test_recording_links_known_young_people_and_writes_their_chronology(people, place):
    session = recorded(people.alice, place, young_people=[people.maya])
    assert session.status == SessionStatus.RECORDED
    assert SessionEngagement.objects.get().young_person == people.maya
    entry = ChronologyEntry.objects.get(young_person=people.maya, source_app="outreach")
    assert entry.title == f"Engaged during outreach at {place.label}"


def test_recording_again_does_not_link_twice(people, place):
    session = recorded(people.alice, place, young_people=[people.maya])
    services.session_record(
        actor=people.alice, session=session, young_people_count=7, young_people=[people.maya]
    )
    assert SessionEngagement.objects.count() == 1
    assert ChronologyEntry.objects.filter(source_app="outreach").count() == 1


def test_a_worker_links_only_records_they_may_see(people, place):
    # Bob is a practitioner with nothing allocated to him.
    with pytest.raises(ValidationError) as error:
        recorded(people.bob, place, young_people=[people.maya])
    assert "young_people" in error.value.message_dict


def test_the_count_engaged_covers_the_young_people_linked(people, place):
    with pytest.raises(ValidationError) as error:
        recorded(
            people.manager, place, young_people_count=1, young_people=[people.maya, people.noah]
        )
    assert error.value.message_dict["young_people_count"] == [
        "The number engaged cannot be less than the young people you linked"
    ]


def test_recording_visits_records_each_premises_once(people, yasmin, place):
    hotel = premises(yasmin)
    session = recorded(yasmin, place, visits=[(hotel, VisitOutcome.ENGAGED)])
    services.session_record(
        actor=yasmin,
        session=session,
        young_people_count=5,
        visits=[(hotel, VisitOutcome.TRAINING_AGREED)],
    )
    visit = PremisesVisit.objects.get()
    assert visit.outcome == VisitOutcome.TRAINING_AGREED
    assert visit.visited_on == timezone.localtime(session.starts_at).date()


def test_what_was_seen_becomes_intelligence_about_the_same_place(people, yasmin, place):
    session = recorded(yasmin, place)
    item = services.session_to_intelligence(
        actor=yasmin,
        session=session,
        source_evaluation="B",
        intelligence_evaluation="1",
        handling_code="2",
        priority="medium",
    )
    assert item.origin == "outreach"
    assert item.origin_reference == session.reference
    assert item.content == session.what_seen
    assert list(item.mentions.values_list("entity_id", flat=True)) == [place.pk]
    session.refresh_from_db()
    assert session.intelligence_item == item


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(
            {"address": "Flat 2\n14 Queen Street", "postcode": "S1 2HH"}, id="address only"
        ),
        pytest.param({"name": "The  Arches", "postcode": ""}, id="no postcode"),
        pytest.param(
            {"name": "Kebab King", "postcode": "S1 2HH", "relabel": "Kebab King (shut)"},
            id="label changed since",
        ),
    ],
)
def test_the_intelligence_names_the_hot_spot_itself_not_a_rebuilt_place(people, yasmin, make):
    from intelligence import services as intelligence_services
    from intelligence.models import Entity

    make = dict(make)
    relabel = make.pop("relabel", None)
    spot = intelligence_services.location_find_or_create(actor=people.manager, **make)
    if relabel:
        Entity.objects.filter(pk=spot.pk).update(label=relabel)
        spot.refresh_from_db()
    session = recorded(yasmin, spot)
    locations = Entity.objects.filter(kind="location").count()
    item = services.session_to_intelligence(
        actor=yasmin,
        session=session,
        source_evaluation="B",
        intelligence_evaluation="1",
        handling_code="2",
        priority="low",
    )
    assert list(item.mentions.values_list("entity_id", flat=True)) == [spot.pk]
    assert Entity.objects.filter(kind="location").count() == locations


def test_what_was_seen_becomes_intelligence_once(people, yasmin, place):
    session = recorded(yasmin, place)
    fields = {"source_evaluation": "B", "intelligence_evaluation": "1", "handling_code": "2"}
    services.session_to_intelligence(actor=yasmin, session=session, priority="low", **fields)
    with pytest.raises(ValidationError):
        services.session_to_intelligence(actor=yasmin, session=session, priority="low", **fields)
    assert IntelligenceItem.objects.filter(origin="outreach").count() == 1


def test_nothing_seen_is_not_intelligence(people, yasmin, place):
    session = recorded(yasmin, place, what_seen="")
    with pytest.raises(ValidationError) as error:
        services.session_to_intelligence(
            actor=yasmin,
            session=session,
            source_evaluation="B",
            intelligence_evaluation="1",
            handling_code="2",
            priority="low",
        )
    assert error.value.message_dict == {"content": ["Record what was seen first"]}


def test_a_practitioner_closes_the_alert_with_the_outcome_outreach(people, place):
    alert = Alert.objects.create(entity=place, young_people_count=3, items_count=3)
    session = plan(people.alice, place, alert=alert)
    services.session_record(actor=people.alice, session=session, young_people_count=4)
    services.session_close_alert(actor=people.alice, session=session, reason="Outreach weekly")
    alert.refresh_from_db()
    assert (alert.status, alert.outcome, alert.closed_by) == ("closed", "outreach", people.alice)
    session.refresh_from_db()
    assert session.alert_closed


def test_a_session_answers_an_alert_about_its_own_place(people, yasmin, place):
    from tests.outreach.conftest import hot_spot

    elsewhere = hot_spot(people, name="Park Café", postcode="S2 4DD")
    alert = Alert.objects.create(entity=elsewhere)
    with pytest.raises(ValidationError) as error:
        plan(yasmin, place, alert=alert)
    assert error.value.message_dict == {"alert": ["The alert is about another place"]}


def test_premises_postcodes_are_checked_and_tidied(people, yasmin):
    assert premises(yasmin, postcode="s1 2hh").postcode == "S1 2HH"
    with pytest.raises(ValidationError) as error:
        premises(yasmin, postcode="nowhere")
    assert "postcode" in error.value.message_dict


def test_a_visit_updates_whether_the_materials_are_displayed(people, yasmin):
    hotel = premises(yasmin)
    services.premises_visit_add(
        actor=yasmin,
        premises=hotel,
        visited_on=timezone.localdate(),
        outcome=VisitOutcome.ENGAGED,
        materials_displayed=True,
    )
    hotel.refresh_from_db()
    assert hotel.materials_displayed


def test_a_visit_is_not_in_the_future(people, yasmin):
    with pytest.raises(ValidationError) as error:
        services.premises_visit_add(
            actor=yasmin,
            premises=premises(yasmin),
            visited_on=timezone.localdate() + dt.timedelta(days=1),
            outcome=VisitOutcome.ENGAGED,
        )
    assert "visited_on" in error.value.message_dict


def test_feedback_is_kept_and_audited_without_the_address(db):
    assert services.feedback_receive(
        address="203.0.113.9",
        fields={"given_by": "young_person", "about": "support", "rating": 5, "name": ""},
    )
    feedback = Feedback.objects.get()
    assert feedback.anonymous
    entry = AuditEntry.objects.get(object_id=str(feedback.pk))
    assert "203.0.113.9" not in str(entry.detail) + entry.summary


def test_feedback_from_a_robot_is_answered_but_not_kept(db):
    fields = {"given_by": "young_person", "about": "support", "rating": 5}
    assert services.feedback_receive(address="203.0.113.9", fields=fields, robot=True)
    assert not Feedback.objects.exists()


def test_feedback_past_the_ceiling_is_refused(db, settings):
    settings.REFERRALS_PUBLIC_RATE_CEILING = 2
    fields = {"given_by": "young_person", "about": "support", "rating": 4}
    results = [services.feedback_receive(address="203.0.113.9", fields=fields) for _ in range(3)]
    assert results == [True, True, False]
    assert Feedback.objects.count() == 2


def test_merging_records_moves_engagements_once_per_session(people, place):
    from cse_portal.young_people.merge_hooks import registered

    session = recorded(people.manager, place, young_people=[people.maya, people.noah])
    other = recorded(people.manager, place, young_people=[people.noah])
    hook = next(h for h in registered() if h.app == "outreach")
    moved = hook.move(survivor=people.maya, duplicate=people.noah, merged_by=people.manager)
    assert moved == {"outreach.sessionengagement": 1}
    assert set(SessionEngagement.objects.values_list("session", "young_person")) == {
        (session.pk, people.maya.pk),
        (other.pk, people.maya.pk),
    }


def test_a_session_recorded_before_its_start_time_is_intelligence_obtained_by_now(
    people, yasmin, place
):
    session = plan(yasmin, place)
    services.session_record(actor=yasmin, session=session, young_people_count=1, what_seen="Cars")
    # A session recorded before its start time (as the rules allowed before a session still to
    # come was refused): its intelligence is still obtained by now, never in the future.
    later = timezone.now() + dt.timedelta(hours=3)
    type(session).objects.filter(pk=session.pk).update(
        starts_at=later, ends_at=later + dt.timedelta(hours=2)
    )
    session.refresh_from_db()
    item = services.session_to_intelligence(
        actor=yasmin,
        session=session,
        source_evaluation="B",
        intelligence_evaluation="1",
        handling_code="2",
        priority="low",
    )
    assert item.obtained_at <= timezone.now()
