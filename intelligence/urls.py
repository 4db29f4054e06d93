"""Intelligence pages: submission and "My intelligence", what was shared with me, the analyst's
desk and review, entities, and community concerns to record."""

from __future__ import annotations

from django.urls import include, path

from . import views

app_name = "intelligence"

urlpatterns = [
    path("", views.my_items, name="mine"),
    path("new/", views.item_new, name="new"),
    path("<uuid:pk>/", views.item_detail, name="detail"),
    path("<uuid:pk>/edit/", views.item_edit, name="edit"),
    path("shared/", views.received, name="received"),
    path("shared/<uuid:pk>/", views.received_item, name="received_item"),
    path("desk/", views.desk, name="desk"),
    path("desk/<uuid:pk>/", views.review, name="review"),
    path("desk/<uuid:pk>/subjects/<int:mention>/", views.mention_resolve, name="resolve"),
    path("entities/", views.entities, name="entities"),
    path("entities/<uuid:pk>/", views.entity, name="entity"),
    path("concerns/", views.concerns, name="concerns"),
    path("concerns/<uuid:pk>/record/", views.concern_record, name="concern_record"),
    path("picture/", include("intelligence.picture_urls")),
]
