"""A real Celery worker is killed (SIGKILL) in the middle of generating a report. Nothing is lost:
the run stays claimed until its lease runs out, then beat's sweep hands it to the worker that is
back, which completes it, with exactly one file and the requester told once.

As in the outbox's test, the scenario runs on its own SQLite file and filesystem broker, because
the worker is another process (what is tested is the process's death, not the engine)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
LEASE_SECONDS = 8


def scenario_env(tmp_path: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    return keep | {
        "DJANGO_SETTINGS_MODULE": "cse_portal.settings",
        "ENV_FILE": os.devnull,
        "DEBUG": "true",
        "SECRET_KEY": "killed-report-worker-test-" + "x" * 40,
        "VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'reports.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://",
        "REPORTS_RUN_LEASE_SECONDS": str(LEASE_SECONDS),
        "REPORTS_FILE_DIR": str(tmp_path / "files"),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "sent"),
        "SLOW_REPORT_MARK": str(tmp_path / "generating"),
    }


def django(env: dict[str, str], code: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


STATE = (
    "import json; from django.utils import timezone; from reports.models import ReportRun as R;"
    "r = R.objects.get();"
    "print(json.dumps({'status': r.status, 'attempts': r.attempts, 'file': r.file_name,"
    " 'leased': bool(r.claimed_until and r.claimed_until > timezone.now())}))"
)
SWEEP = "from reports.services import reports_resume_stalled as s; print(s())"


def _worker(env: dict[str, str], module: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *module],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_report_survives_its_worker_being_killed_mid_report(tmp_path):
    env = scenario_env(tmp_path)
    (tmp_path / "var" / "celery" / "broker").mkdir(parents=True)
    migrated = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr
    django(
        env,
        "from django.db import transaction;"
        "from cse_portal.accounts.services import user_create;"
        "from reports.services import report_request;"
        "lucy = user_create(username='lucy', email='lucy@example.org', role='lscb_manager',"
        " password=None, agency=None);"
        "transaction.atomic(lambda: report_request(user=lucy, kind='lscb_quarterly',"
        " period='2026-Q3'))()",
    )

    worker = _worker(env, ["-m", "tests.reports.slow_worker"])
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "generating").exists():
            assert worker.poll() is None, "the worker stopped on its own"
            assert time.monotonic() < deadline, "the worker never began the report"
            time.sleep(0.2)
        worker.send_signal(signal.SIGKILL)  # mid-report: nothing of the worker runs after this
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    killed_at = time.monotonic()

    state = json.loads(django(env, STATE))
    assert state["status"] == "running" and state["attempts"] == 1 and not state["file"]
    assert not (tmp_path / "files").exists() or not list((tmp_path / "files").glob("*.pdf"))

    # The worker is back (without the hang); once the lease runs out the sweep queues the run.
    worker = _worker(env, ["-m", "celery", "-A", "cse_portal", "worker", "--pool=solo"])
    try:
        time.sleep(max(0.0, LEASE_SECONDS + 1 - (time.monotonic() - killed_at)))
        assert int(django(env, SWEEP)) >= 0
        deadline = time.monotonic() + 180
        while True:
            state = json.loads(django(env, STATE))
            if state["status"] == "done":
                break
            assert state["status"] != "failed", state
            assert time.monotonic() < deadline, f"never completed: {state}"
            if not state["leased"]:
                django(env, SWEEP)
            time.sleep(2)
        # Let any second delivery of the message arrive: it must change nothing.
        time.sleep(3)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    state = json.loads(django(env, STATE))
    assert state["status"] == "done"
    assert state["attempts"] == 2
    files = sorted(p.name for p in (tmp_path / "files").iterdir())
    assert files == [state["file"]], "exactly one file, no partial ones"
    sent = list((tmp_path / "sent").iterdir())
    assert len(sent) == 1 and "Your report is ready" in sent[0].read_text()
