"""The outbox every app writes its emails to (the core's, so that accounts, referrals and any
later app share one lossless way of telling people things)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Notification(models.Model):
    """An email to everyone holding a role, written in the transaction of what it announces and
    sent later by a worker. A worker claims it for a lease and marks it sent only after sending:
    a worker killed mid-send leaves it claimed until the lease runs out, then any worker sends it.
    At least once, never lost (a worker killed after sending but before marking it may send it
    twice, which is the lesser harm). It holds a link and a reference, never personal data."""

    key = models.CharField(
        max_length=200, unique=True, help_text="What it announces; the same key is sent once."
    )
    recipient_role = models.CharField(max_length=30)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["sent_at", "created_at"], name="notification_pending")]

    def __str__(self) -> str:
        return f"{self.subject} ({'sent' if self.sent_at else 'pending'})"
