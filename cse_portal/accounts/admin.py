"""Administration of agencies and staff. Case data is never registered here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import TokenProxy

from . import services
from .models import Agency, User
from .roles import Role


class ConfigurationAdmin(admin.ModelAdmin):
    """Base for every admin page: open to users with the ``admin`` role, to nobody else, and
    nothing is ever deleted from here (records are deactivated instead)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_role(Role.ADMIN)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_role(Role.ADMIN)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_role(Role.ADMIN)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_role(Role.ADMIN)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Agency)
class AgencyAdmin(ConfigurationAdmin):
    list_display = ["name", "kind", "offers_preventative_work", "is_active"]
    list_filter = ["kind", "offers_preventative_work", "is_active"]
    search_fields = ["name"]


class StaffForm(forms.ModelForm):
    role = forms.ChoiceField(choices=Role.choices)

    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "agency",
            "job_title",
            "in_colocated_team",
            "is_active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["role"].initial = self.instance.role


class StaffCreationForm(StaffForm):
    password = forms.CharField(widget=forms.PasswordInput, strip=False)

    def clean_password(self) -> str:
        from django.contrib.auth.password_validation import validate_password

        password = self.cleaned_data["password"]
        validate_password(password, self.instance)
        return password


@admin.register(User)
class StaffAdmin(ConfigurationAdmin, DjangoUserAdmin):
    form = StaffForm
    add_form = StaffCreationForm
    list_display = ["username", "first_name", "last_name", "agency", "is_active"]
    list_filter = ["is_active", "agency__kind", "groups", "in_colocated_team"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = [
        (None, {"fields": ["username", "first_name", "last_name", "email", "job_title"]}),
        ("Access", {"fields": ["agency", "role", "in_colocated_team", "is_active"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "password", "first_name", "last_name", "email"]}),
        ("Access", {"fields": ["agency", "job_title", "role", "in_colocated_team"]}),
    ]
    readonly_fields: list[str] = []
    actions = ["reset_second_factor"]

    @admin.action(description="Reset second factor (the user sets it up again at next sign-in)")
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.user_reset_second_factor(user=user, changed_by=request.user)
        self.message_user(request, f"Second factor reset for {queryset.count()} user(s).")

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        before = services.user_access_snapshot(obj) if change else None
        if not change:
            obj.set_password(form.cleaned_data["password"])
        deactivating = bool(before and before["is_active"] and not obj.is_active)
        if deactivating:
            obj.is_active = True  # the service performs the deactivation and ends sessions
        super().save_model(request, obj, form, change)
        services.user_set_role(user=obj, role=form.cleaned_data["role"], changed_by=request.user)
        if deactivating:
            services.user_deactivate(user=obj, changed_by=request.user)
        elif before is not None:
            services.user_access_record_changes(user=obj, before=before, changed_by=request.user)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Groups are managed through the role field only.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


admin.site.unregister(Group)
# Secrets are never shown, even to administrators: second factors are reset (the user enrols
# again) and API tokens are issued with ``issue_api_token``, not read back.
admin.site.unregister(TOTPDevice)
admin.site.unregister(TokenProxy)
