"""Assertions every app's funnel test shares (``tests/<app>/test_permissions.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.http import Http404

from cse_portal.audit.models import AuditAction, AuditEntry

#: (persona, young person, may see the record): the rule every case record's funnel builds on.
RECORD_LADDER = [
    ("manager", "maya", True),
    ("manager", "noah", True),
    ("alice", "maya", True),  # allocated
    ("alice", "noah", False),
    ("bob", "maya", False),  # practitioner with nothing allocated
    ("frank", "maya", False),
    ("ana", "maya", False),
    ("lucy", "maya", False),
    ("adam", "maya", False),
]


def assert_funnel_answers(
    getter: Callable[..., Any], user: Any, record: Any, *, allowed: bool, what: str
) -> None:
    """``getter`` hands ``record`` to ``user`` if ``allowed``, else the 404 a missing one gets."""
    if allowed:
        assert getter(user, str(record.pk)) == record
    else:
        with pytest.raises(Http404, match=f"No such {what}"):
            getter(user, record.pk)


def assert_last_entry_is_consultation(
    *, actor: Any, record: Any, subject_id: Any, channel: str
) -> None:
    """The newest audit entry records ``actor`` consulting ``record`` about ``subject_id``."""
    entry = AuditEntry.objects.latest("id")
    assert (entry.action, entry.actor, entry.object_id, entry.subject_id) == (
        AuditAction.CONSULT,
        actor,
        str(record.pk),
        str(subject_id),
    )
    assert entry.detail == {"channel": channel}


def assert_refusal_writes_nothing(getter: Callable[..., Any], user: Any, record: Any) -> None:
    """A refused record leaves no consultation behind: nothing was shown."""
    before = AuditEntry.objects.count()
    with pytest.raises(Http404):
        getter(user, record.pk)
    assert AuditEntry.objects.count() == before
