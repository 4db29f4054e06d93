"""Signing in: the user read with what every request then asks of them, their agency and role."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db.models import OuterRef, Subquery

from .models import User
from .roles import ALL_ROLES


def role_of(user_ref: str) -> Subquery:
    """The role (group) name of the user that the outer query's ``user_ref`` names."""
    role = Group.objects.filter(user=OuterRef(user_ref), name__in=ALL_ROLES).order_by("name")
    return Subquery(role.values("name")[:1])


def remember_role(user: User, role: str | None) -> User:
    """Fill ``User.role`` (a cached property) with the role read beside the user."""
    user.__dict__["role"] = role
    return user


#: Built once: the expression is copied, not changed, by each query that uses it.
_ROLE_OF_USER = role_of("pk")


class StaffBackend(ModelBackend):
    """The session's user with their agency and role in one query instead of three: the layout
    names both on every page, and every audit entry records them."""

    def get_user(self, user_id: Any) -> User | None:
        users = User._default_manager.select_related("agency").annotate(role_name=_ROLE_OF_USER)
        try:
            user = users.get(pk=user_id)
        except User.DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        return remember_role(user, user.role_name)  # type: ignore[attr-defined]
