"""Ladder tests for every page of the young person's record (djangoproject.com style): anonymous
-> sign-in page; password but no code -> code page; wrong role -> 403 (or 404 for a record the
user may not see); right role -> the page with its content. Then each page's behaviour."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from cse_portal.audit.models import AuditAction, AuditEntry
from cse_portal.young_people import services
from cse_portal.young_people.models import (
    ChronologyEntry,
    Flag,
    FlagKind,
    Involvement,
    YoungPerson,
)
from cse_portal.young_people.permissions import is_allocated
from tests.factories import make_young_person
from tests.ladder import Ladder, Page
from tests.personas import People

pytestmark = pytest.mark.django_db


def _maya_flag(people: People) -> Flag:
    return services.flag_raise(
        young_person=people.maya,
        kind=FlagKind.REPEAT_MISSING,
        reason="Three episodes in 90 days",
        raised_by=people.manager,
    )


def _maya(name: str, **extra: Any) -> Callable[[People], str]:
    return lambda p: reverse(f"young_people:{name}", kwargs={"pk": p.maya.pk, **extra})


PAGES = [
    Page("search", lambda p: reverse("young_people:search"), "alice", "frank", 403, "WHITFIELD"),
    Page("create", lambda p: reverse("young_people:create"), "manager", "alice", 403, "Add a"),
    Page("detail", _maya("detail"), "alice", "bob", 404, "Maya Whitfield"),
    Page("edit", _maya("edit"), "alice", "bob", 404, "Whitfield"),
    Page("allocate", _maya("allocate"), "manager", "alice", 403, "Allocation"),
    Page(
        "deallocate",
        lambda p: reverse(
            "young_people:deallocate", kwargs={"pk": p.maya.pk, "user_pk": p.alice.pk}
        ),
        "manager",
        "alice",
        403,
        "",
        method="post",
        data={"reason": "Case closed"},
    ),
    Page(
        "flag_raise",
        _maya("flag_raise"),
        "alice",
        "bob",
        404,
        "",
        method="post",
        data={"kind": FlagKind.HIGH_CSE_RISK, "reason": "Seen with older males"},
    ),
    Page(
        "flag_remove",
        lambda p: reverse(
            "young_people:flag_remove", kwargs={"pk": p.maya.pk, "flag_pk": _maya_flag(p).pk}
        ),
        "alice",
        "bob",
        404,
        "Remove the flag",
    ),
    Page(
        "involvement_close",
        _maya("involvement_close"),
        "manager",
        "alice",
        403,
        "Close the CSE team",
    ),
    Page("note_add", _maya("note_add"), "alice", "bob", 404, "Add a case note"),
    Page("merge", _maya("merge"), "manager", "alice", 403, "Merge a duplicate record"),
    Page("access_log", _maya("access_log"), "manager", "alice", 403, "Who has accessed"),
]


class TestLadder(Ladder):
    PAGES = PAGES
    HOME = "/young-people/"


# --- Search --------------------------------------------------------------------------------------


def test_practitioner_search_lists_only_allocated_records(people, client_for):
    body = client_for(people.alice).get(reverse("young_people:search")).content.decode()
    assert "WHITFIELD, Maya" in body
    assert "ELLISON" not in body


def test_a_page_of_the_list_is_not_a_search(people, client_for):
    for number in range(1, 4):
        make_young_person(family_name=f"Paged{number}")
    client = client_for(people.manager)
    first = client.get(reverse("young_people:search"), {"page": 1}).content.decode()
    assert "5 records you can see" in first
    with_criteria = client.get(reverse("young_people:search"), {"postcode": "S1 2HH", "page": 1})
    assert "result" in with_criteria.content.decode().split("<h2")[2]


def test_search_by_alias_finds_the_record(people, client_for):
    services.young_person_update(
        young_person=people.noah, updated_by=people.manager, aliases=[("Shadow", "alias")]
    )
    response = client_for(people.manager).get(reverse("young_people:search"), {"name": "shadow"})
    assert list(response.context["page"].object_list) == [people.noah]


def test_search_is_audited_with_its_criteria(people, client_for):
    client_for(people.manager).get(reverse("young_people:search"), {"name": "Maya"})
    entry = AuditEntry.objects.filter(action=AuditAction.SEARCH).latest("id")
    assert entry.actor == people.manager
    assert entry.detail["criteria"] == {"name": "Maya"}
    assert entry.detail["shown"] == [str(people.maya.pk)]


def test_search_with_an_invalid_nhs_number_shows_the_error_and_no_results(people, client_for):
    response = client_for(people.manager).get(
        reverse("young_people:search"), {"nhs_number": "9434765918"}
    )
    assert response.context["page"] is None
    assert "not a valid NHS number" in response.content.decode()


def test_a_name_of_too_many_words_is_refused_with_the_search_kept(people, client_for):
    searched = "maya ann lee jo whit field smith"
    response = client_for(people.manager).get(reverse("young_people:search"), {"name": searched})
    assert response.context["page"] is None
    page = response.content.decode()
    assert "Search for a name of 6 words or fewer" in page
    assert f'value="{searched}"' in page


# --- Search before create ------------------------------------------------------------------------

NEW_PERSON = {
    "given_name": "Jade",
    "family_name": "Holloway",
    "date_of_birth_0": "14",
    "date_of_birth_1": "3",
    "date_of_birth_2": "2011",
    "gender": "female",
    "ethnicity": "not_known",
    "postcode": "s11aa",
}


def _existing_jade(people: People, **overrides: Any) -> YoungPerson:
    values = {"given_name": "Jade", "family_name": "Holloway", "date_of_birth": None}
    values.update(overrides)
    if values["date_of_birth"] is None:
        values["estimated_age"] = 15
    return make_young_person(people.manager, **values)


def test_create_offers_a_record_with_the_same_name_and_date_of_birth(people, client_for):
    import datetime as dt

    existing = _existing_jade(people, date_of_birth=dt.date(2011, 3, 14))
    response = client_for(people.manager).post(reverse("young_people:create"), NEW_PERSON)
    assert [m.record for m in response.context["matches"]] == [existing]
    assert YoungPerson.objects.filter(family_name="Holloway").count() == 1


def test_create_offers_a_record_with_a_similar_spelling(people, client_for):
    import datetime as dt

    existing = _existing_jade(people, family_name="Holoway", date_of_birth=dt.date(2011, 3, 14))
    response = client_for(people.manager).post(reverse("young_people:create"), NEW_PERSON)
    assert existing in [m.record for m in response.context["matches"]]


def test_create_offers_a_record_known_by_the_name_as_an_alias(people, client_for):
    existing = make_young_person(
        people.manager,
        given_name="Jayde",
        family_name="Smith",
        estimated_age=14,
        date_of_birth=None,
        aliases=[("Jade Holloway", "alias")],
    )
    response = client_for(people.manager).post(reverse("young_people:create"), NEW_PERSON)
    assert existing in [m.record for m in response.context["matches"]]


def test_create_offers_a_record_with_the_same_nhs_number(people, client_for):
    existing = make_young_person(
        people.manager, given_name="Amelia", family_name="Stone", nhs_number="9434765919"
    )
    data = NEW_PERSON | {"nhs_number": "943 476 5919"}
    response = client_for(people.manager).post(reverse("young_people:create"), data)
    assert existing in [m.record for m in response.context["matches"]]


def test_create_makes_the_record_only_after_none_of_these(people, client_for):
    _existing_jade(people)
    client = client_for(people.manager)
    client.post(reverse("young_people:create"), NEW_PERSON)
    response = client.post(reverse("young_people:create"), NEW_PERSON | {"confirmed_new": "1"})
    assert response.status_code == 302
    assert YoungPerson.objects.filter(family_name="Holloway").count() == 2


def test_create_without_matches_creates_at_once_with_a_normalised_postcode(people, client_for):
    response = client_for(people.manager).post(reverse("young_people:create"), NEW_PERSON)
    record = YoungPerson.objects.get(family_name="Holloway")
    assert response["Location"] == reverse("young_people:detail", kwargs={"pk": record.pk})
    assert record.postcode == "S1 1AA"


def test_create_refuses_an_invalid_nhs_number(people, client_for):
    data = NEW_PERSON | {"nhs_number": "9434765918", "confirmed_new": "1"}
    response = client_for(people.manager).post(reverse("young_people:create"), data)
    assert response.status_code == 200
    assert not YoungPerson.objects.filter(family_name="Holloway").exists()


def test_the_nhs_number_hints_example_is_accepted(people, client_for):
    client = client_for(people.manager)
    page = client.get(reverse("young_people:create"))
    hint = page.context["form"].fields["nhs_number"].help_text
    example = re.search(r"\d{3} \d{3} \d{4}", hint).group()
    assert example in page.text
    response = client.post(reverse("young_people:create"), NEW_PERSON | {"nhs_number": example})
    assert response.status_code == 302
    assert YoungPerson.objects.get(family_name="Holloway").nhs_number == example.replace(" ", "")


def test_the_length_message_gives_a_valid_example(people, client_for):
    data = NEW_PERSON | {"nhs_number": "12345", "confirmed_new": "1"}
    response = client_for(people.manager).post(reverse("young_people:create"), data)
    message = response.context["form"].errors["nhs_number"][0]
    example = re.search(r"\d{3} \d{3} \d{4}", message).group()
    client_for(people.manager).post(
        reverse("young_people:create"), NEW_PERSON | {"nhs_number": example}
    )
    assert YoungPerson.objects.filter(nhs_number=example.replace(" ", "")).exists()


def test_nhs_numbers_are_shown_three_three_four(people, client_for):
    services.young_person_update(
        young_person=people.maya, updated_by=people.manager, nhs_number="9434765919"
    )
    client = client_for(people.alice)
    assert "943 476 5919" in client.get(_maya("detail")(people)).text
    edit = client.get(_maya("edit")(people))
    assert 'value="943 476 5919"' in edit.text


def test_create_is_audited_as_a_collection(people, client_for):
    client_for(people.manager).post(reverse("young_people:create"), NEW_PERSON)
    record = YoungPerson.objects.get(family_name="Holloway")
    entry = AuditEntry.objects.get(action=AuditAction.COLLECT, subject_id=str(record.pk))
    assert entry.actor == people.manager


# --- Record page ---------------------------------------------------------------------------------


def test_record_page_shows_the_chronology(people, client_for):
    body = client_for(people.alice).get(_maya("detail")(people)).content.decode()
    assert "Record created" in body
    assert "Allocated to" in body


def test_practitioner_does_not_see_managers_only_chronology(people, client_for):
    import datetime as dt

    from django.utils import timezone

    services.case_note_add(
        young_person=people.maya,
        recorded_by=people.manager,
        title="Disclosure discussed at strategy meeting",
        detail="",
        occurred_at=timezone.now() - dt.timedelta(days=1),
        audience="managers",
    )
    assert (
        "strategy meeting"
        not in client_for(people.alice).get(_maya("detail")(people)).content.decode()
    )
    assert (
        "strategy meeting"
        in client_for(people.manager).get(_maya("detail")(people)).content.decode()
    )


def test_record_page_visit_is_audited_as_a_consultation(people, client_for):
    client_for(people.alice).get(_maya("detail")(people))
    entry = AuditEntry.objects.filter(action=AuditAction.CONSULT).latest("id")
    assert (entry.actor, entry.subject_id) == (people.alice, str(people.maya.pk))


def test_team_manager_sees_who_has_accessed_the_record(people, client_for):
    client_for(people.alice).get(_maya("detail")(people))
    response = client_for(people.manager).get(_maya("detail")(people))
    assert "Who has accessed this record" in response.content.decode()
    names = [person["who"].name for person in response.context["recent_access"]]
    assert people.alice.get_full_name() in names


def test_practitioner_does_not_see_who_has_accessed_the_record(people, client_for):
    response = client_for(people.alice).get(_maya("detail")(people))
    assert "Who has accessed this record" not in response.content.decode()
    assert "recent_access" not in response.context


def test_access_log_lists_consultations_for_the_team_manager(people, client_for):
    client_for(people.alice).get(_maya("detail")(people))
    response = client_for(people.manager).get(_maya("access_log")(people))
    assert people.alice.get_full_name() in response.content.decode()


def test_a_merged_away_record_leads_to_the_survivor(people, client_for):
    services.young_person_merge(
        survivor=people.noah, duplicate=people.maya, merged_by=people.manager, reason="Same child"
    )
    response = client_for(people.manager).get(_maya("detail")(people))
    assert response.status_code == 302
    assert response["Location"] == reverse("young_people:detail", kwargs={"pk": people.noah.pk})


# --- Edit ----------------------------------------------------------------------------------------


def test_edit_saves_the_changes_and_audits_the_field_names(people, client_for):
    data = NEW_PERSON | {"given_name": "Maya", "family_name": "Whitfield-Jones"}
    response = client_for(people.alice).post(_maya("edit")(people), data)
    people.maya.refresh_from_db()
    assert response.status_code == 302
    assert people.maya.family_name == "Whitfield-Jones"
    entry = AuditEntry.objects.filter(action=AuditAction.ALTER).latest("id")
    assert "family_name" in entry.detail["fields"]


def test_an_nhs_number_on_a_record_the_practitioner_cannot_see_is_held_in_words_that_reveal_nothing(
    people, client_for
):
    make_young_person(
        people.manager, given_name="Ruby", family_name="Ashworth", nhs_number="9434765919"
    )
    data = NEW_PERSON | {
        "given_name": "Maya",
        "family_name": "Whitfield",
        "nhs_number": "9434765919",
    }
    response = client_for(people.alice).post(_maya("edit")(people), data, follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Another record" not in page and "Ruby" not in page and "duplicate" not in page.lower()
    assert services.NHS_NUMBER_HELD_MESSAGE in page
    people.maya.refresh_from_db()
    assert people.maya.nhs_number == "" and people.maya.postcode == "S1 1AA"


def test_the_team_manager_is_told_plainly_of_an_nhs_number_clash(people, client_for):
    make_young_person(
        people.manager, given_name="Ruby", family_name="Ashworth", nhs_number="9434765919"
    )
    data = NEW_PERSON | {
        "given_name": "Maya",
        "family_name": "Whitfield",
        "nhs_number": "9434765919",
    }
    response = client_for(people.manager).post(_maya("edit")(people), data)
    assert response.status_code == 200
    assert "Another record already has this NHS number" in response.content.decode()


# --- Allocation ----------------------------------------------------------------------------------


def test_allocation_grants_the_practitioner_access(people, client_for):
    response = client_for(people.manager).post(
        reverse("young_people:allocate", kwargs={"pk": people.noah.pk}),
        {"practitioners": [str(people.bob.pk)], "reason": "Police lead"},
    )
    assert response.status_code == 302
    assert (
        client_for(people.bob)
        .get(reverse("young_people:detail", kwargs={"pk": people.noah.pk}))
        .status_code
        == 200
    )


def test_allocation_opens_the_involvement_and_is_audited_as_a_permission_change(people, client_for):
    client_for(people.manager).post(
        reverse("young_people:allocate", kwargs={"pk": people.noah.pk}),
        {"practitioners": [str(people.bob.pk)], "reason": "Police lead"},
    )
    assert Involvement.objects.filter(young_person=people.noah, closed_at__isnull=True).exists()
    entry = AuditEntry.objects.filter(action=AuditAction.PERMISSION_CHANGE).latest("id")
    assert (entry.subject_id, entry.recipients) == (str(people.noah.pk), ["bob"])


def test_allocation_to_someone_outside_the_team_is_refused(people, client_for):
    response = client_for(people.manager).post(
        reverse("young_people:allocate", kwargs={"pk": people.noah.pk}),
        {"practitioners": [str(people.frank.pk)], "reason": "Wrong person"},
    )
    assert response.status_code == 200
    assert not is_allocated(people.frank, people.noah)


def test_deallocation_revokes_access(people, client_for):
    client_for(people.manager).post(
        reverse(
            "young_people:deallocate", kwargs={"pk": people.maya.pk, "user_pk": people.alice.pk}
        ),
        {"reason": "Moved teams"},
    )
    assert not is_allocated(people.alice, people.maya)
    assert client_for(people.alice).get(_maya("detail")(people)).status_code == 404


def test_deallocation_without_a_reason_is_refused(people, client_for):
    response = client_for(people.manager).post(
        reverse(
            "young_people:deallocate", kwargs={"pk": people.maya.pk, "user_pk": people.alice.pk}
        ),
        {"reason": ""},
    )
    assert response.status_code == 200
    assert is_allocated(people.alice, people.maya)


def test_deallocation_of_someone_not_allocated_is_a_404(people, client_for):
    response = client_for(people.manager).post(
        reverse("young_people:deallocate", kwargs={"pk": people.maya.pk, "user_pk": people.bob.pk}),
        {"reason": "Not allocated"},
    )
    assert response.status_code == 404


# --- Flags, involvement, notes -------------------------------------------------------------------


def test_raising_a_flag_shows_it_on_the_record(people, client_for):
    client = client_for(people.alice)
    client.post(_maya("flag_raise")(people), {"kind": "high_cse_risk", "reason": "Older boyfriend"})
    assert Flag.objects.filter(young_person=people.maya, kind="high_cse_risk").exists()
    assert "High CSE risk" in client.get(_maya("detail")(people)).content.decode()


def test_raising_a_flag_without_a_reason_answers_400(people, client_for):
    response = client_for(people.alice).post(_maya("flag_raise")(people), {"kind": "other"})
    assert response.status_code == 400
    assert not Flag.objects.filter(young_person=people.maya).exists()


def test_removing_a_flag_records_who_and_why(people, client_for):
    flag = _maya_flag(people)
    client_for(people.alice).post(
        reverse("young_people:flag_remove", kwargs={"pk": people.maya.pk, "flag_pk": flag.pk}),
        {"reason": "No episodes for six months"},
    )
    flag.refresh_from_db()
    assert (flag.removed_by, flag.removal_reason) == (people.alice, "No episodes for six months")


def test_closing_the_involvement_needs_a_reason_and_records_it(people, client_for):
    client = client_for(people.manager)
    client.post(_maya("involvement_close")(people), {"reason": ""})
    assert Involvement.objects.filter(young_person=people.maya, closed_at__isnull=True).exists()
    client.post(_maya("involvement_close")(people), {"reason": "Risk reduced"})
    assert Involvement.objects.get(young_person=people.maya).close_reason == "Risk reduced"


FEEDBACK_LINK = re.compile(
    r'<div class="govuk-inset-text" id="feedback-link">.*?href="([^"]*)"', re.S
)


def _feedback_links(page: str) -> list[str]:
    return FEEDBACK_LINK.findall(page)


def test_closing_the_involvement_hands_the_worker_the_public_feedback_address(
    people, client_for, settings
):
    settings.SITE_URL = "https://cse.example.gov.uk/"
    client = client_for(people.manager)
    address = "https://cse.example.gov.uk/feedback/"
    before = client.get(_maya("detail")(people)).content.decode()
    assert "how it went" not in before and not _feedback_links(before)
    response = client.post(
        _maya("involvement_close")(people), {"reason": "Risk reduced"}, follow=True
    )
    page = response.content.decode()
    assert "Involvement closed" in page
    assert "Ask Maya and their family how it went" in page
    assert f">{address}</a>" in page  # written out in full, to read aloud or send by text
    # The link is the bare public form: nothing that could identify the young person.
    assert _feedback_links(page) == [address]
    assert str(people.maya.pk) not in _feedback_links(page)[0]
    # The record keeps showing it while the involvement stays closed, to the allocated worker too.
    assert _feedback_links(client_for(people.alice).get(_maya("detail")(people)).content.decode())


def test_the_feedback_link_from_a_record_leads_to_the_cookie_less_public_form(people, client_for):
    services.involvement_close(young_person=people.maya, closed_by=people.manager, reason="Done")
    link = _feedback_links(client_for(people.manager).get(_maya("detail")(people)).content.decode())
    response = Client().get(urlsplit(link[0]).path)
    assert response.status_code == 200
    assert "What is your feedback about?" in response.content.decode()
    assert not response.cookies


def test_a_record_never_open_to_the_team_offers_no_feedback_link(people, client_for):
    record = make_young_person(people.manager, given_name="Jade", family_name="Okafor")
    url = reverse("young_people:detail", kwargs={"pk": record.pk})
    page = client_for(people.manager).get(url).content.decode()
    assert "Not open to the CSE team" in page and not _feedback_links(page)


def test_case_note_is_added_to_the_chronology(people, client_for):
    client_for(people.alice).post(
        _maya("note_add")(people),
        {
            "title": "Home visit",
            "occurred_on_0": "1",
            "occurred_on_1": "2",
            "occurred_on_2": "2024",
            "detail": "Seen at home",
        },
    )
    entry = ChronologyEntry.objects.get(young_person=people.maya, title="Home visit")
    assert (entry.recorded_by, entry.audience) == (people.alice, "case")


def test_practitioner_cannot_add_a_managers_only_note(people, client_for):
    response = client_for(people.alice).post(
        _maya("note_add")(people),
        {
            "title": "Secret",
            "occurred_on_0": "1",
            "occurred_on_1": "2",
            "occurred_on_2": "2024",
            "managers_only": "on",
        },
    )
    assert response.status_code == 403
    assert not ChronologyEntry.objects.filter(title="Secret").exists()


# --- Merge ---------------------------------------------------------------------------------------


def test_merge_page_moves_the_duplicate_into_the_survivor(people, client_for):
    response = client_for(people.manager).post(
        _maya("merge")(people), {"duplicate": str(people.noah.pk), "reason": "Same NHS number"}
    )
    people.noah.refresh_from_db()
    assert response.status_code == 302
    assert people.noah.merged_into == people.maya


def test_merge_page_refuses_a_record_into_itself(people, client_for):
    response = client_for(people.manager).post(
        _maya("merge")(people), {"duplicate": str(people.maya.pk), "reason": "Oops"}
    )
    assert response.status_code == 404
    assert YoungPerson.objects.filter(merged_into__isnull=False).count() == 0
