"""API authentication: a token, or a browser session once its second factor has been passed."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.request import Request

from .backends import remember_role, role_of
from .second_factor import second_factor_satisfied

#: Built once: the expression is copied, not changed, by each query that uses it.
_ROLE_OF_TOKEN_USER = role_of("user_id")
#: What a token can be (DRF makes 40 hexadecimal characters): anything else is refused before
#: the database is asked (a NUL byte in the header would otherwise fail in the driver).
_TOKEN_SHAPE = re.compile(r"[0-9A-Za-z]{1,40}")


class StaffTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, reading the token, its user, their agency and their role in
    one query (as ``StaffBackend`` does for a session)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        if not _TOKEN_SHAPE.fullmatch(key):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        tokens = self.get_model().objects.select_related("user", "user__agency")
        try:
            token = tokens.annotate(role_name=_ROLE_OF_TOKEN_USER).get(key=key)
        except self.get_model().DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return remember_role(token.user, token.role_name), token


class VerifiedSessionAuthentication(SessionAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None or not second_factor_satisfied(request._request):
            return None
        return result


class VerifiedSessionScheme(SessionScheme):
    """Describes the verified session in the OpenAPI document like Django's session cookie."""

    target_class = VerifiedSessionAuthentication
