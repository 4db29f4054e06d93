"""Reads of staff accounts that depend on who is asking."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import User
from .permissions import can_list_staff
from .roles import Role


def staff_visible_to(user: User) -> QuerySet[User]:
    if not can_list_staff(user):
        return User.objects.none()
    return User.objects.filter(is_active=True).select_related("agency").prefetch_related("groups")


def colocated_practitioners() -> QuerySet[User]:
    """Practitioners of the co-located team: the people work can be allocated to."""
    return User.objects.filter(
        is_active=True, in_colocated_team=True, groups__name=Role.PRACTITIONER
    ).select_related("agency")
