"""Input that cannot crash a page: deep JSON, NUL characters, over-large bodies, service errors
turned into the API's 400, and error pages that render for everyone, in production mode too."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from cse_portal.accounts.models import User
from cse_portal.young_people.models import YoungPerson
from tests.conftest import sign_in
from tests.referrals.conftest import submit

pytestmark = pytest.mark.django_db

NUL_MESSAGE = "not allowed (NUL, %00)"


def token_client(user: User) -> Client:
    token, _ = Token.objects.get_or_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


# --- Deep JSON -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/referrals/",
        "/api/v1/young-people/",
        "/api/v1/assessments/",
        "/api/v1/referrals/{referral}/triage/",
    ],
)
def test_json_nested_a_thousand_deep_answers_400_not_a_recursion_error(people, path):
    referral = submit(people.frank)
    url = path.format(referral=referral.pk)
    response = token_client(people.manager).post(url, deep(1000), content_type="application/json")
    assert response.status_code == 400
    assert "nested more than 20 levels" in response.json()["detail"]


def test_json_nested_within_the_limit_reaches_the_serializer(people):
    body = json.dumps({"concerns": json.loads(deep(5))})
    response = token_client(people.manager).post(
        "/api/v1/referrals/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "concerns" in response.json()


# --- NUL characters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/young-people/?search=a%00b",
        "/api/v1/assessments/?search=a%00b",
        "/api/v1/referrals/?page=1%00",
        "/api/v1/users/?search=%00",
        "/api/v1/young-people/?sea%00rch=a",
    ],
)
def test_nul_in_an_api_query_string_answers_json_400(people, url):
    response = token_client(people.manager).get(url)
    assert response.status_code == 400
    assert NUL_MESSAGE in response.json()["detail"]


def test_nul_in_a_page_query_string_answers_the_portal_400_page(people, client_for):
    referral = submit(people.frank)
    client = client_for(people.manager)
    for url in [
        "/young-people/?name=a%00b",
        "/assessments/?show=to_do%00",
        f"/referrals/triage/{referral.pk}/?find=a%00b",
    ]:
        response = client.get(url)
        assert response.status_code == 400, url
        assert NUL_MESSAGE in response.content.decode(), url
        assert "govuk-template" in response.content.decode(), url
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], url
        assert "no-store" in response["Cache-Control"], url


def test_nul_in_a_json_string_answers_400(people):
    body = json.dumps({"given_name": "Ja\x00de", "family_name": "Holloway", "estimated_age": 14})
    response = token_client(people.manager).post(
        "/api/v1/young-people/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    assert not YoungPerson.objects.filter(family_name="Holloway").exists()


def test_nul_in_a_form_field_is_a_field_error_and_keeps_what_was_typed(people, client_for):
    response = client_for(people.manager).post(
        "/young-people/new/",
        {"given_name": "Ja\x00de", "family_name": "Holloway", "estimated_age": "14"},
    )
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()
    assert 'value="Holloway"' in response.content.decode()
    assert not YoungPerson.objects.filter(family_name="Holloway").exists()


# --- Request size --------------------------------------------------------------------------------


def test_an_over_large_api_body_answers_413_json(people, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"concerns": "x" * 20_000})
    response = token_client(people.manager).post(
        "/api/v1/referrals/", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "The request is too large: send at most 9 KB at a time."}


def test_an_over_large_form_answers_the_portal_413_page(people, client_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client_for(people.manager).post(
        "/young-people/new/", {"given_name": "x" * 20_000, "family_name": "Holloway"}
    )
    assert response.status_code == 413
    assert "The form you sent is too large" in response.content.decode()
    assert "govuk-template" in response.content.decode()


# --- Service errors in the API -------------------------------------------------------------------


def test_a_service_validation_error_answers_400_field_errors(people):
    """``referral_submit`` refuses sharing without consent and without a basis; the API view does
    not catch it, the core exception handler turns it into the documented 400."""
    body = {
        "young_person": str(people.maya.pk),
        "concerns": "Seen with older men.",
        "immediate_danger": False,
        "consent": "refused",
        "sharing_basis": "",
    }
    response = token_client(people.manager).post(
        "/api/v1/referrals/", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    assert "sharing_basis" in response.json()


def test_a_bare_list_of_messages_becomes_non_field_errors():
    from rest_framework.exceptions import ValidationError

    from cse_portal.api import exception_handler

    response = exception_handler(ValidationError(["Wrong."]), {})
    assert response is not None
    assert response.data == {"non_field_errors": ["Wrong."]}


# --- Error pages ---------------------------------------------------------------------------------


def test_api_docs_open_with_a_token(people):
    response = token_client(people.manager).get("/api/v1/docs/")
    assert response.status_code == 200


@pytest.fixture
def production(settings) -> None:
    settings.DEBUG = False


def _clients(people) -> dict[str, Client]:
    return {
        "anonymous": Client(raise_request_exception=False),
        "token": token_client(people.manager),
        "signed in": sign_in(Client(raise_request_exception=False), people.manager),
    }


@pytest.mark.urls("tests.security.error_urls")
@pytest.mark.usefixtures("production")
@pytest.mark.parametrize(
    ("path", "status", "title"),
    [
        ("/boom/", 500, "Sorry, there is a problem with the service"),
        ("/forbidden/", 403, "You do not have permission to do that"),
        ("/no-such-page/", 404, "Page not found"),
        ("/?q=%00", 400, "Sorry, there is a problem with the request"),
    ],
)
def test_error_pages_render_in_the_portal_style_for_everyone(people, path, status, title):
    for who, client in _clients(people).items():
        client.raise_request_exception = False
        response = client.get(path)
        content = response.content.decode()
        assert response.status_code == status, who
        assert title in content, who
        assert 'class="govuk-template"' in content, who
        assert "Go to the start page" in content, who


@pytest.mark.usefixtures("production")
def test_the_413_page_renders_in_the_portal_style_for_everyone(people, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    for who, client in _clients(people).items():
        response = client.post("/self-referral/", {"happening": "x" * 20_000})
        content = response.content.decode()
        assert response.status_code == 413, who
        assert "The form you sent is too large" in content, who
        assert 'class="govuk-template"' in content, who


@pytest.mark.urls("tests.security.error_urls")
@pytest.mark.usefixtures("production")
def test_api_server_error_answers_json_for_a_token_user(people):
    client = token_client(people.manager)
    client.raise_request_exception = False
    response = client.get("/api/v1/boom/")
    assert response.status_code == 500
    assert response.json() == {"detail": "Sorry, there is a problem with the service"}


@pytest.mark.urls("tests.security.error_urls")
@pytest.mark.usefixtures("production")
def test_the_500_page_survives_a_failing_layout(people, monkeypatch):
    """When the layout itself fails (as it did on a token user's request), the plain error page is
    shown, in the portal style, not Django's bare "Server Error"."""

    def broken(request):
        raise AttributeError("'User' object has no attribute 'is_verified'")

    monkeypatch.setattr("cse_portal.accounts.context_processors.portal", broken)
    client = sign_in(Client(raise_request_exception=False), people.manager)
    response = client.get("/boom/")
    content = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in content
    assert 'class="govuk-template"' in content


# --- The API keeps its own schema ----------------------------------------------------------------


def test_a_self_referral_reads_null_for_the_questions_it_does_not_ask(people):
    from tests.referrals.conftest import self_referral

    referral = self_referral()
    response = token_client(people.manager).get(f"/api/v1/referrals/{referral.pk}/")
    assert response.status_code == 200
    assert response.json()["consent"] is None
    assert response.json()["immediate_danger"] is None


def test_a_professional_referral_still_needs_consent_and_immediate_danger(people):
    body = {"young_person": str(people.maya.pk), "concerns": "Seen with older men."}
    body |= {"consent": None, "immediate_danger": None}
    response = token_client(people.manager).post(
        "/api/v1/referrals/", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"consent", "immediate_danger"}


@pytest.mark.parametrize("page", ["0", "-1", "abc"])
def test_a_page_number_that_cannot_exist_is_a_400_naming_page(people, page):
    response = token_client(people.manager).get(f"/api/v1/young-people/?page={page}")
    assert response.status_code == 400
    assert response.json() == {"page": ["Give a page number from 1."]}


def test_a_page_past_the_last_is_the_documented_404(people):
    response = token_client(people.manager).get("/api/v1/young-people/?page=99")
    assert response.status_code == 404
    schema = token_client(people.manager).get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/young-people/"]["get"]
    assert {"400", "401", "403", "404", "413", "429"} <= set(operation["responses"])
    page = next(p for p in operation["parameters"] if p["name"] == "page")
    assert page["schema"]["minimum"] == 1


# --- Free text has a maximum length --------------------------------------------------------------


def _referral_body(people, **overrides) -> str:
    body = {
        "young_person": str(people.maya.pk),
        "concerns": "Seen with older men.",
        "immediate_danger": False,
        "consent": "given",
    }
    return json.dumps(body | overrides)


def test_api_refuses_a_narrative_over_its_maximum_with_a_field_error(people):
    from cse_portal.fields import NARRATIVE_MAX_LENGTH

    client = token_client(people.manager)
    too_long = client.post(
        "/api/v1/referrals/",
        _referral_body(people, concerns="x" * (NARRATIVE_MAX_LENGTH + 1)),
        content_type="application/json",
    )
    assert too_long.status_code == 400
    assert "10000 characters" in too_long.json()["concerns"][0]
    at_limit = client.post(
        "/api/v1/referrals/",
        _referral_body(people, concerns="x" * NARRATIVE_MAX_LENGTH),
        content_type="application/json",
    )
    assert at_limit.status_code == 201


def test_the_schema_gives_each_free_text_field_its_maximum(people):
    schema = token_client(people.manager).get("/api/v1/schema/?format=json").json()
    request = schema["components"]["schemas"]["ReferralRequest"]["properties"]
    assert request["concerns"]["maxLength"] == 10_000
    assert request["sharing_basis"]["maxLength"] == 5_000
    triage = schema["components"]["schemas"]["TriageRequest"]["properties"]
    assert triage["reason"]["maxLength"] == 5_000


def test_a_page_refuses_a_reason_over_its_maximum_and_keeps_the_text(people, client_for):
    too_long = "Seen with older men. " * 300  # 6,300 characters
    response = client_for(people.manager).post(
        f"/young-people/{people.maya.pk}/flags/", {"kind": "other", "reason": too_long}
    )
    assert response.status_code == 400  # the record page again, with the form's errors
    assert "Ensure this value has at most 5000 characters" in response.content.decode()
    assert "Seen with older men." in response.content.decode()
    assert not people.maya.flags.exists()


def test_a_service_refuses_over_long_text_whatever_calls_it(people):
    from django.core.exceptions import ValidationError

    from cse_portal.young_people import services

    with pytest.raises(ValidationError) as error:
        services.flag_raise(
            young_person=people.maya, kind="other", reason="x" * 5_001, raised_by=people.manager
        )
    assert "reason" in error.value.message_dict


# --- Dates within sense --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date_of_birth", "message"),
    [
        ("0001-01-01", "1900 or later"),
        ("1899-12-31", "1900 or later"),
        ("2999-01-01", "today or in the past"),
        ("1980-05-01", "older than 25"),
    ],
)
def test_api_refuses_a_date_of_birth_out_of_sense(people, date_of_birth, message):
    body = {"given_name": "Jade", "family_name": "Holloway", "date_of_birth": date_of_birth}
    response = token_client(people.manager).post(
        "/api/v1/young-people/", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    assert message in " ".join(response.json()["date_of_birth"])
    assert not YoungPerson.objects.filter(family_name="Holloway").exists()


def test_a_referral_for_a_new_young_person_refuses_a_date_of_birth_of_year_one(people):
    body = {
        "young_person_details": {
            "given_name": "Jade",
            "family_name": "Holloway",
            "date_of_birth": "0001-01-01",
        },
        "concerns": "Seen with older men.",
        "immediate_danger": False,
        "consent": "given",
    }
    response = token_client(people.frank).post(
        "/api/v1/referrals/", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    assert "1900 or later" in str(response.json()["young_person_details"])


def test_the_page_refuses_a_year_before_1900_and_keeps_what_was_typed(people, client_for):
    response = client_for(people.manager).post(
        "/young-people/new/",
        {
            "given_name": "Jade",
            "family_name": "Holloway",
            "date_of_birth_0": "1",
            "date_of_birth_1": "1",
            "date_of_birth_2": "1899",
        },
    )
    assert response.status_code == 200
    assert "Date of birth must be in 1900 or later" in response.content.decode()
    assert 'value="Holloway"' in response.content.decode()
    assert not YoungPerson.objects.filter(family_name="Holloway").exists()


def test_an_existing_record_stays_editable_as_its_young_person_passes_25(people):
    """The age rule is for new records only: a record made years ago is still saved."""
    import datetime as dt

    from django.core.exceptions import ValidationError

    people.maya.date_of_birth = dt.date(1990, 1, 1)
    people.maya.full_clean()  # an existing record: no age rule
    new = YoungPerson(given_name="Old", family_name="Record", date_of_birth=dt.date(1990, 1, 1))
    with pytest.raises(ValidationError) as error:
        new.full_clean()
    assert "older than 25" in str(error.value.message_dict["date_of_birth"])


def test_the_database_refuses_a_date_of_birth_before_1900(people):
    import datetime as dt

    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        YoungPerson.objects.filter(pk=people.maya.pk).update(date_of_birth=dt.date(1, 1, 1))


def test_a_case_note_dated_before_1900_is_refused(people, client_for):
    response = client_for(people.manager).post(
        f"/young-people/{people.maya.pk}/notes/new/",
        {
            "title": "Seen at the station",
            "occurred_on_0": "3",
            "occurred_on_1": "4",
            "occurred_on_2": "1066",
        },
    )
    assert "Date must be in 1900 or later" in response.content.decode()
    assert 'value="Seen at the station"' in response.content.decode()
