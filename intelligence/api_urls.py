"""``/api/v1/intelligence/`` and ``/api/v1/entities/`` (see ``docs/contract.md``)."""

from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .api import EntityViewSet, IntelligenceViewSet

router = SimpleRouter()
router.register("intelligence", IntelligenceViewSet, basename="intelligence")
router.register("entities", EntityViewSet, basename="entity")
# The picture's routes first: /intelligence/network/ is not an item's id.
urlpatterns = [path("", include("intelligence.picture_api_urls")), *router.urls]
