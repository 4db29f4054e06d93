"""Records shown beside another page (likely matches, an access log, a request for an assessment)
are named in the audit log, so each appears in its own young person's access log."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments import services as assessment_services
from cse_portal.audit.models import AuditEntry
from tests.factories import make_young_person
from tests.referrals.conftest import submit

pytestmark = pytest.mark.django_db


def _named(record) -> bool:
    return any(
        str(record.pk) in entry.detail.get("subjects", []) or entry.subject_id == str(record.pk)
        for entry in AuditEntry.objects.all()
    )


def test_the_likely_records_on_the_triage_page_are_named(people, client_for):
    liam = make_young_person(people.manager, given_name="Liam", family_name="Carter")
    referral = submit(
        people.frank,
        given_name="Liam",
        family_name="Carver",
        date_of_birth=liam.date_of_birth,
        postcode=liam.postcode,
    )
    before = AuditEntry.objects.count()
    client_for(people.manager).get(reverse("referrals:triage", kwargs={"pk": referral.pk}))
    shown = AuditEntry.objects.order_by("id")[before:]
    assert any(str(liam.pk) in entry.detail.get("subjects", []) for entry in shown)


def test_reading_the_access_log_is_itself_recorded(people, client_for):
    url = reverse("young_people:access_log", kwargs={"pk": people.maya.pk})
    client_for(people.manager).get(url)
    entry = AuditEntry.objects.filter(subject_id=str(people.maya.pk)).latest("id")
    assert entry.detail.get("channel") == "access log"
    assert AuditEntry.objects.filter(detail__channel="access log", action="search").exists()


def test_opening_a_request_for_an_assessment_is_recorded(people, client_for):
    request = assessment_services.assessment_request(
        young_person=people.maya, requested_by=people.manager, reason="Triage", source_app="tests"
    )
    url = reverse("assessments:start", kwargs={"pk": people.maya.pk})
    client_for(people.alice).get(url, {"request": request.pk})
    assert AuditEntry.objects.filter(
        object_type="assessments.assessmentrequest", object_id=str(request.pk)
    ).exists()
    assert _named(people.maya)
