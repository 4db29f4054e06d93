"""``manage.py serve_embedded`` (``make run``): its worker is started again if it stops."""

from __future__ import annotations

import io
import sys
import threading
import time

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
