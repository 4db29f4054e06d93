from __future__ import annotations

from django.apps import AppConfig


class YoungPeopleConfig(AppConfig):
    name = "cse_portal.young_people"
    label = "young_people"
    verbose_name = "Young people"

    def ready(self) -> None:
        from cse_portal import navigation
        from cse_portal.accounts.roles import Role

        from . import name_matching

        name_matching.connect()

        navigation.register(
            label="Young people",
            url_name="young_people:search",
            roles={Role.PRACTITIONER, Role.TEAM_MANAGER},
            order=20,
        )
