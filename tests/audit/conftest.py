from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def checkpoint_file(settings, tmp_path) -> Path:
    """Each test has its own checkpoint file, never the one under var/ that a running demo's
    beat writes to."""
    settings.AUDIT_CHECKPOINT_PATH = tmp_path / "audit" / "checkpoints.jsonl"
    return settings.AUDIT_CHECKPOINT_PATH
