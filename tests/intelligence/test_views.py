"""The intelligence pages: the role ladder for each, and the journeys through them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from intelligence import services
from intelligence.models import Entity, IntelligenceItem, ItemStatus
from tests.ladder import Ladder, Page

from .conftest import community_concern, submit

pytestmark = pytest.mark.django_db


def shared_with_bob(people):
    item = submit(people.frank)
    services.item_sanitise(actor=people.ana, item=item, sanitised_content="SANITISED TEXT")
    services.item_disseminate(actor=people.ana, item=item, recipients=[people.bob], purpose="x")
    return item


class TestLadder(Ladder):
    HOME = "/intelligence/"
    PAGES = [
        Page("new", lambda p: reverse("intelligence:new"), "frank", "lucy", 403, "Who"),
        Page("mine", lambda p: reverse("intelligence:mine"), "frank", "adam", 403, "My intel"),
        Page(
            "detail",
            lambda p: reverse("intelligence:detail", args=[submit(p.frank).pk]),
            "frank",
            "fiona",
            404,
            "Kebab King",
        ),
        Page(
            "edit",
            lambda p: reverse(
                "intelligence:edit",
                args=[services.item_save_draft(actor=p.frank, content="x").pk],
            ),
            "frank",
            "fiona",
            404,
            "Save as draft",
        ),
        Page("received", lambda p: reverse("intelligence:received"), "bob", "lucy", 403, "Shared"),
        Page(
            "received_item",
            lambda p: reverse("intelligence:received_item", args=[shared_with_bob(p).pk]),
            "bob",
            "alice",
            404,
            "SANITISED TEXT",
        ),
        Page("desk", lambda p: reverse("intelligence:desk"), "ana", "manager", 403, "desk"),
        Page(
            "review",
            lambda p: reverse("intelligence:review", args=[submit(p.frank).pk]),
            "ana",
            "manager",
            404,
            "Mr Patel",
        ),
        Page(
            "resolve",
            lambda p: reverse(
                "intelligence:resolve", args=[(i := submit(p.frank)).pk, i.mentions.first().pk]
            ),
            "ana",
            "manager",
            404,
            "Likely the same",
        ),
        Page("entities", lambda p: reverse("intelligence:entities"), "ana", "alice", 403, "Search"),
        Page(
            "entity",
            lambda p: reverse(
                "intelligence:entity", args=[submit(p.frank).mentions.first().entity_id]
            ),
            "ana",
            "manager",
            404,
            "Mentions",
        ),
        Page(
            "concerns", lambda p: reverse("intelligence:concerns"), "manager", "alice", 403, "con"
        ),
        Page(
            "concern_record",
            lambda p: reverse("intelligence:concern_record", args=[community_concern().pk]),
            "manager",
            "frank",
            404,
            "",
            method="post",
        ),
    ]


def form_data(**overrides):
    data = {
        "obtained_on_0": "1",
        "obtained_on_1": "3",
        "obtained_on_2": "2026",
        "obtained_time": "21:30",
        "source_kind": "own_observation",
        "source_description": "I saw it from the youth club window",
        "who": "A girl of about 14",
        "what": "Got into a silver car",
        "where": "Outside Kebab King",
        "scheme": "5x5x5",
        "s5_source": "B",
        "s5_intelligence": "1",
        "s5_handling": "1",
        "priority": "medium",
        "action": "submit",
    }
    for prefix in ("person", "location", "vehicle", "phone", "account"):
        data[f"{prefix}-TOTAL_FORMS"] = "1"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    data.update(
        {
            "vehicle-0-registration": "ab12cde",
            "vehicle-0-colour": "Silver",
            "person-0-name": "Jade",
            "person-0-role": "young_person_at_risk",
        }
    )
    data.update(overrides)
    return data


def test_the_form_explains_every_grading_code_in_plain_words(people, client_for):
    page = client_for(people.frank).get(reverse("intelligence:new")).content.decode()
    for words in (
        "Always reliable",
        "Suspected to be false or malicious",
        "within the originating agency only",
        "Lawful sharing permitted",
        "Known indirectly to the source, and corroborated",
        "Untested",
    ):
        assert words in page


def test_a_frontline_worker_submits_with_subjects(people, client_for):
    response = client_for(people.frank).post(reverse("intelligence:new"), form_data())
    item = IntelligenceItem.objects.get()
    assert response.status_code == 302
    assert item.status == ItemStatus.RECEIVED
    assert item.content.startswith("Who:\nA girl of about 14")
    assert item.obtained_at.hour == 21
    assert set(item.mentions.values_list("entity__kind", flat=True)) == {"person", "vehicle"}


def test_another_subject_row_is_added_without_javascript_keeping_what_was_typed(people, client_for):
    response = client_for(people.frank).post(
        reverse("intelligence:new"), form_data(action="add:vehicle")
    )
    page = response.content.decode()
    assert 'name="vehicle-1-registration"' in page
    assert 'value="ab12cde"' in page
    assert not IntelligenceItem.objects.exists()


def test_errors_show_on_their_fields_and_nothing_typed_is_lost(people, client_for):
    response = client_for(people.frank).post(
        reverse("intelligence:new"),
        form_data(s5_handling="5", **{"vehicle-0-registration": "NOPE 1"}),
    )
    page = response.content.decode()
    assert "Write the handling conditions" in page
    assert "Subject" in page and "registration" in page
    assert "A girl of about 14" in page
    assert not IntelligenceItem.objects.exists()


def test_a_draft_is_saved_and_submitted_later(people, client_for):
    client = client_for(people.frank)
    client.post(reverse("intelligence:new"), form_data(action="draft", priority=""))
    draft = IntelligenceItem.objects.get()
    assert draft.is_draft
    page = client.get(reverse("intelligence:edit", args=[draft.pk])).content.decode()
    assert "A girl of about 14" in page and 'value="ab12cde"' in page.lower()
    client.post(reverse("intelligence:edit", args=[draft.pk]), form_data())
    draft.refresh_from_db()
    assert draft.status == ItemStatus.RECEIVED


def test_the_submitter_sees_the_status_never_the_analysts_work(people, client_for):
    item = submit(people.frank)
    services.item_sanitise(actor=people.ana, item=item, sanitised_content="REDACTED VERSION")
    services.item_regrade(
        actor=people.ana,
        item=item,
        source_evaluation="E",
        intelligence_evaluation="4",
        handling_code="3",
        reason="ANALYST REASON",
    )
    page = client_for(people.frank).get(reverse("intelligence:detail", args=[item.pk]))
    # The random CSRF token can hold any two characters, "E4" among them: not the page's words.
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page.content.decode())
    assert "Being assessed" in text
    assert "REDACTED VERSION" not in text and "ANALYST REASON" not in text and "E4" not in text


def test_the_analyst_reviews_grades_sanitises_and_disseminates(people, client_for):
    item = submit(people.frank)
    client = client_for(people.ana)
    url = reverse("intelligence:review", args=[item.pk])
    client.post(url, {"action": "take"})
    client.post(
        url,
        {
            "action": "regrade",
            "regrade-source_evaluation": "A",
            "regrade-intelligence_evaluation": "2",
            "regrade-handling_code": "1",
            "regrade-reason": "Corroborated by CCTV",
        },
    )
    client.post(url, {"action": "sanitise", "sanitise-sanitised_content": "A girl got in a car"})
    response = client.post(
        url,
        {
            "action": "disseminate",
            "disseminate-recipients": [str(people.alice.pk)],
            "disseminate-purpose": "Safeguarding",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.submitted_grading, item.grading) == ("B2 1", "A2 1")
    page = client_for(people.alice).get(reverse("intelligence:received_item", args=[item.pk]))
    text = page.content.decode()
    assert "A girl got in a car" in text
    assert "Mr Patel" not in text and "Kebab King" not in text


def test_a_refused_dissemination_names_the_rule_on_the_page(people, client_for):
    item = submit(people.frank, handling_code="5", handling_conditions="Refer to me")
    services.item_sanitise(actor=people.ana, item=item, sanitised_content="x")
    response = client_for(people.ana).post(
        reverse("intelligence:review", args=[item.pk]),
        {"action": "disseminate", "disseminate-recipients": [str(people.bob.pk)]},
    )
    assert "no further dissemination" in response.content.decode()


def test_the_analyst_links_a_person_to_a_record_found_by_identity(people, client_for):
    item = submit(people.frank)
    client = client_for(people.ana)
    url = reverse("intelligence:review", args=[item.pk])
    page = client.get(url, {"find": "Maya"}).content.decode()
    assert "Whitfield" in page
    mention = item.mentions.get(entity__kind="person")
    client.post(url, {"action": "link", "mention": mention.pk, "young_person": people.maya.pk})
    assert Entity.objects.get(kind="person").young_person == people.maya
    assert people.maya.chronology.filter(source_app="intelligence").count() == 1


def test_a_recipient_of_a_c_item_reads_it_after_accepting_the_conditions(people, client_for):
    item = submit(
        people.frank,
        scheme="3x5x2",
        source_evaluation="1",
        intelligence_evaluation="A",
        handling_code="C",
        handling_conditions="Not for the family",
    )
    services.item_sanitise(actor=people.ana, item=item, sanitised_content="THE TEXT")
    services.item_disseminate(actor=people.ana, item=item, recipients=[people.bob], purpose="x")
    client = client_for(people.bob)
    url = reverse("intelligence:received_item", args=[item.pk])
    page = client.get(url).content.decode()
    assert "Not for the family" in page and "THE TEXT" not in page
    client.post(url, {"accept": "yes"})
    assert "THE TEXT" in client.get(url).content.decode()


def test_a_community_concern_becomes_an_item_in_one_action(people, client_for):
    concern = community_concern()
    response = client_for(people.ana).post(
        reverse("intelligence:concern_record", args=[concern.pk])
    )
    item = IntelligenceItem.objects.get()
    assert response.status_code == 302
    assert item.community_concern == concern
    assert concern.intelligence_item == item
    assert item.origin == "community_concern" and item.origin_reference == concern.reference
    assert "Two girls in school uniform" in item.content
    assert set(item.mentions.values_list("entity__key", flat=True)) == {
        "S1 2HH|kebab king",
        "AB12CDE",
    }
    assert "Sam" in item.source_description
    again = client_for(people.manager).post(
        reverse("intelligence:concern_record", args=[concern.pk])
    )
    assert again.status_code == 404


def test_likely_duplicates_are_offered_and_merged_only_when_chosen(people, client_for):
    submit(people.frank, subjects=[{"kind": "vehicle", "registration": "AB12CDE"}])
    submit(people.frank, subjects=[{"kind": "vehicle", "registration": "AB12CDF"}])
    first, second = Entity.objects.filter(kind="vehicle").order_by("key")
    client = client_for(people.ana)
    page = client.get(reverse("intelligence:entity", args=[first.pk])).content.decode()
    assert "AB12 CDF" in page and "Merge into this one" in page
    assert Entity.objects.filter(merged_into__isnull=False).count() == 0
    client.post(reverse("intelligence:entity", args=[first.pk]), {"duplicate": second.pk})
    second.refresh_from_db()
    assert second.merged_into == first
    assert first.mentions.count() == 2


@pytest.mark.parametrize(
    ("day", "words"),
    [(("1", "3", "1194"), "1900 or later"), (("1", "3", "2999"), "today or in the past")],
)
def test_the_page_refuses_a_date_obtained_before_1900_or_in_the_future(
    people, client_for, day, words
):
    data = form_data(obtained_on_0=day[0], obtained_on_1=day[1], obtained_on_2=day[2])
    response = client_for(people.frank).post(reverse("intelligence:new"), data)
    assert response.status_code == 200
    assert words in response.content.decode()
    assert not IntelligenceItem.objects.exists()


def test_a_time_later_today_is_refused_on_the_date_field(people, client_for):
    from django.utils import timezone

    now = timezone.localtime()
    if now.hour >= 23:
        pytest.skip("no later hour today")
    data = form_data(
        obtained_on_0=str(now.day),
        obtained_on_1=str(now.month),
        obtained_on_2=str(now.year),
        obtained_time="23:59",
    )
    response = client_for(people.frank).post(reverse("intelligence:new"), data)
    assert "cannot have been obtained in the future" in response.content.decode()
    assert not IntelligenceItem.objects.exists()


def test_the_analyst_re_points_a_subject_to_the_entity_it_really_is(people, client_for):
    submit(people.frank, subjects=[{"kind": "vehicle", "registration": "AB12CDE"}])
    item = submit(people.fiona, subjects=[{"kind": "vehicle", "registration": "AB12CDF"}])
    right = Entity.objects.get(key="AB12CDE")
    mention = item.mentions.get()
    client = client_for(people.ana)
    url = reverse("intelligence:resolve", args=[item.pk, mention.pk])
    page = client.get(url).content.decode()
    assert "AB12 CDE" in page and "This is the one" in page  # offered as a likely duplicate
    found = client.get(url, {"q": "AB12"}).content.decode()
    assert "AB12 CDE" in found
    response = client.post(url, {"entity": right.pk})
    assert response.status_code == 302
    mention.refresh_from_db()
    assert mention.entity == right
    assert not Entity.objects.get(key="AB12CDF").merged_into  # nothing merged
    from cse_portal.audit.models import AuditEntry

    assert AuditEntry.objects.filter(summary__contains="subject resolved to").exists()


def test_a_subject_is_not_re_pointed_to_another_kind_or_another_items_subject(people, client_for):
    item = submit(people.frank)
    other = submit(people.fiona)
    vehicle = item.mentions.get(entity__kind="vehicle")
    phone = Entity.objects.get(kind="phone")
    client = client_for(people.ana)
    url = reverse("intelligence:resolve", args=[item.pk, vehicle.pk])
    client.post(url, {"entity": phone.pk})
    vehicle.refresh_from_db()
    assert vehicle.entity.kind == "vehicle"
    foreign = other.mentions.first().pk
    assert client.get(reverse("intelligence:resolve", args=[item.pk, foreign])).status_code == 404
    assert client.post(url, {"entity": "\x00" * 3}).status_code == 200


def test_person_entities_of_one_record_are_offered_as_the_same_child(people, client_for):
    from cse_portal.young_people import services as yp_services

    submit(people.frank, subjects=[{"kind": "person", "role": "witness", "name": "Maya W"}])
    submit(people.frank, subjects=[{"kind": "person", "role": "witness", "name": "Noah E"}])
    maya_entity = Entity.objects.get(label="Maya W")
    noah_entity = Entity.objects.get(label="Noah E")
    services.entity_link_young_person(
        actor=people.ana, entity=maya_entity, young_person=people.maya
    )
    services.entity_link_young_person(
        actor=people.ana, entity=noah_entity, young_person=people.noah
    )
    yp_services.young_person_merge(
        survivor=people.maya, duplicate=people.noah, merged_by=people.manager, reason="Same girl"
    )
    noah_entity.refresh_from_db()
    assert noah_entity.young_person == people.maya  # the merge hook moved it
    page = client_for(people.ana).get(reverse("intelligence:entity", args=[maya_entity.pk]))
    assert "Noah E" in page.content.decode() and "100%" in page.content.decode()
    assert people.maya.chronology.filter(source_app="intelligence").count() == 2


def test_a_review_form_saved_unchanged_writes_and_audits_nothing(people, client_for):
    from cse_portal.audit.models import AuditEntry
    from intelligence.models import GradingChange

    item = submit(people.frank)
    services.item_sanitise(actor=people.ana, item=item, sanitised_content="A girl got in a car")
    client = client_for(people.ana)
    url = reverse("intelligence:review", args=[item.pk])
    services.item_regrade(
        actor=people.ana,
        item=item,
        source_evaluation="B",
        intelligence_evaluation="2",
        handling_code="1",
        reason="The grading stands",
    )
    writes = AuditEntry.objects.filter(object_id=str(item.pk)).exclude(action="consult")
    before = writes.count()
    unchanged = {
        "action": "regrade",
        "regrade-source_evaluation": "B",
        "regrade-intelligence_evaluation": "2",
        "regrade-handling_code": "1",
        "regrade-reason": "Looked again",
    }
    response = client.post(url, unchanged, follow=True)
    assert "Nothing changed" in response.content.decode()
    same_text = {"action": "sanitise", "sanitise-sanitised_content": "A girl got in a car"}
    response = client.post(url, same_text, follow=True)
    assert "Nothing changed" in response.content.decode()
    assert writes.count() == before
    assert GradingChange.objects.filter(item=item).count() == 1


def test_a_community_concern_recorded_as_intelligence_names_the_item_on_its_triage_page(
    people, client_for
):
    concern = community_concern()
    triage = reverse("referrals:triage", args=[concern.pk])
    assert "Recorded as intelligence" not in client_for(people.manager).get(triage).content.decode()
    client_for(people.manager).post(reverse("intelligence:concern_record", args=[concern.pk]))
    item = IntelligenceItem.objects.get(community_concern=concern)
    page = client_for(people.manager).get(triage).content.decode()
    assert f"Recorded as intelligence {item.reference}" in page


def test_a_draft_saved_again_unchanged_writes_nothing(people, client_for):
    client = client_for(people.frank)
    data = form_data(action="draft", priority="")
    client.post(reverse("intelligence:new"), data)
    draft = IntelligenceItem.objects.get()
    updated_at = draft.updated_at
    response = client.post(reverse("intelligence:edit", args=[draft.pk]), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.updated_at == updated_at
    data["what"] = "Something else was seen."
    client.post(reverse("intelligence:edit", args=[draft.pk]), data)
    draft.refresh_from_db()
    assert draft.updated_at > updated_at and "Something else" in draft.content


@pytest.mark.parametrize("mention", ["abc", "1\x00", "99999999999999999999999", "١"])
def test_linking_with_a_bad_subject_number_is_an_error_message_not_a_crash(
    people, client_for, mention
):
    item = submit(people.frank)
    url = reverse("intelligence:review", args=[item.pk])
    response = client_for(people.ana).post(
        url, {"action": "link", "mention": mention, "young_person": str(people.maya.pk)}
    )
    assert response.status_code == 200
    assert "Choose a person in this item" in response.content.decode()
    assert not Entity.objects.filter(young_person=people.maya).exists()
