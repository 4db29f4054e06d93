"""The project's URLs plus three that fail on purpose, for the error page tests."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.request import Request
from rest_framework.views import APIView

from cse_portal.urls import handler400, handler403, handler404, handler500, urlpatterns


@login_not_required
def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a fault in a page")


@login_not_required
def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


class BoomAPI(APIView):
    def get(self, request: Request) -> HttpResponse:
        raise RuntimeError("a fault in the API")


urlpatterns = [
    path("boom/", boom),
    path("forbidden/", forbidden),
    path("api/v1/boom/", BoomAPI.as_view()),
    *urlpatterns,
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
