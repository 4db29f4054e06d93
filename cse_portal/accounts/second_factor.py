"""Whether a signed-in user has passed the second factor on this session."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

SKIPPED_SESSION_KEY = "second_factor_skipped"


def second_factor_satisfied(request: HttpRequest) -> bool:
    """True when the session's user verified a TOTP code, or (local demo only) chose to skip it."""
    user = request.user
    if not user.is_authenticated:
        return False
    if user.is_verified():
        return True
    return not settings.REQUIRE_SECOND_FACTOR and bool(request.session.get(SKIPPED_SESSION_KEY))
