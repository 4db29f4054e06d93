"""Public page (no account): young people's and families' feedback on the service."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("feedback/", views.feedback, name="feedback"),
    path("feedback/thank-you/", views.feedback_sent, name="feedback_sent"),
]
