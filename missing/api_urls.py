"""This app's API routes under ``/api/v1/``."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from .api import EpisodeViewSet, ImportViewSet, InterviewViewSet, MatchViewSet, ProfileViewSet

router = SimpleRouter()
router.register("missing-episodes", EpisodeViewSet, basename="missing-episode")
router.register("return-interviews", InterviewViewSet, basename="return-interview")
router.register("philomena-profiles", ProfileViewSet, basename="philomena-profile")
router.register("missing-imports", ImportViewSet, basename="missing-import")
router.register("missing-import-matches", MatchViewSet, basename="missing-import-match")

urlpatterns = router.urls
