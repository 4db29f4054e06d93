"""Public pages (no account): none yet (see the referrals issue)."""

from __future__ import annotations

urlpatterns: list = []
