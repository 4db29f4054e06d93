from __future__ import annotations

from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        from cse_portal import beat

        from .schedule import ensure_beat_schedule

        beat.keep_after_migrate(self, ensure_beat_schedule)
        from cse_portal import navigation
        from cse_portal.accounts.roles import Role
        from cse_portal.young_people import merge_hooks

        from . import services
        from .models import Referral
        from .permissions import REFERRER_ROLES

        merge_hooks.register(app=self.name, models=(Referral,), move=services.young_person_merged)

        navigation.register(
            label="Make a referral", url_name="referrals:new", roles=REFERRER_ROLES, order=10
        )
        navigation.register(
            label="My referrals", url_name="referrals:mine", roles=REFERRER_ROLES, order=11
        )
        navigation.register(
            label="Triage", url_name="referrals:queue", roles={Role.TEAM_MANAGER}, order=12
        )
