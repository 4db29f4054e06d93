"""The victim / offender / location network, in one SQL statement over the picture's links
(``models.PictureLink``: each submitted item's hubs and the young people beside them, joined once
when the item is linked, with its date and grading in force).

A *hub* is a location, vehicle, phone, online account or suspected exploiter; its *links* are the
different young people at risk mentioned beside it in the same submitted items. For a period (and
optionally a postcode district and some kinds), the statement ranks the hubs of each kind by the
young people linked (then by items), keeps the top ``per_kind`` of each with at least
``min_links`` young people, and returns each kept hub with its edges to those young people (the
number of items naming both). The neighbourhood is bounded twice (hubs per kind, ``MAX_EDGES``
rows), so the cost follows the period's items, never the whole register.

The link chart (``/api/v1/intelligence/network/``) and the analysis page's tables read the same
result; the tables are the chart's accessible, printable alternative."""

from __future__ import annotations

import operator
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce
from typing import Any

from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .models import (
    Entity,
    EntityKind,
    Mention,
    MentionRole,
    PictureLink,
    codes_at_least,
)

#: The hub groups, in the order the page shows them: (group, kind, heading).
GROUPS = (
    ("location", EntityKind.LOCATION, "Locations"),
    ("vehicle", EntityKind.VEHICLE, "Vehicles"),
    ("exploiter", EntityKind.PERSON, "Suspected exploiters"),
    ("phone", EntityKind.PHONE, "Phone numbers"),
    ("account", EntityKind.ACCOUNT, "Online accounts"),
)
GROUP_NAMES = [group for group, _kind, _heading in GROUPS]
GROUP_KIND = {group: kind for group, kind, _heading in GROUPS}
GROUP_HEADING = {group: heading for group, _kind, heading in GROUPS}
#: The role a hub is mentioned in, group by group (``models.DEFAULT_ROLE``; people as exploiters).
GROUP_ROLE = {
    "location": MentionRole.PLACE,
    "vehicle": MentionRole.VEHICLE_USED,
    "exploiter": MentionRole.SUSPECTED_EXPLOITER,
    "phone": MentionRole.PHONE_USED,
    "account": MentionRole.ACCOUNT_USED,
}

#: An item is in a district when it mentions a location with a postcode in it.
DISTRICT_MATCH = "de.kind = %s AND de.postcode LIKE %s"

#: At most this many hub-to-young-person rows: the chart stays readable and the query bounded.
MAX_EDGES = 2000
DEFAULT_PER_KIND = 10
MAX_PER_KIND = 50


@dataclass(frozen=True)
class Filters:
    """What the analyst asks: the period (``since`` inclusive, ``until`` inclusive), a postcode
    district (``S1``), the hub groups, the minimum young people a hub links, how many hubs of
    each group to keep, and the minimum grading: only items whose source and intelligence
    evaluations in force are at least as reliable as ``min_source`` and ``min_intelligence``
    (``models.GRADING_LEVELS``; empty: any)."""

    since: date
    until: date
    district: str = ""
    groups: tuple[str, ...] = tuple(GROUP_NAMES)
    min_links: int = 1
    per_kind: int = DEFAULT_PER_KIND
    min_source: str = ""
    min_intelligence: str = ""

    def as_query(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "district": self.district,
            "kind": list(self.groups),
            "min_links": self.min_links,
            "per_kind": self.per_kind,
            "min_source": self.min_source,
            "min_intelligence": self.min_intelligence,
        }


#: The fields the minimum grading looks at, with the filter's names for them.
GRADED_FIELDS = (
    ("source_evaluation", "min_source"),
    ("intelligence_evaluation", "min_intelligence"),
)


def _grading_minimums(min_source: str, min_intelligence: str) -> list[tuple[str, dict]]:
    asked = {"min_source": min_source, "min_intelligence": min_intelligence}
    kept = [(graded, codes_at_least(graded, asked[name])) for graded, name in GRADED_FIELDS]
    return [(graded, codes) for graded, codes in kept if codes is not None]


def grading_q(
    prefix: str, *, min_source: str = "", min_intelligence: str = "", in_force: bool = False
) -> Q:
    """The items (reached through ``prefix``, like ``mention__item__``) whose grading in force,
    the analyst's where re-evaluated, else as submitted, is at least the minimum asked; with
    ``in_force``, ``prefix`` reaches rows holding the grading in force (the picture's links)."""
    condition = Q()
    for graded, codes in _grading_minimums(min_source, min_intelligence):
        either = []
        for scheme, allowed in codes.items():
            if not allowed:
                continue
            if in_force:
                kept = Q(**{f"{prefix}{graded}__in": allowed})
            else:
                kept = Q(**{f"{prefix}analyst_{graded}__in": allowed}) | Q(
                    **{f"{prefix}analyst_{graded}": "", f"{prefix}{graded}__in": allowed}
                )
            either.append(Q(**{f"{prefix}scheme": scheme}) & kept)
        condition &= reduce(operator.or_, either)
    return condition


