"""A flushed database (``manage.py flush``, and every live-server or other transactional test)
gets back the rows data migrations created, so the portal and later tests keep working."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from assessments.models import Instrument
from cse_portal.accounts.roles import ALL_ROLES
from cse_portal.notifications.schedule import SWEEP
from referrals.schedule import PRUNE, SUMMARY

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def flushed() -> None:
    call_command("flush", interactive=False, verbosity=0)


def test_the_six_role_groups_come_back_after_a_flush(flushed):
    assert set(Group.objects.values_list("name", flat=True)) == ALL_ROLES


def test_beats_schedule_comes_back_after_a_flush(flushed):
    assert set(PeriodicTask.objects.values_list("name", flat=True)) >= {SWEEP, PRUNE, SUMMARY}


def test_a_published_instrument_comes_back_after_a_flush(flushed):
    assert Instrument.objects.exists()
