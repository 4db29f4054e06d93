"""The admin site for system administrators: configuration only, behind the same sign-in."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .accounts.roles import Role
from .accounts.second_factor import second_factor_satisfied


class PortalAdminSite(AdminSite):
    site_header = "CSE portal administration"
    site_title = "CSE portal administration"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return (
            super().has_permission(request)
            and user.has_role(Role.ADMIN)
            and second_factor_satisfied(request)
        )

    @login_not_required
    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # One sign-in for everyone: password and second factor on the portal's own page. A signed-in
        # user who is not an administrator is refused rather than sent round the sign-in again.
        if second_factor_satisfied(request):
            raise PermissionDenied
        next_url = request.GET.get("next", reverse("admin:index"))
        return HttpResponseRedirect(f"{reverse('accounts:login')}?{urlencode({'next': next_url})}")


class PortalAdminConfig(AdminConfig):
    default_site = "cse_portal.admin_site.PortalAdminSite"
