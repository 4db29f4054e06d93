"""The intelligence API and pages as an attacker would try them (other people's ids, NUL
characters, a megabyte of text, deep JSON, methods that are not served, odd subjects) and as an
auditor would check them (every read of an item recorded)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from cse_portal.audit.models import AuditAction, AuditEntry
from intelligence import services
from intelligence.models import Entity, IntelligenceItem

from .conftest import submit
from .test_api import BODY, URL

pytestmark = pytest.mark.django_db


def _post(client, body) -> object:
    return client.post(URL, json.dumps(body), content_type="application/json")


# --- Other people's ids: 404, the same as an id that does not exist -------------------------------


def test_another_submitters_item_is_404_like_a_missing_one(people, api_client_for):
    item = submit(people.frank)
    fiona = api_client_for(people.fiona)
    assert fiona.get(f"{URL}{item.pk}/").status_code == 404
    assert fiona.get(f"{URL}00000000-0000-0000-0000-000000000000/").status_code == 404
    assert fiona.get(f"{URL}not-a-uuid/").status_code == 404


@pytest.mark.parametrize("action", ["grading", "sanitise", "disseminate"])
def test_the_analysts_actions_are_404_to_everyone_else(people, api_client_for, action):
    item = submit(people.frank)
    for user in (people.frank, people.manager, people.alice):
        response = api_client_for(user).post(f"{URL}{item.pk}/{action}/", {}, format="json")
        assert response.status_code == 404, (user, response.status_code)


def test_a_recipient_cannot_accept_conditions_of_an_item_not_shared_with_them(
    people, api_client_for
):
    item = submit(people.frank)
    assert api_client_for(people.bob).post(f"{URL}{item.pk}/acknowledge/").status_code == 404


def test_an_entity_id_is_404_to_a_frontline_user(people, api_client_for):
    entity = submit(people.frank).mentions.first().entity
    assert api_client_for(people.frank).get(f"/api/v1/entities/{entity.pk}/").status_code == 404


def test_a_young_person_the_submitter_may_not_see_cannot_be_named(people, api_client_for):
    body = {
        **BODY,
        "subjects": [{"kind": "person", "role": "witness", "young_person": str(people.noah.pk)}],
    }
    response = api_client_for(people.alice).post(URL, body, format="json")
    assert response.status_code == 400
    assert "young_person" in response.json()["subjects"][0]
    assert not IntelligenceItem.objects.exists()


def test_a_recipient_id_that_is_not_a_user_is_refused(people, api_client_for):
    item = submit(people.frank)
    services.item_sanitise(actor=people.ana, item=item, sanitised_content="A car")
    response = api_client_for(people.ana).post(
        f"{URL}{item.pk}/disseminate/",
        {"recipients": [str(people.maya.pk)], "purpose": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert not item.disseminations.exists()


# --- Bad input: 400 or 413 with the field named, never a 500, nothing saved ----------------------


def test_a_nul_character_answers_400(people, api_client_for):
    response = _post(api_client_for(people.frank), {**BODY, "content": "A girl\x00 in a car"})
    assert response.status_code == 400
    assert not IntelligenceItem.objects.exists()


def test_a_megabyte_of_text_answers_413(people, api_client_for):
    response = _post(api_client_for(people.frank), {**BODY, "content": "x" * 1_000_000})
    assert response.status_code == 413
    assert not IntelligenceItem.objects.exists()


def test_text_over_its_limit_answers_400_on_its_field(people, api_client_for):
    response = _post(api_client_for(people.frank), {**BODY, "content": "x" * 10_001})
    assert response.status_code == 400
    assert "content" in response.json()


def test_a_subjects_over_long_description_answers_400_and_saves_nothing(people, api_client_for):
    body = {
        **BODY,
        "subjects": [{"kind": "person", "role": "witness", "description": "tall " * 4000}],
    }
    response = _post(api_client_for(people.frank), body)
    assert response.status_code == 400
    assert not IntelligenceItem.objects.exists() and not Entity.objects.exists()


def test_deep_json_answers_400(people, api_client_for):
    nested: object = "x"
    for _ in range(200):
        nested = {"a": nested}
    response = _post(api_client_for(people.frank), {**BODY, "subjects": [nested]})
    assert response.status_code == 400
    assert not IntelligenceItem.objects.exists()


@pytest.mark.parametrize(
    "subjects",
    [
        "a string",
        [1, 2, 3],
        [{"kind": "spaceship"}],
        [{"kind": "phone", "number": {"nested": "07700 900123"}}],
        [{"kind": "vehicle", "registration": ["AB12CDE"]}],
        [{"kind": "location", "latitude": "NaN", "name": "Park"}],
        [{"kind": "person", "role": "boss", "name": "Dean"}],
        [{"kind": "phone", "number": "07700 900123"}] * 101,
    ],
)
def test_odd_subjects_answer_400(people, api_client_for, subjects):
    response = _post(api_client_for(people.frank), {**BODY, "subjects": subjects})
    assert response.status_code == 400, response.content
    assert "subjects" in response.json()
    assert not IntelligenceItem.objects.exists()


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_an_item_is_never_changed_or_deleted_through_the_api(people, api_client_for, method):
    item = submit(people.frank)
    client = api_client_for(people.frank)
    response = getattr(client, method)(f"{URL}{item.pk}/", {"content": item.content}, format="json")
    assert response.status_code == 405
    item.refresh_from_db()
    assert item.content.startswith("Who:")


def test_the_same_grading_twice_is_recorded_once_with_its_reason(people, api_client_for):
    # Confirming the submitted grading is still the analyst's decision, audited with its reason,
    # and the submitted grading stays as it was; the same grading posted again writes nothing.
    item = submit(people.frank)
    client = api_client_for(people.ana)
    body = {
        "source_evaluation": "B",
        "intelligence_evaluation": "2",
        "handling_code": "1",
        "reason": "Reviewed: the grading stands",
    }
    for _ in range(2):
        assert client.post(f"{URL}{item.pk}/grading/", body, format="json").status_code == 200
    item.refresh_from_db()
    assert item.submitted_grading == item.grading == "B2 1"
    assert item.gradings.count() == 1
    regraded = AuditEntry.objects.filter(object_id=str(item.pk), summary__contains="regraded")
    assert regraded.count() == 1


# --- Every read of an item is audited ----------------------------------------------------------


def _consulted(item: IntelligenceItem, since: int) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(id__gt=since, action=AuditAction.CONSULT).filter(
            object_id=str(item.pk)
        )
    ) + [
        e
        for e in AuditEntry.objects.filter(id__gt=since).exclude(object_id=str(item.pk))
        if str(item.pk) in e.detail.get("shown", [])
    ]


def _last() -> int:
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_every_read_of_an_item_is_audited(people, api_client_for, client_for):
    item = submit(people.frank)
    services.item_sanitise(actor=people.ana, item=item, sanitised_content="A car")
    services.item_disseminate(actor=people.ana, item=item, recipients=[people.bob], purpose="x")
    mention = item.mentions.first()
    api = {u.pk: api_client_for(u) for u in (people.frank, people.ana, people.bob)}
    api_client_for = lambda user: api[user.pk]  # noqa: E731 (one token per user: a new one revokes)
    reads = [
        (api_client_for(people.frank), f"{URL}{item.pk}/"),
        (api_client_for(people.frank), URL),
        (api_client_for(people.ana), f"{URL}{item.pk}/"),
        (api_client_for(people.ana), URL),
        (api_client_for(people.bob), f"{URL}{item.pk}/"),
        (api_client_for(people.bob), URL),
        (client_for(people.frank), reverse("intelligence:detail", args=[item.pk])),
        (client_for(people.frank), reverse("intelligence:mine")),
        (client_for(people.bob), reverse("intelligence:received_item", args=[item.pk])),
        (client_for(people.bob), reverse("intelligence:received")),
        (client_for(people.ana), reverse("intelligence:review", args=[item.pk])),
        (client_for(people.ana), reverse("intelligence:resolve", args=[item.pk, mention.pk])),
        (client_for(people.ana), reverse("intelligence:desk")),
        (client_for(people.ana), reverse("intelligence:entity", args=[mention.entity_id])),
    ]
    for client, path in reads:
        before = _last()
        assert client.get(path).status_code == 200, path
        assert _consulted(item, before), f"{path}: read without an audit entry naming the item"
