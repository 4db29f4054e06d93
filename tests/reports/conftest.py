"""Helpers for the reports tests: rows written straight into the other apps' tables (the figures
only count them), and report files kept in the test's own folder."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from cse_portal.young_people.models import YoungPerson
from referrals.models import Referral


@pytest.fixture(autouse=True)
def _report_files(settings, tmp_path) -> None:
    settings.REPORTS_FILE_DIR = tmp_path / "reports"


def at(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour))


def referrals(count: int, *, referred_by: Any = None, **fields: Any) -> list[Referral]:
    """``count`` submitted referrals with these fields (``submitted_at`` required)."""
    values: dict[str, Any] = {
        "kind": "professional",
        "status": "submitted",
        "concerns": "Seen with older men at the retail park.",
        "consent": "given",
        "referred_by": referred_by,
        "young_person": YoungPerson.objects.order_by("created_at").first(),
    }
    values.update(fields)
    return Referral.objects.bulk_create([Referral(**values) for _ in range(count)])
