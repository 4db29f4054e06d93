from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate


def _ensure_beat_schedule(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """A flushed database (``manage.py flush``, live-server tests) gets the schedule back."""
    from .schedule import ensure_beat_schedule

    ensure_beat_schedule(kwargs.get("apps") or global_apps, using)


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        post_migrate.connect(_ensure_beat_schedule, sender=self, dispatch_uid="referrals_beat")
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
