"""Writing to and sending from the outbox. Every app tells people things through
``notification_queue``; the worker sends with ``notification_send`` and beat sweeps what is left
with ``notifications_send_pending``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)


def recipient_emails(role: str) -> list[str]:
    """The addresses of the active users holding ``role`` (a group name)."""
    users = get_user_model().objects.filter(is_active=True, groups__name=role)
    return sorted(set(users.exclude(email="").values_list("email", flat=True)))


#: Audiences other than a role: an app that tells named people registers, under a name it then
#: gives as ``recipient_role``, how to find their addresses from the notification (its ``key``)
#: when it is sent, so someone who has left by then is not written to. The core never imports
#: the app.
_audiences: dict[str, Callable[[Notification], list[str]]] = {}


def register_audience(name: str, resolver: Callable[[Notification], list[str]]) -> None:
    """Add (or replace) the audience ``name`` (at most 30 characters, not a role's name)."""
    _audiences[name] = resolver


def notification_emails(notification: Notification) -> list[str]:
    """Who the notification goes to: its registered audience's addresses, else the role's."""
    resolver = _audiences.get(notification.recipient_role)
    if resolver is not None:
        return sorted({email for email in resolver(notification) if email})
    return recipient_emails(notification.recipient_role)


def notification_queue(*, key: str, recipient_role: str, subject: str, body: str) -> Notification:
    """Write the notification in the caller's transaction and hand it to a worker once that
    commits. The same ``key`` twice is one notification."""
    notification, _ = Notification.objects.get_or_create(
        key=key, defaults={"recipient_role": recipient_role, "subject": subject, "body": body}
    )
    notification.full_clean()
    transaction.on_commit(lambda: _hand_to_worker(notification.pk))
    return notification


def _hand_to_worker(notification_id: int) -> None:
    """If the broker does not answer, the row stays pending and beat's sweep sends it later."""
    from .tasks import notification_send

    try:
        notification_send.apply_async((notification_id,), retry=False)
    except Exception:  # the broker's errors vary with the transport; none may fail the request
        logger.warning("Broker unavailable: notification %s kept in the outbox", notification_id)


def _claimable(now: datetime) -> QuerySet[Notification]:
    return Notification.objects.filter(sent_at__isnull=True).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    )


def notification_send(*, notification_id: int) -> bool:
    """Send one notification; False if it was sent already or another worker holds its lease.

    The claim is committed before sending (autocommit, outside any transaction), so another
    worker sees the lease; ``sent_at`` is written only once the mail server has accepted it."""
    now = timezone.now()
    lease = timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
    claimed = (
        _claimable(now)
        .filter(pk=notification_id)
        .update(claimed_until=now + lease, attempts=F("attempts") + 1)
    )
    if not claimed:
        return False
    notification = Notification.objects.get(pk=notification_id)
    try:
        send_mail(
            notification.subject,
            notification.body,
            None,
            notification_emails(notification),
        )
    except Exception:
        # Free the lease at once: a retry need not wait for it to run out.
        Notification.objects.filter(pk=notification_id).update(claimed_until=None)
        raise
    Notification.objects.filter(pk=notification_id).update(
        sent_at=timezone.now(), claimed_until=None
    )
    return True


def notifications_send_pending() -> int:
    """Send every notification still waiting whose lease (if any) has run out: the broker was
    down, or a worker died. Run by Celery beat every minute."""
    sent = 0
    pending = _claimable(timezone.now()).values_list("pk", flat=True)
    for notification_id in list(pending[:500]):
        try:
            sent += notification_send(notification_id=notification_id)
        except Exception:
            logger.exception("Notification %s not sent; will retry", notification_id)
    return sent
