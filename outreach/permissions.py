"""The one access funnel for outreach, training and participation.

Who sees what (anything else is a 404, or a 403 for a page the role never uses):

=================  ================================================================================
role               outreach
=================  ================================================================================
practitioner,      plan and record outreach sessions (all of them), keep the register of
team_manager       businesses and community groups, record training they deliver, read the
                   participation feedback and record participation activities (and correct
                   those they recorded)
frontline of a     plan and record outreach sessions; see (in their list too) and record the
youth service or   sessions they planned, recorded or are named on as a worker, and those of their
the voluntary      agency; keep the register; record training they deliver
sector
any other staff    their own training record, and the training sessions they delivered or
(not admin)        attended
team_manager       also: every training session, the team's training records and the sectors
                   reached, the train-the-trainer cascade, and the e-learning import
lscb_manager,      their own training record only (figures come with the reports)
admin
the public         the feedback form only (no account)
=================  ================================================================================

Training sessions and participation activities are corrected by whoever recorded them, and by the
team manager; anyone else gets a 404 for the correction page, even for a session they may see.

The workers named on a session (``OutreachSession.workers``) are chosen among ``outreach_workers``:
active accounts of the roles above that go out on outreach (practitioners, team managers, and
frontline staff of a youth service or the voluntary sector; never admin, LSCB manager or analyst),
of an agency taking part in the session. Whoever is named therefore may see the session, and
record it. Colleagues without an account are named in free text (``other_workers``).

An outreach session's plan (when, where, the agencies and workers taking part) is changed while the
session is planned, by whoever plans outreach and may see the session; once recorded, its plan is
what happened and the change page is a 404, as it is for a session the user may not see.

Sessions are planned straight from intelligence's hot-spot list and pattern alerts by those who may
see them (``intelligence.permissions``: practitioners, the team manager, the analyst); frontline
staff see no intelligence, so they are named on such sessions, and plan at any place they find by
name or postcode (the plan page's finder, ``/api/v1/outreach-sessions/places/``).

A session is recorded once it has started. Recording again corrects the record: a correction that
changes nothing writes nothing; a young person the worker can see may be unlinked, one they
cannot see stays linked.

Young people engaged in a session are listed to a worker only when the worker may see their record
(``young_people.permissions``); the count is for everyone who sees the session. Every session,
premises, training session and activity handed out by a ``get_..._for_user`` function here has its
consultation audited.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from cse_portal.accounts.models import AgencyKind
from cse_portal.accounts.roles import ALL_ROLES, STAFF_WORKING_CASES, Role
from cse_portal.funnel import consult_or_404
from cse_portal.young_people import permissions as yp_permissions

from .models import (
    OutreachSession,
    ParticipationActivity,
    Premises,
    SessionStatus,
    TrainingSession,
)

#: Agencies whose frontline staff go out on outreach.
OUTREACH_AGENCY_KINDS = frozenset({AgencyKind.YOUTH_SERVICE, AgencyKind.VCS})
#: Every staff role with a training record (everyone but nobody).
TRAINED_ROLES = frozenset(ALL_ROLES)
#: Who delivers training and records it.
TRAINER_ROLES = frozenset(ALL_ROLES) - {Role.ADMIN, Role.LSCB_MANAGER}


def _has(user: Any, *roles: str) -> bool:
    return bool(user.is_authenticated and user.has_role(*roles))


def is_team_manager(user: Any) -> bool:
    return _has(user, Role.TEAM_MANAGER)


def works_cases(user: Any) -> bool:
    return _has(user, *STAFF_WORKING_CASES)


def can_do_outreach(user: Any) -> bool:
    """Practitioners, the team manager, and frontline staff of youth services and the voluntary
    sector plan and record sessions and keep the register."""
    if works_cases(user):
        return True
    agency = getattr(user, "agency", None) if user.is_authenticated else None
    return bool(
        _has(user, Role.FRONTLINE) and agency is not None and agency.kind in OUTREACH_AGENCY_KINDS
    )


def outreach_workers() -> QuerySet[Any]:
    """The staff who may be named as workers taking part in a session: active accounts for whom
    ``can_do_outreach`` holds, in one query (the role is read from the groups in the database,
    not user by user). Admin and LSCB accounts never, even with a second role."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    going = users.filter(is_active=True).filter(
        Q(groups__name__in=STAFF_WORKING_CASES)
        | Q(groups__name=Role.FRONTLINE, agency__kind__in=OUTREACH_AGENCY_KINDS)
    )
    never = users.filter(groups__name__in=[Role.ADMIN, Role.LSCB_MANAGER])
    return users.filter(pk__in=going.values("pk")).exclude(pk__in=never.values("pk"))


def can_record_training(user: Any) -> bool:
    return _has(user, *TRAINER_ROLES)


def can_see_training_record(user: Any) -> bool:
    return _has(user, *TRAINED_ROLES)


def can_import_elearning(user: Any) -> bool:
    return is_team_manager(user)


def can_see_participation(user: Any) -> bool:
    return works_cases(user)


# --- Outreach sessions ---------------------------------------------------------------------------


def visible_sessions(user: Any) -> QuerySet[OutreachSession]:
    if works_cases(user):
        return OutreachSession.objects.all()
    if not can_do_outreach(user):
        return OutreachSession.objects.none()
    return OutreachSession.objects.filter(
        pk__in=OutreachSession.objects.filter(
            Q(planned_by=user) | Q(recorded_by=user) | Q(workers=user) | Q(agencies=user.agency_id)
        ).values("pk")
    )


