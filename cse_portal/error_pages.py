"""The portal's own "Page not found" in the local demo too.

With ``DEBUG`` on, Django answers every 404 with its technical page, which lists every URL pattern
of the portal to anyone, signed in or not. The demo keeps ``DEBUG`` for what it is for (the
embedded SQLite and broker defaults, static files served from the source, the technical page of a
real crash) but a 404 is not a crash: it is what a probe or a mistyped address gets, and the
service's own page (``handler404``) is what production shows. Without ``DEBUG`` Django already
does this itself, so the middleware steps aside."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver
from django.urls.resolvers import URLResolver


class PortalNotFoundMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.DEBUG:
            # An address that matches no pattern never reaches a view (nor process_exception).
            try:
                self._resolver(request).resolve(request.path_info)
            except Resolver404 as missing:
                return self._not_found(request, missing)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if settings.DEBUG and isinstance(exception, Http404):
            return self._not_found(request, exception)
        return None

    def _resolver(self, request: HttpRequest) -> URLResolver:
        return get_resolver(getattr(request, "urlconf", None))

    def _not_found(self, request: HttpRequest, exception: Exception) -> HttpResponse:
        handler = self._resolver(request).resolve_error_handler(404)
        return handler(request, exception)
