from __future__ import annotations

from rest_framework.routers import SimpleRouter

from .api import UserViewSet

router = SimpleRouter()
router.register("users", UserViewSet, basename="user")
urlpatterns = router.urls
