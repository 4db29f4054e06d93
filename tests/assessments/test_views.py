from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, AssessmentStatus
from cse_portal.audit.models import AuditAction, AuditEntry
from cse_portal.young_people.models import RiskLevel

from .conftest import HIGH_ANSWERS, LOW_ANSWERS, complete


def _login_redirect(response) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Ladders: anonymous -> login, wrong role -> refused, right person -> 200 with content --------


def test_team_list_ladder(people, client_for) -> None:
    url = reverse("assessments:list")
    assert _login_redirect(Client().get(url))
    for user in (people.frank, people.ana, people.lucy, people.adam):
        assert client_for(user).get(url).status_code == 403
    response = client_for(people.alice).get(url)
    assert response.status_code == 200
    assert b"CSE risk assessments" in response.content


def test_detail_ladder(people, client_for, make_assessment) -> None:
    assessment = make_assessment(LOW_ANSWERS)
    url = reverse("assessments:detail", args=[assessment.pk])
    assert _login_redirect(Client().get(url))
    for user in (people.frank, people.ana, people.adam, people.bob):
        assert client_for(user).get(url).status_code == 404
    response = client_for(people.alice).get(url)
    assert response.status_code == 200
    assert b"Seen getting into cars driven by unknown adults" in response.content
    assert AuditEntry.objects.filter(
        actor=people.alice, action=AuditAction.CONSULT, subject_id=str(people.maya.pk)
    ).exists()


def test_start_ladder(people, client_for) -> None:
    url = reverse("assessments:start", args=[people.maya.pk])
    assert _login_redirect(Client().get(url))
    assert client_for(people.frank).get(url).status_code == 404
    assert client_for(people.bob).get(url).status_code == 404
    response = client_for(people.alice).get(url)
    assert response.status_code == 200
    assert b"South Yorkshire CSE screening tool" in response.content
    response = client_for(people.alice).post(url)
    assessment = Assessment.objects.get()
    assert response["Location"] == reverse("assessments:edit", args=[assessment.pk])


def test_edit_ladder(people, client_for, make_assessment) -> None:
    assessment = make_assessment(LOW_ANSWERS, status="draft")
    url = reverse("assessments:edit", args=[assessment.pk])
    assert _login_redirect(Client().get(url))
    assert client_for(people.bob).get(url).status_code == 404
    assert client_for(people.manager).get(url).status_code == 403  # not the assessor
    response = client_for(people.alice).get(url)
    assert response.status_code == 200
    assert b"Complete the CSE risk assessment" in response.content


def test_decide_ladder(people, client_for, make_assessment) -> None:
    assessment = make_assessment(LOW_ANSWERS)
    url = reverse("assessments:decide", args=[assessment.pk])
    assert _login_redirect(Client().get(url))
    assert client_for(people.frank).get(url).status_code == 404
    assert client_for(people.alice).get(url).status_code == 403
    response = client_for(people.manager).get(url)
    assert response.status_code == 200
    assert b"Approve or return the assessment" in response.content


# --- Behaviour ------------------------------------------------------------------------------------


def _post_answers(answers: dict[str, str], **extra: str) -> dict[str, str]:
    return {f"item_{code}": value for code, value in answers.items()} | extra


def test_saving_a_draft_keeps_partial_answers(people, client_for, make_assessment) -> None:
    assessment = make_assessment({}, status="draft")
    client = client_for(people.alice)
    url = reverse("assessments:edit", args=[assessment.pk])
    response = client.post(url, _post_answers({"groom_cars": "within_6_months"}, action="save"))
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.answers["groom_cars"] == "within_6_months"
    assert assessment.status == AssessmentStatus.DRAFT


