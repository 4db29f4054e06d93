from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from cse_portal.statements import KeptList
from cse_portal.young_people.models import YoungPerson
from cse_portal.young_people.permissions import can_view_young_person
from referrals import selectors
from referrals.models import Referral, ReferralStatus

from .conftest import submit

pytestmark = pytest.mark.django_db

URL = "/api/v1/referrals/"


def _payload(**overrides):
    payload = {
        "young_person_details": {
            "given_name": "Skye",
            "family_name": "Thornton",
            "date_of_birth": "2011-04-03",
            "postcode": "S2 4QQ",
        },
        "concerns": "Older men, cars after school",
        "indicators": ["groom_cars"],
        "immediate_danger": False,
        "consent": "not_sought",
        "sharing_basis": "Risk of significant harm",
    }
    payload.update(overrides)
    return payload


def test_anonymous_callers_get_401(db):
    assert APIClient().get(URL).status_code == 401
    assert APIClient().post(URL, _payload(), format="json").status_code == 401


def test_a_frontline_user_refers_and_the_record_exists_at_once(people, api_for):
    response = api_for(people.frank).post(URL, _payload(), format="json")
    assert response.status_code == 201, response.data
    body = response.json()
    assert body["status"] == ReferralStatus.SUBMITTED
    assert body["outcome"] == ""
    assert set(body) >= {"id", "status", "outcome", "created_at"}
    assert "young_person" not in body
    assert YoungPerson.objects.filter(given_name="Skye", family_name="Thornton").exists()


def test_the_sharing_basis_is_required_unless_consent_was_given(people, api_for):
    response = api_for(people.frank).post(URL, _payload(sharing_basis=""), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["sharing_basis"]
    ok = api_for(people.frank).post(URL, _payload(sharing_basis="", consent="given"), format="json")
    assert ok.status_code == 201


def test_unknown_indicators_are_a_400(people, api_for):
    response = api_for(people.frank).post(URL, _payload(indicators=["nope"]), format="json")
    assert response.status_code == 400
    assert "indicators" in response.json()


def test_naming_a_record_the_caller_cannot_see_is_a_400(people, api_for):
    payload = _payload(young_person=str(people.maya.pk))
    del payload["young_person_details"]
    response = api_for(people.frank).post(URL, payload, format="json")
    assert response.status_code == 400
    assert "young_person" in response.json()


def test_a_practitioner_may_name_its_allocated_young_person(people, api_for):
    payload = _payload(young_person=str(people.maya.pk))
    del payload["young_person_details"]
    response = api_for(people.alice).post(URL, payload, format="json")
    assert response.status_code == 201
    assert Referral.objects.get().young_person == people.maya


def test_the_list_holds_the_callers_own_or_everything_for_the_manager(people, api_for):
    mine = submit(people.frank)
    theirs = submit(people.fiona, given_name="Ruby")
    frank = api_for(people.frank).get(URL).json()
    assert [r["id"] for r in frank["results"]] == [str(mine.pk)]
    manager = api_for(people.manager).get(URL).json()
    assert {r["id"] for r in manager["results"]} == {str(mine.pk), str(theirs.pk)}
    assert manager["count"] == 2


def test_the_list_is_paged_newest_first_with_sql_kept_for_the_caller(people, api_for):
    for name in ("Ruby", "Skye", "Tia", "Uma", "Vera"):
        submit(people.frank, given_name=name)
    submit(people.fiona, given_name="Wren")
    assert isinstance(selectors.listed_referrals(people.manager), KeptList)
    for user in (people.manager, people.frank):
        expected = [str(r.pk) for r in selectors.visible_newest_first(user)]
        client = api_for(user)
        seen = []
        for page in (1, 2, 3):
            body = client.get(URL, {"page": page, "page_size": 2}).json()
            assert body["count"] == len(expected)
            seen += [r["id"] for r in body["results"]]
        assert seen == expected
        assert len(expected) == (6 if user == people.manager else 5)


def test_someone_elses_referral_is_a_404(people, api_for):
    referral = submit(people.frank)
    assert api_for(people.fiona).get(f"{URL}{referral.pk}/").status_code == 404
    assert api_for(people.frank).get(f"{URL}{referral.pk}/").status_code == 200
    assert api_for(people.frank).get(f"{URL}{uuid.uuid4()}/").status_code == 404


def test_the_team_manager_allocates_through_the_api(people, api_for):
    referral = submit(people.frank)
    response = api_for(people.manager).post(
        f"{URL}{referral.pk}/triage/",
        {"decision": "allocate", "practitioners": [str(people.alice.pk)], "reason": "High risk"},
        format="json",
    )
    assert response.status_code == 200, response.data
    assert response.json()["status"] == ReferralStatus.TRIAGED
    assert response.json()["outcome"] == "Allocated to the CSE team"
    assert can_view_young_person(people.alice, referral.young_person)


def test_triage_refers_to_a_partner_agency_by_id(people, api_for):
    referral = submit(people.frank)
    response = api_for(people.manager).post(
        f"{URL}{referral.pk}/triage/",
        {"decision": "partner_agency", "partner_agency": str(people.vcs.pk), "reason": "Low"},
        format="json",
    )
    assert response.status_code == 200
    assert referral.young_person.partner_offers.get().agency == people.vcs


def test_triage_by_anyone_else_is_a_404(people, api_for):
    referral = submit(people.frank)
    for user in (people.frank, people.alice):
        response = api_for(user).post(
            f"{URL}{referral.pk}/triage/",
            {"decision": "no_further_action", "reason": "x"},
            format="json",
        )
        assert response.status_code == 404


def test_triage_validation_errors_are_400_by_field(people, api_for):
    referral = submit(people.frank)
    client = api_for(people.manager)
    bad = client.post(
        f"{URL}{referral.pk}/triage/",
        {"decision": "allocate", "practitioners": [str(people.frank.pk)], "reason": "x"},
        format="json",
    )
    assert bad.status_code == 400
    assert "practitioners" in bad.json()
    missing = client.post(f"{URL}{referral.pk}/triage/", {"decision": "assess"}, format="json")
    assert missing.status_code == 400
    assert "reason" in missing.json()


def test_listing_referrals_is_audited(people, api_for):
    from cse_portal.audit.models import AuditEntry

    submit(people.frank)
    api_for(people.manager).get(URL)
    entry = AuditEntry.objects.filter(action="search", object_type="referrals.referral").get()
    assert entry.actor == people.manager
    assert entry.detail["results"] == 1


def test_malformed_fields_and_what_is_missing_are_reported_at_once(people, api_for):
    response = api_for(people.frank).post(
        URL,
        {
            "young_person_details": {
                "given_name": "Skye",
                "family_name": "Thornton",
                "postcode": "not a postcode",
            },
            "immediate_danger": "perhaps",
            "consent": "not_sought",
        },
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert {"young_person_details", "immediate_danger", "concerns", "sharing_basis"} <= set(errors)
    assert errors["sharing_basis"] == ["Enter why you are sharing this information without consent"]
    assert "given_name" not in errors  # given, inside the details whose postcode is wrong
    assert not Referral.objects.exists()


def test_a_triage_request_hears_of_every_id_it_may_not_use_at_once(people, api_for):
    referral = submit(people.frank)
    response = api_for(people.manager).post(
        f"{URL}{referral.pk}/triage/",
        {
            "decision": "allocate",
            "practitioners": [str(people.frank.pk)],
            "young_person": str(uuid.uuid4()),
            "reason": "x",
        },
        format="json",
    )
    assert response.status_code == 400
    assert {"practitioners", "young_person"} <= set(response.json())
