"""Server-rendered SVG charts (no script, so they print and go into PDFs): coordinates computed
here, drawn by ``templates/reports/_bar_chart.html`` and friends. A suppressed figure has no bar,
only the word "suppressed", so a chart never shows more than its table."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .suppression import Shown

LABEL_WIDTH, BAR_AREA, BAR_HEIGHT, GAP, ROW_GAP = 260, 360, 14, 2, 12


@dataclass
class Bar:
    y: int
    width: int
    value_text: str
    css: str


@dataclass
class BarRow:
    label: str
    label_y: int
    bars: list[Bar]


@dataclass
class BarChart:
    title: str
    width: int
    height: int
    rows: list[BarRow]
    legend: list[tuple[str, str]]
    label_width: int = LABEL_WIDTH
    description: str = ""


def _width(shown: Shown | None, scale: float) -> int:
    if shown is None or shown.suppressed or not shown.value:
        return 0
    return max(1, round(float(shown.value) * scale))


def bar_chart(title: str, rows: list[Any], *, previous_label: str, current_label: str) -> BarChart:
    """Horizontal bars, this period and the previous one, for each row (``label``, ``current``,
    ``previous``)."""
    values = [
        float(s.value)
        for row in rows
        for s in (row.current, row.previous)
        if s is not None and not s.suppressed and s.value
    ]
    scale = BAR_AREA / max(values) if values else 0.0
    chart_rows = []
    y = 10
    for row in rows:
        bars = []
        label_y = y + BAR_HEIGHT
        for shown, css in ((row.current, "app-bar--current"), (row.previous, "app-bar--previous")):
            if shown is None:
                continue
            bars.append(Bar(y=y, width=_width(shown, scale), value_text=shown.text, css=css))
            y += BAR_HEIGHT + GAP
        chart_rows.append(BarRow(label=row.label, label_y=label_y, bars=bars))
        y += ROW_GAP
    description = "; ".join(
        f"{row.label}: {row.current.text}"
        + (f" ({previous_label}: {row.previous.text})" if row.previous is not None else "")
        for row in rows
    )
    return BarChart(
        title=title,
        width=LABEL_WIDTH + BAR_AREA + 110,
        height=y + 10,
        rows=chart_rows,
        legend=[(current_label, "app-bar--current"), (previous_label, "app-bar--previous")],
        description=description,
    )


@dataclass
class Point:
    x: int
    y: int
    r: int
    label: str
    count: int


@dataclass
class Map:
    width: int
    height: int
    points: list[Point]


def hot_spot_map(places: list[dict[str, Any]], width: int = 600, height: int = 400) -> Map:
    """Places with coordinates, scaled into the box; the circle's area follows the number of
    young people linked (a sketch map: no tiles are fetched, so the PDF needs no network)."""
    located = [p for p in places if None not in (p.get("latitude"), p.get("longitude"))]
    if not located:
        return Map(width=width, height=height, points=[])
    lats = [float(p["latitude"]) for p in located]
    lons = [float(p["longitude"]) for p in located]
    lat_span = max(max(lats) - min(lats), 1e-6)
    lon_span = max(max(lons) - min(lons), 1e-6)
    top = max((p["young_people_count"] for p in located), default=1) or 1
    points = []
    for place, lat, lon in zip(located, lats, lons, strict=True):
        points.append(
            Point(
                x=int(40 + (lon - min(lons)) / lon_span * (width - 80)),
                y=int(40 + (max(lats) - lat) / lat_span * (height - 80)),
                r=int(6 + 14 * math.sqrt(place["young_people_count"] / top)),
                label=place["label"],
                count=place["young_people_count"],
            )
        )
    return Map(width=width, height=height, points=points)


@dataclass
class Node:
    x: int
    y: int
    label: str
    css: str


@dataclass
class Edge:
    x1: int
    y1: int
    x2: int
    y2: int
    weight: int


@dataclass
class LinkChart:
    width: int
    height: int
    nodes: list[Node]
    edges: list[Edge]


def link_chart(
    entities: list[dict[str, Any]], links: list[dict[str, Any]], size: int = 560
) -> LinkChart:
    """The entities on a circle, a line for each pair mentioned in the same intelligence (its
    width the number of items)."""
    centre, radius = size // 2, size // 2 - 90
    positions: dict[str, tuple[int, int]] = {}
    nodes = []
    for index, entity in enumerate(entities):
        angle = 2 * math.pi * index / max(len(entities), 1) - math.pi / 2
        x = int(centre + radius * math.cos(angle))
        y = int(centre + radius * math.sin(angle))
        positions[str(entity["id"])] = (x, y)
        nodes.append(Node(x=x, y=y, label=entity["label"], css=f"app-node--{entity['kind']}"))
    edges = []
    for link in links:
        a, b = positions.get(str(link["entity_id"])), positions.get(str(link["other_id"]))
        if a and b:
            edges.append(Edge(x1=a[0], y1=a[1], x2=b[0], y2=b[1], weight=min(link["items"], 8)))
    return LinkChart(width=size, height=size, nodes=nodes, edges=edges)
