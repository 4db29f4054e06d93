"""Writes to the young person's record: merge moves everything and is audited with both subjects;
allocation grants and deallocation revokes access; only team managers may do either."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cse_portal.audit.models import AuditAction, AuditEntry
from cse_portal.young_people import services
from cse_portal.young_people.models import (
    Alias,
    ChronologyAudience,
    ChronologyEntry,
    Flag,
    FlagKind,
    Involvement,
    PartnerAgencyOffer,
    YoungPerson,
)
from cse_portal.young_people.permissions import is_allocated, visible_young_people
from cse_portal.young_people.selectors import chronology_for
from tests.factories import make_young_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def duplicate(people):
    """Noah's record with something of every kind attached, ready to merge into Maya's."""
    noah = people.noah
    services.young_person_update(
        young_person=noah,
        updated_by=people.manager,
        aliases=[("Nono", Alias.Kind.KNOWN_AS)],
        nhs_number="9434765919",
    )
    services.young_person_allocate(
        young_person=noah, practitioners=[people.bob], allocated_by=people.manager
    )
    services.flag_raise(
        young_person=noah, kind=FlagKind.RISK_TO_WORKERS, reason="Dog", raised_by=people.manager
    )
    services.case_note_add(
        young_person=noah,
        recorded_by=people.manager,
        title="School liaison call",
        detail="",
        occurred_at=timezone.now() - dt.timedelta(days=3),
    )
    services.partner_offer_make(
        young_person=noah,
        agency=people.vcs,
        offered_by=people.manager,
        reason="Low risk",
        source_app="young_people",
    )
    return noah


def merge(people, duplicate) -> YoungPerson:
    return services.young_person_merge(
        survivor=people.maya, duplicate=duplicate, merged_by=people.manager, reason="Same child"
    )


def test_merge_moves_aliases_and_keeps_the_duplicates_name(people, duplicate):
    merge(people, duplicate)
    names = set(Alias.objects.filter(young_person=people.maya).values_list("name", flat=True))
    assert {"Nono", "Noah Ellison"} <= names


def test_merge_moves_the_chronology(people, duplicate):
    merge(people, duplicate)
    assert not ChronologyEntry.objects.filter(young_person=duplicate).exists()
    assert ChronologyEntry.objects.filter(
        young_person=people.maya, title="School liaison call"
    ).exists()


def test_merge_moves_flags_and_offers(people, duplicate):
    merge(people, duplicate)
    assert Flag.objects.get(kind=FlagKind.RISK_TO_WORKERS).young_person == people.maya
    assert PartnerAgencyOffer.objects.get().young_person == people.maya


def test_merge_moves_allocations_so_both_practitioners_keep_access(people, duplicate):
    merge(people, duplicate)
    assert is_allocated(people.bob, people.maya)
    assert is_allocated(people.alice, people.maya)


def test_merge_gives_the_survivor_the_nhs_number_and_retires_the_duplicate(people, duplicate):
    merge(people, duplicate)
    people.maya.refresh_from_db()
    duplicate.refresh_from_db()
    assert people.maya.nhs_number == "9434765919"
    assert duplicate.merged_into == people.maya
    assert duplicate not in visible_young_people(people.manager)


def test_merge_leaves_one_open_involvement(people, duplicate):
    merge(people, duplicate)
    assert Involvement.objects.filter(young_person=people.maya, closed_at__isnull=True).count() == 1


def test_merge_leaves_one_active_flag_of_each_kind(people, duplicate):
    for record in (people.maya, duplicate):
        services.flag_raise(
            young_person=record, kind=FlagKind.REPEAT_MISSING, reason="x", raised_by=people.manager
        )
    merge(people, duplicate)
    active = Flag.objects.filter(
        young_person=people.maya, kind=FlagKind.REPEAT_MISSING, removed_at__isnull=True
    )
    assert active.count() == 1


def test_merge_is_audited_as_a_combination_for_both_subjects(people, duplicate):
    merge(people, duplicate)
    entries = AuditEntry.objects.filter(action=AuditAction.COMBINE)
    assert {e.subject_id for e in entries} == {str(people.maya.pk), str(duplicate.pk)}
    assert all(e.justification == "Same child" for e in entries)


@pytest.mark.parametrize("persona", ["alice", "frank", "adam"])
def test_merge_is_refused_to_anyone_but_a_team_manager(people, persona):
    with pytest.raises(PermissionDenied):
        services.young_person_merge(
            survivor=people.maya,
            duplicate=people.noah,
            merged_by=getattr(people, persona),
            reason="Same child",
        )
    assert YoungPerson.objects.filter(merged_into__isnull=False).count() == 0


def test_merge_needs_a_reason(people):
    with pytest.raises(ValidationError):
        services.young_person_merge(
            survivor=people.maya, duplicate=people.noah, merged_by=people.manager, reason=" "
        )


def test_a_merged_record_cannot_be_merged_again(people, duplicate):
    merge(people, duplicate)
    with pytest.raises(ValidationError):
        services.young_person_merge(
            survivor=people.maya, duplicate=duplicate, merged_by=people.manager, reason="Again"
        )


# --- Allocation ----------------------------------------------------------------------------------


def test_allocation_grants_access_and_deallocation_revokes_it(people):
    services.young_person_allocate(
        young_person=people.noah, practitioners=[people.bob], allocated_by=people.manager
    )
    assert people.noah in visible_young_people(people.bob)
    services.young_person_deallocate(
        young_person=people.noah,
        practitioner=people.bob,
        deallocated_by=people.manager,
        reason="Moved on",
    )
    assert people.noah not in visible_young_people(people.bob)


def test_only_a_team_manager_may_allocate(people):
    with pytest.raises(PermissionDenied):
        services.young_person_allocate(
            young_person=people.noah, practitioners=[people.bob], allocated_by=people.alice
        )
    assert not is_allocated(people.bob, people.noah)


def test_allocating_again_adds_nobody_new(people):
    added = services.young_person_allocate(
        young_person=people.maya, practitioners=[people.alice], allocated_by=people.manager
    )
    assert added == []


def test_deallocation_is_audited_as_a_permission_change(people):
    services.young_person_deallocate(
        young_person=people.maya,
        practitioner=people.alice,
        deallocated_by=people.manager,
        reason="Moved on",
    )
    entry = AuditEntry.objects.filter(action=AuditAction.PERMISSION_CHANGE).latest("id")
    assert (entry.subject_id, entry.detail["revoke"]) == (str(people.maya.pk), "allocation")


# --- An NHS number already on another record ------------------------------------------------------


@pytest.fixture
def unseen_with_nhs(people):
    """A record alice may not see, holding the NHS number she is about to give Maya."""
    return make_young_person(
        people.manager, given_name="Ruby", family_name="Ashworth", nhs_number="9434765919"
    )


def test_a_clash_with_an_unseen_record_saves_the_rest_and_holds_the_number(people, unseen_with_nhs):
    maya = services.young_person_update(
        young_person=people.maya,
        updated_by=people.alice,
        nhs_number="943 476 5919",
        school="Northfield Academy",
    )
    maya.refresh_from_db()
    assert maya.school == "Northfield Academy"
    assert maya.nhs_number == ""


def test_a_held_nhs_number_is_put_before_the_team_manager_on_both_records(people, unseen_with_nhs):
    services.young_person_update(
        young_person=people.maya, updated_by=people.alice, nhs_number="9434765919"
    )
    for record in (people.maya, unseen_with_nhs):
        entry = ChronologyEntry.objects.get(young_person=record, title__startswith="Possible dup")
        assert entry.audience == ChronologyAudience.MANAGERS
        assert "943 476 5919" in entry.detail
        assert str(unseen_with_nhs.pk) in entry.detail and str(people.maya.pk) in entry.detail
    audit = AuditEntry.objects.filter(actor=people.alice, subject_id=str(people.maya.pk)).latest(
        "id"
    )
    assert audit.detail["possible_duplicate_of"] == str(unseen_with_nhs.pk)


def test_the_practitioner_sees_nothing_of_the_held_number_in_the_chronology(
    people, unseen_with_nhs
):
    services.young_person_update(
        young_person=people.maya, updated_by=people.alice, nhs_number="9434765919"
    )
    shown = chronology_for(people.alice, people.maya)
    assert not any("Ruby" in e.detail or "Possible" in e.title for e in shown)


def test_a_clash_with_a_record_the_user_may_see_is_refused_plainly(people, unseen_with_nhs):
    with pytest.raises(ValidationError) as error:
        services.young_person_update(
            young_person=people.maya, updated_by=people.manager, nhs_number="9434765919"
        )
    assert "Another record already has this NHS number" in str(error.value)
    assert not ChronologyEntry.objects.filter(title__startswith="Possible dup").exists()


# --- Services refuse what the acting user may not do, whoever calls them --------------------------


@pytest.mark.parametrize("persona", ["bob", "frank", "adam"])
def test_flag_raise_is_refused_to_anyone_who_may_not_work_the_record(people, persona):
    with pytest.raises(PermissionDenied):
        services.flag_raise(
            young_person=people.maya,
            kind=FlagKind.REPEAT_MISSING,
            reason="x",
            raised_by=getattr(people, persona),
        )
    assert not Flag.objects.exists()


def test_the_allocated_practitioner_may_raise_a_flag(people):
    flag = services.flag_raise(
        young_person=people.maya, kind=FlagKind.REPEAT_MISSING, reason="x", raised_by=people.alice
    )
    assert flag.raised_by == people.alice


@pytest.mark.parametrize("persona", ["bob", "frank", "adam"])
def test_flag_remove_is_refused_to_anyone_who_may_not_work_the_record(people, persona):
    flag = services.flag_raise(
        young_person=people.maya, kind=FlagKind.REPEAT_MISSING, reason="x", raised_by=people.alice
    )
    with pytest.raises(PermissionDenied):
        services.flag_remove(flag=flag, removed_by=getattr(people, persona), reason="Gone")
    flag.refresh_from_db()
    assert flag.removed_at is None


def _offer(people) -> PartnerAgencyOffer:
    return services.partner_offer_make(
        young_person=people.maya,
        agency=people.vcs,
        offered_by=people.manager,
        reason="Low risk",
        source_app="young_people",
    )


@pytest.mark.parametrize("persona", ["alice", "frank", "adam"])
def test_only_a_team_manager_records_a_partner_agencys_reply(people, persona):
    offer = _offer(people)
    with pytest.raises(PermissionDenied):
        services.partner_offer_respond(
            offer=offer, status="accepted", responded_by=getattr(people, persona)
        )
    offer.refresh_from_db()
    assert offer.status == "offered"
    answered = services.partner_offer_respond(
        offer=offer, status="accepted", responded_by=people.manager
    )
    assert answered.responded_by == people.manager
