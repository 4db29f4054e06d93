"""``make bench`` runs from a fresh clone: no ``var/`` folder exists before it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.mark.skipif("DATABASE_URL" in os.environ, reason="the SQLite default is what is checked")
def test_bench_creates_its_var_folder_on_a_fresh_clone(tmp_path):
    var = tmp_path / "fresh-clone" / "var"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env |= {"VAR_DIR": str(var), "BENCH_SIZE": "smoke", "BENCH_REPEAT": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "bench"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| young people list |" in result.stdout
    assert "| reference: the layout and one audit entry |" in result.stdout
    assert "| LSCB dashboard, " in result.stdout and "| team manager dashboard |" in result.stdout
    assert "| analyst dashboard, " in result.stdout
    assert "MISSING" not in result.stdout and "answered " not in result.stdout
    assert "Annual review " in result.stdout and "status done" in result.stdout
    assert " 0 pages" not in result.stdout
    assert "verify_audit:" in result.stdout and "intact=True" in result.stdout
    # The intelligence picture's benchmark is named, and left to PostgreSQL.
    assert "intelligence picture's benchmark needs PostgreSQL" in result.stdout
    assert (var / "bench-smoke.sqlite3").exists(), "kept for the next run to reuse"
