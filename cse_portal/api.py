"""REST API plumbing every app shares: the JSON parser, the exception handler and the OpenAPI
error responses, so that each app's ``api.py`` holds only its serializers and views.

- The parser refuses JSON nested deeper than ``MAX_JSON_DEPTH`` and any string holding a NUL
  character before a serializer sees it: deep nesting otherwise ends in a ``RecursionError`` (a 500)
  and PostgreSQL refuses NUL in text, so both answer 400 with a message saying what is wrong.
- The exception handler turns a service's Django ``ValidationError`` into DRF's 400
  ``{field: [messages]}``, an over-large body into 413, and a bare list of messages (DRF's search
  filter gives one) into ``{"non_field_errors": [...]}``, so every 400 has the documented shape.
- ``document_error_responses`` adds those answers to every operation of the OpenAPI document, so
  that what the API answers is what the document promises.
"""

from __future__ import annotations

import codecs
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.utils import json
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import request_too_large_message

#: No request the portal documents nests deeper than five levels (an intelligence submission's
#: subjects); twenty leaves room for clients that wrap payloads, and stays far from the recursion
#: limit of anything that walks the data afterwards.
MAX_JSON_DEPTH = 20

NUL_MESSAGE = "Text may not contain the NUL character (\\u0000). Remove it and try again."


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self) -> None:
        super().__init__(request_too_large_message())


def _check_depth_and_nul(data: Any) -> None:
    """Walk the parsed document without recursion (depth is what is being checked)."""
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise exceptions.ParseError(NUL_MESSAGE)
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise exceptions.ParseError(
                f"JSON nested more than {MAX_JSON_DEPTH} levels deep is not accepted."
            )
        if isinstance(value, dict):
            pending.extend((key, depth) for key in value)
            pending.extend((item, depth + 1) for item in value.values())
        else:
            pending.extend((item, depth + 1) for item in value)


class PortalJSONParser(JSONParser):
    """DRF's JSON parser, bounded in depth and refusing NUL characters."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except RecursionError:
            raise exceptions.ParseError(
                f"JSON nested more than {MAX_JSON_DEPTH} levels deep is not accepted."
            ) from None
        except ValueError as error:
            raise exceptions.ParseError(f"JSON parse error - {error}") from None
        _check_depth_and_nul(data)
        return data


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, taught the Django exceptions that services and request parsing raise."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    elif isinstance(exc, TooManyFieldsSent):
        exc = exceptions.ParseError("The request has too many fields.")
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, list):
        exc.detail = {api_settings.NON_FIELD_ERRORS_KEY: exc.detail}
    return drf_exception_handler(exc, context)


# --- OpenAPI -------------------------------------------------------------------------------------

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_FIELD_ERRORS = {
    "type": "object",
    "description": "Field names (or ``non_field_errors``) to lists of messages, or ``detail``.",
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {}},
            {"type": "object"},
            {"type": "string"},
        ]
    },
}


def _json(schema_name: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}
        },
    }


def document_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular post-processing hook: every operation may answer 400 (bad input, including a
    bad query parameter), 401, 403, 404 (an id the caller may not see, a page past the last),
    413 (a body over the limit) and 429 (throttled); each is documented once here."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorDetail"] = _DETAIL
    schemas["ValidationErrors"] = _FIELD_ERRORS
    errors = {
        "400": _json("ValidationErrors", "The request is not valid; nothing was changed."),
        "401": _json("ErrorDetail", "No valid credentials were given."),
        "403": _json("ErrorDetail", "The caller's role may not do this."),
        "404": _json("ErrorDetail", "No such object, or not one the caller may see."),
        "413": _json("ErrorDetail", "The request body is over the size limit."),
        "429": _json("ErrorDetail", "Too many requests; try again later."),
    }
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for code, response in errors.items():
                responses.setdefault(code, response)
    return result
