"""Top-level URLs. Every page needs a signed-in, second-factor-verified user unless its view is
marked ``login_not_required`` (the public pages); the API answers 401 instead of redirecting."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .accounts import views as account_views
from .health import healthz

api_patterns = [
    path("", include("cse_portal.accounts.api_urls")),
    path("", include("cse_portal.young_people.api_urls")),
    path("", include("assessments.api_urls")),
    path("", include("referrals.api_urls")),
    path("", include("intelligence.api_urls")),
    path("", include("missing.api_urls")),
    path("", include("outreach.api_urls")),
    path("", include("reports.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("cse_portal.accounts.urls")),
    path("young-people/", include("cse_portal.young_people.urls")),
    path("assessments/", include("assessments.urls")),
    path("referrals/", include("referrals.urls")),
    path("", include("referrals.public_urls")),
    path("intelligence/", include("intelligence.urls")),
    path("missing/", include("missing.urls")),
    path("outreach/", include("outreach.urls")),
    path("", include("outreach.public_urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_patterns)),
]

handler400 = "cse_portal.errors.bad_request"
handler403 = "cse_portal.errors.permission_denied"
handler404 = "cse_portal.errors.page_not_found"
handler500 = "cse_portal.errors.server_error"
