from __future__ import annotations

import pytest
from django.core.management import call_command

from referrals.models import Referral, ReferralKind, ReferralStatus

pytestmark = pytest.mark.django_db


def test_demo_data_has_referrals_in_every_state_and_from_every_door():
    call_command("seed_demo", "--allow-production", verbosity=0)
    assert set(Referral.objects.values_list("status", flat=True)) == set(ReferralStatus.values)
    assert set(Referral.objects.values_list("kind", flat=True)) == set(ReferralKind.values)
    assert Referral.objects.filter(urgent=True).exists()
    count = Referral.objects.count()
    call_command("seed_demo", "--allow-production", verbosity=0)
    assert Referral.objects.count() == count
