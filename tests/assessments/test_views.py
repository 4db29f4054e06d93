"""Ladder tests for every assessment page, as a table (the style of tests/young_people): anonymous
-> sign-in page; password but no code -> code page; each refused persona -> 403, or 404 for an
assessment or record the user may not see; the right persona -> the page with its content. Then
each page's behaviour."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, AssessmentStatus
from cse_portal.audit.models import AuditAction, AuditEntry
from cse_portal.young_people.models import RiskLevel
from tests.personas import People

from .conftest import HIGH_ANSWERS, LOW_ANSWERS, complete

HTMX = {"HTTP_HX_REQUEST": "true"}

# The page's URL from the personas and the ``make_assessment`` fixture.
UrlFor = Callable[[People, Callable[..., Assessment]], str]


@dataclass(frozen=True)
class Page:
    name: str
    url: UrlFor
    allowed: str
    refused: dict[str, int]
    content: str
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


def _of_assessment(name: str, status: str = "submitted") -> UrlFor:
    return lambda p, make: reverse(
        f"assessments:{name}", args=[make(LOW_ANSWERS, status=status).pk]
    )


PAGES = [
    Page(
        "list",
        lambda p, make: reverse("assessments:list"),
        "manager",
        {"frank": 403, "ana": 403, "lucy": 403, "adam": 403},
        "CSE risk assessments",
    ),
    Page(
        "start",
        lambda p, make: reverse("assessments:start", args=[p.maya.pk]),
        "alice",
        {"frank": 404, "bob": 404},
        "South Yorkshire CSE screening tool",
    ),
    Page(
        "detail",
        _of_assessment("detail"),
        "alice",
        {"frank": 404, "ana": 404, "adam": 404, "bob": 404},
        "Seen getting into cars driven by unknown adults",
    ),
    Page(
        "edit",
        _of_assessment("edit", status="draft"),
        "alice",
        {"bob": 404, "manager": 403},  # the manager sees it but is not the assessor
        "Complete the CSE risk assessment",
    ),
    Page(
        "autosave",
        _of_assessment("autosave", status="draft"),
        "alice",
        {"bob": 404, "manager": 403},
        "Answers saved at",
        method="post",
        data={"item_groom_cars": "within_6_months"},
        headers=HTMX,
    ),
    Page(
        "decide",
        _of_assessment("decide"),
        "manager",
        {"frank": 404, "alice": 403},
        "Approve or return the assessment",
    ),
    Page("pdf", _of_assessment("pdf"), "alice", {"bob": 404, "frank": 404}, "%PDF"),
]
PAGE_IDS = [page.name for page in PAGES]


def _request(client: Client, page: Page, url: str):
    if page.method == "post":
        return client.post(url, page.data, **page.headers)
    return client.get(url, **page.headers)


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_anonymous_visitor_is_sent_to_sign_in(people, make_assessment, page) -> None:
    response = _request(Client(), page, page.url(people, make_assessment))
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("accounts:login")


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_user_without_second_factor_is_sent_to_the_code_page(
    people, make_assessment, password_only_client_for, page
) -> None:
    client = password_only_client_for(getattr(people, page.allowed))
    response = _request(client, page, page.url(people, make_assessment))
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("accounts:verify")


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_each_refused_persona_gets_its_status(people, make_assessment, client_for, page) -> None:
    url = page.url(people, make_assessment)
    statuses = {
        name: _request(client_for(getattr(people, name)), page, url).status_code
        for name in page.refused
    }
    assert statuses == page.refused


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_right_persona_gets_the_page(people, make_assessment, client_for, page) -> None:
    response = _request(
        client_for(getattr(people, page.allowed)), page, page.url(people, make_assessment)
    )
    assert response.status_code == 200
    assert page.content.encode() in response.content


def test_reading_an_assessment_is_audited(people, client_for, make_assessment) -> None:
    assessment = make_assessment(LOW_ANSWERS)
    client_for(people.alice).get(reverse("assessments:detail", args=[assessment.pk]))
    assert AuditEntry.objects.filter(
        actor=people.alice, action=AuditAction.CONSULT, subject_id=str(people.maya.pk)
    ).exists()


def test_starting_leads_to_the_answers(people, client_for) -> None:
    response = client_for(people.alice).post(reverse("assessments:start", args=[people.maya.pk]))
    assessment = Assessment.objects.get()
    assert response["Location"] == reverse("assessments:edit", args=[assessment.pk])


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


# --- Answers saved as you go: each section without JavaScript, each answer with htmx ------------


def _blank_draft(people) -> Assessment:
    from assessments import services

    return services.assessment_start(young_person=people.maya, assessor=people.alice)


def test_each_section_has_its_own_save_and_continue(people, client_for) -> None:
    assessment = _blank_draft(people)
    response = client_for(people.alice).get(reverse("assessments:edit", args=[assessment.pk]))
    sections = assessment.instrument.parsed.sections
    assert response.content.decode().count('name="continue_to"') == len(sections)


def test_save_and_continue_saves_the_section_and_moves_on(people, client_for) -> None:
    assessment = _blank_draft(people)
    url = reverse("assessments:edit", args=[assessment.pk])
    response = client_for(people.alice).post(
        url, _post_answers({"groom_cars": "within_6_months"}, continue_to="section-2")
    )
    assert response["Location"] == f"{url}#section-2"
    assessment.refresh_from_db()
    assert assessment.answers == {"groom_cars": "within_6_months"}


def test_save_and_continue_ignores_an_anchor_the_form_does_not_have(people, client_for) -> None:
    assessment = _blank_draft(people)
    url = reverse("assessments:edit", args=[assessment.pk])
    response = client_for(people.alice).post(url, _post_answers({}, continue_to="x/../y"))
    assert response["Location"] == url


def test_edit_page_saves_answers_on_change_with_htmx_from_static(people, client_for) -> None:
    assessment = _blank_draft(people)
    content = client_for(people.alice).get(reverse("assessments:edit", args=[assessment.pk]))
    html = content.content.decode()
    assert f'hx-post="{reverse("assessments:autosave", args=[assessment.pk])}"' in html
    assert 'src="/static/vendor/htmx/htmx.min.js"' in html
    assert "<script>" not in html  # the content security policy forbids inline scripts


def test_htmx_save_keeps_the_answer_and_leaves_the_judgement_alone(people, client_for) -> None:
    assessment = _blank_draft(people)
    response = client_for(people.alice).post(
        reverse("assessments:autosave", args=[assessment.pk]),
        # The whole form comes with each change: a level chosen, its rationale not yet typed.
        _post_answers({"groom_cars": "within_6_months"}, judgement_level="high"),
        **HTMX,
    )
    assert response.status_code == 200
    assert b"Score so far: 5" in response.content
    assessment.refresh_from_db()
    assert (assessment.answers, assessment.judgement_level) == (
        {"groom_cars": "within_6_months"},
        "",
    )


def test_htmx_save_of_an_unknown_option_says_so_and_saves_nothing(people, client_for) -> None:
    assessment = _blank_draft(people)
    response = client_for(people.alice).post(
        reverse("assessments:autosave", args=[assessment.pk]),
        _post_answers({"groom_cars": "sometimes"}),
        **HTMX,
    )
    assert response.status_code == 422
    assert b"Your latest answer was not saved" in response.content
    assessment.refresh_from_db()
    assert assessment.answers == {}


def test_autosave_without_htmx_leads_back_to_the_page(people, client_for) -> None:
    assessment = _blank_draft(people)
    response = client_for(people.alice).post(
        reverse("assessments:autosave", args=[assessment.pk]), _post_answers({})
    )
    assert response["Location"] == reverse("assessments:edit", args=[assessment.pk])


def test_the_decision_form_only_parses(people, make_assessment) -> None:
    from assessments.forms import DecisionForm

    assessment = make_assessment(HIGH_ANSWERS, judgement_level="medium", judgement_rationale="x")
    form = DecisionForm({"decision": "return"}, assessment=assessment)
    assert form.is_valid(), form.errors  # what a decision needs is the service's rule
