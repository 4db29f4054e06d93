"""The referrals funnel, tested directly: who sees which referral, that missing, forbidden and
malformed ids all give the same 404, and that what a triage request names by id resolves only to
records the team manager may use."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError
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


@pytest.mark.parametrize("persona", ["alice", "frank", "lucy", "adam"])
def test_only_the_team_manager_resolves_triage_choices(people, persona):
    with pytest.raises(Http404):
        permissions.triage_choices(getattr(people, persona), young_person=people.noah.pk)


def test_triage_choices_resolve_ids_and_a_typed_reference(people):
    original = submit(people.fiona, given_name="Ruby")
    chosen = permissions.triage_choices(
        people.manager,
        practitioners=[str(people.alice.pk)],
        partner_agency=str(people.vcs.pk),
        young_person=str(people.noah.pk),
        duplicate_of=f" {original.reference.lower()} ",
    )
    assert chosen == {
        "practitioners": [people.alice],
        "partner_agency": people.vcs,
        "young_person": people.noah,
        "duplicate_of": original,
    }


def test_the_original_of_a_duplicate_is_also_found_by_id(people):
    original = submit(people.fiona, given_name="Ruby")
    chosen = permissions.triage_choices(people.manager, duplicate_of=str(original.pk))
    assert chosen["duplicate_of"] == original


def test_every_id_the_manager_may_not_use_is_reported_at_once(people):
    draft_of_another = submit(people.fiona)
    draft_of_another.status = "draft"
    draft_of_another.save(update_fields=["status"])
    with pytest.raises(ValidationError) as error:
        permissions.triage_choices(
            people.manager,
            practitioners=[str(people.alice.pk), str(people.frank.pk)],
            partner_agency=str(uuid.uuid4()),
            young_person="not-an-id",
            duplicate_of=draft_of_another.reference,
        )
    assert set(error.value.message_dict) == {
        "practitioners",
        "partner_agency",
        "young_person",
        "duplicate_of",
    }


def test_nothing_named_resolves_to_nothing(people):
    assert permissions.triage_choices(people.manager) == {"practitioners": []}
