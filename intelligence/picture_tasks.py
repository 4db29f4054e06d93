"""Celery: the pattern alerts' nightly sweep, and its place in beat's schedule
(``cse_portal.beat``: written after every migrate or flush of the database)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from cse_portal import beat

SWEEP = "intelligence: pattern alerts nightly sweep"
SWEEP_TASK = "intelligence.picture_tasks.alerts_sweep"


@shared_task(name=SWEEP_TASK, acks_late=True)
def alerts_sweep() -> dict[str, int]:
    """Celery beat, nightly: raise or update every pattern alert the rule finds now (the link-time
    rule misses what changes with time alone, and a link made while the rule was off)."""
    from .alerts import alerts_sweep as sweep

    return sweep()


def ensure_beat_schedule(apps: Any, using: str = "default") -> None:
    beat.daily(
        apps, using, name=SWEEP, task=SWEEP_TASK, hour=str(settings.INTELLIGENCE_ALERT_SWEEP_HOUR)
    )
