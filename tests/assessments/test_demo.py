from __future__ import annotations

from types import SimpleNamespace

from assessments import demo
from assessments.models import Assessment, AssessmentStatus
from cse_portal.accounts.models import AgencyKind
from tests.factories import make_young_person


def test_demo_seed_makes_varied_assessments_once(people) -> None:
    context = SimpleNamespace(
        users={"team_manager": people.manager, "practitioner": people.alice},
        agencies={AgencyKind.VCS: people.vcs},
        young_people=[people.maya, people.noah]
        + [make_young_person(people.manager) for _ in range(8)],
        log=[],
    )
    demo.seed(context)
    approved = Assessment.objects.filter(status=AssessmentStatus.APPROVED)
    levels = set(approved.values_list("level", flat=True))
    assert {"high", "medium", "no_apparent_risk"} <= levels
    count = Assessment.objects.count()
    demo.seed(context)
    assert Assessment.objects.count() == count
    assert context.log[-1] == "Assessments already present"
