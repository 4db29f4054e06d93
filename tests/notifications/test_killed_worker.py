"""A real Celery worker is killed (SIGKILL) while its mail server hangs mid-send. The notification
is not lost: it stays claimed until its lease runs out, is left alone before then, and beat's sweep
sends it afterwards.

The worker is a separate process, so the scenario runs on its own SQLite file and filesystem
broker (the test database in memory is invisible to other processes). What is tested is a
process's death, not the database engine; the lease's queries run on both engines in
``test_services.py``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Long enough to outlast the start of the two processes that check the lease is held.
LEASE_SECONDS = 15


def scenario_env(tmp_path: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    return keep | {
        "DJANGO_SETTINGS_MODULE": "cse_portal.settings",
        "ENV_FILE": os.devnull,
        "DEBUG": "true",
        "SECRET_KEY": "killed-worker-test-" + "x" * 40,
        "VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'outbox.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://",
        "NOTIFICATION_LEASE_SECONDS": str(LEASE_SECONDS),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "sent"),
        "BLOCKING_BACKEND_MARK": str(tmp_path / "sending"),
    }


def django(env: dict[str, str], code: str) -> str:
    """Run ``code`` in a fresh Django process; its last printed line, JSON-decoded by callers."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


STATE = (
    "import json; from django.utils import timezone;"
    "from cse_portal.notifications.models import Notification as N;"
    "n = N.objects.get(key='test:killed');"
    "print(json.dumps({'sent': n.sent_at is not None, 'leased': bool(n.claimed_until and "
    "n.claimed_until > timezone.now()), 'attempts': n.attempts}))"
)
SWEEP = (
    "from cse_portal.notifications.tasks import notifications_send_pending as sweep;print(sweep())"
)


def test_an_email_survives_its_worker_being_killed_mid_send(tmp_path):
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
    # A team manager with an address, and a notification handed to the broker on commit.
    django(
        env,
        "from django.db import transaction;"
        "from cse_portal.accounts.services import user_create;"
        "from cse_portal.notifications.models import Notification;"
        "from cse_portal.notifications.services import notification_queue;"
        "user_create(username='manager', email='manager@example.org',"
        " role='team_manager', password=None, agency=None);"
        # The manager's own role notice is not what this test sends.
        "Notification.objects.all().delete();"
        "transaction.atomic(lambda: notification_queue(key='test:killed', "
        "recipient_role='team_manager', subject='Killed worker', body='A link'))()",
    )

    worker_env = env | {"EMAIL_BACKEND": "tests.notifications.blocking_backend.BlockingBackend"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cse_portal", "worker", "--pool=solo"],
        cwd=BASE_DIR,
        env=worker_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while not (tmp_path / "sending").exists():
            assert worker.poll() is None, "the worker stopped on its own"
            assert time.monotonic() < deadline, "the worker never began sending"
            time.sleep(0.2)
        worker.send_signal(signal.SIGKILL)  # mid-send: nothing of the worker runs after this
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()

    killed_at = time.monotonic()
    killed = json.loads(django(env, STATE))
    assert killed == {"sent": False, "leased": True, "attempts": 1}
    # Before the lease runs out beat's sweep leaves it alone (the worker might still be sending).
    assert django(env, SWEEP) == "0"
    assert not (tmp_path / "sent").exists()
    assert time.monotonic() - killed_at < LEASE_SECONDS, "the checks above outlasted the lease"

    time.sleep(max(0.0, LEASE_SECONDS + 1 - (time.monotonic() - killed_at)))
    assert django(env, SWEEP) == "1"
    assert json.loads(django(env, STATE)) == {"sent": True, "leased": False, "attempts": 2}
    [email] = list((tmp_path / "sent").iterdir())
    text = email.read_text()
    assert "Subject: Killed worker" in text
    assert "manager@example.org" in text
