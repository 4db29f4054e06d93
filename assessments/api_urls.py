"""This app's API routes under ``/api/v1/``."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import AssessmentViewSet, InstrumentView

router = SimpleRouter()
router.register("assessments", AssessmentViewSet, basename="assessment")

urlpatterns = [
    path("assessments/instrument/", InstrumentView.as_view(), name="assessment-instrument"),
    *router.urls,
]
