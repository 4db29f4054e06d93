from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.forms import SUGGESTED_HINT
from assessments.models import AssessmentRequest, RequestStatus
from cse_portal.audit.models import AuditEntry
from cse_portal.young_people.models import ChronologyEntry


def test_request_is_recorded_with_chronology_and_audit(people) -> None:
    request = services.assessment_request(
        young_person=people.noah,
        requested_by=people.manager,
        reason="Referral triage: indicators of grooming",
        source_app="referrals",
        source_object=people.noah,
    )
    assert AssessmentRequest.objects.get().status == RequestStatus.OPEN
    assert request.source_object_id == str(people.noah.pk)
    assert ChronologyEntry.objects.filter(
        young_person=people.noah, title="CSE risk assessment requested"
    ).exists()
    assert AuditEntry.objects.filter(
        subject_id=str(people.noah.pk), object_id=str(request.pk)
    ).exists()


def test_request_needs_a_reason(people) -> None:
    with pytest.raises(ValidationError):
        services.assessment_request(
            young_person=people.noah, requested_by=people.manager, reason=" ", source_app="x"
        )


def test_referral_indicators_arrive_as_suggestions_to_confirm(people, client_for) -> None:
    from referrals.models import Decision
    from referrals.services import referral_triage
    from tests.referrals.conftest import submit

    referral = submit(people.frank, indicators=["groom_older_partner", "missing_overnight"])
    referral_triage(
        referral=referral, decided_by=people.manager, decision=Decision.ASSESS, reason="Screen"
    )
    assessment = services.assessment_start(
        young_person=referral.young_person, assessor=people.manager
    )
    # In the instrument's order, and not answers: nothing counts until the assessor confirms.
    assert assessment.suggested_items == ["missing_overnight", "groom_older_partner"]
    assert (assessment.answers, assessment.score) == ({}, 0)
    page = client_for(people.manager).get(reverse("assessments:edit", args=[assessment.pk]))
    assert page.content.decode().count(SUGGESTED_HINT) == 2


@pytest.mark.parametrize(
    ("requested_for", "indicators", "suggested"),
    [
        ("maya", ["health_sti", "retired_code"], ["health_sti"]),  # codes the instrument knows
        ("noah", ["health_sti"], []),  # only the assessed young person's requests
    ],
)
def test_suggestions_come_from_the_young_persons_requests_for_this_instrument(
    people, requested_for, indicators, suggested
) -> None:
    services.assessment_request(
        young_person=getattr(people, requested_for),
        requested_by=people.manager,
        reason="Missing return",
        source_app="missing",
        suggested_indicators=indicators,
    )
    assessment = services.assessment_start(young_person=people.maya, assessor=people.alice)
    assert assessment.suggested_items == suggested


# --- One open request a young person -------------------------------------------------------------


def ask(people, reason: str, *, by=None, source_app="missing", source_object=None, indicators=()):
    return services.assessment_request(
        young_person=people.maya,
        requested_by=by,
        reason=reason,
        source_app=source_app,
        source_object=source_object,
        suggested_indicators=indicators,
    )


def test_a_second_request_adds_its_reason_to_the_open_one(people) -> None:
    first = ask(
        people,
        "Referral triage",
        by=people.manager,
        source_app="referrals",
        indicators=["groom_cars"],
    )
    second = ask(
        people,
        "  Missing over 24 hours  ",
        source_object=people.noah,
        indicators=["health_sti", "groom_cars"],
    )
    assert second.pk == first.pk
    request = AssessmentRequest.objects.get()
    assert (request.status, request.reason, request.source_app) == (
        RequestStatus.OPEN,
        "Referral triage",
        "referrals",
    )
    assert request.suggested_indicators == ["groom_cars", "health_sti"]
    further = request.further_reasons.get()
    assert (further.reason, further.source_app, further.requested_by) == (
        "Missing over 24 hours",
        "missing",
        None,
    )
    assert (further.source_object_type, further.source_object_id) == (
        "young_people.youngperson",
        str(people.noah.pk),
    )
    assert further.suggested_indicators == ["health_sti", "groom_cars"]
    entry = AuditEntry.objects.get(
        object_id=str(request.pk),
        summary="Further reason added to the open CSE risk assessment request",
    )
    assert entry.subject_id == str(people.maya.pk)
    assert entry.detail["indicators_added"] == ["health_sti"]
    assert entry.detail["reason_id"] == str(further.pk)


