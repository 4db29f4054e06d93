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
    # django-otp gives ``is_verified`` only to the session's user; a user authenticated by an API
    # token (whose request may still render a page: the API docs, an error page) has none.
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return True
    return not settings.REQUIRE_SECOND_FACTOR and bool(request.session.get(SKIPPED_SESSION_KEY))
