"""The portal's URLs plus the benchmark's floor: a signed-in page that runs ``SELECT 1`` through
the same middleware (sign-in, second factor, CSP, sessions) as every page measured beside it."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def floor(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("floor")


urlpatterns = [
    path("bench/floor/", floor),
    path("", include("cse_portal.urls")),
]
