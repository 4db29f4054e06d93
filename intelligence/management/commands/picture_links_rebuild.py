"""``manage.py picture_links_rebuild``: make the picture's links again from every submitted item
(after data was written straight into the database, as the benchmark does)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from intelligence.picture_links import links_rebuild


class Command(BaseCommand):
    help = "Make the intelligence picture's links again from every submitted item."

    def handle(self, *args: Any, **options: Any) -> None:
        count = links_rebuild()
        self.stdout.write(f"{count} picture links")
