from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from assessments import selectors, services
from assessments.models import Assessment

# Significant indicators score 5 when current; moderate indicators and vulnerabilities score 1.
HIGH_ANSWERS = {
    "groom_cars": "within_6_months",
    "groom_older_partner": "within_6_months",
    "missing_overnight": "within_6_months",
    "health_sti": "within_6_months",
}  # 20: high
MEDIUM_ANSWERS = {
    "groom_cars": "within_6_months",
    "health_sti": "within_6_months",
    "vul_homeless": "present",
}  # 11: medium
LOW_ANSWERS = {"groom_cars": "within_6_months", "vul_homeless": "present"}  # 6: low
NONE_ANSWERS: dict[str, str] = {"vul_homeless": "present"}  # 1: no apparent risk


def complete(answers: dict[str, str]) -> dict[str, str]:
    """Every item of the current instrument answered: ``answers``, the rest not present."""
    definition = selectors.current_definition()
    assert definition is not None
    return {code: answers.get(code, item.absent_value) for code, item in definition.items.items()}


@pytest.fixture
def make_assessment(people) -> Callable[..., Assessment]:
    """``make_assessment(answers, status="submitted", young_person=..., assessor=...)``."""

    def make(
        answers: dict[str, str],
        *,
        status: str = "submitted",
        young_person: Any = None,
        assessor: Any = None,
        approve: dict[str, Any] | None = None,
        **judgement: Any,
    ) -> Assessment:
        young_person = young_person or people.maya
        assessor = assessor or people.alice
        assessment = services.assessment_start(young_person=young_person, assessor=assessor)
        services.assessment_save(
            assessment=assessment, user=assessor, answers=complete(answers), **judgement
        )
        if status in {"submitted", "approved"}:
            services.assessment_submit(assessment=assessment, user=assessor)
        if status == "approved":
            options = (
                {"partner_agency": people.vcs} if assessment.level in {"low", "medium"} else {}
            )
            options.update(approve or {})
            services.assessment_approve(
                assessment=assessment, approved_by=people.manager, **options
            )
        assessment.refresh_from_db()
        return assessment

    return make
