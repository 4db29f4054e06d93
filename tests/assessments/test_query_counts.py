"""The team's lists, the record page's assessment panel and the API list cost the same number of
queries with few and with many rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import (
    Assessment,
    AssessmentRequest,
    AssessmentRequestReason,
    AssessmentStatus,
    Instrument,
)
from cse_portal.accounts.services import api_token_issue
from tests.factories import make_young_person

from .conftest import LOW_ANSWERS, complete


def add_rows(people, count: int) -> None:
    """``count`` young people, each with a request, a draft, a submitted and an overdue assessment
    (bulk-created: the shape matters here, not the workflow)."""
    instrument = Instrument.objects.current()
    answers = complete(LOW_ANSWERS)
    now = timezone.now()
    for index in range(count):
        young_person = make_young_person(people.manager, given_name=f"Row{index}")
        request = AssessmentRequest.objects.create(
            young_person=young_person, requested_by=people.manager, reason="Test", source_app="t"
        )
        AssessmentRequestReason.objects.bulk_create(
            AssessmentRequestReason(
                request=request, requested_by=people.manager, reason=f"Again {n}", source_app="t"
            )
            for n in range(2)
        )
        common = {
            "young_person": young_person,
            "instrument": instrument,
            "assessor": people.manager,
            "answers": answers,
            "score": 6,
            "calculated_level": "low",
            "level": "low",
        }
        Assessment.objects.bulk_create(
            [
                Assessment(**common),
                Assessment(**common, status=AssessmentStatus.SUBMITTED, submitted_at=now),
                Assessment(
                    **common,
                    status=AssessmentStatus.APPROVED,
                    submitted_at=now - dt.timedelta(days=200),
                    decided_at=now - dt.timedelta(days=200),
                    decided_by=people.manager,
                    review_due=timezone.localdate() - dt.timedelta(days=10),
                ),
            ]
        )


def count_queries(client, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("show", ["to_do", "in_progress", "awaiting", "overdue"])
def test_team_list_query_count_does_not_grow_with_rows(people, client_for, show) -> None:
    client = client_for(people.manager)
    url = reverse("assessments:list")
    add_rows(people, 2)
    few = count_queries(client, url, show=show)
    add_rows(people, 20)
    many = count_queries(client, url, show=show)
    assert few == many
    page = client.get(url, {"show": show}).context["page"]
    assert len(page.object_list) == 22 if show != "in_progress" else page.paginator.count >= 22


def test_record_panel_query_count_does_not_grow_with_history(people, client_for) -> None:
    client = client_for(people.alice)
    url = reverse("young_people:detail", args=[people.maya.pk])

    def approve_one() -> None:
        assessment = services.assessment_start(young_person=people.maya, assessor=people.alice)
        services.assessment_save(
            assessment=assessment, user=people.alice, answers=complete(LOW_ANSWERS)
        )
        services.assessment_submit(assessment=assessment, user=people.alice)
        services.assessment_approve(
            assessment=assessment, approved_by=people.manager, partner_agency=people.vcs
        )

    approve_one()
    approve_one()
    few = count_queries(client, url)
    for _ in range(6):
        approve_one()
    many = count_queries(client, url)
    assert few == many
    assert client.get(url).content.decode().count('class="app-chart-point"') == 8


def test_api_list_query_count_does_not_grow_with_rows(people, client) -> None:
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {api_token_issue(user=people.manager)}"
    add_rows(people, 2)
    few = count_queries(client, "/api/v1/assessments/")
    add_rows(people, 20)
    many = count_queries(client, "/api/v1/assessments/")
    assert few == many


def test_autosave_costs_the_same_for_one_answer_as_for_every_answer(people, client_for) -> None:
    assessment = services.assessment_start(young_person=people.maya, assessor=people.alice)
    client = client_for(people.alice)
    url = reverse("assessments:autosave", args=[assessment.pk])

    def queries_to_save(answers: dict[str, str]) -> int:
        data = {f"item_{code}": value for code, value in answers.items()}
        with CaptureQueriesContext(connection) as context:
            response = client.post(url, data, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        return len(context.captured_queries)

    one = queries_to_save({"groom_cars": "within_6_months"})
    every = queries_to_save(complete(LOW_ANSWERS))
    assert one == every
    assessment.refresh_from_db()
    assert assessment.answers == complete(LOW_ANSWERS)


#: session, user (with agency and role), device; each tab's capped count and the shown list's own
#: (5); the page of requests; their further reasons with who gave them (one prefetch, however
#: many: the one query the further reasons added); the audit entry of the page shown (one INSERT).
TO_DO_LIST_QUERIES = 11


def test_the_to_do_list_shows_every_reason_in_a_fixed_number_of_queries(people, client_for):
    add_rows(people, 3)
    client = client_for(people.manager)
    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse("assessments:list"), {"show": "to_do"})
    page = response.content.decode()
    assert page.count("Again 1") == 3
    prefetches = [
        q["sql"] for q in context.captured_queries if "assessmentrequestreason" in q["sql"]
    ]
    assert len(prefetches) == 1, prefetches
    assert len(context.captured_queries) == TO_DO_LIST_QUERIES


#: the service's savepoint; the open request looked for (and locked); the reason inserted; the
#: young person's drafts looked for (and locked: a reason reaches a draft under way); the
#: request's indicators updated (new codes only); the audit entry (one INSERT in the service's
#: transaction); the chronology entry; the savepoint released.
FURTHER_REASON_QUERIES = 8
#: and, for each draft under way, its suggestions and the reason's id saved.
FURTHER_REASON_QUERIES_A_DRAFT = 1


def test_a_further_reason_costs_the_same_however_many_the_request_has(people):
    def queries_to_ask(n: int) -> int:
        with CaptureQueriesContext(connection) as context:
            services.assessment_request(
                young_person=people.maya,
                requested_by=people.manager,
                reason=f"Reason {n}",
                source_app="t",
                suggested_indicators=[f"code_{n}"],
            )
        return len(context.captured_queries)

    queries_to_ask(0)
    second = queries_to_ask(1)
    for n in range(2, 10):
        queries_to_ask(n)
    tenth = queries_to_ask(10)
    assert second == tenth == FURTHER_REASON_QUERIES


def test_a_further_reason_reaching_a_draft_costs_one_update_a_draft(people):
    services.assessment_request(
        young_person=people.maya, requested_by=None, reason="First", source_app="t"
    )
    services.assessment_start(young_person=people.maya, assessor=people.alice)

    def queries_to_ask(n: int) -> int:
        with CaptureQueriesContext(connection) as context:
            services.assessment_request(
                young_person=people.maya,
                requested_by=None,
                reason=f"Reason {n}",
                source_app="t",
                suggested_indicators=["health_sti", f"code_{n}"],
            )
        return len(context.captured_queries)

    one_draft = queries_to_ask(1)
    services.assessment_start(young_person=people.maya, assessor=people.manager)
    assert one_draft == FURTHER_REASON_QUERIES + FURTHER_REASON_QUERIES_A_DRAFT
    assert queries_to_ask(2) == FURTHER_REASON_QUERIES + 2 * FURTHER_REASON_QUERIES_A_DRAFT


def test_the_draft_page_lists_later_reasons_in_a_fixed_number_of_queries(people, client_for):
    services.assessment_request(
        young_person=people.maya, requested_by=None, reason="First", source_app="t"
    )
    assessment = services.assessment_start(young_person=people.maya, assessor=people.alice)
    client = client_for(people.alice)

    def page_queries(url: str) -> int:
        return count_queries(client, url)

    edit = reverse("assessments:edit", args=[assessment.pk])
    detail = reverse("assessments:detail", args=[assessment.pk])
    services.assessment_request(
        young_person=people.maya, requested_by=people.manager, reason="Later 0", source_app="t"
    )
    few = (page_queries(edit), page_queries(detail))
    for n in range(1, 6):
        services.assessment_request(
            young_person=people.maya,
            requested_by=people.manager,
            reason=f"Later {n}",
            source_app="t",
        )
    many = (page_queries(edit), page_queries(detail))
    assert few == many
    assert client.get(edit).content.decode().count("Later ") == 6