def test_submitting_incomplete_shows_errors_and_keeps_what_was_typed(
    people, client_for, make_assessment
) -> None:
    assessment = make_assessment({}, status="draft")
    Assessment.objects.filter(pk=assessment.pk).update(answers={})
    response = client_for(people.alice).post(
        reverse("assessments:edit", args=[assessment.pk]),
        _post_answers(
            {"groom_cars": "within_6_months"},
            action="submit",
            judgement_level="high",
            judgement_rationale="Disclosed to school nurse",
        ),
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert "Select an answer for: Seen getting into cars" not in content
    assert "Select an answer for: Regularly missing" in content
    assert "Disclosed to school nurse" in content
    assert 'value="within_6_months" checked' in content
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT
    assert assessment.answers == {"groom_cars": "within_6_months"}


def test_judgement_without_rationale_is_an_error_on_the_field(
    people, client_for, make_assessment
) -> None:
    assessment = make_assessment({}, status="draft")
    response = client_for(people.alice).post(
        reverse("assessments:edit", args=[assessment.pk]),
        _post_answers(complete(LOW_ANSWERS), action="submit", judgement_level="high"),
    )
    assert response.status_code == 200
    assert b'href="#id_judgement_rationale"' in response.content


def test_practitioner_submits_and_manager_approves(people, client_for, make_assessment) -> None:
    assessment = make_assessment({}, status="draft")
    response = client_for(people.alice).post(
        reverse("assessments:edit", args=[assessment.pk]),
        _post_answers(complete(HIGH_ANSWERS), action="submit"),
    )
    assert response.status_code == 302
    response = client_for(people.manager).post(
        reverse("assessments:decide", args=[assessment.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    people.maya.refresh_from_db()
    assert people.maya.current_risk_level == RiskLevel.HIGH


def test_manager_must_choose_an_agency_for_low_risk(people, client_for, make_assessment) -> None:
    assessment = make_assessment(LOW_ANSWERS)
    url = reverse("assessments:decide", args=[assessment.pk])
    response = client_for(people.manager).post(url, {"decision": "approve", "comments": "Ok"})
    assert response.status_code == 200
    assert b"Choose the partner agency" in response.content
    assert b">Ok</textarea>" in response.content
    response = client_for(people.manager).post(
        url, {"decision": "approve", "partner_agency": people.vcs.pk}
    )
    assert response.status_code == 302


def test_return_with_comments(people, client_for, make_assessment) -> None:
    assessment = make_assessment(LOW_ANSWERS)
    url = reverse("assessments:decide", args=[assessment.pk])
    response = client_for(people.manager).post(url, {"decision": "return"})
    assert b"Say what needs to change" in response.content
    client_for(people.manager).post(url, {"decision": "return", "comments": "More detail"})
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.RETURNED


def test_record_page_shows_history_chart_and_changes(people, client_for, make_assessment) -> None:
    make_assessment(LOW_ANSWERS, status="approved")
    make_assessment(HIGH_ANSWERS, status="approved")
    response = client_for(people.alice).get(reverse("young_people:detail", args=[people.maya.pk]))
    content = response.content.decode()
    assert "<svg" in content and "CSE risk level over time" in content
    assert "Appeared: Regularly missing from home, care or school" in content
    assert "Went away: Homeless, sofa surfing or unstable accommodation" in content


@pytest.mark.parametrize("show", ["to_do", "in_progress", "awaiting", "overdue"])
def test_each_team_list_renders(people, client_for, show) -> None:
    response = client_for(people.manager).get(reverse("assessments:list"), {"show": show})
    assert response.status_code == 200


def test_request_shows_in_to_do_and_starting_from_it_links_it(people, client_for) -> None:
    from assessments import services
    from assessments.models import AssessmentRequest

    request = services.assessment_request(
        young_person=people.maya,
        requested_by=people.manager,
        reason="Triage: older boyfriend",
        source_app="referrals",
    )
    client = client_for(people.alice)
    content = client.get(reverse("assessments:list")).content.decode()
    assert "Triage: older boyfriend" in content
    assert "Noah" not in content
    client.post(reverse("assessments:start", args=[people.maya.pk]), {"request": request.pk})
    assert AssessmentRequest.objects.get().assessment == Assessment.objects.get()
    assert (
        "Triage: older boyfriend"
        not in client_for(people.bob).get(reverse("assessments:list")).content.decode()
    )


def test_overdue_reviews_list_the_latest_assessment_only(
    people, client_for, make_assessment
) -> None:
    import datetime as dt

    from django.utils import timezone

    old = make_assessment(HIGH_ANSWERS, status="approved")
    past = timezone.localdate() - dt.timedelta(days=3)
    Assessment.objects.filter(pk=old.pk).update(review_due=past)
    page = client_for(people.manager).get(reverse("assessments:list"), {"show": "overdue"})
    assert list(page.context["page"].object_list) == [old]
    make_assessment(LOW_ANSWERS, status="approved")
    page = client_for(people.manager).get(reverse("assessments:list"), {"show": "overdue"})
    assert list(page.context["page"].object_list) == []


def test_lowering_by_judgement_asks_the_manager_to_confirm(
    people, client_for, make_assessment
) -> None:
    assessment = make_assessment(
        HIGH_ANSWERS, judgement_level="medium", judgement_rationale="Historic indicators"
    )
    url = reverse("assessments:decide", args=[assessment.pk])
    client = client_for(people.manager)
    assert b"I approve lowering the calculated level" in client.get(url).content
    response = client.post(url, {"decision": "approve", "partner_agency": people.vcs.pk})
    assert b"Confirm that you approve lowering" in response.content
    client.post(
        url, {"decision": "approve", "partner_agency": people.vcs.pk, "approve_lowering": "on"}
    )
    assessment.refresh_from_db()
    assert (assessment.status, assessment.level) == (AssessmentStatus.APPROVED, "medium")


def test_the_floor_warning_shows_on_the_assessment(people, client_for, make_assessment) -> None:
    people.maya.learning_disability = True
    people.maya.save()
    assessment = make_assessment({})
    content = client_for(people.alice).get(reverse("assessments:detail", args=[assessment.pk]))
    assert "prompts a referral to children's social care" in content.content.decode()


def test_opening_the_team_list_is_audited(people, client_for) -> None:
    client_for(people.manager).get(reverse("assessments:list") + "?show=awaiting")
    entry = AuditEntry.objects.filter(action=AuditAction.SEARCH).first()
    assert entry.object_type == "assessments.assessment"
    assert "Awaiting approval" in entry.summary
