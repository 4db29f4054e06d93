"""An email backend that hangs mid-send, as a stuck mail server does, after leaving a mark that
sending has begun, so a test can kill the worker at exactly that moment."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend


class BlockingBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        Path(os.environ["BLOCKING_BACKEND_MARK"]).write_text("sending")
        time.sleep(3600)
        return 0
