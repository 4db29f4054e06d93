"""``/api/v1/intelligence/network/`` and ``/api/v1/alerts/`` (see ``docs/contract.md``)."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from .picture_api import AlertViewSet, NetworkView

router = SimpleRouter()
router.register("alerts", AlertViewSet, basename="alert")
urlpatterns = [
    path("intelligence/network/", NetworkView.as_view(), name="intelligence-network"),
    *router.urls,
]
