"""Intelligence is case data: only the configuration is here, the record of who holds the
authority to receive handling code 2 material."""

from __future__ import annotations

from django.contrib import admin

from cse_portal.accounts.admin import ConfigurationAdmin

from .models import AuthorisedRecipient


@admin.register(AuthorisedRecipient)
class AuthorisedRecipientAdmin(ConfigurationAdmin):
    list_display = ["user", "agency", "is_active", "recorded_at"]
    list_filter = ["is_active"]
    fields = ["user", "agency", "authority", "is_active"]
    autocomplete_fields: list[str] = []
