from __future__ import annotations

from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "CSE risk assessments"

    def ready(self) -> None:
        from cse_portal import navigation
        from cse_portal.accounts.roles import Role
        from cse_portal.young_people import panels

        from . import selectors

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
