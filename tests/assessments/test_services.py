from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments import services
from assessments.instrument import LEVEL_ORDER
from assessments.models import (
    ActionKind,
    Assessment,
    AssessmentRequest,
    AssessmentStatus,
    RequestStatus,
)
from cse_portal.audit.models import AuditEntry
from cse_portal.young_people.models import (
    ChronologyEntry,
    FlagKind,
    PartnerAgencyOffer,
    RiskLevel,
)
from tests.factories import make_young_person

from .conftest import HIGH_ANSWERS, LOW_ANSWERS, MEDIUM_ANSWERS, NONE_ANSWERS, complete


@pytest.mark.parametrize(
    ("answers", "score", "level"),
    [
        (HIGH_ANSWERS, 20, RiskLevel.HIGH),
        (MEDIUM_ANSWERS, 11, RiskLevel.MEDIUM),
        (LOW_ANSWERS, 6, RiskLevel.LOW),
        (NONE_ANSWERS, 1, RiskLevel.NO_APPARENT_RISK),
        ({"groom_cars": "6_to_12_months"}, 1, RiskLevel.NO_APPARENT_RISK),
    ],
)
def test_score_and_level_follow_the_instrument(make_assessment, answers, score, level) -> None:
    assessment = make_assessment(answers, status="draft")
    assert (assessment.score, assessment.calculated_level, assessment.level) == (
        score,
        level,
        level,
    )


def test_thresholds_are_inclusive_at_each_boundary(make_assessment) -> None:
    five = make_assessment({"groom_cars": "within_6_months"}, status="draft")
    assert (five.score, five.level) == (5, RiskLevel.NO_APPARENT_RISK)
    sixteen = make_assessment(
        {**MEDIUM_ANSWERS, "missing_overnight": "within_6_months"}, status="draft"
    )
    assert (sixteen.score, sixteen.level) == (16, RiskLevel.HIGH)


def test_child_under_13_is_never_rated_below_medium(people, make_assessment) -> None:
    child = make_young_person(
        people.manager, date_of_birth=timezone.localdate() - dt.timedelta(days=12 * 365)
    )
    assessment = make_assessment(
        NONE_ANSWERS, status="draft", young_person=child, assessor=people.manager
    )
    assert assessment.calculated_level == RiskLevel.MEDIUM
    assert assessment.floor_applied and assessment.social_care_referral


def test_judgement_cannot_go_below_the_floor(people, make_assessment) -> None:
    people.maya.learning_disability = True
    people.maya.save()
    with pytest.raises(ValidationError) as error:
        make_assessment(
            NONE_ANSWERS, status="draft", judgement_level="low", judgement_rationale="Seems fine"
        )
    assert "judgement_level" in error.value.message_dict


def test_judgement_needs_a_rationale(make_assessment) -> None:
    with pytest.raises(ValidationError) as error:
        make_assessment(LOW_ANSWERS, status="draft", judgement_level="high")
    assert "judgement_rationale" in error.value.message_dict


def test_both_levels_are_kept_when_judgement_raises(make_assessment) -> None:
    assessment = make_assessment(
        LOW_ANSWERS, status="draft", judgement_level="high", judgement_rationale="Disclosure"
    )
    assert (assessment.calculated_level, assessment.level) == (RiskLevel.LOW, RiskLevel.HIGH)


def test_lowering_by_judgement_needs_the_managers_explicit_approval(
    people, make_assessment
) -> None:
    assessment = make_assessment(
        HIGH_ANSWERS, judgement_level="medium", judgement_rationale="Indicators are historic"
    )
    with pytest.raises(ValidationError) as error:
        services.assessment_approve(
            assessment=assessment, approved_by=people.manager, partner_agency=people.vcs
        )
    assert "approve_lowering" in error.value.message_dict
    services.assessment_approve(
        assessment=assessment,
        approved_by=people.manager,
        partner_agency=people.vcs,
        approve_lowering=True,
    )
    people.maya.refresh_from_db()
    assert people.maya.current_risk_level == RiskLevel.MEDIUM
    assert assessment.calculated_level == RiskLevel.HIGH


def test_submitting_needs_every_item_answered(people) -> None:
    assessment = services.assessment_start(young_person=people.maya, assessor=people.alice)
    services.assessment_save(assessment=assessment, user=people.alice, answers=LOW_ANSWERS)
    with pytest.raises(ValidationError):
        services.assessment_submit(assessment=assessment, user=people.alice)
    assert assessment.status == AssessmentStatus.DRAFT


