"""``manage.py missing_tally_rebuild``: write the episode tally the reports read afresh from every
episode (after episodes were written straight into the database, as the benchmark does, or to
put right a tally in doubt); ``--compact`` only folds its ledger rows together."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from missing import tally


class Command(BaseCommand):
    help = "Rebuild the missing episode tally (the reports' missing figures) from the episodes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--compact", action="store_true", help="Only fold the ledger's rows together"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["compact"]:
            self.stdout.write(f"{tally.compact()} tally rows after compacting")
        else:
            self.stdout.write(f"{tally.rebuild()} tally rows from the episodes")
