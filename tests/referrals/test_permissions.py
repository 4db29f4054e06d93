"""The referrals funnel: what a triage request names by id resolves only to records the team
manager may use; anyone else meets the same 404 as for a referral it may not see."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from referrals import permissions

from .conftest import submit

pytestmark = pytest.mark.django_db


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
