"""gunicorn's entry point for ``bench.throughput``: the portal plus the benchmark's floor page."""

from __future__ import annotations

from django.conf import settings

from cse_portal.wsgi import application

settings.ROOT_URLCONF = "bench.urls"

__all__ = ["application"]
