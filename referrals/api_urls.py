"""``/api/v1/referrals/`` (see ``docs/contract.md``)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from .api import ReferralViewSet

router = SimpleRouter()
router.register("referrals", ReferralViewSet, basename="referral")
urlpatterns = router.urls
