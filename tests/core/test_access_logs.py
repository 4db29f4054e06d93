"""Search terms (names, dates of birth, NHS numbers) travel in query strings; no access log keeps
them: not the embedded server's, not Django's request log, not gunicorn's."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.servers.basehttp import WSGIRequestHandler

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SEARCH = "/young-people/?name=Kayleigh+Smith&date_of_birth=2010-05-01&nhs=9434765919"


def _assert_no_search_terms(text: str) -> None:
    for term in ("Kayleigh", "2010-05-01", "9434765919", "?name"):
        assert term not in text


def test_the_embedded_server_logs_the_path_without_the_query(caplog):
    # Django's development server (make run) logs through this very method.
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    handler.requestline = f"GET {SEARCH} HTTP/1.1"
    handler.request = None
    handler.client_address = ("127.0.0.1", 50000)
    with caplog.at_level(logging.INFO, logger="django.server"):
        handler.log_request(200)
    [record] = [r for r in caplog.records if r.name == "django.server"]
    assert "GET /young-people/ HTTP/1.1" in record.getMessage()
    _assert_no_search_terms(record.getMessage())


@pytest.mark.django_db
def test_django_request_log_keeps_no_query(caplog, client):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get("/no-such-page/?name=Kayleigh+Smith&date_of_birth=2010-05-01")
    messages = [r.getMessage() for r in caplog.records if r.name == "django.request"]
    assert messages, "a 404 is logged"
    for message in messages:
        _assert_no_search_terms(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_access_log_keeps_no_query_and_no_referrer(tmp_path):
    port = _free_port()
    log = tmp_path / "access.log"
    env = os.environ | {"DEBUG": "true", "ENV_FILE": os.devnull}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "cse_portal.wsgi",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(log),
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{SEARCH}",
            headers={"Referer": f"http://127.0.0.1:{port}/young-people/?name=Kayleigh"},
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(request, timeout=5)  # noqa: S310 (a local test server)
                break
            except urllib.error.HTTPError:
                break  # any answer is logged
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = log.read_text()
    assert "/young-people/" in text
    _assert_no_search_terms(text)
