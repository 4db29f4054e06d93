"""The reports app's pages."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("lscb/", views.lscb_dashboard, name="lscb"),
    path("lscb/export.csv", views.lscb_export, {"fmt": "csv"}, name="lscb_csv"),
    path("lscb/export.xlsx", views.lscb_export, {"fmt": "xlsx"}, name="lscb_xlsx"),
    path("measures/", views.definitions, name="definitions"),
    path("team/", views.team_dashboard, name="team"),
    path("analyst/", views.analyst_dashboard, name="analyst"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("<uuid:pk>/", views.report_detail, name="detail"),
    path("<uuid:pk>/progress/", views.report_progress, name="progress"),
    path("<uuid:pk>/download/", views.report_download, name="download"),
    path("<uuid:pk>/commentary/", views.report_commentary, name="commentary"),
    path("<uuid:pk>/share/", views.report_share, name="share"),
    path("<uuid:pk>/share/<uuid:user_pk>/end/", views.report_unshare, name="unshare"),
]
