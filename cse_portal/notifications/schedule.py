"""Celery beat's sweep of the outbox, every minute (written after every migrate;
``cse_portal.beat``)."""

from __future__ import annotations

from typing import Any

from cse_portal import beat

SWEEP = "notifications: send pending"


def ensure_beat_schedule(apps: Any, using: str = "default") -> None:
    beat.every(
        apps,
        using,
        name=SWEEP,
        task="cse_portal.notifications.tasks.notifications_send_pending",
        seconds=60,
    )
