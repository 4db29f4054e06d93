from __future__ import annotations

from django.test import Client
from django.urls import reverse

from cse_portal.audit.models import AuditAction, AuditEntry

from .conftest import HIGH_ANSWERS


def test_pdf_is_a_real_pdf_and_printing_is_audited(people, client_for, make_assessment) -> None:
    assessment = make_assessment(HIGH_ANSWERS, status="approved")
    response = client_for(people.alice).get(reverse("assessments:pdf", args=[assessment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    entry = AuditEntry.objects.get(action=AuditAction.PRINT)
    assert (entry.actor, entry.subject_id, entry.object_id) == (
        people.alice,
        str(people.maya.pk),
        str(assessment.pk),
    )


def test_pdf_is_refused_to_those_who_may_not_see_it(people, client_for, make_assessment) -> None:
    assessment = make_assessment(HIGH_ANSWERS)
    url = reverse("assessments:pdf", args=[assessment.pk])
    assert Client().get(url).status_code == 302
    assert client_for(people.bob).get(url).status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.PRINT).exists()
