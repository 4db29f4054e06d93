"""Search terms never reach a log file.

Searches travel in the query string (``/young-people/?name=...&date_of_birth=...``,
``/api/v1/young-people/?search=<NHS number>``), and access logs keep whatever the request line
holds, for as long as the logs are kept, readable by whoever reads the server's logs. Every access
log therefore keeps the path and drops the query: the embedded server's (``django.server``) and
Django's request logging here, gunicorn's by its ``access_log_format`` (``gunicorn.conf.py``)."""

from __future__ import annotations

import logging
import re

# A path followed by its query string, up to the next space or quote of the request line.
_QUERY = re.compile(r"(/[^\s?\"']*)\?[^\s\"']*")


def without_query(text: str) -> str:
    """``'GET /young-people/?name=x HTTP/1.1'`` -> ``'GET /young-people/ HTTP/1.1'``."""
    return _QUERY.sub(r"\1", text)


class DropQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = without_query(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                without_query(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True
