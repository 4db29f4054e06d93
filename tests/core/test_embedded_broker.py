"""The embedded broker (``filesystem://``): a worker never reads a message being written."""

from __future__ import annotations

import os
from queue import Empty

import pytest
from kombu import Connection
from kombu.transport import resolve_transport

from cse_portal import embedded_broker


@pytest.fixture
def connection(tmp_path):
    folder = tmp_path / "broker"
    folder.mkdir()
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder)}
    with Connection("filesystem://", transport_options=options) as connection:
        yield connection


def test_filesystem_urls_use_the_embedded_broker():
    assert resolve_transport("filesystem") is embedded_broker.Transport


def test_a_message_half_written_is_not_read_and_whole_is(connection, monkeypatch):
    channel = connection.default_channel
    assert isinstance(channel, embedded_broker.Channel)
    folder = channel.data_folder_out
    seen = []
    replace = os.replace

    def look_first(source, target):
        # The moment kombu's own transport let a worker read an empty file: written, not named.
        seen.append(sorted(os.listdir(folder)))
        with pytest.raises(Empty):
            channel._get("celery")
        replace(source, target)

    monkeypatch.setattr(embedded_broker.os, "replace", look_first)
    channel._put("celery", {"body": "sequence the audit log"})
    ((part,),) = seen
    assert part.endswith(".celery.msg.part")
    assert channel._get("celery") == {"body": "sequence the audit log"}
    assert os.listdir(folder) == []
