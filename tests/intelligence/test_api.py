"""The API over the same services: submission, the three views of an item, the analyst's actions
and the handling code refused with the rule named."""

from __future__ import annotations

import pytest

from cse_portal.audit.models import AuditEntry
from intelligence import services
from intelligence.models import IntelligenceItem

from .conftest import submit

pytestmark = pytest.mark.django_db

URL = "/api/v1/intelligence/"

BODY = {
    "scheme": "5x5x5",
    "source_evaluation": "B",
    "intelligence_evaluation": "2",
    "handling_code": "1",
    "priority": "high",
    "obtained_at": "2026-03-01T21:30:00Z",
    "content": "A girl got into a silver car outside Kebab King.",
    "source_kind": "named_third_party",
    "source_description": "Mr Patel, the manager",
    "subjects": [
        {"kind": "vehicle", "registration": "ab12 cde", "colour": "Silver"},
        {"kind": "person", "role": "suspected_exploiter", "name": "Dean"},
    ],
}


def test_any_staff_but_lscb_and_admin_submits(people, api_client_for):
    response = api_client_for(people.frank).post(URL, BODY, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "received"
    assert response.json()["reference"].startswith("INT-")
    for user in (people.lucy, people.adam):
        assert api_client_for(user).post(URL, BODY, format="json").status_code == 403


def test_errors_are_400_on_their_fields(people, api_client_for):
    body = {**BODY, "handling_code": "5", "subjects": [{"kind": "phone", "number": "1"}]}
    response = api_client_for(people.frank).post(URL, body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"handling_conditions", "subjects"}
    assert not IntelligenceItem.objects.exists()


def test_the_submitter_sees_their_own_without_the_analysts_work(people, api_client_for):
    item = submit(people.frank)
    services.item_sanitise(actor=people.ana, item=item, sanitised_content="REDACTED")
    (row,) = api_client_for(people.frank).get(URL).json()["results"]
    assert row["status"] == "being_assessed"
    assert "sanitised_content" not in row and "analyst_handling_code" not in row
    assert api_client_for(people.fiona).get(URL).json()["count"] == 0


def test_a_recipient_reads_only_the_sanitised_version(people, api_client_for):
    item = submit(people.frank)
    services.item_sanitise(actor=people.ana, item=item, sanitised_content="REDACTED")
    services.item_disseminate(actor=people.ana, item=item, recipients=[people.bob], purpose="x")
    row = api_client_for(people.bob).get(f"{URL}{item.pk}/").json()
    assert row["sanitised_content"] == "REDACTED"
    assert "content" not in row and "source_description" not in row and "subjects" not in row
    assert api_client_for(people.alice).get(f"{URL}{item.pk}/").status_code == 404


def test_the_analyst_grades_sanitises_and_disseminates(people, api_client_for):
    item = submit(people.frank)
    client = api_client_for(people.ana)
    graded = client.post(
        f"{URL}{item.pk}/grading/",
        {
            "source_evaluation": "A",
            "intelligence_evaluation": "1",
            "handling_code": "2",
            "reason": "Seen on CCTV",
        },
        format="json",
    )
    assert graded.status_code == 200
    assert graded.json()["source_evaluation"] == "B"
    assert graded.json()["analyst_source_evaluation"] == "A"
    client.post(f"{URL}{item.pk}/sanitise/", {"sanitised_content": "A car"}, format="json")
    refused = client.post(
        f"{URL}{item.pk}/disseminate/",
        {"recipients": [str(people.alice.pk)], "authority": "ISA"},
        format="json",
    )
    assert refused.status_code == 400
    assert "Handling code 2" in refused.json()["recipients"][0]
    assert not AuditEntry.objects.filter(action="disclose").exists()


@pytest.mark.parametrize("user", ["frank", "manager", "alice"])
def test_only_the_analyst_uses_the_analysts_actions(people, api_client_for, user):
    item = submit(people.frank)
    client = api_client_for(getattr(people, user))
    for action in ("grading", "sanitise", "disseminate"):
        assert client.post(f"{URL}{item.pk}/{action}/", {}, format="json").status_code == 404


def test_entities_are_listed_for_the_analyst_by_kind_and_search(people, api_client_for):
    submit(people.frank)
    client = api_client_for(people.ana)
    rows = client.get("/api/v1/entities/", {"kind": "vehicle"}).json()["results"]
    assert [r["label"] for r in rows] == ["AB12 CDE (Silver Ford)"]
    assert client.get("/api/v1/entities/", {"search": "kebab"}).json()["count"] == 1
    assert api_client_for(people.alice).get("/api/v1/entities/").json()["count"] == 0


@pytest.mark.parametrize(
    ("obtained_at", "words"),
    [
        ("1194-03-01T21:30:00Z", "1900 or later"),
        ("1899-12-31", "1900 or later"),
        ("2999-01-01T00:00:00Z", "in the future"),
        ("2026-02-30", "wrong format"),
    ],
)
def test_when_obtained_is_between_1900_and_now(people, api_client_for, obtained_at, words):
    response = api_client_for(people.frank).post(
        URL, {**BODY, "obtained_at": obtained_at}, format="json"
    )
    assert response.status_code == 400
    assert words in " ".join(response.json()["obtained_at"])
    assert not IntelligenceItem.objects.exists()


def test_a_draft_keeps_to_the_same_dates(people):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.item_save_draft(actor=people.frank, obtained_at="1194-03-01")
    assert "obtained_at" in error.value.message_dict


def test_a_subjects_date_of_birth_before_1900_names_the_subject(people, api_client_for):
    body = {
        **BODY,
        "subjects": [
            {"kind": "person", "role": "witness", "name": "Al", "date_of_birth": "1194-1-1"}
        ],
    }
    response = api_client_for(people.frank).post(URL, body, format="json")
    assert response.status_code == 400
    (message,) = response.json()["subjects"]
    assert message.startswith("Subject 1 (date_of_birth)")


def test_the_grading_and_sanitised_text_posted_unchanged_write_nothing(people, api_client_for):
    from intelligence.models import GradingChange

    item = submit(people.frank)
    services.item_sanitise(actor=people.ana, item=item, sanitised_content="A car")
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
    client = api_client_for(people.ana)
    grading = {
        "source_evaluation": "B",
        "intelligence_evaluation": "2",
        "handling_code": "1",
        "reason": "Looked again",
    }
    assert client.post(f"{URL}{item.pk}/grading/", grading, format="json").status_code == 200
    sanitise = {"sanitised_content": "A car"}
    assert client.post(f"{URL}{item.pk}/sanitise/", sanitise, format="json").status_code == 200
    assert writes.count() == before
    assert GradingChange.objects.filter(item=item).count() == 1


@pytest.mark.parametrize(
    ("subject", "field"),
    [
        ({"kind": "person", "role": "witness", "name": "y" * 201}, "name"),
        ({"kind": "person", "role": "witness", "description": "y" * 5000}, "description"),
        ({"kind": "location", "name": "y" * 281}, "name"),
        ({"kind": "location", "name": "Park", "address": "y" * 5000}, "address"),
        ({"kind": "vehicle", "registration": "AB12CDE", "make": "y" * 61}, "make"),
        ({"kind": "account", "platform": "y" * 61, "handle": "x"}, "platform"),
        ({"kind": "account", "platform": "Snapchat", "handle": "y" * 101}, "handle"),
    ],
)
def test_a_subjects_text_too_long_is_refused_on_its_field_not_cut_short(
    people, api_client_for, subject, field
):
    response = api_client_for(people.frank).post(
        URL, {**BODY, "subjects": [subject]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["subjects"][0].startswith(f"Subject 1 ({field}): Enter at most")
    assert not IntelligenceItem.objects.exists()
