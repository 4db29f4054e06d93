"""Migration 0002: training already recorded gets its cascade worked out, as the services keep it
from then on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from outreach.models import TrainingSession

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("outreach", "0001_initial")]


def migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def test_training_recorded_before_gets_its_cascade(people):
    migrate(BEFORE)
    try:
        old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        course, _ = old.get_model("outreach", "Course").objects.get_or_create(
            code="cse-awareness", defaults={"title": "CSE awareness", "kind": "cse_awareness"}
        )
        session = old.get_model("outreach", "TrainingSession")

        def given(day: int, trainer, attendees=()):
            row = session.objects.create(
                course=course,
                delivered_on=dt.date(2026, 7, day),
                trainer_id=trainer.pk if trainer else None,
                trainer_name="" if trainer else "A. Trainer",
                attendance_count=10,
                recorded_by_id=people.manager.pk,
            )
            row.attendees.set([a.pk for a in attendees])
            return row.pk

        bob_trained = given(1, people.manager, [people.bob])
        bob_gives = given(10, people.bob)
        alice_gives = given(12, people.alice)  # never trained here
        bob_same_day = given(1, people.bob)  # the day he was trained: not after it
        visiting = given(15, None, [people.alice])
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("outreach"))
    cascade = dict(TrainingSession.objects.values_list("pk", "cascade"))
    assert cascade == {
        bob_trained: False,
        bob_gives: True,
        alice_gives: False,
        bob_same_day: False,
        visiting: False,
    }
