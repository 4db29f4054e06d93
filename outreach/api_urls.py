"""``/api/v1/outreach-sessions/``, ``/api/v1/premises/``, ``/api/v1/training-sessions/`` (see
``docs/contract.md``)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from .api import OutreachSessionViewSet, PremisesViewSet, TrainingSessionViewSet

router = SimpleRouter()
router.register("outreach-sessions", OutreachSessionViewSet, basename="outreach-session")
router.register("premises", PremisesViewSet, basename="premises")
router.register("training-sessions", TrainingSessionViewSet, basename="training-session")
urlpatterns = router.urls
