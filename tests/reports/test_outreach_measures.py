"""Outreach and training measures through the outreach app's selectors: premises visited and
trained by sector (each premises once), the train-the-trainer cascade, feedback received, with
the period's edges and the previous period."""

from __future__ import annotations

import datetime as dt

from outreach.models import Course, Feedback, Premises, PremisesVisit, TrainingSession
from outreach.services import training_cascade_refresh
from reports import measures
from reports.periods import Period

from .conftest import at

Q3 = Period.parse("2026-Q3")


def premises(people, sector: str, name: str) -> Premises:
    return Premises.objects.create(name=name, sector=sector, created_by=people.alice)


def visit(people, place: Premises, day: dt.date) -> PremisesVisit:
    return PremisesVisit.objects.create(
        premises=place, visited_on=day, outcome="engaged", visited_by=people.alice
    )


def training(people, day: dt.date, *, trainer=None, attendance=10, places=(), attendees=()):
    course = Course.objects.first() or Course.objects.create(
        title="CSE awareness", kind="cse_awareness", code="cse-awareness"
    )
    session = TrainingSession.objects.create(
        course=course,
        delivered_on=day,
        trainer=trainer,
        trainer_name="" if trainer else "A. Trainer",
        attendance_count=attendance,
        recorded_by=people.manager,
    )
    session.premises.set(places)
    session.attendees.set(attendees)
    # Written straight into the table, as the figures read it: the cascade as the services keep it.
    training_cascade_refresh([trainer.pk if trainer else None, *(a.pk for a in attendees)])
    return session


def test_premises_visited_by_sector_each_once(people):
    hotel, taxi, other_hotel = (
        premises(people, "hotel", "Station Hotel"),
        premises(people, "taxi", "Ace Cars"),
        premises(people, "hotel", "Park Inn"),
    )
    visit(people, hotel, dt.date(2026, 7, 1))
    visit(people, hotel, dt.date(2026, 9, 30))  # the same premises again
    visit(people, taxi, dt.date(2026, 8, 1))
    visit(people, other_hotel, dt.date(2026, 6, 30))  # the previous quarter
    visit(people, other_hotel, dt.date(2026, 10, 1))  # the next
    raw = measures.compute_raw(Q3)
    assert raw.current["premises_visited"] == 2
    assert raw.current["premises_visited_hotel"] == 1
    assert raw.current["premises_visited_taxi"] == 1
    assert raw.previous["premises_visited_hotel"] == 1
    section = next(s for s in measures.SECTIONS if s.slug == "premises_visited")
    assert raw.current[section.total] == sum(raw.current[p] for p in section.parts)


def test_premises_trained_cascade_and_feedback(people):
    hotel, shop = premises(people, "hotel", "Station Hotel"), premises(people, "shop", "Spar")
    # Bob is trained here in June, then trains others twice in Q3: the cascade.
    training(people, dt.date(2026, 6, 10), attendance=8, attendees=[people.bob])
    training(people, dt.date(2026, 7, 1), trainer=people.bob, attendance=12, places=[hotel, shop])
    training(people, dt.date(2026, 9, 30), trainer=people.bob, attendance=5, places=[hotel])
    training(people, dt.date(2026, 8, 3), attendance=20)  # a trainer not trained here
    training(people, dt.date(2026, 10, 1), trainer=people.bob, attendance=9)
    for moment in (at(2026, 7, 1, 0), at(2026, 9, 30, 23), at(2026, 6, 30, 23)):
        Feedback.objects.create(
            received_at=moment, about="support", given_by="parent_carer", rating=4
        )
    raw = measures.compute_raw(Q3)
    assert (raw.current["training_sessions"], raw.current["people_trained"]) == (3, 37)
    assert (raw.current["cascade_sessions"], raw.current["cascade_people"]) == (2, 17)
    assert raw.previous["cascade_sessions"] == 0
    assert raw.current["premises_trained"] == 2
    assert raw.current["premises_trained_hotel"] == 1
    assert raw.current["premises_trained_shop"] == 1
    assert raw.current["feedback_received"] == 2
    assert raw.previous["feedback_received"] == 1
    shown = measures.figures_for(Q3).as_dict()
    assert shown["cascade_sessions"].suppressed and shown["premises_trained_hotel"].suppressed
    assert shown["people_trained"].value == 37


def _session(people, place, moment, status="recorded"):
    from outreach.models import OutreachSession

    return OutreachSession.objects.create(
        reference=f"OR-{OutreachSession.objects.count():04d}",
        place=place,
        starts_at=moment,
        status=status,
        planned_by=people.alice,
    )


def _location(label: str, postcode: str):
    from intelligence.models import Entity

    return Entity.objects.create(
        kind="location", label=label, key=f"{postcode}|{label}".lower(), postcode=postcode
    )


def test_outreach_sessions_by_area_add_up_to_the_sessions(people):
    town, south, far, nowhere = (
        _location("Bus station", "S60 1QD"),
        _location("Park", "S61 1LN"),
        _location("Services", "LS1 4AP"),
        _location("Lay-by", ""),
    )
    _session(people, town, at(2026, 7, 1, 0))
    _session(people, town, at(2026, 9, 30, 23))
    _session(people, south, at(2026, 8, 4))
    _session(people, far, at(2026, 8, 5))
    _session(people, nowhere, at(2026, 8, 6))
    _session(people, town, at(2026, 8, 7), status="planned")  # not held: not counted
    _session(people, south, at(2026, 6, 30, 23))  # the previous quarter
    _session(people, town, at(2026, 10, 1, 0))  # the next
    raw = measures.compute_raw(Q3)
    # The measures are defined when the module is loaded, from the default districts (S60-S66).
    assert raw.current["outreach_sessions_area_s60"] == 2
    assert raw.current["outreach_sessions_area_s61"] == 1
    assert raw.previous["outreach_sessions_area_s61"] == 1
    assert raw.current["outreach_sessions_area_s65"] == 0
    assert raw.current["outreach_sessions_area_elsewhere"] == 2
    section = next(s for s in measures.SECTIONS if s.slug == "outreach_areas")
    assert section.total == "outreach_sessions"
    assert raw.current["outreach_sessions"] == 5
    assert raw.current[section.total] == sum(raw.current[p] for p in section.parts)
    shown = measures.figures_for(Q3).as_dict()
    # Small counts hidden, and enough others that the total gives none of them back.
    assert shown["outreach_sessions_area_s61"].suppressed
    assert shown["outreach_sessions_area_s60"].suppressed
    assert shown["outreach_sessions_area_elsewhere"].suppressed


def test_the_areas_are_on_the_dashboard_and_in_the_exports(people, client_for):
    from django.urls import reverse

    place = _location("Bus station", "S60 1QD")
    for day in range(1, 7):
        _session(people, place, at(2026, 8, day))
    client = client_for(people.lucy)
    page = client.get(reverse("reports:lscb"), {"period": "2026-Q3"}).content.decode()
    assert "Outreach sessions by area" in page
    assert "Elsewhere or no postcode" in page
    csv = client.get(reverse("reports:lscb_csv"), {"period": "2026-Q3"}).content.decode()
    assert "Outreach sessions by area" in csv
    lines = csv.splitlines()
    assert "Outreach sessions by area,S60,outreach_sessions_area_s60,6,0,6" in lines
    assert "Outreach sessions by area,S61,outreach_sessions_area_s61,0,0,0" in lines
