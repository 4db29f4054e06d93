"""``/api/v1/measures/`` and ``/api/v1/reports/``: suppressed as on the page, 400 naming the
field, 202 with progress, the download for those allowed."""

from __future__ import annotations

from rest_framework.test import APIClient

from .conftest import at, referrals


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_measures_are_suppressed_as_on_the_page(people):
    referrals(3, referred_by=people.frank, submitted_at=at(2026, 7, 2))
    referrals(12, referred_by=people.fiona, submitted_at=at(2026, 7, 3))
    response = api(people.lucy).get("/api/v1/measures/", {"period": "2026-Q3"})
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == "2026-Q3" and body["previous_period"] == "2026-Q2"
    rows = {row["name"]: row for row in body["measures"]}
    assert rows["referrals_from_health"]["value"] is None
    assert rows["referrals_from_health"]["suppressed"] is True
    assert rows["referrals_received"]["value"] == 15


def test_a_bad_period_answers_400_on_its_field(people):
    response = api(people.lucy).get("/api/v1/measures/", {"period": "last year"})
    assert response.status_code == 400
    assert "period" in response.json()


def test_measures_are_refused_to_a_practitioner_and_an_anonymous_caller(people):
    assert api(people.alice).get("/api/v1/measures/").status_code == 403
    assert APIClient().get("/api/v1/measures/").status_code == 401


def test_a_report_is_requested_followed_and_downloaded(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(people.lucy).post(
            "/api/v1/reports/", {"kind": "lscb_quarterly", "period": "2026-Q3"}, format="json"
        )
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    run_id = response.json()["id"]
    detail = api(people.lucy).get(f"/api/v1/reports/{run_id}/").json()
    assert (detail["status"], detail["progress"]) == ("done", 100)
    listed = api(people.manager).get("/api/v1/reports/").json()
    assert [r["id"] for r in listed["results"]] == [run_id]
    download = api(people.lucy).get(f"/api/v1/reports/{run_id}/download/")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    assert api(people.alice).get(f"/api/v1/reports/{run_id}/").status_code == 404


def test_a_request_for_a_report_not_allowed_is_refused(people):
    response = api(people.lucy).post(
        "/api/v1/reports/", {"kind": "annual_review", "period": "2026-Q1"}, format="json"
    )
    assert response.status_code == 400
    assert "period" in response.json()
    response = api(people.alice).post(
        "/api/v1/reports/", {"kind": "annual_review", "period": "2026"}, format="json"
    )
    assert response.status_code == 403
