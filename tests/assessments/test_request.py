from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

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
