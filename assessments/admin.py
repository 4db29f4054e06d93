"""Administration of risk assessment instruments only: administrators add a new version as a
draft and publish it. A published version is read-only, shown as its sections and items.
Assessments are never shown here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from cse_portal.accounts.admin import ConfigurationAdmin
from cse_portal.young_people.models import RiskLevel

from . import services
from .models import Instrument

PUBLISHED_FIELDS = ["name", "version", "questions", "status", "published_at", "published_by"]


@admin.register(Instrument)
class InstrumentAdmin(ConfigurationAdmin):
    list_display = ["name", "version", "status", "published_at"]
    list_filter = ["status"]
    fields = ["name", "version", "definition", "status", "published_at", "published_by"]
    readonly_fields = ["status", "published_at", "published_by"]
    actions = ["publish"]

    def get_fields(self, request: HttpRequest, obj: Instrument | None = None) -> Any:
        if obj is not None and obj.is_published:
            return PUBLISHED_FIELDS
        return self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: Instrument | None = None) -> Any:
        if obj is not None and obj.is_published:
            return PUBLISHED_FIELDS
        return self.readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: Instrument | None = None) -> bool:
        # Without change permission the admin shows the version view-only, with no Save button.
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description="Sections and items")
    def questions(self, obj: Instrument) -> SafeString:
        definition = obj.parsed
        levels = [(minimum, RiskLevel(level).label) for minimum, level in definition.thresholds]
        return render_to_string(
            "assessments/_instrument_definition.html",
            {"definition": definition, "levels": levels},
        )

    @admin.action(description="Publish the selected versions")
    def publish(self, request: HttpRequest, queryset: QuerySet[Instrument]) -> None:
        for instrument in queryset.order_by("version"):
            try:
                services.instrument_publish(instrument=instrument, published_by=request.user)
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, f"{instrument}: {' '.join(getattr(error, 'messages', []))}")
            else:
                messages.success(request, f"{instrument} published")
