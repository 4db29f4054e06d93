"""The assessments funnel, tested directly: an assessment is seen by whoever may see the young
person's record, and missing, forbidden and malformed ids all give the same 404."""

from __future__ import annotations

import uuid

import pytest
from django.http import Http404

from assessments import permissions, services
from tests.funnels import (
    RECORD_LADDER,
    assert_funnel_answers,
    assert_last_entry_is_consultation,
    assert_refusal_writes_nothing,
)

from .conftest import LOW_ANSWERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessments(people, make_assessment):
    """alice's draft about Maya (allocated to her) and the manager's submitted one about Noah."""
    return {
        "maya_draft": services.assessment_start(young_person=people.maya, assessor=people.alice),
        "noah_submitted": make_assessment(
            LOW_ANSWERS, young_person=people.noah, assessor=people.manager
        ),
    }


# (persona, assessment, sees, edits, decides)
LADDER = [
    ("manager", "maya_draft", True, False, False),  # not the assessor; not submitted
    ("manager", "noah_submitted", True, False, True),
    ("alice", "maya_draft", True, True, False),  # her own draft, about her allocated record
    ("alice", "noah_submitted", False, False, False),  # Noah is not allocated to her
    ("bob", "maya_draft", False, False, False),
    ("frank", "maya_draft", False, False, False),
    ("ana", "maya_draft", False, False, False),
    ("adam", "noah_submitted", False, False, False),
]


@pytest.mark.parametrize(("persona", "which", "sees", "edits", "decides"), LADDER)
def test_the_funnel_hands_out_only_what_the_rules_allow(
    people, assessments, persona, which, sees, edits, decides
):
    user, assessment = getattr(people, persona), assessments[which]
    assert permissions.can_view_assessment(user, assessment) is sees
    assert permissions.can_edit_assessment(user, assessment) is edits
    assert permissions.can_decide_assessment(user, assessment) is decides
    assert (assessment in permissions.visible_assessments(user)) is sees
    assert_funnel_answers(
        permissions.get_assessment_for_user, user, assessment, allowed=sees, what="assessment"
    )


def test_missing_forbidden_and_malformed_ids_give_the_same_404(people, assessments):
    messages = set()
    for pk in (assessments["noah_submitted"].pk, uuid.uuid4(), "not-an-id"):
        with pytest.raises(Http404) as refused:
            permissions.get_assessment_for_user(people.alice, pk)
        messages.add(str(refused.value))
    assert messages == {"No such assessment"}


@pytest.mark.parametrize(("persona", "record", "may_assess"), RECORD_LADDER)
def test_only_who_may_see_the_record_may_start_an_assessment(people, persona, record, may_assess):
    user, young_person = getattr(people, persona), getattr(people, record)
    assert_funnel_answers(
        permissions.get_young_person_to_assess,
        user,
        young_person,
        allowed=may_assess,
        what="young person",
    )


def test_a_malformed_request_id_is_a_404(people):
    with pytest.raises(Http404, match="No such request"):
        permissions.get_request_for_user(people.manager, "not-an-id")


def test_handing_out_an_assessment_records_its_consultation(people, assessments):
    assessment = assessments["maya_draft"]
    permissions.get_assessment_for_user(people.alice, assessment.pk, channel="api")
    assert_last_entry_is_consultation(
        actor=people.alice, record=assessment, subject_id=people.maya.pk, channel="api"
    )


def test_a_refused_assessment_records_no_consultation(people, assessments):
    assert_refusal_writes_nothing(
        permissions.get_assessment_for_user, people.bob, assessments["maya_draft"]
    )
