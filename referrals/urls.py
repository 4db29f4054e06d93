"""Staff pages: making referrals, "My referrals", and the team manager's triage."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("", views.my_referrals, name="mine"),
    path("new/", views.referral_new, name="new"),
    path("<uuid:pk>/", views.referral_detail, name="detail"),
    path("<uuid:pk>/edit/", views.referral_edit, name="edit"),
    path("triage/", views.triage_queue, name="queue"),
    path("triage/<uuid:pk>/", views.triage, name="triage"),
    path(
        "triage/<uuid:pk>/offers/<int:decision_pk>/",
        views.offer_response,
        name="offer_response",
    ),
]
