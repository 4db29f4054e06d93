from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cse_portal.audit import checkpoints
from cse_portal.audit.selectors import verify_chain


class Command(BaseCommand):
    help = (
        "Check the audit log (every entry's keyed MAC, every writer's run, the sequenced chain) "
        "against the signed checkpoints; exit 0 when intact, non-zero naming the first break."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--progress-every",
            type=int,
            default=1_000_000,
            help="Report progress on standard error after every this many entries.",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Processes verifying segments of the log at once (PostgreSQL only; default: "
            "one more than the CPUs, at most 8).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = checkpoints.checkpoint_path()
        try:
            signed = checkpoints.read_all()
        except checkpoints.CheckpointError as error:
            raise CommandError(
                f"Audit checkpoint file {path} cannot be trusted at line {error.line}: "
                f"{error.reason}."
            ) from error
        if not signed:
            # Not a failure: a new installation (or a test) has none yet. But say plainly what
            # cannot be proved without them.
            self.stderr.write(
                f"No checkpoints in {path}: newest entries removed would not be detected."
            )
        started = time.monotonic()

        def progress(checked: int) -> None:
            rate = checked / max(time.monotonic() - started, 1e-9)
            self.stderr.write(f"  {checked:,} entries verified ({rate:,.0f} a second)")

        checked, broken = verify_chain(
            checkpoints=signed,
            progress=progress,
            progress_every=options["progress_every"],
            workers=options["workers"],
        )
        if broken is not None:
            raise CommandError(
                f"Audit log broken at {broken.where()}: {broken.reason}. "
                f"{checked} entries before it are intact."
            )
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit log intact: {checked} entries verified in {elapsed:.1f} s, "
                f"{len(signed)} signed checkpoints matched."
            )
        )
