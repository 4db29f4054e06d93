"""The embedded run of ``make run``: a Celery worker (with beat) beside Django's server, on the
embedded defaults, started again if it stops while the server runs. Ctrl-C stops both."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import Any, TextIO

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Serve the portal with a Celery worker beside it (local demo only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("serve_embedded is for the local demo; production runs gunicorn.")
        from cse_portal.young_people.management.commands.seed_demo import (
            demo_logins,
            format_logins,
        )

        settings.CELERY_BROKER_FOLDER.mkdir(parents=True, exist_ok=True)
        worker = Worker(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "cse_portal",
                "worker",
                "--beat",
                "--loglevel=INFO",
                "--concurrency=1",
            ],
            report=self.stderr,
        )
        worker.start()
        address = f"http://{options['host']}:{options['port']}/"
        logins = demo_logins()
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"CSE portal: {address}"))
        self.stdout.write(f"Celery worker running (pid {worker.pid}); Ctrl-C stops both.")
        if logins:
            self.stdout.write(format_logins(logins))
        if not settings.REQUIRE_SECOND_FACTOR:
            self.stdout.write(
                "Second factor: the code page offers 'Continue without a code' (demo only)."
            )
        self.stdout.write("")
        watching = threading.Thread(target=worker.watch, daemon=True)
        watching.start()
        # The worker has a session of its own (``Worker.start``), so the terminal's hang-up or a
        # kill does not reach it: either ends the server here, which stops the worker.
        for ending in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(ending, _end_serving)
        try:
            call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False)
        finally:
            worker.stop()


class Worker:
    """The worker's process: ``watch()`` starts it again whenever it stops, until ``stop()``.
    Without it a worker that died (an error it could not recover from, the machine short of
    memory) left the demo serving pages with nothing sequencing the audit log or sending mail."""

    #: Seconds between two looks at the process, and at least between two starts.
    EVERY = 1.0
    PAUSE = 5.0

    def __init__(self, command: Sequence[str], report: TextIO) -> None:
        self.command, self.report = list(command), report
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.stopping = threading.Event()
        self.lock = threading.Lock()  # no start once stopping: no worker is left behind

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self) -> None:
        # A process group of its own, so that what it leaves behind when it dies (beat's
        # process, which would go on sending the schedule beside the new worker's) can be ended.
        self.process = subprocess.Popen(  # noqa: S603 (this command's own)
            self.command, start_new_session=True
        )
        self.starts += 1

    def watch(self) -> None:
        while not self.stopping.wait(self.EVERY):
            code = self.process.poll() if self.process else None
            if code is None or self.stopping.is_set():
                continue
            with self.lock:
                if self.stopping.is_set():
                    return
                self.report.write(
                    f"The Celery worker stopped (exit code {code}); starting it again."
                )
                _end_group(self.process, signal.SIGKILL)
                self.start()
            self.stopping.wait(self.PAUSE)

    def stop(self) -> None:
        with self.lock:
            self.stopping.set()
            process = self.process
        if process is None or process.poll() is not None:
            _end_group(process, signal.SIGKILL)
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        _end_group(process, signal.SIGKILL)


def _end_serving(signum: int, frame: Any) -> None:
    raise SystemExit(0)


def _end_group(process: subprocess.Popen[bytes] | None, sig: int) -> None:
    """Send ``sig`` to what is left of ``process``'s group (its children), if anything is."""
    if process is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
