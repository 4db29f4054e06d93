from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cse_portal.audit.selectors import verify_chain


class Command(BaseCommand):
    help = "Check the audit log's hash chain; exit 0 when intact, non-zero naming the first break."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, broken = verify_chain()
        if broken is not None:
            raise CommandError(
                f"Audit log broken at entry #{broken.entry_id}: {broken.reason}. "
                f"{checked} entries before it are intact."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit log intact: {checked} entries verified."))
