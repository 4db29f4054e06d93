"""The embedded run of ``make run``: a Celery worker (with beat) beside Django's server, on the
embedded defaults. Ctrl-C stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

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
        worker = subprocess.Popen(
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
        )
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
        try:
            call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False)
        finally:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()
