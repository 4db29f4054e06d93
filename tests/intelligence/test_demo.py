"""The demo's intelligence: a few hundred synthetic items about six young people, from every
agency, in both schemes, with one car and one takeaway linked to at least three of the children
within 90 days (what the pattern alert rule looks for). Idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from intelligence.models import (
    Alert,
    Dissemination,
    Entity,
    IntelligenceItem,
    ItemStatus,
    MentionRole,
    Scheme,
)

pytestmark = pytest.mark.django_db


def _children_linked(entity: Entity, days: int = 90) -> int:
    since = timezone.now() - dt.timedelta(days=days)
    return (
        Entity.objects.filter(
            kind="person",
            young_person__isnull=False,
            mentions__role=MentionRole.YOUNG_PERSON_AT_RISK,
            mentions__item__mentions__entity=entity,
            mentions__item__obtained_at__gte=since,
        )
        .values("young_person")
        .distinct()
        .count()
    )


def test_the_demo_has_a_pattern_for_the_alert_rule_and_is_idempotent():
    call_command("seed_demo", "--allow-production", verbosity=0)
    items = IntelligenceItem.objects.exclude(status=ItemStatus.DRAFT)
    assert 200 <= items.count() <= 300
    assert set(items.values_list("scheme", flat=True)) == set(Scheme.values)
    assert items.values("agency").distinct().count() >= 5
    assert set(items.values_list("status", flat=True)) == {
        ItemStatus.RECEIVED,
        ItemStatus.BEING_ASSESSED,
        ItemStatus.ASSESSED,
    }
    assert Dissemination.objects.exists()
    assert Entity.objects.filter(kind="person", young_person__isnull=False).count() == 6
    car = Entity.objects.get(kind="vehicle", key="YA19KHM")
    takeaway = Entity.objects.get(kind="location", label__startswith="Kebab King")
    assert takeaway.venue_kind == "takeaway" and takeaway.latitude is not None
    assert _children_linked(car) >= 3
    assert _children_linked(takeaway) >= 3
    # The pattern alert rule fires on both, once each.
    for entity in (car, takeaway):
        assert Alert.objects.filter(entity=entity, status="open").count() == 1
    count = IntelligenceItem.objects.count()
    call_command("seed_demo", "--allow-production", verbosity=0)
    assert IntelligenceItem.objects.count() == count
