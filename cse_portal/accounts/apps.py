from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate


def _ensure_role_groups(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """The six roles are groups. A data migration creates them; a flushed database
    (``manage.py flush``, live-server tests) gets them back here, as Django's permissions do."""
    from .roles import ALL_ROLES

    Group = (kwargs.get("apps") or global_apps).get_model("auth", "Group")
    for name in sorted(ALL_ROLES):
        Group.objects.using(using).get_or_create(name=name)


class AccountsConfig(AppConfig):
    name = "cse_portal.accounts"
    label = "accounts"
    verbose_name = "Agencies and staff"

    def ready(self) -> None:
        post_migrate.connect(_ensure_role_groups, sender=self, dispatch_uid="accounts_role_groups")
        from cse_portal import navigation

        from .roles import Role

        navigation.register(
            label="Administration", url_name="admin:index", roles={Role.ADMIN}, order=90
        )
