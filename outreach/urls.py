"""Staff pages of outreach, training and participation."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "outreach"

urlpatterns = [
    path("", views.sessions, name="sessions"),
    path("hot-spots/", views.hot_spots, name="hot_spots"),
    path("sessions/new/", views.session_new, name="session_new"),
    path("sessions/<uuid:pk>/", views.session_detail, name="session"),
    path("sessions/<uuid:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<uuid:pk>/record/", views.session_record, name="session_record"),
    path(
        "sessions/<uuid:pk>/intelligence/", views.session_intelligence, name="session_intelligence"
    ),
    path("sessions/<uuid:pk>/close-alert/", views.session_close_alert, name="session_close_alert"),
    path("premises/", views.premises_list, name="premises_list"),
    path("premises/new/", views.premises_new, name="premises_new"),
    path("premises/<uuid:pk>/", views.premises_detail, name="premises"),
    path("premises/<uuid:pk>/edit/", views.premises_edit, name="premises_edit"),
    path("training/", views.training, name="training"),
    path("training/new/", views.training_new, name="training_new"),
    path("training/mine/", views.my_training, name="my_training"),
    path("training/team/", views.team_training, name="team_training"),
    path("training/cascade/", views.cascade, name="cascade"),
    path("training/imports/", views.imports, name="imports"),
    path("training/imports/<uuid:pk>/", views.import_detail, name="import"),
    path("training/imports/<uuid:pk>/progress/", views.import_progress, name="import_progress"),
    path("training/<uuid:pk>/", views.training_session, name="training_session"),
    path("training/<uuid:pk>/edit/", views.training_edit, name="training_edit"),
    path("participation/", views.participation, name="participation"),
    path("participation/activities/new/", views.activity_new, name="activity_new"),
    path("participation/activities/<uuid:pk>/edit/", views.activity_edit, name="activity_edit"),
]
