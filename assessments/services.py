"""Every write to assessments: keyword-only functions, one transaction each, that check the rule,
write, and record the audit and chronology entries."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from cse_portal.accounts.models import User
from cse_portal.audit.models import AuditAction
from cse_portal.audit.services import audit_record
from cse_portal.young_people.models import YoungPerson
from cse_portal.young_people.services import chronology_add

from .models import AssessmentRequest

SOURCE_APP = "assessments"


@transaction.atomic
def assessment_request(
    *,
    young_person: YoungPerson,
    requested_by: User | None,
    reason: str,
    source_app: str,
    source_object: models.Model | None = None,
) -> AssessmentRequest:
    """Ask the team for a CSE risk assessment of ``young_person`` (referral triage, a missing
    return...). The request shows in the team's list of assessments to do until an assessment of
    the young person is approved."""
    request = AssessmentRequest(
        young_person=young_person,
        requested_by=requested_by,
        reason=reason.strip(),
        source_app=source_app,
        source_object_type=source_object._meta.label_lower if source_object is not None else "",
        source_object_id=str(source_object.pk) if source_object is not None else "",
    )
    request.full_clean()
    request.save()
    detail: dict[str, Any] = {"source_app": source_app}
    if source_object is not None:
        detail["source"] = f"{request.source_object_type}:{request.source_object_id}"
    audit_record(
        actor=requested_by,
        action=AuditAction.ALTER,
        obj=request,
        subject_id=young_person.pk,
        summary="CSE risk assessment requested",
        justification=request.reason,
        detail=detail,
    )
    chronology_add(
        young_person=young_person,
        title="CSE risk assessment requested",
        detail=request.reason,
        source_app=source_app,
        obj=request,
        recorded_by=requested_by,
    )
    return request