def get_session_for_user(user: Any, pk: Any, *, channel: str = "page") -> OutreachSession:
    """A session ``user`` may see, its consultation audited; ``Http404`` for missing and forbidden
    alike."""
    return consult_or_404(
        user,
        visible_sessions(user).select_related("place", "alert", "planned_by", "recorded_by"),
        pk,
        what="outreach session",
        channel=channel,
        subject_id=lambda session: None,
        subjects=lambda session: _engaged_shown(user, session),
    )


def _engaged_shown(user: Any, session: OutreachSession) -> list[str]:
    """The young people linked to ``session`` whose names ``user`` is shown with it."""
    return [
        str(pk)
        for pk in session.engagements.filter(
            young_person__in=yp_permissions.visible_young_people(user)
        ).values_list("young_person_id", flat=True)
    ]


def editable_sessions(user: Any) -> QuerySet[OutreachSession]:
    """Sessions whose plan ``user`` may change: those still planned that they may see, for whoever
    plans outreach."""
    if not can_do_outreach(user):
        return OutreachSession.objects.none()
    return visible_sessions(user).filter(status=SessionStatus.PLANNED)


def can_edit_session(user: Any, session: OutreachSession) -> bool:
    return editable_sessions(user).filter(pk=session.pk).exists()


def get_session_for_editing(user: Any, pk: Any, *, channel: str = "page") -> OutreachSession:
    """A session whose plan ``user`` may change, its consultation audited; ``Http404`` for one
    already recorded or one they may not see."""
    return consult_or_404(
        user,
        editable_sessions(user).select_related("place", "alert", "planned_by", "recorded_by"),
        pk,
        what="outreach session",
        channel=channel,
        subject_id=lambda session: None,
    )


# --- Premises ------------------------------------------------------------------------------------


def visible_premises(user: Any) -> QuerySet[Premises]:
    if not can_do_outreach(user):
        return Premises.objects.none()
    return Premises.objects.all()


def get_premises_for_user(user: Any, pk: Any, *, channel: str = "page") -> Premises:
    return consult_or_404(
        user,
        visible_premises(user),
        pk,
        what="premises",
        channel=channel,
        subject_id=lambda p: None,
    )


# --- Training ------------------------------------------------------------------------------------


def visible_training_sessions(user: Any) -> QuerySet[TrainingSession]:
    """The team manager: every session. Anyone else: those they delivered, attended or
    recorded."""
    if is_team_manager(user):
        return TrainingSession.objects.all()
    if not can_see_training_record(user):
        return TrainingSession.objects.none()
    return TrainingSession.objects.filter(
        pk__in=TrainingSession.objects.filter(
            Q(trainer=user) | Q(attendees=user) | Q(recorded_by=user)
        ).values("pk")
    )


def get_training_session_for_user(user: Any, pk: Any, *, channel: str = "page") -> TrainingSession:
    return consult_or_404(
        user,
        visible_training_sessions(user).select_related("course", "trainer", "recorded_by"),
        pk,
        what="training session",
        channel=channel,
        subject_id=lambda s: None,
    )


def editable_training_sessions(user: Any) -> QuerySet[TrainingSession]:
    """Whoever may record training corrects the sessions they recorded; the team manager, any."""
    if is_team_manager(user):
        return TrainingSession.objects.all()
    if not can_record_training(user):
        return TrainingSession.objects.none()
    return TrainingSession.objects.filter(recorded_by=user)


def can_edit_training_session(user: Any, session: TrainingSession) -> bool:
    return editable_training_sessions(user).filter(pk=session.pk).exists()


def get_training_session_for_editing(
    user: Any, pk: Any, *, channel: str = "page"
) -> TrainingSession:
    """A training session ``user`` may correct, its consultation audited; ``Http404`` for one
    they may only see, as for one they may not see at all."""
    return consult_or_404(
        user,
        editable_training_sessions(user).select_related("course", "trainer", "recorded_by"),
        pk,
        what="training session",
        channel=channel,
        subject_id=lambda s: None,
    )


def get_import_for_user(user: Any, pk: Any, *, channel: str = "page") -> Any:
    from .models import ElearningImport

    visible = (
        ElearningImport.objects.all()
        if can_import_elearning(user)
        else ElearningImport.objects.none()
    )
    return consult_or_404(
        user,
        visible.select_related("uploaded_by"),
        pk,
        what="e-learning import",
        channel=channel,
        subject_id=lambda i: None,
    )


# --- Participation -------------------------------------------------------------------------------


def visible_activities(user: Any) -> QuerySet[ParticipationActivity]:
    if not can_see_participation(user):
        return ParticipationActivity.objects.none()
    return ParticipationActivity.objects.all()


def visible_feedback(user: Any) -> QuerySet[Any]:
    from .models import Feedback

    if not can_see_participation(user):
        return Feedback.objects.none()
    return Feedback.objects.all()


def editable_activities(user: Any) -> QuerySet[ParticipationActivity]:
    """Whoever recorded an activity corrects it; the team manager, any."""
    if is_team_manager(user):
        return ParticipationActivity.objects.all()
    if not can_see_participation(user):
        return ParticipationActivity.objects.none()
    return ParticipationActivity.objects.filter(recorded_by=user)


def can_edit_activity(user: Any, activity: ParticipationActivity) -> bool:
    return editable_activities(user).filter(pk=activity.pk).exists()


def get_activity_for_editing(user: Any, pk: Any) -> ParticipationActivity:
    return consult_or_404(
        user,
        editable_activities(user),
        pk,
        what="participation activity",
        channel="page",
        subject_id=lambda a: None,
    )
