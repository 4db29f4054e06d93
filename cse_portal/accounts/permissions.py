"""Access rules for staff accounts.

=============  ==============================================================================
role           staff accounts
=============  ==============================================================================
team_manager   lists staff (name, agency, role) so work can be allocated, pages and API
admin          manages agencies and staff in /admin/ (roles, deactivation, second-factor reset)
everyone else  sees only their own account
=============  ==============================================================================
"""

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
