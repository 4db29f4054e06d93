"""The embedded Celery broker: kombu's ``filesystem://`` transport, with every message written
whole before a worker can see it.

kombu writes a message by opening its file under its final name and then writing to it. A worker
polling the folder can move and read the file in between, find it empty and stop ("Unrecoverable
error: JSONDecodeError"): ``make run``'s worker did, a few minutes after it started, and the portal
went on without background work. Here a message is written under a name the worker does not read
(``.part``) and then renamed to its own, which is atomic on POSIX. ``cse_portal.celery`` makes
this the transport of ``filesystem://``."""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

#: What a message is written under until it is whole: a worker reads only ``<queue>.msg``.
PART = ".part"


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        """Put ``payload`` on ``queue``: named as kombu names it (its time first, so a worker
        reads in the order sent), and in the folder only once whole."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        whole = os.path.join(self.data_folder_out, name)
        try:
            with open(whole + PART, "wb") as part:
                part.write(str_to_bytes(dumps(payload)))
            os.replace(whole + PART, whole)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {whole!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
