"""Public pages (no account): a young person refers themselves; anyone reports a concern."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("self-referral/", views.self_referral, name="self_referral"),
    path("self-referral/sent/<str:token>/", views.self_referral_sent, name="self_referral_sent"),
    path("report-a-concern/", views.community_concern, name="community_concern"),
    path(
        "report-a-concern/sent/<str:token>/",
        views.community_concern_sent,
        name="community_concern_sent",
    ),
]
