"""What goes into each report file, and the PDF (WeasyPrint). Figures come from ``measures``
(suppressed for the LSCB); the problem profile's picture from the intelligence app's selectors.
Nothing here names a young person: a profile counts them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from . import charts, measures
from .models import ReportKind, ReportRun
from .periods import Period

Progress = Callable[[int, str], None]

PROFILE_TOP = 10


def section_charts(figures: measures.Figures) -> list[dict[str, Any]]:
    previous = figures.period.previous.label
    return [
        {
            "figures": section,
            "chart": charts.bar_chart(
                section.section.title,
                section.chart_rows,
                previous_label=previous,
                current_label=figures.period.label,
            ),
        }
        for section in figures.sections
    ]


def lscb_context(run: ReportRun, progress: Progress) -> dict[str, Any]:
    period = Period.parse(run.period)
    progress(10, "Counting the measures for the period and each part of it")
    figures, trend = measures.figures_with_trend(period, period.parts)
    progress(50, "Drawing the charts")
    sections = section_charts(figures)
    return {
        "period": period,
        "figures": figures,
        "sections": sections,
        "trend": trend,
        "definitions": measures.definitions(),
    }


def _entities(rows: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": entity.pk,
            "kind": entity.kind,
            "label": entity.label,
            "postcode": getattr(entity, "postcode", ""),
            "latitude": entity.latitude,
            "longitude": entity.longitude,
            "young_people_count": entity.young_people_count,
            "items_count": entity.items_count,
        }
        for entity in rows[:PROFILE_TOP]
    ]


def profile_context(run: ReportRun, progress: Progress) -> dict[str, Any]:
    from intelligence.selectors import entities_ranked_for_profile, entity_links_for_profile

    period = Period.parse(run.period)
    window = {"start": period.start, "end": period.end}
    progress(10, "Ranking locations, vehicles and suspected exploiters")
    locations = _entities(
        entities_ranked_for_profile(
            kind="location", role="place", postcode_prefix=run.area, **window
        )
    )
    vehicles = _entities(entities_ranked_for_profile(kind="vehicle", role="vehicle_used", **window))
    exploiters = _entities(
        entities_ranked_for_profile(kind="person", role="suspected_exploiter", **window)
    )
    progress(40, "Linking them")
    linked = exploiters + vehicles + locations
    links = entity_links_for_profile(
        entity_ids=[e["id"] for e in linked], start=period.start, end=period.end
    )
    progress(55, "Counting alert outcomes")
    alerts = measures.figures_for(period, suppress=False)
    alert_rows = next(s for s in alerts.sections if s.section.slug == "alerts").rows
    progress(65, "Drawing the map and the link chart")
    return {
        "period": period,
        "locations": locations,
        "vehicles": vehicles,
        "exploiters": exploiters,
        "tables": [
            ("Top locations", locations),
            ("Vehicles", vehicles),
            ("Suspected exploiters", exploiters),
        ],
        "map": charts.hot_spot_map(locations),
        "links": charts.link_chart(linked, links),
        "alert_rows": alert_rows,
    }


def render_pdf(run: ReportRun, progress: Progress) -> bytes:
    """The report's PDF; ``progress(percent, step)`` is told as it goes."""
    from weasyprint import HTML  # imported late: loading its system libraries is slow

    if run.kind == ReportKind.PROBLEM_PROFILE:
        context = profile_context(run, progress)
        template = "reports/pdf_profile.html"
    else:
        context = lscb_context(run, progress)
        template = "reports/pdf_lscb.html"
    context |= {"run": run, "generated_at": timezone.now(), "draft": run.published_at is None}
    progress(75, "Laying out the PDF")
    html = render_to_string(template, context)
    # No base URL: the document is self-contained and fetches nothing.
    return HTML(string=html).write_pdf()
