"""The picture's links are derived data: after every kind of change (submission, a draft, a
regrading, a subject resolved, a person linked to a record, two entities or two young people's
records merged) the network and hot spots
read from them say exactly what the straightforward computation over items and mentions says,
and a rebuild makes the same links the services kept."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import replace

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from cse_portal.young_people import services as yp_services
from intelligence import selectors, services
from intelligence.models import (
    Entity,
    EntityKind,
    IntelligenceItem,
    ItemStatus,
    Mention,
    MentionRole,
    PictureLink,
)
from intelligence.network import GROUP_ROLE, default_filters, grading_q, picture_build
from intelligence.picture_links import links_rebuild

from .conftest import item_fields, submit

pytestmark = pytest.mark.django_db


def child(name: str) -> dict:
    return {"kind": "person", "role": "young_person_at_risk", "name": name}


def place(name: str, postcode: str = "S1 2HH") -> dict:
    return {"kind": "location", "name": name, "postcode": postcode}


def car(registration: str) -> dict:
    return {"kind": "vehicle", "registration": registration}


def exploiter(name: str) -> dict:
    return {"kind": "person", "role": "suspected_exploiter", "name": name}


@pytest.fixture
def varied(people):
    """Items of both schemes, in and out of the period, in two districts, some with no child, a
    draft, then regraded, resolved, linked and merged by the analyst."""
    now = timezone.now()
    made = []
    for number in range(12):
        scheme = "3x5x2" if number % 3 == 0 else "5x5x5"
        grading = (
            {
                "source_evaluation": "123"[number % 3],
                "intelligence_evaluation": "ABCDE"[number % 5],
                "handling_code": "P",
            }
            if scheme == "3x5x2"
            else {
                "source_evaluation": "ABCDE"[number % 5],
                "intelligence_evaluation": "12345"[number % 5],
                "handling_code": "1",
            }
        )
        subjects = [
            place(f"Cafe {number % 4}", "S1 2HH" if number % 2 else "M14 5AA"),
            car(f"KB{number % 3:02d} ABC"),
            exploiter(f"Man {number % 2}"),
        ]
        if number % 5:
            subjects += [child(f"Girl {number % 6}"), child(f"Boy {number % 4}")]
        made.append(
            submit(
                people.frank,
                scheme=scheme,
                obtained_at=now - dt.timedelta(days=(number * 17) % 120),
                subjects=subjects,
                **grading,
            )
        )
    services.item_save_draft(
        actor=people.frank, **item_fields(subjects=[place("Cafe 0"), child("Girl 0")])
    )
    services.item_regrade(
        actor=people.ana,
        item=made[1],
        source_evaluation="A",
        intelligence_evaluation="1",
        handling_code="1",
        reason="Corroborated",
    )
    services.item_regrade(
        actor=people.ana,
        item=made[2],
        source_evaluation="D",
        intelligence_evaluation="5",
        handling_code="1",
        reason="Found to be malicious",
    )
    girls = Entity.objects.filter(label__startswith="Girl").order_by("label")
    services.entity_link_young_person(actor=people.ana, entity=girls[0], young_person=people.maya)
    services.entity_link_young_person(actor=people.ana, entity=girls[1], young_person=people.noah)
    cars = Entity.objects.filter(kind=EntityKind.VEHICLE).order_by("label")
    services.entity_merge(actor=people.ana, survivor=cars[0], duplicate=cars[1])
    mention = Mention.objects.filter(entity__label="Boy 3").first()
    services.mention_resolve(
        actor=people.ana, mention=mention, entity=Entity.objects.filter(label="Boy 2").first()
    )
    # Two records found to be one girl: her two person entities now count once.
    yp_services.young_person_merge(
        survivor=people.maya, duplicate=people.noah, merged_by=people.manager, reason="Same girl"
    )
    return made


def straight_network(filters):
    """The network computed the plain way from items and mentions, in Python."""
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(filters.since, dt.time.min), zone)
    end = timezone.make_aware(
        dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time.min), zone
    )
    items = IntelligenceItem.objects.exclude(status=ItemStatus.DRAFT).filter(
        obtained_at__gte=start, obtained_at__lt=end
    )
    items = items.filter(
        grading_q("", min_source=filters.min_source, min_intelligence=filters.min_intelligence)
    )
    if filters.district:
        items = items.filter(
            mentions__entity__kind=EntityKind.LOCATION,
            mentions__entity__postcode__startswith=f"{filters.district} ",
        )
    roles = {GROUP_ROLE[g].value: g for g in filters.groups}
    people_of, items_of, weights = defaultdict(set), defaultdict(set), defaultdict(set)
    for item in items.distinct().prefetch_related("mentions__entity"):
        mentions = list(item.mentions.all())
        for hub in mentions:
            if hub.role not in roles:
                continue
            for young in mentions:
                if (
                    young.role != MentionRole.YOUNG_PERSON_AT_RISK
                    or young.entity_id == hub.entity_id
                ):
                    continue
                key = (str(hub.entity_id), roles[hub.role])
                people_of[key].add(str(young.entity.young_person_id or young.entity_id))
                items_of[key].add(item.pk)
                weights[(str(hub.entity_id), str(young.entity_id))].add(item.pk)
    ranked = defaultdict(list)
    for key, persons in people_of.items():
        if len(persons) >= filters.min_links:
            ranked[key[1]].append((-len(persons), -len(items_of[key]), key[0]))
    result = {}
    for group, rows in ranked.items():
        for position, (people, count, hub) in enumerate(sorted(rows)[: filters.per_kind], 1):
            edges = {(young, len(found)) for (h, young), found in weights.items() if h == hub}
            result[hub] = (group, -people, -count, position, edges)
    return result


def fast_network(filters):
    picture = picture_build(filters)
    assert not picture.truncated
    return {
        hub.id: (
            hub.group,
            hub.young_people,
            hub.items,
            hub.rank,
            {(edge.young_person, edge.weight) for edge in hub.edges},
        )
        for hub in picture.hubs
    }


FILTER_CASES = [
    {},
    {"min_links": 2},
    {"per_kind": 1},
    {"district": "S1"},
    {"district": "M14", "min_links": 2},
    {"groups": ("location", "exploiter")},
    {"min_source": "1"},
    {"min_source": "2", "min_intelligence": "C"},
    {"min_intelligence": "A"},
    {"since_days": 30},
    {"since_days": 365, "min_intelligence": "D"},
]


@pytest.mark.parametrize("case", FILTER_CASES, ids=[str(c) for c in FILTER_CASES])
def test_the_network_from_links_equals_the_straight_computation(varied, case):
    case = dict(case)
    since_days = case.pop("since_days", 90)
    filters = replace(
        default_filters(),
        since=timezone.localdate() - dt.timedelta(days=since_days),
        **case,
    )
    expected = straight_network(filters)
    assert expected, "the case must show something to compare"
    assert fast_network(filters) == expected


def straight_hot_spots(since=None, **minimums):
    """Hot spots as first written: counted over items and mentions."""
    in_period = ~Q(mentions__item__status=ItemStatus.DRAFT)
    if since is not None:
        in_period &= Q(mentions__item__obtained_at__gte=since)
    in_period &= grading_q("mentions__item__", **minimums)
    young_person = in_period & Q(mentions__item__mentions__role=MentionRole.YOUNG_PERSON_AT_RISK)
    rows = (
        Entity.objects.filter(kind=EntityKind.LOCATION, merged_into__isnull=True)
        .annotate(
            items_count=Count("mentions__item", filter=in_period, distinct=True),
            young_people_count=Count(
                Coalesce(
                    "mentions__item__mentions__entity__young_person_id",
                    "mentions__item__mentions__entity_id",
                ),
                filter=young_person,
                distinct=True,
            ),
        )
        .filter(items_count__gt=0)
        .order_by("-young_people_count", "-items_count", "label", "id")
    )
    return [(e.pk, e.young_people_count, e.items_count) for e in rows]


@pytest.mark.parametrize(
    "asked",
    [
        {},
        {"since_days": 30},
        {"since_days": 0},
        {"min_source": "1"},
        {"since_days": 365, "min_intelligence": "B"},
    ],
)
def test_hot_spots_from_links_equal_the_straight_computation(people, varied, asked):
    asked = dict(asked)
    days = asked.pop("since_days", 90)
    since = timezone.now() - dt.timedelta(days=days) if days else None
    expected = straight_hot_spots(since, **asked)
    assert expected
    fast = selectors.hot_spots(user=people.ana, since=since, **asked)
    assert [(e.pk, e.young_people_count, e.items_count) for e in fast] == expected
    # The paginator's count agrees with the rows.
    assert fast.count() == len(expected)


def _links() -> list[tuple]:
    return sorted(
        PictureLink.objects.values_list(
            "item_id",
            "hub_id",
            "role",
            "young_person_id",
            "person",
            "obtained_at",
            "scheme",
            "source_evaluation",
            "intelligence_evaluation",
        ),
        key=str,
    )


def test_a_rebuild_makes_the_links_the_services_kept(varied):
    kept = _links()
    assert kept
    assert links_rebuild() == len(kept)
    assert _links() == kept
    PictureLink.objects.all().delete()
    call_command("picture_links_rebuild", stdout=io.StringIO())
    assert _links() == kept


def test_a_regrading_moves_the_item_in_or_out_of_the_graded_picture(people):
    item = submit(people.frank, source_evaluation="E", intelligence_evaluation="4")
    graded = replace(default_filters(), min_source="1")
    assert picture_build(graded).hubs == []
    services.item_regrade(
        actor=people.ana,
        item=item,
        source_evaluation="B",
        intelligence_evaluation="2",
        handling_code="1",
        reason="Source now known",
    )
    assert picture_build(graded).hubs != []


def test_a_draft_has_no_links_until_submitted(people):
    draft = services.item_save_draft(actor=people.frank, **item_fields())
    assert not PictureLink.objects.filter(item=draft).exists()
    services.item_submit(actor=people.frank, item=draft, **item_fields())
    assert PictureLink.objects.filter(item=draft).exists()
