"""Helpers for the outreach tests: a youth worker, a hot spot made by intelligence, sessions,
premises and training made through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from cse_portal.accounts.models import AgencyKind
from cse_portal.accounts.roles import Role
from intelligence import services as intelligence_services
from outreach import services
from outreach.courses import ensure_courses
from outreach.models import Course, Sector
from tests.factories import AgencyFactory, make_user
from tests.intelligence.conftest import submit


@pytest.fixture
def yasmin(people) -> Any:
    """A frontline youth worker of the youth service: does outreach, sees no case files."""
    agency = AgencyFactory(name="Test Youth Service", kind=AgencyKind.YOUTH_SERVICE)
    return make_user("yasmin", Role.FRONTLINE, agency)


def hot_spot(people, name: str = "Kebab King", postcode: str = "S1 2HH") -> Any:
    """A location intelligence links to Maya: a hot spot."""
    submit(
        people.manager,
        subjects=[
            {"kind": "location", "name": name, "postcode": postcode, "venue_kind": "takeaway"},
            {"kind": "person", "role": "young_person_at_risk", "young_person": str(people.maya.pk)},
        ],
    )
    return intelligence_services.location_find_or_create(
        actor=people.manager, name=name, postcode=postcode
    )


@pytest.fixture
def place(people) -> Any:
    return hot_spot(people)


def plan(actor: Any, place: Any, **overrides: Any) -> Any:
    values = {
        "starts_at": timezone.now() - dt.timedelta(days=1, hours=2),
        "ends_at": timezone.now() - dt.timedelta(days=1),
    }
    values.update(overrides)
    return services.session_plan(actor=actor, place=place, **values)


def recorded(actor: Any, place: Any, **overrides: Any) -> Any:
    session = plan(actor, place)
    values = {
        "young_people_count": 5,
        "materials_given": "Leaflets",
        "what_seen": "Two girls got into a silver car outside at 11pm.",
    }
    values.update(overrides)
    services.session_record(actor=actor, session=session, **values)
    return session


def premises(actor: Any, **overrides: Any) -> Any:
    values = {"name": "Station Hotel", "sector": Sector.HOTEL, "postcode": "S1 2HH"}
    values.update(overrides)
    return services.premises_save(actor=actor, **values)


@pytest.fixture
def courses(db) -> dict[str, Course]:
    ensure_courses()
    return {c.code: c for c in Course.objects.all()}


def train(actor: Any, course: Any, count: int = 10, days_ago: int = 10, **overrides: Any) -> Any:
    return services.training_session_record(
        actor=actor,
        course=course,
        delivered_on=timezone.localdate() - dt.timedelta(days=days_ago),
        attendance_count=count,
        **overrides,
    )


def activity(actor: Any, **overrides: Any) -> Any:
    values = {
        "kind": "consultation",
        "title": "Youth forum",
        "held_on": timezone.localdate() - dt.timedelta(days=3),
        "young_people_count": 8,
        "summary": "Young people said the drop-in closes too early.",
    }
    values.update(overrides)
    return services.activity_record(actor=actor, **values)
