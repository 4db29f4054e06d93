"""Small helpers every app's views share, so each page handles refusals and service errors alike."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError


def require(allowed: bool) -> None:
    """Refuse (403) an action the user's role does not allow. Records the user may not see are
    refused earlier, by the app's ``get_..._for_user`` funnel, with a 404."""
    if not allowed:
        raise PermissionDenied


def show_service_errors(
    form: Any, error: ValidationError, field_for: dict[str, str] | None = None
) -> None:
    """Show a service's validation error on the form: under the field it names (``field_for``
    maps a service's field name to the form's), otherwise at the top of the error summary."""
    field_for = field_for or {}
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            target = field_for.get(name, name)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, error)
