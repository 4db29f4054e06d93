"""Security events from Django's authentication and the accounts app, written to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from cse_portal.accounts.client_address import client_address
from cse_portal.accounts.signals import (
    api_token_issued,
    second_factor_failed,
    second_factor_passed,
    staff_access_changed,
)

from .models import AuditAction
from .services import audit_record


def _address(request: HttpRequest | None) -> str | None:
    return client_address(request) if request is not None else None


@receiver(user_logged_in)
def _password_accepted(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit_record(
        actor=user,
        action=AuditAction.LOGIN,
        obj=user,
        summary="Password accepted",
        detail={"stage": "password"},
        ip_address=_address(request),
    )


@receiver(second_factor_passed)
def _second_factor_passed(
    sender: Any, user: Any, request: HttpRequest, method: str, **kwargs: Any
) -> None:
    audit_record(
        actor=user,
        action=AuditAction.LOGIN,
        obj=user,
        summary="Signed in",
        detail={"stage": "second_factor", "method": method},
        ip_address=_address(request),
    )


@receiver(user_login_failed)
def _password_refused(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if sender == "cse_portal.accounts.views":
        return  # a wrong code: recorded by _second_factor_failed with the signed-in user
    audit_record(
        actor=None,
        actor_username=str(credentials.get("username", ""))[:150],
        action=AuditAction.LOGIN_FAILED,
        summary="Wrong username or password",
        detail={"stage": "password"},
        ip_address=_address(request),
    )


@receiver(second_factor_failed)
def _second_factor_failed(sender: Any, user: Any, request: HttpRequest, **kwargs: Any) -> None:
    audit_record(
        actor=user,
        action=AuditAction.LOGIN_FAILED,
        obj=user,
        summary="Wrong security code",
        detail={"stage": "second_factor"},
        ip_address=_address(request),
    )


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(
            actor=user,
            action=AuditAction.LOGOUT,
            obj=user,
            summary="Signed out",
            ip_address=_address(request),
        )


@receiver(staff_access_changed)
def _staff_access_changed(
    sender: Any, user: Any, changed_by: Any, changes: dict[str, Any], **kwargs: Any
) -> None:
    audit_record(
        actor=changed_by,
        action=AuditAction.PERMISSION_CHANGE,
        obj=user,
        summary=f"Access of {user.get_username()} changed",
        detail={"changes": changes},
    )


@receiver(api_token_issued)
def _api_token_issued(sender: Any, user: Any, issued_by: Any, **kwargs: Any) -> None:
    audit_record(
        actor=issued_by,
        action=AuditAction.PERMISSION_CHANGE,
        obj=user,
        summary=f"API token issued to {user.get_username()}",
    )