def test_unknown_items_and_values_are_refused(people) -> None:
    assessment = services.assessment_start(young_person=people.maya, assessor=people.alice)
    with pytest.raises(ValidationError):
        services.assessment_save(assessment=assessment, user=people.alice, answers={"nope": "x"})
    with pytest.raises(ValidationError):
        services.assessment_save(
            assessment=assessment, user=people.alice, answers={"groom_cars": "present"}
        )


def test_only_the_assessor_edits_a_draft(people) -> None:
    assessment = services.assessment_start(young_person=people.maya, assessor=people.alice)
    with pytest.raises(PermissionDenied):
        services.assessment_save(assessment=assessment, user=people.manager, answers={})


def test_a_practitioner_cannot_assess_a_young_person_not_allocated(people) -> None:
    with pytest.raises(PermissionDenied):
        services.assessment_start(young_person=people.noah, assessor=people.bob)


def test_practitioner_cannot_approve(people, make_assessment) -> None:
    assessment = make_assessment(LOW_ANSWERS)
    with pytest.raises(PermissionDenied):
        services.assessment_approve(
            assessment=assessment, approved_by=people.alice, partner_agency=people.vcs
        )


def test_approving_high_sets_level_review_and_actions(people, make_assessment) -> None:
    assessment = make_assessment(HIGH_ANSWERS, status="approved")
    people.maya.refresh_from_db()
    assert people.maya.current_risk_level == RiskLevel.HIGH
    assert assessment.review_due == timezone.localdate() + dt.timedelta(weeks=4)
    active = set(people.maya.flags.filter(removed_at__isnull=True).values_list("kind", flat=True))
    assert {FlagKind.HIGH_CSE_RISK, FlagKind.STRATEGY_DISCUSSION} <= active
    assert people.maya.involvements.filter(closed_at__isnull=True).exists()
    kinds = set(assessment.actions.values_list("kind", flat=True))
    assert kinds == {ActionKind.KEEP_OPEN, ActionKind.STRATEGY_DISCUSSION}


def test_approving_medium_offers_preventative_work(people, make_assessment) -> None:
    assessment = make_assessment(MEDIUM_ANSWERS, status="approved")
    offer = PartnerAgencyOffer.objects.get(young_person=people.maya)
    assert (offer.agency, offer.source_app) == (people.vcs, "assessments")
    action = assessment.actions.get()
    assert (action.kind, action.partner_offer_id) == (ActionKind.PREVENTATIVE_WORK, offer.pk)
    assert assessment.review_due == timezone.localdate() + relativedelta(months=3)


def test_review_dates_follow_the_settings(people, make_assessment, settings) -> None:
    settings.ASSESSMENT_REVIEW_INTERVALS = {"low": {"weeks": 1}}
    assessment = make_assessment(LOW_ANSWERS, status="approved")
    assert assessment.review_due == timezone.localdate() + dt.timedelta(weeks=1)


def test_medium_or_low_approval_needs_a_partner_agency(people, make_assessment) -> None:
    assessment = make_assessment(LOW_ANSWERS)
    with pytest.raises(ValidationError) as error:
        services.assessment_approve(assessment=assessment, approved_by=people.manager)
    assert "partner_agency" in error.value.message_dict


def test_no_apparent_risk_records_universal_information(people, make_assessment) -> None:
    assessment = make_assessment(NONE_ANSWERS, status="approved")
    assert assessment.actions.get().kind == ActionKind.UNIVERSAL_INFORMATION
    assert assessment.review_due is None
    assert ChronologyEntry.objects.filter(
        young_person=people.maya, title="Universal information given"
    ).exists()


def test_floor_prompts_a_visible_social_care_referral(people, make_assessment) -> None:
    people.maya.learning_disability = True
    people.maya.save()
    assessment = make_assessment(NONE_ANSWERS, status="approved")
    assert assessment.level == RiskLevel.MEDIUM
    assert assessment.actions.filter(kind=ActionKind.SOCIAL_CARE_REFERRAL).exists()
    assert ChronologyEntry.objects.filter(
        young_person=people.maya, title__startswith="Referral to children's social care"
    ).exists()


def test_return_needs_comments_and_goes_back_to_the_assessor(people, make_assessment) -> None:
    assessment = make_assessment(LOW_ANSWERS)
    with pytest.raises(ValidationError):
        services.assessment_return(assessment=assessment, returned_by=people.manager, comments="")
    services.assessment_return(
        assessment=assessment, returned_by=people.manager, comments="Check the missing episodes"
    )
    assert assessment.status == AssessmentStatus.RETURNED
    services.assessment_save(
        assessment=assessment,
        user=people.alice,
        answers={"missing_overnight": "within_6_months"},
    )
    services.assessment_submit(assessment=assessment, user=people.alice)
    assert (assessment.status, assessment.level) == (AssessmentStatus.SUBMITTED, RiskLevel.MEDIUM)


