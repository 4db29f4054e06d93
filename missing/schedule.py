"""Celery beat's schedule for missing episodes: open episodes past the long-episode rule fire it
without waiting for the return, and the episode tally's ledger is folded together every night
(``cse_portal.beat``)."""

from __future__ import annotations

from typing import Any

from cse_portal import beat

LONG_EPISODES = "missing: fire the long-episode rule for open episodes"
TALLY_COMPACT = "missing: fold the episode tally's ledger together"


def ensure_beat_schedule(apps: Any, using: str = "default") -> None:
    beat.every(
        apps, using, name=LONG_EPISODES, task="missing.tasks.long_episodes_check", seconds=900
    )
    beat.daily(
        apps, using, name=TALLY_COMPACT, task="missing.tasks.episode_tally_compact", hour="4"
    )
