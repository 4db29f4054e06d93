from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from assessments.models import Assessment
from cse_portal.accounts.services import api_token_issue
from cse_portal.audit.models import AuditAction, AuditEntry

from .conftest import HIGH_ANSWERS, LOW_ANSWERS, complete


def api(user=None) -> APIClient:
    """A client with an API token for ``user`` (none: anonymous)."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)}")
    return client


def _answers(answers: dict[str, str]) -> list[dict[str, str]]:
    return [{"item": code, "value": value} for code, value in answers.items()]


def test_instrument_lists_sections_items_and_options(people) -> None:
    response = api(people.alice).get("/api/v1/assessments/instrument/")
    assert response.status_code == 200
    data = response.json()
    assert data["version"] == 1
    items = {i["code"]: i for s in data["sections"] for i in s["items"]}
    assert items["groom_cars"]["options"][0] == {"value": "not_present", "label": "Not present"}
    assert "score" not in items["groom_cars"]["options"][1]


def test_anonymous_gets_401(db) -> None:
    assert api().get("/api/v1/assessments/").status_code == 401
    assert api().get("/api/v1/assessments/instrument/").status_code == 401


def test_practitioner_creates_an_assessment(people) -> None:
    response = api(people.alice).post(
        "/api/v1/assessments/",
        {"young_person": str(people.maya.pk), "answers": _answers(HIGH_ANSWERS)},
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["score"], data["calculated_level"], data["level"]) == (20, "high", "high")
    assert (data["status"], data["instrument_version"], data["review_due"]) == ("draft", 1, None)


def test_create_and_submit_with_judgement(people) -> None:
    response = api(people.alice).post(
        "/api/v1/assessments/",
        {
            "young_person": str(people.maya.pk),
            "answers": _answers(complete(LOW_ANSWERS)),
            "judgement_level": "medium",
            "judgement_rationale": "Recent disclosure",
            "submit": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["calculated_level"], data["level"], data["status"]) == (
        "low",
        "medium",
        "submitted",
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"answers": [{"item": "nope", "value": "present"}]}, "answers"),
        ({"answers": [{"item": "groom_cars", "value": "present"}]}, "answers"),
        ({"judgement_level": "high"}, "judgement_rationale"),
        ({"judgement_level": "extreme"}, "judgement_level"),
        ({"submit": True}, "answers"),
    ],
)
def test_invalid_input_answers_400_by_field(people, payload, field) -> None:
    response = api(people.alice).post(
        "/api/v1/assessments/", {"young_person": str(people.maya.pk), **payload}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Assessment.objects.filter(status="submitted").exists()


def test_cannot_assess_a_young_person_not_visible(people) -> None:
    response = api(people.bob).post(
        "/api/v1/assessments/", {"young_person": str(people.maya.pk)}, format="json"
    )
    assert response.status_code == 400
    assert "young_person" in response.json()
    assert not Assessment.objects.exists()


def test_frontline_cannot_create_or_list(people) -> None:
    client = api(people.frank)
    assert client.get("/api/v1/assessments/").status_code == 403
    response = client.post(
        "/api/v1/assessments/", {"young_person": str(people.maya.pk)}, format="json"
    )
    assert response.status_code == 403


def test_list_shows_only_what_the_caller_may_see(people, make_assessment) -> None:
    mine = make_assessment(LOW_ANSWERS)
    make_assessment(LOW_ANSWERS, young_person=people.noah, assessor=people.manager)
    data = api(people.alice).get("/api/v1/assessments/").json()
    assert data["count"] == 1 and data["results"][0]["id"] == str(mine.pk)
    assert api(people.manager).get("/api/v1/assessments/").json()["count"] == 2
    assert api(people.bob).get("/api/v1/assessments/").json()["count"] == 0


def test_detail_is_404_when_invisible_and_audited_when_read(people, make_assessment) -> None:
    assessment = make_assessment(LOW_ANSWERS)
    assert api(people.bob).get(f"/api/v1/assessments/{assessment.pk}/").status_code == 404
    assert api(people.bob).get("/api/v1/assessments/not-a-uuid/").status_code == 404
    response = api(people.alice).get(f"/api/v1/assessments/{assessment.pk}/")
    assert response.status_code == 200
    assert AuditEntry.objects.filter(
        actor=people.alice, action=AuditAction.CONSULT, object_id=str(assessment.pk)
    ).exists()


def test_manager_approves_through_the_api(people, make_assessment) -> None:
    assessment = make_assessment(LOW_ANSWERS)
    url = f"/api/v1/assessments/{assessment.pk}/approve/"
    assert api(people.alice).post(url, {}, format="json").status_code == 403
    response = api(people.manager).post(url, {}, format="json")
    assert response.status_code == 400 and "partner_agency" in response.json()
    response = api(people.manager).post(url, {"partner_agency": str(people.vcs.pk)}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "approved" and response.json()["review_due"]


def test_list_filters_by_young_person_and_name(people, make_assessment) -> None:
    maya = make_assessment(LOW_ANSWERS, assessor=people.manager)
    make_assessment(LOW_ANSWERS, young_person=people.noah, assessor=people.manager)
    client = api(people.manager)
    data = client.get("/api/v1/assessments/", {"young_person": str(people.maya.pk)}).json()
    assert [r["id"] for r in data["results"]] == [str(maya.pk)]
    data = client.get("/api/v1/assessments/", {"search": "whitfield"}).json()
    assert [r["id"] for r in data["results"]] == [str(maya.pk)]
    response = client.get("/api/v1/assessments/", {"young_person": "x"})
    assert response.status_code == 400 and "young_person" in response.json()


def test_listing_assessments_through_the_api_is_audited(people) -> None:
    response = api(people.manager).get("/api/v1/assessments/")
    entry = AuditEntry.objects.filter(action=AuditAction.SEARCH).first()
    assert response.status_code == 200
    assert entry.object_type == "assessments.assessment" and entry.actor == people.manager


def test_the_api_shows_the_suggestions_a_reason_added_to_the_draft(people) -> None:
    from assessments import services

    draft = services.assessment_start(young_person=people.maya, assessor=people.alice)
    url = f"/api/v1/assessments/{draft.pk}/"
    assert api(people.alice).get(url).json()["suggested_items"] == []
    services.assessment_request(
        young_person=people.maya,
        requested_by=None,
        reason="Missing: graded high risk",
        source_app="missing",
        suggested_indicators=["health_sti"],
    )
    data = api(people.alice).get(url).json()
    assert (data["suggested_items"], data["answers"]) == (["health_sti"], [])
