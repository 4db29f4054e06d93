"""After ``make run`` the README's commands work as typed, in a shell with nothing exported: the
Makefile writes a local ``.env`` that the settings read. Without that file the portal is in
production mode and still refuses to start without its secrets.

Run in a copy of the project, so that the developer's own ``.env`` and ``var/`` are untouched."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
# The project's own files, and every feature app (a top-level folder with an ``apps.py``), so an
# app added later is copied without anyone remembering to list it here.
SOURCES = [
    "manage.py",
    "Makefile",
    "cse_portal",
    "templates",
    *sorted(path.parent.name for path in BASE_DIR.glob("*/apps.py")),
]


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("clone")
    for name in SOURCES:
        source = BASE_DIR / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, root / name)
    return root


def typed(clone: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """``command`` as a user types it: the venv's ``python`` on the path, nothing else set."""
    path = f"{Path(sys.executable).parent}{os.pathsep}/usr/bin{os.pathsep}/bin"
    return subprocess.run(
        list(command),
        cwd=clone,
        env={"PATH": path, "HOME": str(clone)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_without_the_local_file_the_portal_refuses_to_start_without_its_secrets(clone):
    assert not (clone / ".env").exists()
    result = typed(clone, "python", "manage.py", "check")
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_readme_commands_work_as_typed_after_make_run(clone):
    # The steps of ``make run`` before it serves: its local settings, var/, then migrate.
    made = typed(clone, "make", "--no-print-directory", ".env")
    assert made.returncode == 0, made.stderr
    (clone / "var").mkdir()
    assert (clone / ".env").stat().st_mode & 0o077 == 0, "the secret key is its owner's only"
    migrated = typed(clone, "python", "manage.py", "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr

    seeded = typed(clone, "python", "manage.py", "seed_demo", "--json")
    assert seeded.returncode == 0, seeded.stderr
    roles = {row["role"] for row in json.loads(seeded.stdout)}
    assert "team_manager" in roles

    token = typed(clone, "python", "manage.py", "issue_api_token", "team_manager")
    assert token.returncode == 0, token.stderr
    assert len(token.stdout.strip().splitlines()[-1]) == 40
