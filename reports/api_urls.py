"""``/api/v1/measures/`` and ``/api/v1/reports/`` (see ``docs/contract.md``)."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import MeasuresView, ReportViewSet

router = SimpleRouter()
router.register("reports", ReportViewSet, basename="report")
urlpatterns = [path("measures/", MeasuresView.as_view(), name="measures"), *router.urls]
