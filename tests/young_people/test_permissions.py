from __future__ import annotations

import uuid

import pytest
from django.http import Http404

from cse_portal.young_people.permissions import get_young_person_for_user, visible_young_people

pytestmark = pytest.mark.django_db


def test_team_manager_sees_every_record(people):
    assert set(visible_young_people(people.manager)) == {people.maya, people.noah}


def test_practitioner_sees_only_allocated_records(people):
    assert list(visible_young_people(people.alice)) == [people.maya]


@pytest.mark.parametrize("persona", ["frank", "fiona", "ana", "lucy", "adam"])
def test_other_roles_see_no_records(people, persona):
    assert not visible_young_people(getattr(people, persona)).exists()


def test_forbidden_and_missing_records_raise_the_same_404(people):
    with pytest.raises(Http404) as forbidden:
        get_young_person_for_user(people.bob, people.maya.pk)
    with pytest.raises(Http404) as missing:
        get_young_person_for_user(people.bob, uuid.uuid4())
    assert str(forbidden.value) == str(missing.value)


def test_malformed_id_is_a_404_not_an_error(people):
    with pytest.raises(Http404):
        get_young_person_for_user(people.manager, "not-a-uuid")
