"""A Celery worker whose first report hangs mid-way (after counting, before the PDF is written),
so ``test_killed_worker`` can kill it there. Run as ``python -m tests.reports.slow_worker``."""

from __future__ import annotations

import os
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cse_portal.settings")
django.setup()

from cse_portal.celery import app  # noqa: E402
from reports import documents  # noqa: E402

MARK = Path(os.environ["SLOW_REPORT_MARK"])
_real = documents.render_pdf


def _hangs_the_first_time(run, progress):
    content = _real(run, progress)
    if not MARK.exists():
        progress(80, "About to save")
        MARK.write_text("generating")
        time.sleep(600)  # killed here
    return content


documents.render_pdf = _hangs_the_first_time

if __name__ == "__main__":
    app.worker_main(["worker", "--pool=solo", "--loglevel=WARNING"])
