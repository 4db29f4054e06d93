"""Missing pages, mounted at ``/missing/``."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "missing"

urlpatterns = [
    path("", views.board, name="board"),
    path("mine/", views.mine, name="mine"),
    path("report/", views.report, name="report"),
    path("episodes/<uuid:pk>/", views.episode, name="episode"),
    path("episodes/<uuid:pk>/risk-grade/", views.risk_grade, name="risk_grade"),
    path("episodes/<uuid:pk>/return/", views.record_return, name="return"),
    path("interviews/", views.interviews, name="interviews"),
    path("interviews/<uuid:pk>/", views.interview, name="interview"),
    path("interviews/<uuid:pk>/interviewer/", views.interview_assign, name="interview_assign"),
    path("interviews/<uuid:pk>/attempts/", views.interview_attempt, name="interview_attempt"),
    path("interviews/<uuid:pk>/record/", views.interview_record, name="interview_record"),
    path("interviews/<uuid:pk>/declined/", views.interview_decline, name="interview_decline"),
    path("interviews/<uuid:pk>/findings/", views.interview_findings, name="interview_findings"),
    path("profiles/<uuid:pk>/", views.profile, name="profile"),
    path("profiles/<uuid:pk>/edit/", views.profile_edit, name="profile_edit"),
    path("profiles/<uuid:pk>/photo/", views.profile_photo, name="profile_photo"),
    path(
        "profiles/<uuid:pk>/photo/upload/", views.profile_photo_upload, name="profile_photo_upload"
    ),
    path("profiles/<uuid:pk>/send-to-police/", views.profile_send, name="profile_send"),
    path("young-people/<uuid:pk>/carers/", views.carers, name="carers"),
    path("young-people/<uuid:pk>/carers/revoke/", views.carer_revoke, name="carer_revoke"),
    path("imports/", views.imports, name="imports"),
    path("imports/<uuid:pk>/", views.import_detail, name="import"),
    path("imports/<uuid:pk>/progress/", views.import_progress, name="import_progress"),
    path("imports/matches/", views.matches, name="matches"),
    path("imports/matches/<uuid:pk>/", views.match, name="match"),
]
