from __future__ import annotations

from django.urls import path

from . import views

app_name = "young_people"

urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.create, name="create"),
    path("<uuid:pk>/", views.detail, name="detail"),
    path("<uuid:pk>/edit/", views.edit, name="edit"),
    path("<uuid:pk>/allocation/", views.allocate, name="allocate"),
    path("<uuid:pk>/allocation/<uuid:user_pk>/end/", views.deallocate, name="deallocate"),
    path("<uuid:pk>/flags/", views.flag_raise, name="flag_raise"),
    path("<uuid:pk>/flags/<int:flag_pk>/remove/", views.flag_remove, name="flag_remove"),
    path("<uuid:pk>/involvement/close/", views.involvement_close, name="involvement_close"),
    path("<uuid:pk>/notes/new/", views.note_add, name="note_add"),
    path("<uuid:pk>/merge/", views.merge, name="merge"),
    path("<uuid:pk>/access/", views.access_log, name="access_log"),
]
