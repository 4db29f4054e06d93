from __future__ import annotations

from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        from cse_portal import navigation
        from cse_portal.accounts.roles import Role

        from .permissions import REFERRER_ROLES

        navigation.register(
            label="Make a referral", url_name="referrals:new", roles=REFERRER_ROLES, order=10
        )
        navigation.register(
            label="My referrals", url_name="referrals:mine", roles=REFERRER_ROLES, order=11
        )
        navigation.register(
            label="Triage", url_name="referrals:queue", roles={Role.TEAM_MANAGER}, order=12
        )
