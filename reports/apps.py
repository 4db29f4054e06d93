from __future__ import annotations

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from cse_portal import beat, navigation
        from cse_portal.accounts.roles import Role

        from .schedule import ensure_beat_schedule

        beat.keep_after_migrate(self, ensure_beat_schedule)
        navigation.register(
            label="LSCB dashboard",
            url_name="reports:lscb",
            roles={Role.LSCB_MANAGER, Role.TEAM_MANAGER},
            order=60,
        )
        navigation.register(
            label="Team dashboard", url_name="reports:team", roles={Role.TEAM_MANAGER}, order=61
        )
        navigation.register(
            label="Analyst dashboard", url_name="reports:analyst", roles={Role.ANALYST}, order=62
        )
        navigation.register(
            label="Reports",
            url_name="reports:list",
            roles={
                Role.LSCB_MANAGER,
                Role.TEAM_MANAGER,
                Role.ANALYST,
                Role.PRACTITIONER,
                Role.FRONTLINE,
            },
            order=63,
        )