def grading_sql(
    alias: str, *, min_source: str = "", min_intelligence: str = "", in_force: bool = False
) -> tuple[str, list]:
    """``grading_q`` as SQL over the table aliased ``alias`` (``""`` when anything goes)."""
    clauses: list[str] = []
    params: list[Any] = []
    for graded, codes in _grading_minimums(min_source, min_intelligence):
        column = (
            f"{alias}.{graded}"
            if in_force
            else f"COALESCE(NULLIF({alias}.analyst_{graded}, ''), {alias}.{graded})"
        )
        either = []
        for scheme, allowed in codes.items():
            if allowed:
                marks = ", ".join(["%s"] * len(allowed))
                either.append(f"({alias}.scheme = %s AND {column} IN ({marks}))")
                params += [scheme, *allowed]
        clauses.append("(" + " OR ".join(either) + ")")
    return " AND ".join(clauses), params


def default_filters(today: date | None = None) -> Filters:
    today = today or timezone.localdate()
    return Filters(since=today - timedelta(days=90), until=today)


@dataclass
class Hub:
    id: str
    group: str
    label: str
    postcode: str
    venue_kind: str
    young_people: int
    items: int
    rank: int
    url: str = ""
    edges: list[Edge] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return GROUP_KIND[self.group]


@dataclass
class Edge:
    young_person: str  # the person entity's id
    label: str
    record_id: str | None  # the young person's record it is linked to, if any
    weight: int
    url: str = ""


@dataclass
class Picture:
    filters: Filters
    hubs: list[Hub]
    truncated: bool

    def by_group(self) -> list[dict[str, Any]]:
        """The tables: one per group asked for, most-connected first."""
        return [
            {
                "group": group,
                "heading": GROUP_HEADING[group],
                "hubs": [hub for hub in self.hubs if hub.group == group],
            }
            for group in self.filters.groups
        ]

    def young_people(self) -> list[Edge]:
        """Each young person in the picture once (for the audit and the chart's nodes)."""
        seen: dict[str, Edge] = {}
        for hub in self.hubs:
            for edge in hub.edges:
                seen.setdefault(edge.young_person, edge)
        return list(seen.values())

    def shown_entities(self) -> list[Entity]:
        """Unsaved stand-ins naming every entity shown, with the record each concerns, for the
        audit of what was shown."""
        shown = [Entity(id=uuid.UUID(hub.id)) for hub in self.hubs]
        shown += [
            Entity(
                id=uuid.UUID(edge.young_person),
                young_person_id=uuid.UUID(edge.record_id) if edge.record_id else None,
            )
            for edge in self.young_people()
        ]
        return shown

    def as_json(self) -> dict[str, Any]:
        """cytoscape.js's elements, plus what the chart's legend and the export need."""
        nodes = [
            {
                "id": hub.id,
                "label": hub.label,
                "group": hub.group,
                "young_people": hub.young_people,
                "items": hub.items,
                "url": hub.url,
            }
            for hub in self.hubs
        ]
        nodes += [
            {
                "id": edge.young_person,
                "label": edge.label,
                "group": "young_person",
                "young_people": None,
                "items": None,
                "url": edge.url,
            }
            for edge in self.young_people()
        ]
        edges = [
            {
                "id": f"{hub.id}:{edge.young_person}",
                "source": hub.id,
                "target": edge.young_person,
                "weight": edge.weight,
            }
            for hub in self.hubs
            for edge in hub.edges
        ]
        return {
            "filters": self.filters.as_query(),
            "nodes": nodes,
            "edges": edges,
            "truncated": self.truncated,
        }


def entity_url_maker() -> Callable[[Any], str]:
    """The entity page's address for an id, reversed once: a picture names up to 2,000 young
    people, and reversing each one's address took longer than the statement."""
    sentinel = "00000000-0000-0000-0000-000000000000"
    head, tail = reverse("intelligence:entity", args=[sentinel]).split(sentinel)
    return lambda pk: f"{head}{pk}{tail}"


def _bounds(filters: Filters) -> tuple[Any, Any]:
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(filters.since, time.min), zone)
    end = timezone.make_aware(datetime.combine(filters.until + timedelta(days=1), time.min), zone)
    return (
        connection.ops.adapt_datetimefield_value(start),
        connection.ops.adapt_datetimefield_value(end),
    )


