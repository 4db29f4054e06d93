"""Deny by default: every page needs a signed-in user who has passed the second factor."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.middleware import (
    LoginRequiredMiddleware as DjangoLoginRequiredMiddleware,
)
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from rest_framework.views import APIView

from .second_factor import second_factor_satisfied


def _is_api_view(view_func: Callable[..., Any]) -> bool:
    view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
    return isinstance(view_class, type) and issubclass(view_class, APIView)


#: When the session's expiry was last renewed (seconds since the epoch).
RENEWED_AT = "_renewed_at"
#: What a session key Django made can be (32 lower-case letters and digits, at most 40 kept):
#: a cookie holding anything else (a NUL byte, 1 MB) names no session and is never looked up.
_SESSION_KEY_SHAPE = re.compile(r"[a-z0-9]{8,40}")


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's sessions, with the idle timeout renewed at most once every
    ``SESSION_RENEW_SECONDS`` rather than by a database write on every request
    (``SESSION_SAVE_EVERY_REQUEST``): a signed-in page then costs no write of its own for the
    session. A session with nothing in it (the public pages) is never saved, so they still set
    no cookie."""

    def process_request(self, request: HttpRequest) -> None:
        key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if key is not None and not _SESSION_KEY_SHAPE.fullmatch(key):
            key = None
        request.session = self.SessionStore(key)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            renewed = session.get(RENEWED_AT, 0)
            now = int(time.time())
            # Read, a cookie naming no live session leaves it empty: nothing to renew.
            if not session.is_empty() and now - renewed >= settings.SESSION_RENEW_SECONDS:
                session[RENEWED_AT] = now  # modified: saved with a fresh expiry
        return super().process_response(request, response)


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Django's deny-by-default middleware, except that API views authenticate themselves and
    answer 401 (DRF's default permission is ``IsAuthenticated``)."""

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if _is_api_view(view_func):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class SecondFactorRequiredMiddleware:
    """A user who has given a password but not yet a code may only reach the code pages, logout
    and the public pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if not request.user.is_authenticated or _is_api_view(view_func):
            return None
        if not getattr(view_func, "login_required", True):
            return None  # public pages and the login steps themselves
        if getattr(view_func, "second_factor_step", False):
            return None
        if second_factor_satisfied(request):
            return None
        url = reverse("accounts:verify")
        return HttpResponseRedirect(f"{url}?{urlencode({'next': request.get_full_path()})}")


class NoStoreMiddleware:
    """Pages carry personal data: browsers and proxies must not keep copies of them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
        return response
