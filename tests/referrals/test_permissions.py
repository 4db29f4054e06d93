"""The referrals funnel, tested directly: who sees which referral, and that missing, forbidden and
malformed ids all give the same 404."""

from __future__ import annotations

import uuid

import pytest
from django.http import Http404

from referrals import permissions, services
from tests.funnels import (
    assert_funnel_answers,
    assert_last_entry_is_consultation,
    assert_refusal_writes_nothing,
)

from .conftest import referral_fields, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def referrals(people):
    """alice's submitted referral and her draft, and the manager's own draft."""
    return {
        "submitted": submit(people.alice),
        "alice_draft": services.referral_save_draft(referred_by=people.alice, **referral_fields()),
        "manager_draft": services.referral_save_draft(
            referred_by=people.manager, **referral_fields(given_name="Ivy")
        ),
    }


# (persona, referral, through get_referral_for_user, get_own_referral, get_referral_for_triage)
LADDER = [
    ("alice", "submitted", True, True, False),  # the referrer sees her own, never triages
    ("alice", "alice_draft", True, True, False),
    ("alice", "manager_draft", False, False, False),  # nobody sees another's draft
    ("bob", "submitted", False, False, False),  # another practitioner
    ("frank", "submitted", False, False, False),  # frontline
    ("manager", "submitted", True, False, True),  # the team manager triages every submitted one
    ("manager", "alice_draft", False, False, False),  # ...but not a draft
    ("manager", "manager_draft", True, True, False),  # his own draft, not in triage
]
GETTERS = [
    permissions.get_referral_for_user,
    permissions.get_own_referral,
    permissions.get_referral_for_triage,
]


@pytest.mark.parametrize(("persona", "which", "see", "own", "triage"), LADDER)
def test_each_funnel_hands_out_only_what_the_rules_allow(
    people, referrals, persona, which, see, own, triage
):
    user, referral = getattr(people, persona), referrals[which]
    for getter, allowed in zip(GETTERS, (see, own, triage), strict=True):
        assert_funnel_answers(getter, user, referral, allowed=allowed, what="referral")


@pytest.mark.parametrize("getter", GETTERS)
def test_missing_forbidden_and_malformed_ids_give_the_same_404(people, referrals, getter):
    messages = set()
    for pk in (referrals["manager_draft"].pk, uuid.uuid4(), "not-an-id"):
        with pytest.raises(Http404) as refused:
            getter(people.alice, pk)
        messages.add(str(refused.value))
    assert messages == {"No such referral"}


def test_only_the_referrer_edits_and_only_a_draft(people, referrals):
    assert permissions.can_edit_referral(people.alice, referrals["alice_draft"])
    assert not permissions.can_edit_referral(people.alice, referrals["submitted"])
    assert not permissions.can_edit_referral(people.manager, referrals["alice_draft"])


def test_handing_out_a_referral_records_its_consultation(people, referrals):
    referral = referrals["submitted"]
    permissions.get_referral_for_triage(people.manager, referral.pk)
    assert_last_entry_is_consultation(
        actor=people.manager,
        record=referral,
        subject_id=referral.young_person_id,
        channel="triage page",
    )


def test_a_refused_referral_records_no_consultation(people, referrals):
    assert_refusal_writes_nothing(
        permissions.get_referral_for_user, people.bob, referrals["submitted"]
    )