def _sql(filters: Filters) -> tuple[str, list[Any]]:
    link = PictureLink._meta.db_table
    mention = Mention._meta.db_table
    entity = Entity._meta.db_table
    start, end = _bounds(filters)
    in_links = "l.young_person_id IS NOT NULL AND l.obtained_at >= %s AND l.obtained_at < %s"
    link_params: list[Any] = [start, end]
    if filters.district:
        located = f"{mention} dm JOIN {entity} de ON de.id = dm.entity_id"
        in_links += f" AND l.item_id IN (SELECT dm.item_id FROM {located} WHERE {DISTRICT_MATCH})"  # noqa: S608
        link_params += [EntityKind.LOCATION.value, f"{filters.district} %"]
    graded, graded_params = grading_sql(
        "l",
        min_source=filters.min_source,
        min_intelligence=filters.min_intelligence,
        in_force=True,
    )
    if graded:
        in_links += f" AND {graded}"
        link_params += graded_params
    roles = [GROUP_ROLE[g].value for g in filters.groups] or ["-"]
    groups = " ".join(f"WHEN '{GROUP_ROLE[g].value}' THEN '{g}'" for g in GROUP_NAMES)
    sql = f"""
        WITH pairs AS (
            SELECT l.hub_id AS hub, CASE l.role {groups} END AS grp, l.item_id AS item,
                   l.young_person_id AS young_person, l.person
            FROM {link} l
            WHERE {in_links} AND l.role IN ({", ".join(["%s"] * len(roles))})
        ), hubs AS (
            SELECT hub, grp, COUNT(DISTINCT person) AS young_people, COUNT(DISTINCT item) AS items
            FROM pairs
            GROUP BY hub, grp
            HAVING COUNT(DISTINCT person) >= %s
        ), ranked AS (
            SELECT hub, grp, young_people, items,
                   ROW_NUMBER() OVER (
                       PARTITION BY grp ORDER BY young_people DESC, items DESC, hub
                   ) AS position
            FROM hubs
        ), top AS (
            SELECT * FROM ranked WHERE position <= %s
        ), edges AS (
            SELECT p.hub, p.young_person, COUNT(DISTINCT p.item) AS weight
            FROM pairs p WHERE p.hub IN (SELECT hub FROM top)
            GROUP BY p.hub, p.young_person
        )
        SELECT t.hub, t.grp, t.young_people, t.items, t.position,
               he.label, he.postcode, he.venue_kind,
               ed.young_person, ye.label, ye.young_person_id, ed.weight
        FROM top t
        JOIN {entity} he ON he.id = t.hub
        LEFT JOIN edges ed ON ed.hub = t.hub
        LEFT JOIN {entity} ye ON ye.id = ed.young_person
        ORDER BY t.grp, t.position, ed.weight DESC, ye.label, ed.young_person
        LIMIT %s
    """  # noqa: S608  (table names and this module's role names only; values are parameters)
    params = [
        *link_params,
        *roles,
        filters.min_links,
        filters.per_kind,
        MAX_EDGES + 1,
    ]
    return sql, params


def _id(value: Any) -> str | None:
    return str(uuid.UUID(str(value))) if value is not None else None


def picture_build(filters: Filters) -> Picture:
    """The picture for ``filters``: one query. The caller has checked the user may see it."""
    sql, params = _sql(filters)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    truncated = len(rows) > MAX_EDGES
    entity_url = entity_url_maker()
    hubs: dict[str, Hub] = {}
    for row in rows[:MAX_EDGES]:
        hub_id = str(uuid.UUID(str(row[0])))
        hub = hubs.get(hub_id)
        if hub is None:
            hub = hubs[hub_id] = Hub(
                id=hub_id,
                group=row[1],
                young_people=int(row[2]),
                items=int(row[3]),
                rank=int(row[4]),
                label=row[5],
                postcode=row[6] or "",
                venue_kind=row[7] or "",
                url=entity_url(hub_id),
            )
        if row[8] is not None:
            young_person = _id(row[8]) or ""
            hub.edges.append(
                Edge(
                    young_person=young_person,
                    label=row[9],
                    record_id=_id(row[10]),
                    weight=int(row[11]),
                    url=entity_url(young_person),
                )
            )
    order = {group: index for index, group in enumerate(GROUP_NAMES)}
    ordered = sorted(hubs.values(), key=lambda hub: (order[hub.group], hub.rank))
    return Picture(filters=filters, hubs=ordered, truncated=truncated)
