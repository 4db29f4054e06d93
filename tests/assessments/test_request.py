from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from assessments import services
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
