"""This app's pages: none yet (see the app's issue)."""

from __future__ import annotations

app_name = "outreach"
urlpatterns: list = []
