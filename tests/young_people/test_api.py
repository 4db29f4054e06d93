"""``/api/v1/young-people/``: the same rules as the pages (ladder, 404 for invisible records,
400 with field errors, the documented pagination)."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.serializers import ModelSerializer

from cse_portal.audit.models import AuditAction, AuditEntry
from cse_portal.young_people import services
from cse_portal.young_people.api import YoungPersonSerializer
from cse_portal.young_people.models import Alias, Flag, FlagKind, YoungPerson
from tests.factories import make_young_person

pytestmark = pytest.mark.django_db

LIST = "/api/v1/young-people/"


def detail(record) -> str:
    return f"{LIST}{record.pk}/"


NEW = {
    "given_name": "Jade",
    "family_name": "Holloway",
    "date_of_birth": "2011-03-14",
    "gender": "female",
    "postcode": "s1 1aa",
}


# --- Ladder --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "list"), ("get", "detail"), ("post", "list"), ("patch", "detail")],
)
def test_anonymous_caller_gets_401(people, client, method, path):
    url = LIST if path == "list" else detail(people.maya)
    assert getattr(client, method)(url, {}, content_type="application/json").status_code == 401


def test_session_without_second_factor_gets_401(people, password_only_client_for):
    assert password_only_client_for(people.manager).get(LIST).status_code == 401


def test_browser_session_with_second_factor_is_accepted(people, client_for):
    assert client_for(people.manager).get(LIST).status_code == 200


@pytest.mark.parametrize("persona", ["frank", "ana", "lucy", "adam"])
def test_roles_that_do_not_work_cases_cannot_list(people, api_client_for, persona):
    assert api_client_for(getattr(people, persona)).get(LIST).status_code == 403


def test_practitioner_lists_only_allocated_records(people, api_client_for):
    body = api_client_for(people.alice).get(LIST).json()
    assert [r["id"] for r in body["results"]] == [str(people.maya.pk)]


def test_detail_of_an_invisible_record_is_404_like_a_missing_one(people, api_client_for):
    client = api_client_for(people.bob)
    assert client.get(detail(people.maya)).status_code == 404
    assert client.get(f"{LIST}{uuid.uuid4()}/").status_code == 404


def test_detail_for_the_allocated_practitioner_shows_the_record(people, api_client_for):
    body = api_client_for(people.alice).get(detail(people.maya)).json()
    assert (body["given_name"], body["family_name"]) == ("Maya", "Whitfield")
    assert {"nhs_number", "postcode", "current_risk_level"} <= set(body)


def test_detail_read_is_audited_as_a_consultation(people, api_client_for):
    api_client_for(people.alice).get(detail(people.maya))
    entry = AuditEntry.objects.filter(action=AuditAction.CONSULT).latest("id")
    assert (entry.actor, entry.subject_id) == (people.alice, str(people.maya.pk))
    assert entry.detail["channel"] == "api"


def test_practitioner_cannot_create(people, api_client_for):
    response = api_client_for(people.alice).post(LIST, NEW, format="json")
    assert response.status_code == 403
    assert not YoungPerson.objects.filter(family_name="Holloway").exists()


def test_team_manager_creates_a_record_with_a_normalised_postcode(people, api_client_for):
    response = api_client_for(people.manager).post(LIST, NEW, format="json")
    assert response.status_code == 201
    assert YoungPerson.objects.get(pk=response.json()["id"]).postcode == "S1 1AA"


def test_create_is_audited_as_a_collection(people, api_client_for):
    record_id = api_client_for(people.manager).post(LIST, NEW, format="json").json()["id"]
    assert AuditEntry.objects.filter(action=AuditAction.COLLECT, subject_id=record_id).exists()


def test_invalid_nhs_number_answers_400_with_field_messages(people, api_client_for):
    response = api_client_for(people.manager).post(
        LIST, NEW | {"nhs_number": "9434765918"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["nhs_number"]
    assert isinstance(response.json()["nhs_number"][0], str)


@pytest.mark.parametrize(
    ("search", "message"), [(" ".join(["ann"] * 7), "6 words"), ("a" * 201, "200 characters")]
)
def test_a_search_too_long_answers_400_with_its_message(people, api_client_for, search, message):
    response = api_client_for(people.manager).get(LIST, {"search": search})
    assert response.status_code == 400
    assert list(response.json()) == ["search"]
    assert message in response.json()["search"][0]


def test_missing_date_of_birth_and_age_answers_400(people, api_client_for):
    data = {k: v for k, v in NEW.items() if k != "date_of_birth"}
    response = api_client_for(people.manager).post(LIST, data, format="json")
    assert response.status_code == 400
    assert "date_of_birth" in response.json()


def test_duplicate_nhs_number_answers_400_not_500(people, api_client_for):
    make_young_person(people.manager, nhs_number="9434765919")
    response = api_client_for(people.manager).post(
        LIST, NEW | {"nhs_number": "9434765919"}, format="json"
    )
    assert response.status_code == 400
    assert "nhs_number" in response.json()


def test_update_by_the_allocated_practitioner_is_saved(people, api_client_for):
    response = api_client_for(people.alice).patch(
        detail(people.maya), {"school": "Riverside Academy"}, format="json"
    )
    people.maya.refresh_from_db()
    assert response.status_code == 200
    assert people.maya.school == "Riverside Academy"


def test_update_of_an_invisible_record_is_404(people, api_client_for):
    response = api_client_for(people.bob).patch(
        detail(people.maya), {"school": "Elsewhere"}, format="json"
    )
    people.maya.refresh_from_db()
    assert response.status_code == 404
    assert people.maya.school != "Elsewhere"


def test_update_with_a_bad_postcode_answers_400(people, api_client_for):
    response = api_client_for(people.alice).patch(
        detail(people.maya), {"postcode": "NOT A CODE"}, format="json"
    )
    assert response.status_code == 400
    assert "postcode" in response.json()


def test_update_is_audited_as_an_alteration(people, api_client_for):
    api_client_for(people.alice).patch(detail(people.maya), {"school": "Riverside"}, format="json")
    entry = AuditEntry.objects.filter(action=AuditAction.ALTER).latest("id")
    assert (entry.actor, entry.detail["fields"]) == (people.alice, ["school"])


# --- Lists ---------------------------------------------------------------------------------------


def test_list_has_the_documented_pagination_shape(people, api_client_for):
    body = api_client_for(people.manager).get(LIST).json()
    assert set(body) == {"count", "count_capped", "next", "previous", "results"}
    assert (body["count"], body["count_capped"]) == (2, False)


def test_page_size_is_capped_at_200(people, api_client_for):
    YoungPerson.objects.bulk_create(
        YoungPerson(given_name=f"Child{i}", family_name="Bulk", estimated_age=14)
        for i in range(205)
    )
    body = api_client_for(people.manager).get(LIST, {"page_size": 1000}).json()
    assert len(body["results"]) == 200
    assert body["next"] is not None


def test_search_finds_by_name_nhs_number_and_postcode(people, api_client_for):
    make_young_person(people.manager, family_name="Quigley", nhs_number="9434765919")
    client = api_client_for(people.manager)
    for term in ("quigley", "943 476 5919"):
        results = client.get(LIST, {"search": term}).json()["results"]
        assert [r["family_name"] for r in results] == ["Quigley"], term


def test_list_is_audited_as_a_search(people, api_client_for):
    api_client_for(people.manager).get(LIST, {"search": "Maya"})
    entry = AuditEntry.objects.filter(action=AuditAction.SEARCH).latest("id")
    assert entry.detail["results"] == 1


def test_estimated_age_over_25_answers_400_naming_the_field(people, api_client_for):
    data = {"given_name": "Jade", "family_name": "Holloway", "estimated_age": 30}
    response = api_client_for(people.manager).post(LIST, data, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["estimated_age"]


def test_date_of_birth_in_the_future_is_refused_as_on_the_page(people, api_client_for):
    response = api_client_for(people.manager).post(
        LIST, NEW | {"date_of_birth": "2090-01-01"}, format="json"
    )
    assert response.status_code == 400
    assert not YoungPerson.objects.filter(family_name="Holloway").exists()


def test_a_page_beyond_the_last_answers_404(people, api_client_for):
    assert api_client_for(people.manager).get(LIST, {"page": 99}).status_code == 404


def test_an_nhs_number_clash_with_an_unseen_record_answers_nothing_of_it(people, api_client_for):
    make_young_person(
        people.manager, given_name="Ruby", family_name="Ashworth", nhs_number="9434765919"
    )
    response = api_client_for(people.alice).patch(
        detail(people.maya), {"nhs_number": "9434765919", "school": "Northfield"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["nhs_number"] == "" and response.json()["school"] == "Northfield"
    assert "Ruby" not in response.content.decode()


def test_a_record_carries_the_codes_of_its_raised_flags(people, api_client_for):
    services.flag_raise(
        young_person=people.maya,
        kind=FlagKind.REPEAT_MISSING,
        reason="Three episodes in 90 days",
        raised_by=people.manager,
    )
    services.flag_raise(
        young_person=people.maya,
        kind=FlagKind.HIGH_CSE_RISK,
        reason="Seen with older men",
        raised_by=people.manager,
    )
    # A flag whose kind has since left FlagKind is still given, after the declared ones.
    Flag.objects.create(
        young_person=people.maya, kind="retired_kind", reason="Kept", raised_by=people.manager
    )
    codes = ["high_cse_risk", "repeat_missing", "retired_kind"]  # the declared order
    client = api_client_for(people.manager)
    assert client.get(f"{LIST}{people.maya.pk}/").json()["flags"] == codes
    listed = {r["id"]: r["flags"] for r in client.get(LIST).json()["results"]}
    assert listed[str(people.maya.pk)] == codes


def test_every_read_gives_a_record_as_its_fields_give_it(people, api_client_for):
    # The serializer writes its reading out (fast); DRF's own reading, field by field, is the
    # reference, for a record listed with its aliases' names, found by name or postcode, or read
    # alone, with and without a date of birth, aliases or flags.
    aliased = make_young_person(
        given_name="Zena", family_name="Quarry", postcode="S2 3JJ", created_by=people.manager
    )
    # Listed in their kinds' order, then by name: "alias" before "known_as" before "social_media".
    for name, kind in [
        ("Zed", Alias.Kind.KNOWN_AS),
        ("Aimee Q", Alias.Kind.SOCIAL_MEDIA),
        ("Zee", Alias.Kind.ALIAS),
        ("Bee", Alias.Kind.KNOWN_AS),
    ]:
        Alias.objects.create(young_person=aliased, name=name, kind=kind)
    services.flag_raise(
        young_person=aliased, kind=FlagKind.HIGH_CSE_RISK, reason="Seen", raised_by=people.manager
    )
    aged = make_young_person(
        given_name="Zara",
        family_name="Quarry",
        date_of_birth=None,
        estimated_age=15,
        postcode="S2 3JJ",
        school="Northfield",
        looked_after=True,
        created_by=people.manager,
    )
    drf = {
        str(record.pk): ModelSerializer.to_representation(YoungPersonSerializer(), record)
        for record in YoungPerson.objects.filter(pk__in=[aliased.pk, aged.pk])
    }
    assert drf[str(aliased.pk)]["aliases"] == ["Zee", "Bee", "Zed", "Aimee Q"]
    assert drf[str(aged.pk)]["date_of_birth"] is None
    client = api_client_for(people.manager)
    for search in ("quarry", "s2 3jj", ""):
        listed = client.get(LIST, {"search": search, "page_size": 200}).json()["results"]
        read = {row["id"]: row for row in listed if row["id"] in drf}
        assert read == drf, search
    for record in (aliased, aged):
        assert client.get(detail(record)).json() == drf[str(record.pk)]
