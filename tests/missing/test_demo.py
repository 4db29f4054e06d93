from __future__ import annotations

from types import SimpleNamespace

from assessments.models import AssessmentRequest
from cse_portal.accounts.models import AgencyKind
from cse_portal.young_people.models import FlagKind
from missing import demo
from missing.models import InterviewStatus, MissingEpisode, PhilomenaProfile, ReturnInterview
from tests.factories import make_young_person


def test_demo_seed_makes_the_issue_scenes_once(people) -> None:
    context = SimpleNamespace(
        users={
            "team_manager": people.manager,
            f"frontline_{AgencyKind.SOCIAL_CARE}": people.frank,
            f"frontline_{AgencyKind.POLICE}": people.fiona,
        },
        young_people=[make_young_person(people.manager) for _ in range(13)],
        log=[],
    )
    demo.seed(context)
    child = context.young_people[8]
    assert PhilomenaProfile.objects.get(young_person=child).medication
    assert MissingEpisode.objects.filter(young_person=child).count() == 3
    assert child.flags.filter(kind=FlagKind.REPEAT_MISSING, removed_at__isnull=True).exists()
    assert AssessmentRequest.objects.filter(young_person=child, source_app="missing").exists()
    interviews = ReturnInterview.objects.all()
    assert any(i.is_overdue for i in interviews)
    done = interviews.get(status=InterviewStatus.DONE, young_person=context.young_people[11])
    assert done.within_72_hours is True
    assert interviews.filter(status=InterviewStatus.DECLINED).count() == 1
    assert MissingEpisode.objects.filter(status="missing").exists()
    count = MissingEpisode.objects.count()
    demo.seed(context)
    assert MissingEpisode.objects.count() == count
    assert context.log[-1] == "Missing episodes already present"