def test_further_reasons_are_kept_in_the_order_they_were_given(people) -> None:
    for n in range(4):
        ask(people, f"Reason {n}")
    request = AssessmentRequest.objects.get()
    assert [request.reason, *request.further_reasons.values_list("reason", flat=True)] == [
        f"Reason {n}" for n in range(4)
    ]


def test_a_blank_further_reason_is_refused_and_adds_nothing(people) -> None:
    ask(people, "First")
    with pytest.raises(ValidationError):
        ask(people, "  ")
    assert not AssessmentRequest.objects.get().further_reasons.exists()


def test_after_an_approved_assessment_a_new_request_is_made(people, make_assessment) -> None:
    from .conftest import HIGH_ANSWERS

    first = ask(people, "Before the assessment")
    make_assessment(HIGH_ANSWERS, status="approved")
    second = ask(people, "After the assessment")
    assert second.pk != first.pk
    first.refresh_from_db()
    assert first.status == RequestStatus.DONE
    assert AssessmentRequest.objects.get(status=RequestStatus.OPEN).reason == "After the assessment"


def test_each_young_person_has_their_own_open_request(people) -> None:
    ask(people, "Maya")
    services.assessment_request(
        young_person=people.noah, requested_by=None, reason="Noah", source_app="missing"
    )
    assert AssessmentRequest.objects.filter(status=RequestStatus.OPEN).count() == 2


def test_the_database_refuses_a_second_open_request(people) -> None:
    from django.db import IntegrityError, transaction

    ask(people, "First")
    with pytest.raises(IntegrityError), transaction.atomic():
        AssessmentRequest.objects.create(
            young_person=people.maya, reason="Second", source_app="tests"
        )
    # A done request does not count: the young person may have many of those.
    AssessmentRequest.objects.update(status=RequestStatus.DONE, done_at=timezone.now())
    AssessmentRequest.objects.create(young_person=people.maya, reason="Second", source_app="t")
    assert AssessmentRequest.objects.filter(status=RequestStatus.OPEN).count() == 1


def test_the_team_list_and_the_start_page_show_every_reason(people, client_for) -> None:
    ask(people, "Referral triage: grooming", by=people.manager, source_app="referrals")
    ask(people, "Missing from home or care: graded high risk")
    client = client_for(people.manager)
    page = client.get(reverse("assessments:list")).content.decode()
    assert page.count("?request=") == 1  # one row for the child
    assert "Referral triage: grooming" in page
    assert "Missing from home or care: graded high risk" in page
    request = AssessmentRequest.objects.get()
    start = client.get(
        reverse("assessments:start", args=[people.maya.pk]), {"request": request.pk}
    ).content.decode()
    assert "Referral triage: grooming" in start
    assert "Missing from home or care: graded high risk" in start


# --- A reason given while a draft is under way ---------------------------------------------------


def test_a_reason_added_after_the_draft_was_started_joins_its_suggestions(people) -> None:
    request = ask(people, "Referral triage", by=people.manager, indicators=["groom_cars"])
    draft = services.assessment_start(
        young_person=people.maya, assessor=people.alice, request=request
    )
    assert draft.suggested_items == ["groom_cars"]
    ask(
        people,
        "Missing from home: graded high risk",
        source_object=people.noah,
        indicators=["health_sti", "retired_code", "missing_overnight", "groom_cars"],
    )
    draft.refresh_from_db()
    # In the instrument's order; a code the instrument does not know is dropped; never answers.
    assert draft.suggested_items == ["missing_overnight", "groom_cars", "health_sti"]
    assert (draft.answers, draft.score) == ({}, 0)
    further = request.further_reasons.get()
    assert draft.later_reasons == [str(further.pk)]
    entry = AuditEntry.objects.get(
        object_id=str(request.pk),
        summary="Further reason added to the open CSE risk assessment request",
    )
    assert entry.detail["assessments_in_progress"] == {
        str(draft.pk): ["health_sti", "missing_overnight"]
    }
    assert (
        ChronologyEntry.objects.filter(
            young_person=people.maya,
            title="CSE risk assessment requested again (added to the open request)",
        ).count()
        == 1
    )


