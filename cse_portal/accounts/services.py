"""Writes to staff accounts. Every change of access is announced on ``staff_access_changed`` so the
audit log records it in the same transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from cse_portal.notifications.services import notification_queue

from .models import Agency, User
from .roles import ALL_ROLES, READS_CASE_DATA, Role
from .signals import api_token_issued, staff_access_changed


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    role: str,
    agency: Agency | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    in_colocated_team: bool = False,
    created_by: User | None = None,
) -> User:
    """Create a staff user with exactly one role."""
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        agency=agency,
        in_colocated_team=in_colocated_team,
        is_staff=role == "admin",
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    user_set_role(user=user, role=role, changed_by=created_by)
    return user


@transaction.atomic
def user_set_role(*, user: User, role: str, changed_by: User | None) -> None:
    """Give ``user`` exactly one role; admin users are also Django staff, for the admin site."""
    if role not in ALL_ROLES:
        raise ValueError(f"unknown role {role!r}")
    previous = user.role if user.pk else None
    others = [g for g in user.groups.all() if g.name in ALL_ROLES and g.name != role]
    if others:
        user.groups.remove(*others)
    user.groups.add(Group.objects.get(name=role))
    user.__dict__.pop("role", None)
    if user.is_staff != (role == "admin"):
        user.is_staff = role == "admin"
        user.save(update_fields=["is_staff"])
    if previous != role:
        staff_access_changed.send(
            sender=User, user=user, changed_by=changed_by, changes={"role": [previous, role]}
        )
        if role in READS_CASE_DATA:
            _tell_team_managers_of_case_access(user=user, role=role, changed_by=changed_by)


def _tell_team_managers_of_case_access(*, user: User, role: str, changed_by: User | None) -> None:
    """Through the outbox, so the email leaves only if the change commits, and is never lost."""
    now = timezone.now()
    agency = f", {user.agency}" if user.agency_id else ""
    by = f"{changed_by} ({changed_by.username})" if changed_by else "a system command"
    notification_queue(
        key=f"accounts:role:{user.pk}:{role}:{now.isoformat()}",
        recipient_role=Role.TEAM_MANAGER,
        subject="A staff account has been given access to case data",
        body=(
            f"{user} ({user.username}{agency}) was given the role "
            f"\u201c{Role(role).label}\u201d by {by} on "
            f"{timezone.localtime(now):%d %b %Y at %H:%M}.\n\n"
            "That role reads young people's records. If you did not expect it, ask your system "
            "administrator to check the account today."
        ),
    )


@transaction.atomic
def user_deactivate(*, user: User, changed_by: User | None) -> None:
    """Deactivate a user and end every session and token they hold, everywhere."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    Token.objects.filter(user=user).delete()
    _end_sessions_of(user)
    staff_access_changed.send(
        sender=User, user=user, changed_by=changed_by, changes={"is_active": [True, False]}
    )


def _end_sessions_of(user: User) -> None:
    # Inactive users are refused by the authentication backend on their next request anyway; this
    # also removes the stored sessions so nothing lingers.
    key = str(user.pk)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == key:
            session.delete()


@transaction.atomic
def user_reset_second_factor(*, user: User, changed_by: User | None) -> None:
    """Remove the user's authenticator devices and sessions: they enrol again at next sign-in."""
    TOTPDevice.objects.filter(user=user).delete()
    _end_sessions_of(user)
    staff_access_changed.send(
        sender=User, user=user, changed_by=changed_by, changes={"second_factor": ["set", "reset"]}
    )


_ACCESS_FIELDS = ("in_colocated_team", "is_active")


def user_access_snapshot(user: User) -> dict[str, Any]:
    """What of ``user``'s access is stored now (agency, team membership, active state)."""
    stored = User.objects.filter(pk=user.pk).values("agency__name", *_ACCESS_FIELDS).first()
    return stored or {}


@transaction.atomic
def user_access_record_changes(
    *, user: User, before: dict[str, Any], changed_by: User | None
) -> None:
    """Announce the changes of agency, team membership or active state made since ``before``
    (a ``user_access_snapshot``) by an edit outside these services, such as the admin form, so
    the audit log records them as permission changes."""
    after = user_access_snapshot(user)
    changes = {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }
    if changes:
        staff_access_changed.send(sender=User, user=user, changed_by=changed_by, changes=changes)


@transaction.atomic
def api_token_issue(*, user: User, issued_by: User | None = None) -> str:
    """Issue a fresh API token for ``user``, replacing any previous one."""
    if not user.is_active:
        raise ValueError("cannot issue a token to an inactive user")
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    api_token_issued.send(sender=User, user=user, issued_by=issued_by)
    return token.key
