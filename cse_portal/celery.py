"""The Celery application: settings come from Django's (``CELERY_*``), tasks from every app."""

from __future__ import annotations

import os
from pathlib import Path

from celery import Celery
from kombu.transport import TRANSPORT_ALIASES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cse_portal.settings")

# ``filesystem://`` (the embedded broker) writes each message whole before a worker can read it.
TRANSPORT_ALIASES["filesystem"] = "cse_portal.embedded_broker:Transport"

app = Celery("cse_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _create_embedded_broker_folders(sender: Celery, **kwargs: object) -> None:
    # The embedded filesystem broker needs its folders before the first message is sent, which
    # may be by a management command (seed_demo) before any worker has started.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
