from __future__ import annotations

from django.apps import AppConfig


class MissingConfig(AppConfig):
    name = "missing"
    verbose_name = "Missing episodes"

    def ready(self) -> None:
        from cse_portal import beat, navigation
        from cse_portal.accounts.roles import Role
        from cse_portal.young_people import merge_hooks, panels

        from . import selectors, services
        from .models import MissingEpisode, PhilomenaProfile, ReturnInterview
        from .permissions import REPORTER_ROLES
        from .schedule import ensure_beat_schedule

        beat.keep_after_migrate(self, ensure_beat_schedule)
        merge_hooks.register(
            app=self.name,
            models=(MissingEpisode, ReturnInterview, PhilomenaProfile),
            move=services.young_person_merged,
        )
        panels.register(
            name="missing",
            template="missing/_record_panel.html",
            context=selectors.record_panel_context,
            order=20,
        )
        navigation.register(
            label="Missing now",
            url_name="missing:board",
            roles={Role.PRACTITIONER, Role.TEAM_MANAGER},
            order=40,
        )
        navigation.register(
            label="Report missing", url_name="missing:report", roles=REPORTER_ROLES, order=41
        )
        navigation.register(
            label="Missing: my work",
            url_name="missing:mine",
            roles={Role.FRONTLINE, Role.ANALYST},
            order=42,
        )
