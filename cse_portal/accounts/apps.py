from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cse_portal.accounts"
    label = "accounts"
    verbose_name = "Agencies and staff"

    def ready(self) -> None:
        from cse_portal import navigation

        from .roles import Role

        navigation.register(
            label="Administration", url_name="admin:index", roles={Role.ADMIN}, order=90
        )
