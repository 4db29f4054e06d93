"""Access rules for staff accounts."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from .roles import Role


def can_list_staff(user: Any) -> bool:
    """Team managers list staff so they can allocate work; nobody else browses colleagues."""
    return user.is_authenticated and user.has_role(Role.TEAM_MANAGER)


class CanListStaff(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return can_list_staff(request.user)
