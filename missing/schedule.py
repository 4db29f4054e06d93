"""Celery beat's schedule for missing episodes: open episodes past the long-episode rule fire it
without waiting for the return (``cse_portal.beat``)."""

from __future__ import annotations

from typing import Any

from cse_portal import beat

LONG_EPISODES = "missing: fire the long-episode rule for open episodes"


def ensure_beat_schedule(apps: Any, using: str = "default") -> None:
    beat.every(
        apps, using, name=LONG_EPISODES, task="missing.tasks.long_episodes_check", seconds=900
    )