def test_approval_completes_open_requests(people, make_assessment) -> None:
    request = services.assessment_request(
        young_person=people.maya, requested_by=people.manager, reason="Triage", source_app="x"
    )
    assessment = make_assessment(HIGH_ANSWERS, status="approved")
    request.refresh_from_db()
    assert (request.status, request.assessment) == (RequestStatus.DONE, assessment)
    assert AssessmentRequest.objects.filter(status=RequestStatus.OPEN).count() == 0


def test_every_step_is_audited_against_the_young_person(people, make_assessment) -> None:
    assessment = make_assessment(HIGH_ANSWERS, status="approved")
    summaries = set(
        AuditEntry.objects.filter(
            subject_id=str(people.maya.pk), object_id=str(assessment.pk)
        ).values_list("summary", flat=True)
    )
    assert {
        "CSE risk assessment started",
        "CSE risk assessment saved",
        "CSE risk assessment submitted for approval",
        "CSE risk assessment approved: high",
    } <= summaries


# --- One service to save and submit, for the page and the API alike ------------------------------


def test_a_refused_submission_names_each_item_and_keeps_the_answers(people) -> None:
    assessment = services.assessment_start(young_person=people.maya, assessor=people.alice)
    with pytest.raises(ValidationError) as refused:
        services.assessment_save(
            assessment=assessment, user=people.alice, answers=LOW_ANSWERS, submit=True
        )
    unanswered = set(assessment.instrument.parsed.items) - set(LOW_ANSWERS)
    assert set(refused.value.message_dict) == unanswered | {"answers"}
    assessment.refresh_from_db()
    assert (assessment.answers, assessment.status) == (LOW_ANSWERS, AssessmentStatus.DRAFT)


def test_saving_with_submit_sends_a_complete_assessment(people) -> None:
    assessment = services.assessment_start(young_person=people.maya, assessor=people.alice)
    services.assessment_save(
        assessment=assessment, user=people.alice, answers=complete(HIGH_ANSWERS), submit=True
    )
    assessment.refresh_from_db()
    assert (assessment.status, assessment.score) == (AssessmentStatus.SUBMITTED, 20)


def test_creating_in_one_go_is_all_or_nothing(people) -> None:
    with pytest.raises(ValidationError):
        services.assessment_create(
            young_person=people.maya, assessor=people.alice, answers=LOW_ANSWERS, submit=True
        )
    assert not Assessment.objects.exists()


def test_saving_answers_alone_keeps_the_recorded_judgement(people) -> None:
    assessment = services.assessment_start(young_person=people.maya, assessor=people.alice)
    services.assessment_save(
        assessment=assessment,
        user=people.alice,
        answers=LOW_ANSWERS,
        judgement_level="high",
        judgement_rationale="Disclosed to the school nurse",
    )
    services.assessment_save(assessment=assessment, user=people.alice, answers=NONE_ANSWERS)
    assessment.refresh_from_db()
    assert (assessment.judgement_level, assessment.level) == ("high", "high")


# --- Approval: every missing choice at once, one action per level --------------------------------


def test_approval_names_everything_missing_at_once(people, make_assessment) -> None:
    assessment = make_assessment(
        HIGH_ANSWERS, judgement_level="medium", judgement_rationale="Historic indicators"
    )
    with pytest.raises(ValidationError) as refused:
        services.assessment_approve(assessment=assessment, approved_by=people.manager)
    assert set(refused.value.message_dict) == {"approve_lowering", "partner_agency"}


def test_every_level_has_its_action_on_approval() -> None:
    assert set(services.LEVEL_ACTIONS) == set(LEVEL_ORDER)


def test_a_late_save_of_answers_never_undoes_a_submission(people) -> None:
    # An answer saved as it is ticked can still be on its way when the assessment is submitted.
    assessment = services.assessment_start(young_person=people.maya, assessor=people.alice)
    services.assessment_save(assessment=assessment, user=people.alice, answers=complete({}))
    stale = Assessment.objects.get(pk=assessment.pk)
    services.assessment_submit(assessment=assessment, user=people.alice)
    with pytest.raises(PermissionDenied):
        services.assessment_save(
            assessment=stale, user=people.alice, answers={"groom_cars": "within_6_months"}
        )
    assessment.refresh_from_db()
    assert (assessment.status, assessment.score) == (AssessmentStatus.SUBMITTED, 0)
