"""Assessment pages, mounted at ``/assessments/``."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("", views.team_list, name="list"),
    path("young-people/<uuid:pk>/start/", views.start, name="start"),
    path("<uuid:pk>/", views.detail, name="detail"),
    path("<uuid:pk>/answers/", views.edit, name="edit"),
    path("<uuid:pk>/answers/autosave/", views.autosave, name="autosave"),
    path("<uuid:pk>/decision/", views.decide, name="decide"),
    path("<uuid:pk>/pdf/", views.pdf, name="pdf"),
]
