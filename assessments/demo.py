"""Demo assessments (synthetic): approved assessments of every level, a history with changes, an
overdue review, one awaiting approval and a request to do. Idempotent: nothing is added when demo
assessments are already there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from cse_portal.accounts.models import AgencyKind
from cse_portal.young_people import permissions as yp_permissions
from cse_portal.young_people.demo_hooks import register

from . import selectors, services
from .models import Assessment

LEVEL_ANSWERS: dict[str, dict[str, str]] = {
    "high": {
        "groom_older_partner": "within_6_months",
        "groom_cars": "within_6_months",
        "missing_overnight": "within_6_months",
        "groom_money_gifts": "present",
        "vul_looked_after": "present",
    },
    "medium": {
        "groom_cars": "within_6_months",
        "health_sti": "6_to_12_months",
        "subs_misuse": "present",
        "edu_absence": "present",
        "vul_homeless": "present",
        "online_unknown_adults": "present",
        "family_breakdown": "present",
    },
    "low": {"online_sexual_images": "within_6_months", "vul_isolation": "present"},
    "none": {"edu_absence": "present"},
}


def _complete(answers: dict[str, str]) -> dict[str, str]:
    definition = selectors.current_definition()
    if definition is None:
        raise RuntimeError("No published instrument: run migrate first")
    return {code: answers.get(code, item.absent_value) for code, item in definition.items.items()}


def _assess(
    young_person: Any,
    assessor: Any,
    manager: Any,
    answers: dict[str, str],
    partner: Any,
    *,
    approve: bool = True,
    days_ago: int = 0,
) -> Assessment:
    assessment = services.assessment_start(young_person=young_person, assessor=assessor)
    services.assessment_save(assessment=assessment, user=assessor, answers=_complete(answers))
    services.assessment_submit(assessment=assessment, user=assessor)
    if approve:
        services.assessment_approve(
            assessment=assessment,
            approved_by=manager,
            partner_agency=partner if assessment.level in {"low", "medium"} else None,
            comments="Agreed.",
        )
    if days_ago:
        # Demo history: move the assessment back in time as if it had been made then.
        when = timezone.now() - dt.timedelta(days=days_ago)
        review_due = (
            services.review_due_for(assessment.level, timezone.localdate(when)) if approve else None
        )
        Assessment.objects.filter(pk=assessment.pk).update(
            created_at=when,
            submitted_at=when,
            decided_at=when if approve else None,
            review_due=review_due,
        )
    return assessment


@register("assessments")
def seed(context: Any) -> None:
    if Assessment.objects.exists():
        context.log.append("Assessments already present")
        return
    manager = context.users["team_manager"]
    practitioner = context.users["practitioner"]
    partner = context.agencies[AgencyKind.VCS]
    people = list(context.young_people)
    if len(people) < 8:
        return
    allocated = [yp for yp in people if yp_permissions.is_allocated(practitioner, yp)]
    others = [yp for yp in people if yp not in allocated]
    first = allocated[0] if allocated else others.pop(0)
    # A history: low, then medium, then high, each replacing the last.
    _assess(first, manager, manager, LEVEL_ANSWERS["low"], partner, days_ago=300)
    _assess(first, manager, manager, LEVEL_ANSWERS["medium"], partner, days_ago=150)
    _assess(first, manager, manager, LEVEL_ANSWERS["high"], partner, days_ago=10)
    for young_person, level in zip(others[:4], ["high", "medium", "low", "none"], strict=False):
        _assess(young_person, manager, manager, LEVEL_ANSWERS[level], partner, days_ago=20)
    # An overdue review: high risk approved more than four weeks ago.
    if len(others) > 5:
        _assess(others[4], manager, manager, LEVEL_ANSWERS["high"], partner, days_ago=45)
    # Awaiting the manager's approval, by the practitioner, and a request still to do.
    if len(allocated) > 1:
        _assess(
            allocated[1], practitioner, manager, LEVEL_ANSWERS["medium"], partner, approve=False
        )
    if len(others) > 6:
        services.assessment_request(
            young_person=others[5],
            requested_by=manager,
            reason="Missing episode with CSE indicators: screen for CSE risk.",
            source_app="assessments",
            suggested_indicators=["missing_overnight", "groom_older_partner"],
        )
    context.log.append("Created demo CSE risk assessments")
