"""Two requests for the same young person made at the same moment: the partial unique index
lets one insert its request; the other waits for it, then adds its reason to it."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from assessments import services
from assessments.models import AssessmentRequest, RequestStatus

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite runs one writer at a time"
    ),
]


def test_two_requests_at_once_make_one_open_request_with_both_reasons(people) -> None:
    first_inserted = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                services.assessment_request(
                    young_person=people.maya, requested_by=None, reason="First", source_app="a"
                )
                first_inserted.set()
                # Still uncommitted while the second looks for an open request, finds none
                # and tries to insert its own.
                threading.Event().wait(1.0)
        except BaseException as error:
            errors.append(error)
            first_inserted.set()
        finally:
            connection.close()

    def second() -> None:
        try:
            first_inserted.wait(5)
            services.assessment_request(
                young_person=people.maya, requested_by=None, reason="Second", source_app="b"
            )
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert errors == []
    request = AssessmentRequest.objects.get(young_person=people.maya)
    assert request.status == RequestStatus.OPEN
    assert request.reason == "First"
    assert list(request.further_reasons.values_list("reason", "source_app")) == [("Second", "b")]


def test_a_draft_started_while_a_reason_is_being_added_gets_its_indicators(people) -> None:
    """The reason's transaction holds the open request; the start waits for it, then reads the
    indicators it added (the reason, committed first, could not see the draft)."""
    services.assessment_request(
        young_person=people.maya, requested_by=None, reason="First", source_app="a"
    )
    reason_added = threading.Event()
    errors: list[BaseException] = []
    started: list = []

    def add_reason() -> None:
        try:
            with transaction.atomic():
                services.assessment_request(
                    young_person=people.maya,
                    requested_by=None,
                    reason="Missing: graded high risk",
                    source_app="missing",
                    suggested_indicators=["health_sti"],
                )
                reason_added.set()
                threading.Event().wait(1.0)  # as an import's batch holds it until it commits
        except BaseException as error:
            errors.append(error)
            reason_added.set()
        finally:
            connection.close()

    def start() -> None:
        try:
            reason_added.wait(5)
            started.append(
                services.assessment_start(young_person=people.maya, assessor=people.alice)
            )
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=add_reason), threading.Thread(target=start)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert errors == []
    assert started[0].suggested_items == ["health_sti"]
    assert started[0].later_reasons == []  # it came before the start: a suggestion from the start