def test_a_submitted_assessment_is_never_changed_by_a_later_reason(people, make_assessment) -> None:
    from .conftest import LOW_ANSWERS

    ask(people, "First", indicators=["groom_cars"])
    submitted = make_assessment(LOW_ANSWERS, status="submitted")
    ask(people, "After submission", indicators=["health_sti"])
    submitted.refresh_from_db()
    assert (submitted.suggested_items, submitted.later_reasons) == (["groom_cars"], [])
    entry = AuditEntry.objects.get(summary__startswith="Further reason added")
    assert "assessments_in_progress" not in entry.detail


def test_a_request_opened_while_an_unlinked_draft_is_under_way_reaches_and_answers_it(
    people,
) -> None:
    draft = services.assessment_start(young_person=people.maya, assessor=people.alice)
    assert draft.suggested_items == []
    request = ask(people, "Missing: three episodes in 90 days", indicators=["missing_overnight"])
    assert request.assessment_id == draft.pk
    draft.refresh_from_db()
    assert (draft.suggested_items, draft.later_reasons) == (
        ["missing_overnight"],
        [str(request.pk)],
    )
    entry = AuditEntry.objects.get(
        object_id=str(request.pk), summary="CSE risk assessment requested"
    )
    assert entry.detail["assessments_in_progress"] == {str(draft.pk): ["missing_overnight"]}


def test_a_reason_added_to_an_open_request_links_a_draft_started_without_it(people) -> None:
    request = ask(people, "First")
    draft = services.assessment_start(young_person=people.maya, assessor=people.alice)
    request.refresh_from_db()
    assert request.assessment_id is None  # started without naming the request
    ask(people, "Second", indicators=["health_sti"])
    request.refresh_from_db()
    draft.refresh_from_db()
    assert request.assessment_id == draft.pk
    assert draft.suggested_items == ["health_sti"]


def test_reasons_given_before_the_start_are_suggestions_not_later_reasons(people) -> None:
    ask(people, "First", indicators=["groom_cars"])
    ask(people, "Second", indicators=["health_sti"])
    draft = services.assessment_start(young_person=people.maya, assessor=people.alice)
    assert (draft.suggested_items, draft.later_reasons) == (["groom_cars", "health_sti"], [])


def test_every_draft_of_the_young_person_is_reached(people) -> None:
    first = services.assessment_start(young_person=people.maya, assessor=people.alice)
    second = services.assessment_start(young_person=people.maya, assessor=people.manager)
    request = ask(people, "Missing", indicators=["health_sti"])
    assert request.assessment_id == first.pk  # the oldest answers the request
    for draft in (first, second):
        draft.refresh_from_db()
        assert draft.suggested_items == ["health_sti"]


def test_the_draft_page_shows_what_came_since_it_was_started(people, client_for) -> None:
    request = ask(people, "Referral triage: grooming", by=people.manager, indicators=["groom_cars"])
    draft = services.assessment_start(
        young_person=people.maya, assessor=people.alice, request=request
    )
    client = client_for(people.alice)
    edit_url = reverse("assessments:edit", args=[draft.pk])
    before = client.get(edit_url).content.decode()
    assert "given since it was started" not in before
    assert before.count(SUGGESTED_HINT) == 1
    ask(people, "Missing from home: graded high risk", by=people.manager, indicators=["health_sti"])
    page = client.get(edit_url).content.decode()
    assert "1 further reason for this assessment was given since it was started" in page
    assert "Missing from home: graded high risk" in page
    assert "(missing)" in page  # from where
    assert f"by {people.manager}" in page
    assert page.count(SUGGESTED_HINT) == 2
    detail = client.get(reverse("assessments:detail", args=[draft.pk])).content.decode()
    assert "Missing from home: graded high risk" in detail
    assert "Referral triage: grooming" not in detail  # given before the start
