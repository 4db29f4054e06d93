"""Configuration only: the courses and e-learning modules. Case data has no admin pages."""

from __future__ import annotations

from django.contrib import admin

from .models import Course


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "code", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("title", "code")
