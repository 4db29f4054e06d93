"""``/api/v1/intelligence/`` and ``/api/v1/entities/`` (see ``docs/contract.md``)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from .api import EntityViewSet, IntelligenceViewSet

router = SimpleRouter()
router.register("intelligence", IntelligenceViewSet, basename="intelligence")
router.register("entities", EntityViewSet, basename="entity")
urlpatterns = router.urls
