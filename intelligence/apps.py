from __future__ import annotations

from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    name = "intelligence"
    verbose_name = "Intelligence"

    def ready(self) -> None:
        from cse_portal.young_people import merge_hooks

        from . import services
        from .models import Entity, IntelligenceItem

        merge_hooks.register(
            app=self.name, models=(Entity, IntelligenceItem), move=services.young_person_merged
        )
