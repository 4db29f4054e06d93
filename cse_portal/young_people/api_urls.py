from __future__ import annotations

from rest_framework.routers import SimpleRouter

from .api import YoungPersonViewSet

router = SimpleRouter()
router.register("young-people", YoungPersonViewSet, basename="young-person")
urlpatterns = router.urls
