"""The named measures: each counts what its definition says, for the period and the one before,
and the whole set costs one query per source whatever the number of rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Assessment, Instrument
from cse_portal.young_people.models import PartnerAgencyOffer
from intelligence.models import Alert, Entity
from reports import measures
from reports.periods import Period

from .conftest import at, referrals

Q3 = Period.parse("2026-Q3")


def test_every_measure_has_a_definition_in_words():
    for row in measures.definitions():
        assert len(row["definition"]) > 30, row["name"]


def test_every_breakdown_adds_up_by_definition(people):
    """Each section's parts count every row of its total once: the suppression relies on it."""
    referrals(3, referred_by=people.frank, submitted_at=at(2026, 7, 2))
    referrals(2, kind="self", submitted_at=at(2026, 8, 2))
    referrals(1, kind="community", referred_by=None, submitted_at=at(2026, 8, 2))
    raw = measures.compute_raw(Q3)
    for section in measures.SECTIONS:
        if section.parts:
            assert raw.current[section.total] == sum(raw.current[p] for p in section.parts), (
                section.slug
            )


def test_referrals_by_source_this_period_and_the_previous(people):
    referrals(6, referred_by=people.frank, submitted_at=at(2026, 7, 2))  # health
    referrals(7, referred_by=people.fiona, submitted_at=at(2026, 9, 30, 22))  # police
    referrals(2, referred_by=people.fiona, submitted_at=at(2026, 6, 30))  # the quarter before
    referrals(5, kind="self", submitted_at=at(2026, 8, 2))
    referrals(1, status="draft", referred_by=people.fiona, submitted_at=at(2026, 8, 2))
    raw = measures.compute_raw(Q3)
    assert raw.current["referrals_received"] == 18
    assert raw.current["referrals_from_health"] == 6
    assert raw.current["referrals_from_police"] == 7
    assert raw.current["referrals_self"] == 5
    assert raw.previous["referrals_from_police"] == 2


def test_triage_outcomes_and_time_against_the_target(people):
    monday = at(2026, 7, 6, 9)
    friday = at(2026, 7, 10, 9)
    common = {"status": "triaged", "referred_by": people.frank}
    referrals(
        5,
        submitted_at=monday,
        decided_at=monday + dt.timedelta(hours=20),
        decision="allocate",
        **common,
    )
    referrals(
        6,
        submitted_at=monday,
        decided_at=monday + dt.timedelta(days=2),
        decision="signpost",
        **common,
    )
    # Friday to Monday is one working day.
    referrals(
        7,
        submitted_at=friday,
        decided_at=friday + dt.timedelta(days=3),
        decision="assess",
        **common,
    )
    referrals(
        8,
        urgent=True,
        submitted_at=monday,
        decided_at=monday + dt.timedelta(minutes=90),
        decision="allocate",
        **common,
    )
    raw = measures.compute_raw(Q3)
    assert raw.current["referrals_triaged"] == 26
    assert raw.current["referral_outcome_allocate"] == 13
    assert raw.current["referral_outcome_signpost"] == 6
    assert raw.current["triaged_within_target"] == 12
    assert raw.current["triaged_late"] == 14


def _approved(people, young_person, level, when):
    instrument = Instrument.objects.current()
    return Assessment.objects.create(
        young_person=young_person,
        instrument=instrument,
        assessor=people.alice,
        status="approved",
        level=level,
        calculated_level=level,
        submitted_at=when,
        decided_at=when,
        decided_by=people.manager,
    )


def test_risk_movement_compares_each_assessment_with_the_one_before(people):
    _approved(people, people.maya, "low", at(2026, 5, 1))
    _approved(people, people.maya, "high", at(2026, 7, 1))  # up
    _approved(people, people.maya, "medium", at(2026, 8, 1))  # down
    _approved(people, people.noah, "medium", at(2026, 8, 1))  # first
    raw = measures.compute_raw(Q3)
    assert raw.current["assessments_approved"] == 3
    assert raw.current["risk_escalated"] == 1
    assert raw.current["risk_reduced"] == 1
    assert raw.current["risk_first"] == 1
    assert raw.previous["risk_first"] == 1


