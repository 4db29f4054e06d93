from __future__ import annotations

from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    name = "intelligence"
    verbose_name = "Intelligence"

    def ready(self) -> None:
        from cse_portal import navigation
        from cse_portal.accounts.roles import Role
        from cse_portal.young_people import merge_hooks

        from . import services
        from .models import Entity, IntelligenceItem
        from .permissions import SUBMITTER_ROLES

        navigation.register(
            label="Submit intelligence",
            url_name="intelligence:new",
            roles=SUBMITTER_ROLES,
            order=20,
        )
        navigation.register(
            label="My intelligence", url_name="intelligence:mine", roles=SUBMITTER_ROLES, order=21
        )
        navigation.register(
            label="Shared with me",
            url_name="intelligence:received",
            roles=SUBMITTER_ROLES - {Role.ANALYST},
            order=22,
        )
        navigation.register(
            label="Intelligence desk", url_name="intelligence:desk", roles={Role.ANALYST}, order=23
        )
        navigation.register(
            label="Entities", url_name="intelligence:entities", roles={Role.ANALYST}, order=24
        )
        navigation.register(
            label="Community concerns",
            url_name="intelligence:concerns",
            roles={Role.ANALYST, Role.TEAM_MANAGER},
            order=25,
        )
        merge_hooks.register(
            app=self.name, models=(Entity, IntelligenceItem), move=services.young_person_merged
        )
        from cse_portal.notifications.services import register_audience

        from . import notifications

        register_audience(notifications.RECIPIENT_AUDIENCE, notifications.recipient_emails)
        self._ready_picture()

    def _ready_picture(self) -> None:
        """The VOL picture, hot spots and pattern alerts: their navigation, the alert rule on
        every link, and the nightly sweep in beat's schedule."""
        from cse_portal import beat, navigation
        from cse_portal.accounts.roles import Role

        from . import alerts, linking, picture_links, picture_tasks

        navigation.register(
            label="Intelligence picture",
            url_name="intelligence:picture",
            roles={Role.ANALYST},
            order=26,
        )
        navigation.register(
            label="Hot spots",
            url_name="intelligence:picture_hot_spots",
            roles={Role.ANALYST, Role.TEAM_MANAGER, Role.PRACTITIONER},
            order=27,
        )
        navigation.register(
            label="Pattern alerts",
            url_name="intelligence:picture_alerts",
            roles={Role.ANALYST, Role.TEAM_MANAGER},
            order=28,
        )
        linking.register("pattern_alerts", alerts.on_item_linked)
        linking.register("picture_links", picture_links.on_item_linked)
        beat.keep_after_migrate(self, picture_tasks.ensure_beat_schedule)
