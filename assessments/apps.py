from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils import timezone


def _ensure_shipped_instrument(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """Version 1 is loaded by a data migration; a database flushed since (as live-server tests
    do) gets it back here, so the portal is never without a published instrument."""
    from .instrument import load_definition_file
    from .models import Instrument

    if Instrument._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated backwards past this app's tables
    if Instrument.objects.using(using).exists():
        return
    definition = load_definition_file(SHIPPED_V1)
    Instrument.objects.using(using).create(
        name=definition["name"],
        version=definition["version"],
        definition=definition,
        status="published",
        source_file=SHIPPED_V1,
        published_at=timezone.now(),
    )


SHIPPED_V1 = "south_yorkshire_v1.json"


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "CSE risk assessments"

    def ready(self) -> None:
        post_migrate.connect(
            _ensure_shipped_instrument, sender=self, dispatch_uid="assessments_shipped_v1"
        )
        from cse_portal import navigation
        from cse_portal.accounts.roles import Role
        from cse_portal.young_people import merge_hooks, panels

        from . import selectors, services
        from .models import Assessment, AssessmentRequest

        merge_hooks.register(
            app=self.name,
            models=(Assessment, AssessmentRequest),
            move=services.young_person_merged,
        )

        navigation.register(
            label="Assessments",
            url_name="assessments:list",
            roles={Role.PRACTITIONER, Role.TEAM_MANAGER},
            order=30,
        )
        panels.register(
            name="assessments",
            template="assessments/_record_panel.html",
            context=selectors.record_panel_context,
            order=10,
        )
