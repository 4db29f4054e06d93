"""The pattern alert rule: it fires at the threshold, once, updates the open alert with each new
child, stays quiet after a closure until the pattern grows, and the sweep finds what the link-time
rule could not (items ageing into the window), in batches. The analysts and team managers are told
through the outbox, with a link and never a name."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cse_portal.accounts.roles import Role
from cse_portal.notifications.models import Notification
from intelligence import alerts, services
from intelligence.models import Alert, AlertStatus, Entity, IntelligenceItem

from .conftest import submit

pytestmark = pytest.mark.django_db

CAR = {"kind": "vehicle", "registration": "KB12 ABC", "make": "Vauxhall", "colour": "Grey"}
TAKEAWAY = {
    "kind": "location",
    "name": "Kebab King",
    "postcode": "S1 2HH",
    "venue_kind": "takeaway",
}


def child(name: str) -> dict:
    """A child named with a date of birth: the same name and date are found again as one."""
    return {
        "kind": "person",
        "role": "young_person_at_risk",
        "name": name,
        "date_of_birth": "2011-03-04",
    }


def seen_with(people, name: str, *subjects, days_ago: int = 1) -> IntelligenceItem:
    return submit(
        people.frank,
        obtained_at=timezone.now() - dt.timedelta(days=days_ago),
        subjects=[child(name), *subjects],
    )


def car() -> Entity:
    return Entity.objects.get(kind="vehicle")


def test_two_children_raise_nothing_the_third_raises_one_alert(people):
    seen_with(people, "Jade", CAR)
    seen_with(people, "Kayla", CAR)
    assert not Alert.objects.exists()
    seen_with(people, "Leah", CAR)
    alert = Alert.objects.get()
    assert alert.entity == car()
    assert alert.status == AlertStatus.OPEN
    assert (alert.young_people_count, alert.items_count) == (3, 3)


def test_the_same_child_again_counts_once_and_a_new_one_updates_the_open_alert(people):
    for name in ("Jade", "Kayla", "Leah"):
        seen_with(people, name, CAR)
    raised = Alert.objects.get()
    seen_with(people, "Jade", CAR)
    again = Alert.objects.get()
    assert (again.young_people_count, again.items_count) == (3, 4)
    seen_with(people, "Mia", CAR)
    grown = Alert.objects.get()
    assert grown.pk == raised.pk
    assert grown.young_people_count == 4
    assert grown.updated_at > raised.updated_at


def test_one_item_naming_many_children_and_a_place_raises_for_the_place(people):
    submit(people.frank, subjects=[child("Jade"), child("Kayla"), child("Leah"), TAKEAWAY])
    alert = Alert.objects.get()
    assert alert.entity.kind == "location"
    assert (alert.young_people_count, alert.items_count) == (3, 1)


def test_a_suspected_exploiter_raises_but_an_associate_or_witness_does_not(people):
    exploiter = {
        "kind": "person",
        "role": "suspected_exploiter",
        "name": "Big Dave",
        "date_of_birth": "1985-01-02",
    }
    witness = {"kind": "person", "role": "witness", "name": "Shop Owner"}
    for name in ("Jade", "Kayla", "Leah"):
        seen_with(people, name, exploiter, witness)
    alert = Alert.objects.get()
    assert alert.entity.label == "Big Dave"


def test_children_linked_outside_the_window_do_not_count(people, settings):
    settings.INTELLIGENCE_ALERT_WINDOW_DAYS = 30
    seen_with(people, "Jade", CAR, days_ago=40)
    seen_with(people, "Kayla", CAR)
    seen_with(people, "Leah", CAR)
    assert not Alert.objects.exists()


def test_both_numbers_are_settings(people, settings):
    settings.INTELLIGENCE_ALERT_YOUNG_PEOPLE = 2
    seen_with(people, "Jade", CAR)
    seen_with(people, "Kayla", CAR)
    assert Alert.objects.get().young_people_count == 2


def test_a_child_linked_to_a_record_counts_once_however_named(people):
    jade = seen_with(people, "Jade", CAR)
    seen_with(people, "Jade Smith", CAR)
    person = jade.mentions.get(role="young_person_at_risk").entity
    services.entity_link_young_person(actor=people.ana, entity=person, young_person=people.maya)
    other = Entity.objects.get(label="Jade Smith")
    services.entity_link_young_person(actor=people.ana, entity=other, young_person=people.maya)
    seen_with(people, "Kayla", CAR)
    assert not Alert.objects.exists(), "Jade twice is one child: two in all"
    seen_with(people, "Leah", CAR)
    assert Alert.objects.get().young_people_count == 3


def test_a_closed_alert_stays_closed_until_more_children_are_linked(people):
    for name in ("Jade", "Kayla", "Leah"):
        seen_with(people, name, CAR)
    services.alert_close(
        actor=people.ana,
        alert=Alert.objects.get(),
        outcome="disruption",
        reason="Driver served a child abduction warning notice",
    )
    seen_with(people, "Jade", CAR)
    alerts.alerts_sweep()
    assert Alert.objects.filter(status="open").count() == 0
    seen_with(people, "Mia", CAR)
    reopened = Alert.objects.get(status="open")
    assert reopened.young_people_count == 4
    assert Alert.objects.count() == 2


def test_notifications_go_to_analysts_and_team_managers_once_per_change(people):
    for name in ("Jade", "Kayla", "Leah"):
        seen_with(people, name, CAR)
    alert = Alert.objects.get()
    raised = Notification.objects.filter(key__startswith=f"intelligence-alert:{alert.pk}:3:")
    assert sorted(raised.values_list("recipient_role", flat=True)) == sorted(
        [Role.ANALYST, Role.TEAM_MANAGER]
    )
    for notification in raised:
        assert f"/intelligence/picture/alerts/{alert.pk}/" in notification.body
        assert "Jade" not in notification.body and "KB12" not in notification.body
    seen_with(people, "Jade", CAR)  # the same child: no news
    alerts.alerts_sweep()
    assert Notification.objects.count() == 2
    seen_with(people, "Mia", CAR)
    assert Notification.objects.filter(key__contains=":4:").count() == 2


def test_the_sweep_is_idempotent_and_works_in_batches(people, settings):
    settings.INTELLIGENCE_ALERT_YOUNG_PEOPLE = 2
    # Linked while the rule was off: only the sweep sees them.
    from intelligence import linking

    listener = dict(linking.listeners())["pattern_alerts"]
    linking.unregister("pattern_alerts")
    try:
        for number in range(5):
            car_n = {"kind": "vehicle", "registration": f"KB{number:02d} ABC"}
            seen_with(people, f"Girl {number}a", car_n)
            seen_with(people, f"Girl {number}b", car_n)
    finally:
        linking.register("pattern_alerts", listener)
    assert not Alert.objects.exists()
    result = alerts.alerts_sweep(batch_size=2)
    assert result["entities"] == 5
    assert Alert.objects.filter(status="open").count() == 5
    notifications = Notification.objects.count()
    again = alerts.alerts_sweep(batch_size=2)
    assert again["alerts_raised_or_grown"] == 0
    assert Alert.objects.count() == 5
    assert Notification.objects.count() == notifications


def test_the_sweep_costs_a_fixed_number_of_queries_per_batch(people, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.INTELLIGENCE_ALERT_YOUNG_PEOPLE = 2
    for number in range(3):
        car_n = {"kind": "vehicle", "registration": f"KB{number:02d} ABC"}
        seen_with(people, f"Girl {number}a", car_n)
        seen_with(people, f"Girl {number}b", car_n)
    with CaptureQueriesContext(connection) as few:
        alerts.alerts_sweep(batch_size=100)
    for number in range(3, 9):
        car_n = {"kind": "vehicle", "registration": f"KB{number:02d} ABC"}
        seen_with(people, f"Girl {number}a", car_n)
        seen_with(people, f"Girl {number}b", car_n)
    with CaptureQueriesContext(connection) as many:
        alerts.alerts_sweep(batch_size=100)
    assert len(few) == len(many)


def test_merging_two_cars_counts_their_children_together(people):
    seen_with(people, "Jade", CAR)
    seen_with(people, "Kayla", CAR)
    seen_with(people, "Leah", {"kind": "vehicle", "registration": "KB12 ABD"})
    assert not Alert.objects.exists()
    survivor = Entity.objects.get(key="KB12ABC")
    duplicate = Entity.objects.get(key="KB12ABD")
    services.entity_merge(actor=people.ana, survivor=survivor, duplicate=duplicate)
    alert = Alert.objects.get()
    assert alert.entity == survivor and alert.young_people_count == 3


def test_the_nightly_sweep_is_in_beats_schedule(db):
    from django_celery_beat.models import PeriodicTask

    from intelligence.picture_tasks import SWEEP, SWEEP_TASK

    task = PeriodicTask.objects.get(name=SWEEP)
    assert task.task == SWEEP_TASK and task.crontab is not None and task.enabled


def test_the_sweep_task_runs_the_sweep(people, settings):
    from intelligence.picture_tasks import alerts_sweep

    settings.INTELLIGENCE_ALERT_YOUNG_PEOPLE = 1
    seen_with(people, "Jade", CAR)
    Alert.objects.all().delete()
    assert alerts_sweep.apply().get() == {"entities": 1, "alerts_raised_or_grown": 1}
