"""The API: the same rules as the pages, through the same funnel and services."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from missing import services
from missing.models import ImportMatch, MissingEpisode, PoliceImport

from .conftest import hours_ago, jpeg_bytes

pytestmark = pytest.mark.django_db
EPISODES = "/api/v1/missing-episodes/"


def report(client, **fields):
    data = {
        "missing_since": hours_ago(3).isoformat(),
        "last_seen": "Bus station",
        "risk_grade": "medium",
        **fields,
    }
    return client.post(EPISODES, data, format="json")


def test_any_staff_user_reports_and_the_record_is_found_or_made(people, api_client_for):
    response = report(
        api_client_for(people.frank),
        young_person_details={
            "given_name": "Ava",
            "family_name": "Crookes",
            "date_of_birth": "2011-04-02",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "missing"
    assert body["duration_hours"] >= 3
    assert MissingEpisode.objects.get().young_person.family_name == "Crookes"


def test_lscb_and_admin_may_not_report(people, api_client_for):
    for user in (people.lucy, people.adam):
        assert report(api_client_for(user), young_person=str(people.maya.pk)).status_code == 403


def test_a_record_the_caller_cannot_see_is_a_field_error(people, api_client_for):
    response = report(api_client_for(people.frank), young_person=str(people.maya.pk))
    assert response.status_code == 400
    assert "young_person" in response.json()


def test_bad_input_names_each_field(people, api_client_for):
    response = report(
        api_client_for(people.alice),
        young_person=str(people.maya.pk),
        risk_grade="severe",
        missing_since="2099-01-01T10:00:00Z",
    )
    assert response.status_code == 400
    assert {"risk_grade", "missing_since"} <= set(response.json())


def test_return_and_risk_grade_through_the_api(people, api_client_for):
    client = api_client_for(people.alice)
    episode_id = report(client, young_person=str(people.maya.pk)).json()["id"]
    graded = client.post(
        f"{EPISODES}{episode_id}/risk-grade/",
        {"risk_grade": "high", "reason": "Seen in a car"},
        format="json",
    )
    assert graded.json()["risk_grade"] == "high"
    back = client.post(
        f"{EPISODES}{episode_id}/return/",
        {
            "returned_at": hours_ago(1).isoformat(),
            "found_location": {"name": "Ponds Forge", "postcode": "S1 2BP"},
            "return_method": "found_police",
            "cse_indicators": ["groom_cars"],
        },
        format="json",
    )
    assert back.status_code == 200, back.json()
    assert back.json()["status"] == "returned"
    assert back.json()["found_location"] == "Ponds Forge, S1 2BP"
    assert back.json()["duration_hours"] == pytest.approx(2, abs=0.05)
    interview = client.get(f"/api/v1/return-interviews/{back.json()['interview']}/").json()
    assert interview["status"] == "due"
    assert interview["within_72_hours"] is None


def test_other_practitioners_get_404(people, api_client_for):
    episode_id = report(api_client_for(people.alice), young_person=str(people.maya.pk)).json()["id"]
    assert api_client_for(people.bob).get(f"{EPISODES}{episode_id}/").status_code == 404
    assert api_client_for(people.manager).get(f"{EPISODES}{episode_id}/").status_code == 200


def test_the_board_through_the_api_is_high_risk_first(people, api_client_for):
    client = api_client_for(people.manager)
    report(client, young_person=str(people.noah.pk), risk_grade="low")
    report(
        client,
        young_person=str(people.maya.pk),
        risk_grade="high",
        missing_since=hours_ago(1).isoformat(),
    )
    grades = [
        e["risk_grade"] for e in client.get(EPISODES, {"status": "missing"}).json()["results"]
    ]
    assert grades == ["high", "low"]


@pytest.fixture
def interview(people):
    episode = services.episode_report(
        reported_by=people.manager,
        young_person=people.noah,
        missing_since=hours_ago(10),
        last_seen="x",
        risk_grade="low",
    )
    services.episode_return(episode=episode, returned_by=people.manager, returned_at=hours_ago(2))
    return episode.interview


def test_the_interviewer_is_chosen_from_the_agency_list(people, api_client_for, interview):
    client = api_client_for(people.manager)
    url = f"/api/v1/return-interviews/{interview.pk}/"
    choices = client.get(f"{url}interviewers/", {"agency": str(people.police.pk)}).json()
    assert people.fiona.username in [c["username"] for c in choices]
    refused = client.post(
        f"{url}interviewer/",
        {"agency": str(people.health.pk), "interviewer": str(people.fiona.pk)},
        format="json",
    )
    assert refused.status_code == 400
    chosen = client.post(
        f"{url}interviewer/",
        {"agency": str(people.police.pk), "interviewer": str(people.fiona.pk)},
        format="json",
    )
    assert chosen.json()["interviewer"] == "fiona"
    fiona = api_client_for(people.fiona)
    assert (
        fiona.post(
            f"{url}attempts/",
            {"attempted_at": hours_ago(1).isoformat(), "method": "phone", "outcome": "no_answer"},
            format="json",
        ).status_code
        == 201
    )
    done = fiona.post(
        f"{url}complete/",
        {
            "held_at": hours_ago(0.5).isoformat(),
            "location_held": "School",
            "where_been": "Page Hall",
        },
        format="json",
    )
    assert done.json()["status"] == "done"
    assert done.json()["within_72_hours"] is True
    shared = fiona.post(
        f"{url}findings/",
        {
            "content": "A flat in Page Hall",
            "subjects": [{"kind": "vehicle", "registration": "YX19 ABC"}],
        },
        format="json",
    )
    assert shared.status_code == 201, shared.json()
    assert shared.json()["reference"]


def test_a_profile_photo_through_the_api(people, api_client_for):
    profile = services.carer_name(
        young_person=people.maya, carer=people.fiona, named_by=people.alice
    )
    client = api_client_for(people.fiona)
    url = f"/api/v1/philomena-profiles/{profile.pk}/"
    assert (
        client.patch(url, {"medication": "Inhaler"}, format="json").json()["medication"]
        == "Inhaler"
    )
    bad = client.post(
        f"{url}photo/",
        {"photo": SimpleUploadedFile("x.jpg", b"MZ" + b"\x00" * 50)},
        format="multipart",
    )
    assert bad.status_code == 400
    assert "photo" in bad.json()
    good = client.post(
        f"{url}photo/",
        {"photo": SimpleUploadedFile("x.jpg", jpeg_bytes(gps=True))},
        format="multipart",
    )
    assert good.json()["has_photo"] is True
    assert api_client_for(people.frank).get(url).status_code == 404


def test_import_and_match_queue_through_the_api(
    people, api_client_for, django_capture_on_commit_callbacks
):
    from tests.factories import make_young_person

    for _ in range(2):
        make_young_person(
            people.manager,
            given_name="Jade",
            family_name="Hallam",
            date_of_birth=__import__("datetime").date(2011, 5, 17),
        )
    csv = (
        "police_reference,given_name,family_name,date_of_birth,missing_since,risk_grade\n"
        "SY-2,Jade,Hallam,2011-05-17,2026-02-01 18:00,high\n"
        "SY-3,X,,2011-05-17,2026-02-01 18:00,high\n"
    )
    client = api_client_for(people.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/missing-imports/",
            {"file": SimpleUploadedFile("r.csv", csv.encode())},
            format="multipart",
        )
    assert response.status_code == 202, response.json()
    done = client.get(f"/api/v1/missing-imports/{response.json()['id']}/").json()
    assert done["status"] == "done"
    assert done["errors"] == [{"line": 3, "reason": "given_name and family_name are both needed"}]
    (match,) = client.get("/api/v1/missing-import-matches/").json()["results"]
    resolved = client.post(
        f"/api/v1/missing-import-matches/{match['id']}/resolve/",
        {"young_person": match["candidates"][0]},
        format="json",
    )
    assert resolved.status_code == 201
    assert ImportMatch.objects.get().status == "resolved"
    assert api_client_for(people.alice).get("/api/v1/missing-imports/").status_code == 403
    assert PoliceImport.objects.count() == 1


def test_a_return_imported_through_the_api_makes_its_interview(
    people, api_client_for, django_capture_on_commit_callbacks
):
    born = people.maya.date_of_birth.isoformat()
    csv = (
        "police_reference,given_name,family_name,date_of_birth,missing_since,returned_at,"
        "risk_grade\n"
        f"SY-20,Maya,Whitfield,{born},2026-02-01 18:00,2026-02-02 08:00,low\n"
    )
    client = api_client_for(people.manager)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/api/v1/missing-imports/",
                {"file": SimpleUploadedFile("r.csv", csv.encode())},
                format="multipart",
            )
        assert response.status_code == 202, response.json()
    episode = MissingEpisode.objects.get(police_reference="SY-20")
    assert episode.status == "returned"
    assert episode.interview.shown_status == "overdue"
    assert episode.interview.due_at == episode.returned_at + __import__("datetime").timedelta(
        hours=72
    )


def test_carers_are_named_and_revoked_through_the_api(people, api_client_for):
    """The same services as the page: the object grant made and revoked, each audited as a
    permission change; only whoever may name carers may, and a record they cannot see is a 404."""
    from cse_portal.audit.models import AuditAction, AuditEntry
    from missing import permissions

    alice = api_client_for(people.alice)
    named = alice.post(
        "/api/v1/philomena-profiles/carers/",
        {"young_person": str(people.maya.pk), "carer": str(people.fiona.pk)},
        format="json",
    )
    assert named.status_code == 201, named.json()
    profile_id = named.json()["profile"]
    assert [c["username"] for c in named.json()["carers"]] == ["fiona"]
    assert permissions.is_carer_of(people.fiona, people.maya)
    listed = alice.get(f"/api/v1/philomena-profiles/{profile_id}/carers/")
    assert [c["username"] for c in listed.json()["carers"]] == ["fiona"]

    not_frontline = alice.post(
        "/api/v1/philomena-profiles/carers/",
        {"young_person": str(people.maya.pk), "carer": str(people.bob.pk)},
        format="json",
    )
    assert not_frontline.status_code == 400
    assert "carer" in not_frontline.json()
    unseen = api_client_for(people.bob).post(
        "/api/v1/philomena-profiles/carers/",
        {"young_person": str(people.maya.pk), "carer": str(people.frank.pk)},
        format="json",
    )
    assert unseen.status_code == 404
    # The carer keeps the profile but names nobody.
    carer = api_client_for(people.fiona)
    assert carer.get(f"/api/v1/philomena-profiles/{profile_id}/carers/").status_code == 403

    url = f"/api/v1/philomena-profiles/{profile_id}/carers/revoke/"
    assert alice.post(url, {"carer": str(people.fiona.pk)}, format="json").status_code == 400
    revoked = alice.post(url, {"carer": str(people.fiona.pk), "reason": "Moved"}, format="json")
    assert revoked.status_code == 200, revoked.json()
    assert revoked.json()["carers"] == []
    assert not permissions.is_carer_of(people.fiona, people.maya)
    changes = AuditEntry.objects.filter(
        action=AuditAction.PERMISSION_CHANGE, object_id=profile_id
    ).values_list("summary", flat=True)
    assert sorted(changes) == [
        "fiona named carer (Philomena profile)",
        "fiona no longer carer (Philomena profile)",
    ]


def test_a_patch_that_changes_nothing_writes_and_audits_nothing(people, api_client_for):
    from cse_portal.audit.models import AuditAction, AuditEntry

    profile = services.carer_name(
        young_person=people.maya, carer=people.fiona, named_by=people.alice
    )
    client = api_client_for(people.fiona)
    url = f"/api/v1/philomena-profiles/{profile.pk}/"
    assert client.patch(url, {"medication": "Inhaler"}, format="json").status_code == 200
    profile.refresh_from_db()
    stamp = profile.updated_at
    altered = AuditEntry.objects.filter(action=AuditAction.ALTER, object_id=str(profile.pk))
    before = altered.count()
    again = client.patch(url, {"medication": " Inhaler "}, format="json")
    assert again.status_code == 200
    assert again.json()["medication"] == "Inhaler"
    profile.refresh_from_db()
    assert profile.updated_at == stamp
    assert altered.count() == before