def test_offers_and_alert_outcomes(people):
    for status in ["accepted", "accepted", "declined"]:
        PartnerAgencyOffer.objects.create(
            young_person=people.maya,
            agency=people.vcs,
            source_app="referrals",
            offered_at=at(2026, 7, 3),
            offered_by=people.manager,
            status=status,
            responded_at=at(2026, 7, 5),
            responded_by=people.manager,
        )
    entity = Entity.objects.create(kind="vehicle", key="AB12CDE", label="AB12 CDE")
    Alert.objects.create(
        entity=entity,
        raised_at=at(2026, 7, 1),
        status="closed",
        outcome="disruption",
        reason="Letters served",
        closed_at=at(2026, 7, 9),
    )
    raw = measures.compute_raw(Q3)
    assert (raw.current["offers_made"], raw.current["offers_accepted"]) == (3, 2)
    assert raw.current["alerts_outcome_disruption"] == 1
    assert raw.current["alerts_raised"] == 1


@pytest.mark.parametrize("rows", [0, 40])
def test_the_unsuppressed_measures_cost_one_query_per_source_whatever_the_rows(people, rows):
    referrals(rows, referred_by=people.frank, submitted_at=at(2026, 7, 2))
    with CaptureQueriesContext(connection) as queries:
        measures.figures_for(Q3, suppress=False)
    assert len(queries) == len(measures.SOURCES) == 16


def test_figures_are_suppressed_for_the_lscb(people):
    referrals(3, referred_by=people.frank, submitted_at=at(2026, 7, 2))
    referrals(20, referred_by=people.fiona, submitted_at=at(2026, 7, 2))
    shown = measures.figures_for(Q3).as_dict()
    assert shown["referrals_from_health"].suppressed
    assert shown["referrals_from_health"].value is None
    # The lone small cell takes the next smallest shown part with it: police, 20.
    assert shown["referrals_from_police"].suppressed
    assert shown["referrals_received"].value == 23
    unsuppressed = measures.figures_for(Q3, suppress=False).as_dict()
    assert unsuppressed["referrals_from_health"].value == 3


def test_a_trend_is_suppressed_with_its_total(people):
    referrals(2, referred_by=people.fiona, submitted_at=at(2026, 7, 2))
    referrals(10, referred_by=people.fiona, submitted_at=at(2026, 8, 2))
    referrals(10, referred_by=people.fiona, submitted_at=at(2026, 9, 2))
    _figures, trend = measures.figures_with_trend(Q3, Q3.parts)
    row = next(r for r in trend.rows if r.name == "referrals_received")
    assert row.total.value == 22
    assert row.values[0].suppressed
    assert sum(1 for v in row.values if v.suppressed) >= 2


def test_a_trend_part_leaves_out_only_the_sources_counted_now(people):
    """The parts of a trend show only measures counted by period, so the sources whose every
    measure is a count of now (young people by current risk level, reviews) are not asked again
    for each part; every other figure is the same."""
    referrals(4, referred_by=people.fiona, submitted_at=at(2026, 7, 2))
    july = Period.parse("2026-07")
    full = measures.compute_raw(july)
    with CaptureQueriesContext(connection) as queries:
        part = measures.compute_raw(july, snapshots=False)
    timed = {name for name, m in measures.MEASURES.items() if not m.snapshot}
    assert timed <= part.current.keys()
    assert {k: v for k, v in full.current.items() if k in part.current} == part.current
    assert "young_people_known" not in part.current
    left_out = [s for s in measures.SOURCES if not measures._timed_source(s)]
    assert "young_people" in left_out
    assert len(queries) == len(measures.SOURCES) - len(left_out)


def test_outreach_and_training_delivered(people):
    import datetime as dt

    from intelligence.models import Entity
    from outreach.models import Course, OutreachSession, TrainingSession

    place = Entity.objects.create(kind="location", key="kebab king s1", label="Kebab King")
    OutreachSession.objects.create(
        reference="OUT1",
        status="recorded",
        starts_at=at(2026, 7, 4),
        place=place,
        young_people_count=6,
        planned_by=people.alice,
        recorded_by=people.alice,
        recorded_at=at(2026, 7, 4, 14),
    )
    course = Course.objects.first()
    if course is not None:
        TrainingSession.objects.create(
            course=course,
            delivered_on=dt.date(2026, 9, 30),
            attendance_count=12,
            trainer_name="A. Trainer",
            recorded_by=people.manager,
        )
    raw = measures.compute_raw(Q3)
    assert raw.current["outreach_sessions"] == 1
    assert raw.current["outreach_young_people"] == 6
    if course is not None:
        assert (raw.current["training_sessions"], raw.current["people_trained"]) == (1, 12)
