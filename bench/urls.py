"""The portal's URLs plus the benchmark's floor: a signed-in page that runs ``SELECT 1`` through
the same middleware (sign-in, second factor, CSP, sessions) as every page measured beside it.

Two reference pages measure what every portal page costs before its own reads and content: the
portal's layout with nothing in it, and the same with the one audit entry every page showing
personal data writes (its INSERT and the commit's wait for the disk)."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import include, path

from cse_portal.audit.models import AuditAction
from cse_portal.audit.services import audit_record


def floor(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("floor")


def layout(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html")


def layout_audited(request: HttpRequest) -> HttpResponse:
    audit_record(
        actor=request.user,
        action=AuditAction.SEARCH,
        object_type="bench.reference",
        summary="Benchmark reference page shown",
        detail={"channel": "bench"},
    )
    return render(request, "base.html")


urlpatterns = [
    path("bench/floor/", floor),
    path("bench/layout/", layout),
    path("bench/layout-audited/", layout_audited),
    path("", include("cse_portal.urls")),
]
