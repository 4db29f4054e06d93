"""The one access funnel for CSE risk assessments.

Who sees what (an assessment is seen by whoever may see the young person's record; anything else is
a 404):

=============  ==============================================================================
role           assessments
=============  ==============================================================================
team_manager   every assessment; starts them for any record; approves or returns submitted ones
practitioner   the assessments of the young people allocated to them; starts them; the assessor
               edits a draft or returned assessment, nobody else does
frontline,     none
analyst,
lscb_manager
admin          no assessment; publishes instrument versions (configuration data)
=============  ==============================================================================
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from cse_portal.accounts.roles import Role
from cse_portal.funnel import consult_or_404
from cse_portal.young_people import permissions as yp_permissions
from cse_portal.young_people.models import YoungPerson

from .models import Assessment, AssessmentRequest, AssessmentStatus


def works_assessments(user: Any) -> bool:
    """Practitioners and team managers; no other role sees an assessment."""
    return yp_permissions.works_cases(user)


def is_team_manager(user: Any) -> bool:
    return yp_permissions.is_team_manager(user)


def can_see_team_lists(user: Any) -> bool:
    return works_assessments(user)


def can_assess(user: Any, young_person: YoungPerson) -> bool:
    """Start an assessment of ``young_person``: a practitioner or manager who may see the record."""
    return works_assessments(user) and yp_permissions.can_view_young_person(user, young_person)


def can_view_assessment(user: Any, assessment: Assessment) -> bool:
    return works_assessments(user) and yp_permissions.can_view_young_person(
        user, assessment.young_person
    )


def can_edit_assessment(user: Any, assessment: Assessment) -> bool:
    """Only the assessor changes the answers, and only while it is a draft or returned."""
    return (
        assessment.is_editable
        and user.is_authenticated
        and assessment.assessor_id == user.pk
        and can_view_assessment(user, assessment)
    )


def can_decide_assessment(user: Any, assessment: Assessment) -> bool:
    """Approve or return: the team manager, once submitted."""
    return (
        is_team_manager(user)
        and assessment.status == AssessmentStatus.SUBMITTED
        and can_view_assessment(user, assessment)
    )


def can_publish_instrument(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.ADMIN))


def visible_assessments(user: Any) -> QuerySet[Assessment]:
    """Every assessment ``user`` may see; the base of every read."""
    if not works_assessments(user):
        return Assessment.objects.none()
    return Assessment.objects.filter(
        young_person__in=yp_permissions.visible_young_people(user).values("pk")
    )


def visible_requests(user: Any) -> QuerySet[AssessmentRequest]:
    if not works_assessments(user):
        return AssessmentRequest.objects.none()
    return AssessmentRequest.objects.filter(
        young_person__in=yp_permissions.visible_young_people(user).values("pk")
    )


def get_assessment_for_user(user: Any, pk: Any, *, channel: str = "page") -> Assessment:
    """The assessment, if ``user`` may see it, its consultation audited; ``Http404`` for missing
    and forbidden alike."""
    return consult_or_404(
        user,
        visible_assessments(user).select_related(
            "young_person", "instrument", "assessor", "decided_by"
        ),
        pk,
        what="assessment",
        channel=channel,
        subject_id=lambda assessment: assessment.young_person_id,
    )


def get_young_person_to_assess(user: Any, pk: Any, *, channel: str = "page") -> YoungPerson:
    """The young person, if ``user`` may assess them (its consultation audited); ``Http404``
    otherwise."""
    if not works_assessments(user):
        raise Http404("No such young person")
    return yp_permissions.get_young_person_for_user(user, pk, channel=channel)


def get_request_for_user(user: Any, pk: Any, *, channel: str = "page") -> AssessmentRequest:
    """A request for an assessment of a young person ``user`` may see, its consultation audited;
    ``Http404`` for missing and forbidden alike."""
    return consult_or_404(
        user,
        visible_requests(user).select_related("young_person"),
        pk,
        what="request",
        channel=channel,
        subject_id=lambda request: request.young_person_id,
    )
