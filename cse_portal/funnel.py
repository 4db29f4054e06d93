"""Plumbing every app's access funnel shares (``<app>/permissions.py``): an id that cannot be one is
a 404 like any other record that is not there, and handing a record out records its consultation,
so a page or API view is audited because it fetched the record and none can forget to be."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from cse_portal.audit.services import audit_consultation

M = TypeVar("M", bound=Model)


def uuid_or_none(value: Any) -> uuid.UUID | None:
    """The UUID ``value`` spells, or ``None``: for a form or request naming a record by id, where a
    bad id is a field's error rather than a missing page."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def id_or_404(value: Any, *, what: str) -> uuid.UUID:
    """The UUID ``value`` spells, or the same ``Http404`` a missing ``what`` gets."""
    key = uuid_or_none(value)
    if key is None:
        raise Http404(f"No such {what}")
    return key


def consult_or_404(
    user: Any,
    visible: QuerySet[M],
    pk: Any,
    *,
    what: str,
    channel: str,
    subject_id: Callable[[M], Any],
    subjects: Callable[[M], list[str]] | None = None,
) -> M:
    """The record of ``visible`` (what ``user`` may see) with this id, its consultation recorded;
    the same ``Http404`` for missing and forbidden alike. ``subject_id`` names the young person the
    record concerns, so that the young person's access log lists the consultation; a record that
    shows several young people names those ``user`` is shown in ``subjects``, as a list page
    does."""
    record = visible.filter(pk=id_or_404(pk, what=what)).first()
    if record is None:
        raise Http404(f"No such {what}")
    audit_consultation(
        actor=user,
        obj=record,
        subject_id=subject_id(record),
        channel=channel,
        subjects=subjects(record) if subjects is not None else None,
    )
    return record
