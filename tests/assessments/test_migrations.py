"""Migration 0006: a young person's requests already open twice or more are merged into the
oldest (the others become its further reasons, keeping their ids), then a second open request
is refused by the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from assessments.models import AssessmentRequest, AssessmentRequestReason, RequestStatus

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("assessments", "0005_list_order_indexes")]


def migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes("assessments")


def test_open_requests_of_one_young_person_are_merged_into_the_oldest(people):
    now = timezone.now()
    migrate(BEFORE)
    try:
        # Before 0006 nothing stopped these: three open for Maya, one open and one done for Noah.
        rows = [
            AssessmentRequest.objects.create(
                young_person=people.maya,
                requested_at=now - dt.timedelta(days=days),
                requested_by=by,
                reason=reason,
                suggested_indicators=codes,
                source_app=app,
                source_object_id=str(days),
            )
            for days, by, reason, codes, app in [
                (3, people.manager, "Referral triage", ["groom_cars"], "referrals"),
                (1, None, "Missing: high risk", ["health_sti", "groom_cars"], "missing"),
                (2, None, "Missing: repeat", [], "missing"),
            ]
        ]
        noah_open = AssessmentRequest.objects.create(
            young_person=people.noah, reason="Noah", source_app="t"
        )
        AssessmentRequest.objects.create(
            young_person=people.noah,
            reason="Noah, done",
            source_app="t",
            status=RequestStatus.DONE,
            done_at=now,
        )
    finally:
        migrate(latest())

    request = AssessmentRequest.objects.get(young_person=people.maya)
    assert (request.pk, request.reason, request.status) == (rows[0].pk, "Referral triage", "open")
    assert request.suggested_indicators == ["groom_cars", "health_sti"]
    further = list(request.further_reasons.all())
    # In the order they were made, each keeping its id, who, source and indicators.
    assert [(r.pk, r.reason, r.source_app, r.source_object_id) for r in further] == [
        (rows[2].pk, "Missing: repeat", "missing", "2"),
        (rows[1].pk, "Missing: high risk", "missing", "1"),
    ]
    assert further[1].requested_at == rows[1].requested_at
    assert further[1].suggested_indicators == ["health_sti", "groom_cars"]
    assert AssessmentRequest.objects.get(young_person=people.noah, status="open") == noah_open
    assert AssessmentRequest.objects.filter(young_person=people.noah).count() == 2
    assert AssessmentRequestReason.objects.count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        AssessmentRequest.objects.create(young_person=people.maya, reason="x", source_app="t")
