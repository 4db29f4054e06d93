"""The demo data fills every outreach page and API list: sessions, the register across sectors, a
three-generation train-the-trainer cascade, e-learning with bad rows, feedback and activities."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from cse_portal.accounts.models import User
from outreach import selectors
from outreach.models import (
    ElearningImport,
    Feedback,
    OutreachSession,
    ParticipationActivity,
    Premises,
    Sector,
    TrainingSession,
)

pytestmark = pytest.mark.django_db


def test_the_demo_fills_outreach_across_sectors_with_a_three_generation_cascade(settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    assert OutreachSession.objects.filter(status="recorded").count() == 3
    assert OutreachSession.objects.filter(status="planned").count() == 1
    # Workers with an account are named on every session, the voluntary sector's among them.
    vcs_worker = User.objects.get(username="frontline_vcs")
    assert OutreachSession.objects.filter(workers=vcs_worker).count() == 3
    assert all(s.workers.count() == 2 for s in OutreachSession.objects.all())
    assert set(Premises.objects.values_list("sector", flat=True)) == set(Sector.values) - {"other"}
    manager = User.objects.get(username="team_manager")
    assert selectors.cascade_reach([manager.pk])[manager.pk].generations == 3
    upload = ElearningImport.objects.get()
    assert (upload.rows_added, upload.rows_failed) == (4, 2)
    assert Feedback.objects.count() == 5
    assert ParticipationActivity.objects.count() == 2
    assert TrainingSession.objects.count() == 5
    call_command("seed_demo", verbosity=0)
    assert OutreachSession.objects.count() == 4
