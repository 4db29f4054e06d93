from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from cse_portal import navigation

from .second_factor import second_factor_satisfied


def portal(request: HttpRequest) -> dict[str, Any]:
    """What the layout needs: the service name and, for a verified user, the navigation (each
    link's address worked out here, once, with whether it is the page shown)."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated and second_factor_satisfied(request))
    return {
        "service_name": "CSE portal",
        "signed_in": signed_in,
        "navigation": navigation.links_for(user, request.path) if signed_in else [],
        "demo_mode": settings.DEBUG,
    }
