"""Who intelligence tells, through the core's outbox (``cse_portal.notifications``): each written
in the transaction of what it announces and sent by a worker once that commits, never lost.

- A recipient of a dissemination (a named user, or every active user of a recipient agency who may
  receive intelligence) is told that something was shared with them, with the reference and a
  link: one email per recipient row, addressed when it is sent, so a recipient withdrawn or
  deactivated by then is not written to.
- A high-priority submission (a threat to life, an imminent risk to a child) tells the analysts.

The emails hold a reference and a link, never the intelligence, its grading or anyone's name."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from cse_portal.accounts.roles import Role
from cse_portal.notifications.models import Notification
from cse_portal.notifications.services import notification_queue

from .handling import NON_RECIPIENT_ROLES
from .models import DisseminationRecipient, IntelligenceItem, Priority
from .permissions import SUBMITTER_ROLES

#: The outbox audience of the recipients of one dissemination row (``register_audience``).
RECIPIENT_AUDIENCE = "intelligence_recipient"
_RECIPIENT_KEY = "intelligence:shared:"


def _link(name: str, pk: Any) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, kwargs={"pk": pk})


def recipient_notice_key(row: DisseminationRecipient) -> str:
    return f"{_RECIPIENT_KEY}{row.pk}"


def dissemination_notify(item: IntelligenceItem, rows: list[DisseminationRecipient]) -> None:
    """One notification per recipient row of a new dissemination."""
    conditions = (
        "\n\nIts handling conditions must be accepted before it can be read."
        if item.conditions_need_acknowledgement
        else ""
    )
    link = _link("intelligence:received_item", item.pk)
    for row in rows:
        to = "you" if row.user_id else "your agency"
        notification_queue(
            key=recipient_notice_key(row),
            recipient_role=RECIPIENT_AUDIENCE,
            subject=f"Intelligence {item.reference} has been shared with {to}",
            body=(
                f"The CSE team's analyst has shared intelligence {item.reference} with {to}."
                f"{conditions}\n\nRead it in the CSE portal: {link}\n\n"
                "This email holds no intelligence. Sign in to read it, and share it no further "
                "than its handling code allows."
            ),
        )


def recipient_emails(notification: Notification) -> list[str]:
    """The addresses a dissemination notice goes to, worked out when it is sent: the named user
    if still active and in a role that receives intelligence; for an agency, every such user of
    it. Nobody once the dissemination has been withdrawn."""
    from cse_portal.accounts.models import User

    pk = notification.key.removeprefix(_RECIPIENT_KEY)
    if not pk.isdigit():
        return []
    row = (
        DisseminationRecipient.objects.filter(pk=int(pk), withdrawn_at__isnull=True)
        .select_related("user")
        .first()
    )
    if row is None:
        return []
    if row.user_id:
        user = row.user
        if not user.is_active or user.role is None or user.role in NON_RECIPIENT_ROLES:
            return []
        return [user.email]
    users = User.objects.filter(
        agency_id=row.agency_id, is_active=True, groups__name__in=SUBMITTER_ROLES
    ).exclude(email="")
    return list(users.values_list("email", flat=True).distinct())


def high_priority_notify(item: IntelligenceItem) -> None:
    """Tell the analysts a high-priority item is on the desk (once per item)."""
    if item.priority != Priority.HIGH:
        return
    link = _link("intelligence:review", item.pk)
    notification_queue(
        key=f"intelligence:{item.pk}:high",
        recipient_role=Role.ANALYST,
        subject=f"High-priority intelligence {item.reference} is waiting on the desk",
        body=(
            f"Intelligence {item.reference} was submitted as high priority: a threat to life or "
            f"an imminent risk to a child.\n\nReview it in the CSE portal: {link}\n\n"
            "This email holds no intelligence. Sign in to read it."
        ),
    )
