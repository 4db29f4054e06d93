"""Outreach, training and feedback at national scale, generated inside PostgreSQL, for the
reports' measures (sessions by area and month, premises visited and trained by sector, the
training cascade, feedback received).

``build`` adds, over the last three years, an outreach session for every ``SESSION_EVERY`` young
people at the intelligence builder's locations (one in twenty still planned), two premises visits
a session, a training session for every ``TRAINING_EVERY`` young people (a third delivered by the
team manager, a third by the second user, each having attended an earlier one: the cascade), a
premises trained by every fourth of them, and feedback from every ``FEEDBACK_EVERY`` young
people."""

from __future__ import annotations

import time
from typing import Any

SESSION_EVERY = 10
PREMISES_EVERY = 20
TRAINING_EVERY = 10
FEEDBACK_EVERY = 20
#: Three years in minutes: row g of m happened g / m of it ago, the newest first.
SPAN_MINUTES = 1576800


def _ago(count: str) -> str:
    return f"now() - make_interval(mins => (g::bigint * {SPAN_MINUTES} / {count})::int + 60)"


def _pick(prefix: str, count: str, salt: int = 0) -> str:
    return f"md5('{prefix}' || (1 + ((hashint4(g + {salt}) & 2147483647) %% {count})))::uuid"


def build(size: int, people: Any) -> None:
    """The rows for ``size`` young people; the locations are ``bench.intelligence``'s (its
    ``md5('loc' || g)`` ids), so it runs after that builder."""
    from django.db import connection

    from outreach.courses import ensure_courses
    from outreach.models import (
        Feedback,
        OutreachSession,
        Premises,
        PremisesVisit,
        Sector,
        TrainingSession,
        VisitOutcome,
    )
    from outreach.services import training_cascade_refresh

    from .national import _indexes_deferred, _insert

    ensure_courses()
    started = time.perf_counter()
    counts = {
        "places": max(5, size // 50),  # as bench.intelligence makes them
        "sessions": max(10, size // SESSION_EVERY),
        "premises": max(10, size // PREMISES_EVERY),
        "training": max(10, size // TRAINING_EVERY),
        "feedback": max(10, size // FEEDBACK_EVERY),
        "manager": str(people.manager.pk),
        "frank": str(people.frank.pk),
    }
    sectors = "ARRAY[" + ", ".join(f"'{s}'" for s in Sector.values) + "]"
    outcomes = "ARRAY[" + ", ".join(f"'{o}'" for o in VisitOutcome.values) + "]"
    planned = "(g %% 20 = 0)"
    starts = f"CASE WHEN {planned} THEN now() + make_interval(days => 1 + g %% 30) ELSE " + _ago(
        "%(sessions)s"
    )
    starts += " END"
    through_premises = TrainingSession.premises.through
    through_attendees = TrainingSession.attendees.through
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET synchronous_commit = off")
    with _indexes_deferred([OutreachSession, Premises, PremisesVisit, TrainingSession, Feedback]):
        _insert(
            Premises,
            {
                "id": "md5('prem' || g)::uuid",
                "name": "'Premises ' || g",
                "sector": f"({sectors})[1 + g %% {len(Sector.values)}]",
                "postcode": "'S' || (g %% 30 + 1) || ' 2BB'",
                "materials_displayed": "(g %% 3 = 0)",
                "created_by_id": "%(manager)s::uuid",
                "created_at": "now() - interval '4 years'",
            },
            "generate_series(1, %(premises)s) g",
            counts,
        )
        _insert(
            OutreachSession,
            {
                "id": "md5('os' || g)::uuid",
                "reference": "'OR' || g",
                "status": f"CASE WHEN {planned} THEN 'planned' ELSE 'recorded' END",
                "starts_at": starts,
                "ends_at": f"{starts} + interval '3 hours'",
                "place_id": _pick("loc", "%(places)s"),
                "young_people_count": f"CASE WHEN {planned} THEN 0 ELSE g %% 9 END",
                "materials_given": "'Leaflets'",
                "what_seen": "'Young people gathering'",
                "planned_by_id": "%(manager)s::uuid",
                "recorded_by_id": f"CASE WHEN {planned} THEN NULL ELSE %(manager)s::uuid END",
                "created_at": f"{starts} - interval '7 days'",
                "recorded_at": f"CASE WHEN {planned} THEN NULL "
                f"ELSE {starts} + interval '4 hours' END",
            },
            "generate_series(1, %(sessions)s) g",
            counts,
        )
        # Two different premises a recorded session: k = 0, 1 step along from one picked.
        _insert(
            PremisesVisit,
            {
                "premises_id": "md5('prem' || (1 + ((hashint4(g) & 2147483647) + k) "
                "%% %(premises)s))::uuid",
                "session_id": "md5('os' || g)::uuid",
                "visited_on": f"({_ago('%(sessions)s')})::date",
                "outcome": f"({outcomes})[1 + (g + k) %% {len(VisitOutcome.values)}]",
                "visited_by_id": "%(manager)s::uuid",
            },
            f"generate_series(1, %(sessions)s) g, generate_series(0, 1) k WHERE NOT {planned}",
            counts,
        )
        delivered = f"({_ago('%(training)s')})::date"
        _insert(
            TrainingSession,
            {
                "id": "md5('ts' || g)::uuid",
                "course_id": "c.ids[1 + g %% array_length(c.ids, 1)]",
                "delivered_on": delivered,
                "trainer_id": "CASE g %% 3 WHEN 0 THEN %(manager)s::uuid "
                "WHEN 1 THEN %(frank)s::uuid END",
                "trainer_name": "CASE WHEN g %% 3 = 2 THEN 'Visiting trainer' ELSE '' END",
                "attendance_count": "5 + g %% 20",
                "recorded_by_id": "%(manager)s::uuid",
                "created_at": delivered,
            },
            "generate_series(1, %(training)s) g, "
            "(SELECT array_agg(id ORDER BY code) AS ids FROM outreach_course) c",
            counts,
        )
        # Each attends the other's sessions: both trainers were trained here first.
        _insert(
            through_attendees,
            {
                "trainingsession_id": "md5('ts' || g)::uuid",
                "user_id": "CASE WHEN g %% 2 = 0 THEN %(frank)s::uuid ELSE %(manager)s::uuid END",
            },
            "generate_series(1, %(training)s) g",
            counts,
        )
        # The cascade as the services keep it (each trainer's first training, one update).
        training_cascade_refresh()
        _insert(
            through_premises,
            {
                "trainingsession_id": "md5('ts' || g)::uuid",
                "premises_id": _pick("prem", "%(premises)s", salt=7),
            },
            "generate_series(1, %(training)s) g WHERE g %% 4 = 0",
            counts,
        )
        _insert(
            Feedback,
            {
                "id": "md5('fb' || g)::uuid",
                "received_at": _ago("%(feedback)s"),
                "about": "(ARRAY['support','outreach','group','family','other'])[1 + g %% 5]",
                "given_by": "(ARRAY['young_person','parent_carer','other'])[1 + g %% 3]",
                "rating": "1 + g %% 5",
            },
            "generate_series(1, %(feedback)s) g",
            counts,
        )
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = origin")
        for model in (
            OutreachSession,
            Premises,
            PremisesVisit,
            TrainingSession,
            through_attendees,
            through_premises,
            Feedback,
        ):
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    print(
        f"    {counts['sessions']:,} outreach sessions, {counts['training']:,} training sessions, "
        f"{counts['premises']:,} premises, {counts['feedback']:,} feedback: "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
