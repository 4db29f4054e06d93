"""The portal's error pages (400, 403, 404, 413, 500) and the API's JSON equivalents.

An error page must never fail itself: it is shown when something already went wrong, possibly
while the user, the session or the database was being read. So each page is first rendered with
the full layout and, if that raises, again with nothing but the template and its message, never
Django's bare "Server Error". API paths answer ``{"detail": ...}`` as the rest of the API does.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"

TITLES = {
    400: "Sorry, there is a problem with the request",
    403: "You do not have permission to do that",
    404: "Page not found",
    413: "The form you sent is too large",
    500: "Sorry, there is a problem with the service",
}
BODIES = {
    400: "",
    403: "If you think you should, ask your team manager or system administrator.",
    404: (
        "If you typed the web address, check it is correct. If you followed a link, the record "
        "may not exist or you may not have access to it."
    ),
    413: (
        "Go back, shorten the longest answers and send the form again. Each answer has a "
        "maximum length, shown beside it."
    ),
    500: "Try again later.",
}


def request_too_large_message() -> str:
    limit_kb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
    return f"The request is too large: send at most {limit_kb} KB at a time."


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def error_response(request: HttpRequest, status: int, body: str | None = None) -> HttpResponse:
    """The error page for ``status`` (with ``body`` instead of the usual explanation if given),
    or the API's ``{"detail": ...}`` on API paths."""
    title = TITLES[status]
    if is_api_request(request):
        if body is None and status == 413:
            body = request_too_large_message()
        return JsonResponse({"detail": body or title}, status=status)
    body = BODIES[status] if body is None else body
    context = {"title": title, "body": body}
    try:
        content = loader.render_to_string("error.html", context, request)
    except Exception:
        # The layout reads the user and the session; the cause of the error may be there.
        logger.exception("Error page layout failed; showing the plain error page")
        context["static_url"] = settings.STATIC_URL
        content = loader.render_to_string("error_plain.html", context)
    return HttpResponse(content, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        return error_response(request, 413)
    return error_response(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return error_response(request, 500)
