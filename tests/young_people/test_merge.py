"""Merging two records: each app moves its own rows through its merge hook and nothing is left on
the duplicate; every identity field is compared and none is lost; the duplicate's address leads
to the survivor for those who may see it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments.models import Assessment, AssessmentRequest
from assessments.services import assessment_request, assessment_start
from cse_portal.audit.models import AuditAction, AuditEntry
from cse_portal.young_people import merge_hooks, services
from cse_portal.young_people.models import Gender, YoungPerson
from referrals.models import Referral
from tests.factories import make_young_person
from tests.referrals.conftest import submit

pytestmark = pytest.mark.django_db


def _relations_to_young_people() -> set[type]:
    return {
        relation.related_model
        for relation in YoungPerson._meta.related_objects
        if relation.one_to_many or relation.one_to_one
    }


def _rows_pointing_at(record: YoungPerson) -> dict[str, int]:
    counts = {}
    for relation in YoungPerson._meta.related_objects:
        if relation.one_to_many or relation.one_to_one:
            model = relation.related_model
            count = model._base_manager.filter(**{relation.field.name: record}).count()
            if count:
                counts[model._meta.label_lower] = count
    return counts


def test_every_model_pointing_at_a_young_person_is_moved_by_one_app():
    hooked = [model for hook in merge_hooks.registered() for model in hook.models]
    assert len(hooked) == len(set(hooked)), "a model is moved by two hooks"
    covered = set(hooked) | set(services.OWN_MERGED_MODELS)
    assert _relations_to_young_people() - covered == set(), "a model no merge hook moves"
    assert {hook.app for hook in merge_hooks.registered()} >= {"referrals", "assessments"}


def test_merge_moves_every_row_of_every_app(people):
    referral = submit(people.frank)
    duplicate = referral.young_person
    assessment_request(
        young_person=duplicate, requested_by=people.manager, reason="Test", source_app="tests"
    )
    services.young_person_allocate(
        young_person=duplicate,
        practitioners=[people.alice],
        allocated_by=people.manager,
        reason="Test",
    )
    assessment = assessment_start(young_person=duplicate, assessor=people.alice)
    before = _rows_pointing_at(duplicate)
    assert {"referrals.referral", "assessments.assessment", "assessments.assessmentrequest"} <= set(
        before
    )

    services.young_person_merge(
        survivor=people.noah,
        duplicate=duplicate,
        merged_by=people.manager,
        reason="Same child",
        keep=dict.fromkeys(services.merge_differences(people.noah, duplicate), "survivor"),
    )

    assert _rows_pointing_at(duplicate) == {}
    assert Referral.objects.get(pk=referral.pk).young_person_id == people.noah.pk
    assert Assessment.objects.get(pk=assessment.pk).young_person_id == people.noah.pk
    assert AssessmentRequest.objects.filter(young_person=people.noah).exists()
    entry = AuditEntry.objects.filter(action=AuditAction.COMBINE, subject_id=people.noah.pk).get()
    assert entry.detail["moved"]["referrals.referral"] == 1
    assert entry.detail["moved"]["assessments.assessment"] == 1


def test_two_open_requests_become_one_with_every_reason_when_records_merge(people):
    duplicate = submit(people.frank).young_person
    for young_person, reason in [
        (people.noah, "Survivor's request"),
        (duplicate, "Duplicate's request"),
        (duplicate, "Duplicate's second reason"),
    ]:
        assessment_request(
            young_person=young_person, requested_by=people.manager, reason=reason, source_app="t"
        )
    folded = AssessmentRequest.objects.get(young_person=duplicate)

    services.young_person_merge(
        survivor=people.noah,
        duplicate=duplicate,
        merged_by=people.manager,
        reason="Same child",
        keep=dict.fromkeys(services.merge_differences(people.noah, duplicate), "survivor"),
    )

    request = AssessmentRequest.objects.get(young_person=people.noah, status="open")
    assert request.reason == "Survivor's request"
    assert list(request.further_reasons.values_list("id", "reason")) == [
        (folded.pk, "Duplicate's request"),
        (request.further_reasons.last().pk, "Duplicate's second reason"),
    ]
    assert not AssessmentRequest.objects.filter(pk=folded.pk).exists()


def test_a_detail_only_the_duplicate_knows_is_kept(people):
    survivor = make_young_person(given_name="Kayleigh", family_name="Brook")
    duplicate = make_young_person(given_name="Kayleigh", family_name="Brook", gender="female")
    assert survivor.gender == Gender.NOT_KNOWN
    services.young_person_merge(
        survivor=survivor, duplicate=duplicate, merged_by=people.manager, reason="Same child"
    )
    survivor.refresh_from_db()
    assert survivor.gender == Gender.FEMALE


def test_details_known_differently_need_the_managers_choice(people):
    survivor = make_young_person(gender="male", postcode="S1 2HH", family_name="Brook")
    duplicate = make_young_person(gender="female", postcode="S1 2HH", family_name="Brooke")
    with pytest.raises(ValidationError) as refused:
        services.young_person_merge(
            survivor=survivor, duplicate=duplicate, merged_by=people.manager, reason=""
        )
    # Every error at once: the reason and each choice (a name needs none: it stays an alias).
    assert set(refused.value.message_dict) == {"reason", "gender"}
    services.young_person_merge(
        survivor=survivor,
        duplicate=duplicate,
        merged_by=people.manager,
        reason="Same child",
        keep=dict.fromkeys(services.merge_differences(survivor, duplicate), "duplicate"),
    )
    survivor.refresh_from_db()
    assert (survivor.gender, survivor.family_name) == (Gender.FEMALE, "Brooke")
    # The name it no longer has stays findable.
    assert survivor.aliases.filter(name__endswith=" Brook").exists()


def test_the_compare_page_shows_every_identity_field_and_asks_where_they_differ(people, client_for):
    duplicate = make_young_person(gender="female", postcode="S9 9ZZ")
    people.noah.gender = Gender.MALE
    people.noah.save(update_fields=["gender"])
    url = reverse("young_people:merge", kwargs={"pk": people.noah.pk})
    page = client_for(people.manager).get(url, {"duplicate": duplicate.pk}).text
    for name in services.IDENTITY_FIELDS:
        label = str(YoungPerson._meta.get_field(name).verbose_name).capitalize()
        assert f">{label}" in page, label
    assert 'name="keep_gender"' in page
    assert "Female (the duplicate)" in page
    assert 'name="keep_learning_disability"' not in page  # the same on both


def test_a_missing_choice_is_a_clear_error_and_keeps_what_was_typed(people, client_for):
    duplicate = make_young_person(gender="female")
    people.noah.gender = Gender.MALE
    people.noah.save(update_fields=["gender"])
    url = reverse("young_people:merge", kwargs={"pk": people.noah.pk})
    response = client_for(people.manager).post(
        url, {"duplicate": duplicate.pk, "reason": "Same school, same carer"}
    )
    assert response.status_code == 200
    assert "Choose which gender to keep" in response.text
    assert "Same school, same carer" in response.text
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id is None


def test_the_managers_choice_is_applied(people, client_for):
    duplicate = make_young_person(gender="female")
    people.noah.gender = Gender.MALE
    people.noah.save(update_fields=["gender"])
    url = reverse("young_people:merge", kwargs={"pk": people.noah.pk})
    choices = {
        f"keep_{name}": "duplicate" for name in services.merge_differences(people.noah, duplicate)
    }
    response = client_for(people.manager).post(
        url, {"duplicate": duplicate.pk, "reason": "Same child"} | choices
    )
    assert response.status_code == 302
    people.noah.refresh_from_db()
    assert people.noah.gender == Gender.FEMALE


def test_the_merged_away_address_leads_to_the_survivor_for_who_may_see_it(people, client_for):
    services.young_person_merge(
        survivor=people.maya,
        duplicate=people.noah,
        merged_by=people.manager,
        reason="Same child",
        keep=dict.fromkeys(services.merge_differences(people.maya, people.noah), "survivor"),
    )
    old_address = reverse("young_people:detail", kwargs={"pk": people.noah.pk})
    survivor = reverse("young_people:detail", kwargs={"pk": people.maya.pk})
    for user in (people.manager, people.alice):  # alice is allocated to maya
        response = client_for(user).get(old_address)
        assert (response.status_code, response["Location"]) == (302, survivor)
    for user in (people.bob, people.frank):  # they may not see maya
        assert client_for(user).get(old_address).status_code == 404


def _merge(people, duplicate) -> None:
    services.young_person_merge(
        survivor=people.noah,
        duplicate=duplicate,
        merged_by=people.manager,
        reason="Same child",
        keep=dict.fromkeys(services.merge_differences(people.noah, duplicate), "survivor"),
    )


def test_a_draft_moved_from_the_duplicate_gets_the_survivors_open_request(people):
    duplicate = submit(people.frank).young_person
    services.young_person_allocate(
        young_person=duplicate,
        practitioners=[people.alice],
        allocated_by=people.manager,
        reason="T",
    )
    draft = assessment_start(young_person=duplicate, assessor=people.alice)
    request = assessment_request(
        young_person=people.noah,
        requested_by=people.manager,
        reason="Missing: three episodes in 90 days",
        source_app="t",
        suggested_indicators=["missing_overnight"],
    )
    assessment_request(
        young_person=people.noah,
        requested_by=people.manager,
        reason="Graded high risk",
        source_app="t",
        suggested_indicators=["health_sti"],
    )
    further = request.further_reasons.get()

    _merge(people, duplicate)

    draft.refresh_from_db()
    request.refresh_from_db()
    assert set(draft.later_reasons) == {str(request.pk), str(further.pk)}
    assert {"missing_overnight", "health_sti"} <= set(draft.suggested_items)
    assert request.assessment_id == draft.pk  # the draft under way answers the request
    assert (draft.answers, draft.score) == ({}, 0)  # suggestions, never answers


def test_a_survivors_draft_gets_the_duplicates_folded_reasons(people):
    duplicate = submit(people.frank).young_person
    services.young_person_allocate(
        young_person=people.noah,
        practitioners=[people.alice],
        allocated_by=people.manager,
        reason="T",
    )
    draft = assessment_start(young_person=people.noah, assessor=people.alice)
    folded = assessment_request(
        young_person=duplicate,
        requested_by=people.manager,
        reason="Duplicate's request",
        source_app="t",
        suggested_indicators=["health_sti"],
    )

    _merge(people, duplicate)

    draft.refresh_from_db()
    assert draft.later_reasons == [str(folded.pk)]
    assert "health_sti" in draft.suggested_items
    request = AssessmentRequest.objects.get(young_person=people.noah, status="open")
    assert request.assessment_id == draft.pk
