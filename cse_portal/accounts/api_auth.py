"""API authentication: a browser session counts only once its second factor has been passed."""

from __future__ import annotations

from typing import Any

from drf_spectacular.authentication import SessionScheme
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

from .second_factor import second_factor_satisfied


class VerifiedSessionAuthentication(SessionAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None or not second_factor_satisfied(request._request):
            return None
        return result


class VerifiedSessionScheme(SessionScheme):
    """Describes the verified session in the OpenAPI document like Django's session cookie."""

    target_class = VerifiedSessionAuthentication
