"""This app's API routes: none yet (see the app's issue)."""

from __future__ import annotations

urlpatterns: list = []
