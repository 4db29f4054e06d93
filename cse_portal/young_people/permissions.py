"""The one access funnel for young people's records.

Who sees what (every read starts from ``visible_young_people``; anything else is a 404):

=============  ==============================================================================
role           young people's records
=============  ==============================================================================
team_manager   every current record; creates, allocates, merges, closes involvement, and sees
               who has read a record (the access log)
practitioner   the records allocated to them (a guardian object grant); edits them, adds case
               notes and flags
frontline      none (sees the status and outcome of their own referrals in ``referrals``)
analyst        none here (intelligence has its own funnel)
lscb_manager   none (aggregate figures only, in ``reports``)
admin          none (configuration only)
=============  ==============================================================================

Chronology entries carry an audience: the case team sees ``case`` entries, team managers also
``managers``. A merged-away record is never handed out. Grants are made, revoked and read only here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from guardian.shortcuts import assign_perm, remove_perm

from cse_portal.accounts.models import User
from cse_portal.accounts.roles import Role
from cse_portal.funnel import consult_or_404, id_or_404

from .models import ChronologyAudience, Flag, YoungPerson, YoungPersonUserObjectPermission

ALLOCATION_PERMISSION = "young_people.work_with_youngperson"
ALLOCATION_CODENAME = "work_with_youngperson"


def is_team_manager(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.TEAM_MANAGER))


def works_cases(user: Any) -> bool:
    """Practitioners and team managers work young people's records; no other role does."""
    return bool(user.is_authenticated and user.has_role(Role.PRACTITIONER, Role.TEAM_MANAGER))


def can_search_young_people(user: Any) -> bool:
    return works_cases(user)


def can_create_young_person(user: Any) -> bool:
    return is_team_manager(user)


def can_allocate(user: Any) -> bool:
    return is_team_manager(user)


def can_merge(user: Any) -> bool:
    return is_team_manager(user)


def can_see_access_log(user: Any) -> bool:
    return is_team_manager(user)


def can_manage_involvement(user: Any) -> bool:
    return is_team_manager(user)


def can_respond_to_partner_offers(user: Any) -> bool:
    """The team manager records a partner agency's reply, or withdraws the offer."""
    return is_team_manager(user)


def visible_young_people(user: Any) -> QuerySet[YoungPerson]:
    """Every current (unmerged) record ``user`` may see; the base of every read."""
    records = YoungPerson.objects.current()
    if is_team_manager(user):
        return records
    if user.is_authenticated and user.has_role(Role.PRACTITIONER):
        return records.filter(
            user_grants__user=user, user_grants__permission__codename=ALLOCATION_CODENAME
        )
    return records.none()


def can_view_young_person(user: Any, young_person: YoungPerson) -> bool:
    if young_person.merged_into_id is not None or not works_cases(user):
        return False
    if is_team_manager(user):
        return True
    return is_allocated(user, young_person)


def can_edit_young_person(user: Any, young_person: YoungPerson) -> bool:
    return can_view_young_person(user, young_person)


def is_allocated(user: Any, young_person: YoungPerson) -> bool:
    return YoungPersonUserObjectPermission.objects.filter(
        user=user, content_object=young_person, permission__codename=ALLOCATION_CODENAME
    ).exists()


def get_young_person_for_user(user: Any, pk: Any, *, channel: str = "page") -> YoungPerson:
    """The record, if ``user`` may see it, its consultation audited (``channel`` says where it
    was shown); ``Http404`` for missing and forbidden alike."""
    return consult_or_404(
        user,
        visible_young_people(user),
        pk,
        what="young person",
        channel=channel,
        subject_id=lambda record: record.pk,
    )


def get_survivor_for_user(user: Any, pk: Any) -> YoungPerson:
    """The record that the merged-away record ``pk`` was merged into, if ``user`` may see it;
    ``Http404`` otherwise, the same as for a missing record. (A merge repoints every earlier
    merge at the new survivor, so one step is enough.)"""
    survivor_id = (
        YoungPerson.objects.filter(pk=id_or_404(pk, what="young person"), merged_into__isnull=False)
        .values_list("merged_into", flat=True)
        .first()
    )
    if survivor_id is None:
        raise Http404("No such young person")
    return get_young_person_for_user(user, survivor_id)


def get_active_flag(young_person: YoungPerson, flag_pk: Any) -> Flag:
    """A flag still raised on a record the caller was already allowed to open; 404 otherwise."""
    flag = Flag.objects.filter(
        young_person=young_person, pk=flag_pk, removed_at__isnull=True
    ).first()
    if flag is None:
        raise Http404("No such flag")
    return flag


def visible_chronology_audiences(user: Any) -> list[str]:
    if is_team_manager(user):
        return [ChronologyAudience.CASE, ChronologyAudience.MANAGERS]
    return [ChronologyAudience.CASE]


def allocated_users(young_person: YoungPerson) -> QuerySet[User]:
    return User.objects.filter(
        pk__in=yp_grants_for_allocation(young_person).values("user")
    ).select_related("agency")


def yp_grants_for_allocation(
    young_person: YoungPerson,
) -> QuerySet[YoungPersonUserObjectPermission]:
    return YoungPersonUserObjectPermission.objects.filter(
        content_object=young_person, permission__codename=ALLOCATION_CODENAME
    )


def grant_allocation(user: User, young_person: YoungPerson) -> None:
    """Make the object grant. Called only by ``services.young_person_allocate``."""
    assign_perm(ALLOCATION_PERMISSION, user, young_person)


def revoke_allocation(user: User, young_person: YoungPerson) -> None:
    """Revoke the object grant. Called only by ``services.young_person_deallocate``."""
    remove_perm(ALLOCATION_PERMISSION, user, young_person)
