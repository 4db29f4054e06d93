from __future__ import annotations

from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = "Outreach"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .courses import ensure_courses

        post_migrate.connect(ensure_courses, sender=self, dispatch_uid="outreach_courses")
        from cse_portal import navigation
        from cse_portal.accounts.roles import ALL_ROLES, STAFF_WORKING_CASES, Role
        from cse_portal.young_people import merge_hooks, panels

        from . import permissions, selectors, services
        from .models import SessionEngagement

        # Frontline staff of youth services and the voluntary sector do outreach too.
        outreach_roles = {*STAFF_WORKING_CASES, Role.FRONTLINE}
        navigation.register(
            label="Outreach",
            url_name="outreach:sessions",
            roles=outreach_roles,
            order=40,
            when=permissions.can_do_outreach,
        )
        navigation.register(
            label="Businesses and groups",
            url_name="outreach:premises_list",
            roles=outreach_roles,
            order=41,
            when=permissions.can_do_outreach,
        )
        navigation.register(
            label="Training", url_name="outreach:my_training", roles=set(ALL_ROLES), order=42
        )
        navigation.register(
            label="Participation",
            url_name="outreach:participation",
            roles=set(STAFF_WORKING_CASES),
            order=43,
        )
        merge_hooks.register(
            app=self.name, models=(SessionEngagement,), move=services.young_person_merged
        )
        panels.register(
            name="outreach",
            template="outreach/_record_panel.html",
            context=selectors.record_panel_context,
            order=40,
        )
