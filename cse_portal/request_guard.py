"""Refuse, before any view runs, input that no page or API operation can use.

- A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` answers 413. Django enforces that limit only when it
  reads a form; DRF reads a JSON body straight from the stream, so without this check the API would
  accept (and store, and render) any size.
- A NUL character in the address or the query string answers 400. PostgreSQL cannot hold NUL in
  text, so a search containing one would otherwise fail in the database with a 500. Form fields are
  left to the forms and serializers, whose fields already refuse NUL with a field error and keep
  everything else that was typed; JSON bodies are checked by ``cse_portal.api.PortalJSONParser``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from . import errors

NUL_IN_ADDRESS = (
    "The web address contains a character that is not allowed (NUL, %00). Remove it and try again."
)


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class RequestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        # Files in a multipart form are bounded by the upload handlers, not this limit; Django
        # still applies it to the form's other fields when the form is read.
        multipart = request.content_type == "multipart/form-data"
        if limit is not None and not multipart and _content_length(request) > limit:
            return errors.error_response(request, 413)
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return errors.error_response(request, 400, NUL_IN_ADDRESS)
        return self.get_response(request)
