"""``manage.py audit_sequence``: chain every audit entry waiting for the sequencer now (what beat
does every ``AUDIT_SEQUENCE_SECONDS``), for when beat is not running."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cse_portal.audit.services import audit_sequence


class Command(BaseCommand):
    help = "Sequence the audit entries waiting for the sequencer into the chain."

    def handle(self, *args: Any, **options: Any) -> None:
        sequenced = audit_sequence()
        self.stdout.write(f"{sequenced} audit entries sequenced.")
