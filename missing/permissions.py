"""The one access funnel for missing episodes, return home interviews, Philomena profiles and the
police import.

Who sees what (anything else is a 404):

=============  ==============================================================================
role           missing episodes, interviews, profiles, imports
=============  ==============================================================================
team_manager   every episode (the missing-now board), every interview (due, overdue, done),
               every profile; assigns interviewers, names and revokes carers, imports the
               police's reports and resolves the match queue
practitioner   the episodes, interviews and profiles of the young people allocated to them;
               names carers for them; reports episodes
interviewer    any staff user (of the agency chosen for the interview) sees the interview
               assigned to them and its episode, and records attempts and the interview
carer          a frontline user named carer of one young person (an object grant on the
               profile): keeps that child's profile (photo, send to police), reports that
               child missing and sees the episodes they reported; nothing else of the record
reporter       any staff user but LSCB and admin reports an episode (search before create,
               only among the records they may see) and sees the episodes they reported,
               records the return and the police's grade changes; the rules that fired on
               an episode (which speak of the record's history) only if they may see the
               record
analyst        reports episodes; sees what reaches them as intelligence (its own funnel)
lscb_manager   none (aggregate figures only, in ``reports``)
admin          none (configuration only)
=============  ==============================================================================

A photo is served only through ``get_profile_for_user``; the file sits outside the web root.
Carer grants are made, revoked and read only here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from guardian.shortcuts import assign_perm, remove_perm

from cse_portal.accounts.models import User
from cse_portal.accounts.roles import Role
from cse_portal.funnel import consult_or_404
from cse_portal.young_people import permissions as yp_permissions
from cse_portal.young_people.models import YoungPerson

from .models import (
    ImportMatch,
    MatchStatus,
    MissingEpisode,
    PhilomenaProfile,
    PoliceImport,
    ProfileUserObjectPermission,
    ReturnInterview,
)

CARER_PERMISSION = "missing.keep_philomenaprofile"
CARER_CODENAME = "keep_philomenaprofile"

#: Every staff role but oversight and administration may report a child missing.
REPORTER_ROLES = frozenset({Role.FRONTLINE, Role.PRACTITIONER, Role.TEAM_MANAGER, Role.ANALYST})
#: Who may be named carer: a frontline user (a residential home's or foster carer's account).
CARER_ROLES = frozenset({Role.FRONTLINE})
#: Who may be chosen to interview: anyone who works with children in a partner agency.
INTERVIEWER_ROLES = frozenset({Role.FRONTLINE, Role.PRACTITIONER, Role.TEAM_MANAGER})


def _signed_in(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated)


def is_team_manager(user: Any) -> bool:
    return yp_permissions.is_team_manager(user)


def works_cases(user: Any) -> bool:
    return yp_permissions.works_cases(user)


def can_report(user: Any) -> bool:
    return _signed_in(user) and user.has_role(*REPORTER_ROLES)


def can_see_board(user: Any) -> bool:
    """The missing-now board and the interview lists: the team."""
    return works_cases(user)


def can_import(user: Any) -> bool:
    return is_team_manager(user)


def can_assign_interview(user: Any) -> bool:
    return is_team_manager(user)


# --- Carers ---------------------------------------------------------------------------------------


def cared_for_profiles(user: Any) -> QuerySet[PhilomenaProfile]:
    """The profiles ``user`` was named carer of."""
    if not (_signed_in(user) and user.has_role(*CARER_ROLES)):
        return PhilomenaProfile.objects.none()
    return PhilomenaProfile.objects.filter(
        user_grants__user=user, user_grants__permission__codename=CARER_CODENAME
    )


def is_carer_of(user: Any, young_person: YoungPerson) -> bool:
    return cared_for_profiles(user).filter(young_person=young_person).exists()


def can_be_carer(user: Any) -> bool:
    return bool(user.is_active and user.has_role(*CARER_ROLES))


def can_name_carer(user: Any, young_person: YoungPerson) -> bool:
    """A practitioner allocated to the young person, or the team manager."""
    return yp_permissions.can_edit_young_person(user, young_person)


def carers_of(profile: PhilomenaProfile) -> QuerySet[User]:
    return User.objects.filter(
        pk__in=ProfileUserObjectPermission.objects.filter(
            content_object=profile, permission__codename=CARER_CODENAME
        ).values("user")
    ).select_related("agency")


def grant_carer(user: User, profile: PhilomenaProfile) -> None:
    """Make the object grant. Called only by ``services.carer_name``."""
    assign_perm(CARER_PERMISSION, user, profile)


def revoke_carer(user: User, profile: PhilomenaProfile) -> None:
    """Revoke the object grant. Called only by ``services.carer_revoke``."""
    remove_perm(CARER_PERMISSION, user, profile)


# --- Episodes -------------------------------------------------------------------------------------


def visible_episodes(user: Any) -> QuerySet[MissingEpisode]:
    """Every episode ``user`` may see; the base of every read."""
    if not _signed_in(user):
        return MissingEpisode.objects.none()
    if is_team_manager(user):
        return MissingEpisode.objects.all()
    rule = Q(reported_by=user) | Q(interview__interviewer=user)
    if works_cases(user):
        rule |= Q(young_person__in=yp_permissions.visible_young_people(user).values("pk"))
    return MissingEpisode.objects.filter(rule)


def can_view_episode(user: Any, episode: MissingEpisode) -> bool:
    return visible_episodes(user).filter(pk=episode.pk).exists()


def can_record_return(user: Any, episode: MissingEpisode) -> bool:
    """Whoever may see the episode, while it is open (a carer, the reporter, the team)."""
    return episode.is_open and can_view_episode(user, episode)


def can_change_grade(user: Any, episode: MissingEpisode) -> bool:
    return can_view_episode(user, episode)


def get_episode_for_user(user: Any, pk: Any, *, channel: str = "page") -> MissingEpisode:
    """The episode, if ``user`` may see it, its consultation audited; ``Http404`` for missing and
    forbidden alike."""
    return consult_or_404(
        user,
        visible_episodes(user).select_related(
            "young_person", "reported_by__agency", "found_location", "interview__interviewer"
        ),
        pk,
        what="missing episode",
        channel=channel,
        subject_id=lambda episode: episode.young_person_id,
    )


def young_people_to_report(user: Any) -> QuerySet[YoungPerson]:
    """The records ``user`` may choose when reporting: those they may see, and the child they
    care for."""
    if not can_report(user):
        return YoungPerson.objects.none()
    cared = YoungPerson.objects.current().filter(
        pk__in=cared_for_profiles(user).values("young_person")
    )
    return yp_permissions.visible_young_people(user) | cared


def get_young_person_to_report(user: Any, pk: Any, *, channel: str = "page") -> YoungPerson:
    """A record ``user`` may report missing, its consultation audited; ``Http404`` otherwise."""
    return consult_or_404(
        user,
        young_people_to_report(user),
        pk,
        what="young person",
        channel=channel,
        subject_id=lambda record: record.pk,
    )


# --- Interviews -----------------------------------------------------------------------------------


def visible_interviews(user: Any) -> QuerySet[ReturnInterview]:
    if not _signed_in(user):
        return ReturnInterview.objects.none()
    if is_team_manager(user):
        return ReturnInterview.objects.all()
    rule = Q(interviewer=user)
    if works_cases(user):
        rule |= Q(young_person__in=yp_permissions.visible_young_people(user).values("pk"))
    return ReturnInterview.objects.filter(rule)


def can_record_interview(user: Any, interview: ReturnInterview) -> bool:
    """The interviewer assigned, or the team manager, while the interview is due."""
    if not _signed_in(user) or interview.status != "due":
        return False
    return interview.interviewer_id == user.pk or is_team_manager(user)


def can_share_findings(user: Any, interview: ReturnInterview) -> bool:
    """Whoever recorded it (or the team manager), once held, and only once."""
    return (
        _signed_in(user)
        and interview.status == "done"
        and interview.intelligence_item_id is None
        and (interview.interviewer_id == user.pk or is_team_manager(user))
    )


def get_interview_for_user(user: Any, pk: Any, *, channel: str = "page") -> ReturnInterview:
    return consult_or_404(
        user,
        visible_interviews(user).select_related(
            "young_person", "episode", "agency", "interviewer", "completed_by"
        ),
        pk,
        what="return home interview",
        channel=channel,
        subject_id=lambda interview: interview.young_person_id,
    )


def interviewer_choices(agency: Any, young_person: YoungPerson) -> QuerySet[User]:
    """Independent people of ``agency``: active users who interview, but not a practitioner
    allocated to the young person (the interviewer is independent by default)."""
    allocated = yp_permissions.allocated_users(young_person).values("pk")
    return (
        User.objects.filter(agency=agency, is_active=True, groups__name__in=INTERVIEWER_ROLES)
        .exclude(pk__in=allocated)
        .select_related("agency")
        .order_by("last_name", "first_name", "username")
        .distinct()
    )


# --- Profiles -------------------------------------------------------------------------------------


def visible_profiles(user: Any) -> QuerySet[PhilomenaProfile]:
    if not _signed_in(user):
        return PhilomenaProfile.objects.none()
    if is_team_manager(user):
        return PhilomenaProfile.objects.filter(young_person__merged_into__isnull=True)
    carer = Q(pk__in=cared_for_profiles(user).values("pk"))
    if works_cases(user):
        carer |= Q(young_person__in=yp_permissions.visible_young_people(user).values("pk"))
    return PhilomenaProfile.objects.filter(carer, young_person__merged_into__isnull=True)


def can_edit_profile(user: Any, profile: PhilomenaProfile) -> bool:
    return visible_profiles(user).filter(pk=profile.pk).exists()


def get_profile_for_user(user: Any, pk: Any, *, channel: str = "page") -> PhilomenaProfile:
    return consult_or_404(
        user,
        visible_profiles(user).select_related("young_person", "updated_by"),
        pk,
        what="Philomena profile",
        channel=channel,
        subject_id=lambda profile: profile.young_person_id,
    )


def get_young_person_for_carers(user: Any, pk: Any) -> YoungPerson:
    """The record whose carers ``user`` may name (audited); ``Http404`` otherwise."""
    if not works_cases(user):
        raise Http404("No such young person")
    return yp_permissions.get_young_person_for_user(user, pk, channel="carers page")


def carer_choices() -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True, groups__name__in=CARER_ROLES)
        .select_related("agency")
        .order_by("agency__name", "last_name", "first_name")
    )


# --- Imports --------------------------------------------------------------------------------------


def visible_imports(user: Any) -> QuerySet[PoliceImport]:
    if not can_import(user):
        return PoliceImport.objects.none()
    return PoliceImport.objects.all()


def get_import_for_user(user: Any, pk: Any, *, channel: str = "page") -> PoliceImport:
    """An import (its counts and rejected lines, whose reasons may quote a row), its consultation
    audited; ``Http404`` for anyone but the team manager."""
    return consult_or_404(
        user, visible_imports(user), pk, what="import", channel=channel, subject_id=lambda i: None
    )


def match_queue(user: Any) -> QuerySet[ImportMatch]:
    if not can_import(user):
        return ImportMatch.objects.none()
    return ImportMatch.objects.filter(status=MatchStatus.WAITING)


def get_match_for_user(user: Any, pk: Any, *, channel: str = "page") -> ImportMatch:
    return consult_or_404(
        user,
        match_queue(user).select_related("police_import"),
        pk,
        what="import match",
        channel=channel,
        subject_id=lambda match: None,
    )
