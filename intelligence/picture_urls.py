"""The picture's pages, under ``/intelligence/picture/`` (in the ``intelligence`` namespace)."""

from __future__ import annotations

from django.urls import path

from . import picture_views

urlpatterns = [
    path("", picture_views.picture, name="picture"),
    path("hot-spots/", picture_views.hot_spots, name="picture_hot_spots"),
    path("alerts/", picture_views.alert_list, name="picture_alerts"),
    path("alerts/<uuid:pk>/", picture_views.alert_detail, name="picture_alert"),
]
