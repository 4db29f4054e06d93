"""``manage.py serve_embedded`` (``make run``): its worker is started again if it stops."""

from __future__ import annotations

import io
import os
import signal
import sys
import threading
import time
from pathlib import Path

from cse_portal.accounts.management.commands.serve_embedded import Worker


def _until(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def test_a_worker_that_stops_is_started_again_until_the_server_stops(monkeypatch):
    monkeypatch.setattr(Worker, "EVERY", 0.02)
    monkeypatch.setattr(Worker, "PAUSE", 0.02)
    report = io.StringIO()
    worker = Worker([sys.executable, "-c", "raise SystemExit(3)"], report=report)
    worker.start()
    watching = threading.Thread(target=worker.watch)
    watching.start()
    assert _until(lambda: worker.starts >= 3)
    worker.stop()
    watching.join(5)
    assert not watching.is_alive()
    assert "The Celery worker stopped (exit code 3); starting it again." in report.getvalue()
    starts = worker.starts
    time.sleep(0.1)
    assert worker.starts == starts


def test_stopping_ends_a_running_worker_and_starts_none():
    worker = Worker([sys.executable, "-c", "import time; time.sleep(60)"], report=io.StringIO())
    worker.start()
    worker.stop()
    assert worker.process.poll() is not None
    worker.watch()  # returns at once: stopping
    assert worker.starts == 1


def test_what_a_dead_worker_leaves_behind_is_ended_before_it_starts_again(tmp_path, monkeypatch):
    # Celery's worker runs beat in a child process, which outlives the worker killed outright and
    # would go on sending the schedule beside the new worker's beat.
    monkeypatch.setattr(Worker, "EVERY", 0.02)
    monkeypatch.setattr(Worker, "PAUSE", 60)
    child_pid = tmp_path / "child"
    parent = (
        "import pathlib, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"pathlib.Path({str(child_pid)!r}).write_text(str(child.pid))\n"
        "time.sleep(60)\n"
    )
    worker = Worker([sys.executable, "-c", parent], report=io.StringIO())
    worker.start()
    assert _until(child_pid.exists)
    child = int(child_pid.read_text())
    watching = threading.Thread(target=worker.watch)
    watching.start()
    os.kill(worker.pid, signal.SIGKILL)
    assert _until(lambda: worker.starts == 2)
    assert _until(lambda: not _running(child))
    worker.stop()
    watching.join(5)


def _running(pid):
    """Whether ``pid`` is a process still running (an ended one may wait to be reaped)."""
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in {"Z", "X"}
