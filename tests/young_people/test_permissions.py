from __future__ import annotations

import uuid

import pytest
from django.http import Http404

from cse_portal.young_people import services
from cse_portal.young_people.permissions import (
    can_view_young_person,
    get_young_person_for_user,
    visible_young_people,
)
from tests.funnels import (
    RECORD_LADDER,
    assert_funnel_answers,
    assert_last_entry_is_consultation,
    assert_refusal_writes_nothing,
)

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


@pytest.mark.parametrize(("persona", "record", "sees"), RECORD_LADDER)
def test_the_funnel_hands_out_only_what_the_rules_allow(people, persona, record, sees):
    user, young_person = getattr(people, persona), getattr(people, record)
    assert can_view_young_person(user, young_person) is sees
    assert_funnel_answers(
        get_young_person_for_user, user, young_person, allowed=sees, what="young person"
    )


def test_a_merged_away_record_is_not_found_even_by_the_manager(people):
    services.young_person_merge(
        survivor=people.maya, duplicate=people.noah, merged_by=people.manager, reason="Same child"
    )
    with pytest.raises(Http404):
        get_young_person_for_user(people.manager, people.noah.pk)


def test_handing_out_a_record_records_its_consultation(people):
    get_young_person_for_user(people.alice, people.maya.pk, channel="api")
    assert_last_entry_is_consultation(
        actor=people.alice, record=people.maya, subject_id=people.maya.pk, channel="api"
    )


def test_a_refusal_records_no_consultation(people):
    assert_refusal_writes_nothing(get_young_person_for_user, people.bob, people.maya)
