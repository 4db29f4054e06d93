"""The address a request came from, for the login lockout and the audit log."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """``REMOTE_ADDR``; or, behind ``TRUSTED_PROXY_COUNT`` reverse proxies, the address the
    outermost trusted proxy appended to ``X-Forwarded-For``. Entries before it are the client's
    own claims and are never trusted, so nobody can choose the address they are locked out by."""
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [part.strip() for part in header.split(",") if part.strip()]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]
