"""The public pages: no account, no cookie at all, quick exit, help always visible, a
confirmation shown once after a redirect, over-limit messages held rather than lost, a ceiling
against floods, robots turned away."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cse_portal.notifications.models import Notification
from referrals import services
from referrals.models import (
    PublicFormUse,
    PublicReceipt,
    PublicSubmission,
    Referral,
    ReferralKind,
)

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["self_referral", "community_concern"]

SELF_REFERRAL = {
    "name": "",
    "age": "14",
    "contact_method": "text",
    "contact_details": "07700 900123",
    "contact_times": "After school",
    "happening": "A man online keeps asking me to meet him.",
    "worries": ["online"],
    "website": "",
}

CONCERN = {
    "what_seen": "Two girls in uniform came in with three men at midnight.",
    "when_seen": "Friday about midnight",
    "venue": "Riverside Hotel",
    "postcode": "S60 2BB",
    "vehicles": "Silver Astra YA19 ABC",
    "child_identifiable": "no",
    "reporter_sector": "hotel",
    "website": "",
}


DONE = {"self_referral": "self_referral_sent", "community_concern": "community_concern_sent"}
DATA = {"self_referral": SELF_REFERRAL, "community_concern": CONCERN}


def _form_token(client: Client, name: str) -> str:
    """The single-use token of one render of the form, as a browser would send it back."""
    text = client.get(reverse(name)).text
    return re.search(r'name="form_token" value="([^"]+)"', text).group(1)


def _assert_no_cookie(response) -> None:
    assert "Set-Cookie" not in response.headers
    assert not response.cookies, response.cookies


def _sent(client: Client, name: str, data: dict | None = None, **headers) -> tuple[str, object]:
    """Post a public form; return the confirmation address it redirects to and the response."""
    response = client.post(reverse(name), data or DATA[name], headers=headers)
    assert response.status_code == 303, response.status_code
    return response["Location"], response


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_need_no_account(db, name):
    response = Client().get(reverse(name))
    assert response.status_code == 200


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_carry_quick_exit_and_help(db, settings, name):
    text = Client().get(reverse(name)).text
    assert 'data-module="app-exit-this-page"' in text
    assert f'href="{settings.REFERRALS_EXIT_URL}"' in text
    assert "Exit this page" in text
    assert "Call <a" in text and ">999</a>" in text
    assert "0800 1111" in text
    assert "js/exit-this-page.js" in text


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_show_no_staff_navigation(people, client_for, name):
    text = client_for(people.manager).get(reverse(name)).text
    assert "Sign out" not in text
    assert reverse("referrals:queue") not in text


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_no_public_page_sets_a_cookie_get_or_post(db, settings, name):
    client = Client()
    _assert_no_cookie(client.get(reverse(name)))
    _assert_no_cookie(client.post(reverse(name), {"website": ""}))  # errors
    location, response = _sent(client, name)
    _assert_no_cookie(response)
    _assert_no_cookie(client.get(location))  # the confirmation
    _assert_no_cookie(client.get(location))  # already shown
    _assert_no_cookie(
        client.post(reverse(name), DATA[name], headers={"Sec-Fetch-Site": "cross-site"})
    )
    settings.REFERRALS_PUBLIC_RATE_CEILING = 0
    _assert_no_cookie(client.post(reverse(name), DATA[name]))  # at the ceiling
    assert not client.cookies


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_a_browser_without_cookies_is_not_refused(db, name):
    """Django's CSRF check would answer its bare 403 page here: no cookie, no token."""
    client = Client(enforce_csrf_checks=True)
    _sent(client, name, **{"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"})
    assert Referral.objects.count() == 1


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_are_never_kept_or_autocompleted(db, name):
    response = Client().get(reverse(name))
    assert "no-store" in response["Cache-Control"]
    assert '<form method="post" novalidate autocomplete="off">' in response.text
    location, _ = _sent(Client(), name)
    assert "no-store" in Client().get(location)["Cache-Control"]


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "same-site", "Origin": "https://other.testserver"},
        {"Origin": "https://evil.example"},  # an older browser: no Sec-Fetch-Site
        {"Origin": "null"},
    ],
)
def test_a_post_from_another_site_is_not_taken_but_comes_back_typed(db, headers):
    response = Client().post(reverse("self_referral"), SELF_REFERRAL, headers=headers)
    assert response.status_code == 403
    assert "sent to us from another website" in response.text
    assert SELF_REFERRAL["happening"] in response.text
    assert 'value="07700 900123"' in response.text
    assert not Referral.objects.exists()
    assert not PublicSubmission.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},
        {"Sec-Fetch-Site": "none"},
        {"Origin": "http://testserver"},
        {},  # not a browser: nothing to forge, the honeypot and rate limit still apply
    ],
)
def test_a_post_from_our_own_page_is_taken(db, headers):
    _sent(Client(), "self_referral", **headers)
    assert Referral.objects.count() == 1


def test_a_self_referral_is_saved_and_confirmed_once_after_a_redirect(db):
    client = Client()
    location, _ = _sent(client, "self_referral")
    referral = Referral.objects.get()
    assert referral.kind == ReferralKind.SELF
    assert referral.self_referral.contact_method == "text"
    assert referral.reference not in location
    page = client.get(location)
    assert page.status_code == 200
    assert referral.reference in page.text
    assert "What happens next" in page.text
    again = client.get(location)
    assert again.status_code == 410
    assert referral.reference not in again.text
    assert "shown only once" in again.text


def test_the_confirmation_token_is_random_and_stored_only_as_a_hash(db):
    first, _ = _sent(Client(), "self_referral")
    second, _ = _sent(Client(), "self_referral")
    assert first != second
    token = first.rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 40
    assert not PublicReceipt.objects.filter(token_hash__contains=token).exists()
    assert PublicReceipt.objects.count() == 2


def test_an_unopened_confirmation_expires(db, settings):
    location, _ = _sent(Client(), "self_referral")
    late = timezone.now() - dt.timedelta(minutes=settings.REFERRALS_PUBLIC_RECEIPT_MINUTES + 1)
    PublicReceipt.objects.update(created_at=late)
    assert Client().get(location).status_code == 410
    assert services.public_submissions_prune() >= 1
    assert not PublicReceipt.objects.exists()


def test_a_made_up_confirmation_address_shows_nothing(db):
    _sent(Client(), "self_referral")
    response = Client().get(reverse("self_referral_sent", args=["made-up-token"]))
    assert response.status_code == 410
    assert Referral.objects.get().reference not in response.text


def test_nothing_is_sent_to_the_young_person(people, django_capture_on_commit_callbacks):
    people.manager.email = "manager@example.org"
    people.manager.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(
            reverse("self_referral"),
            {**SELF_REFERRAL, "contact_method": "email", "contact_details": "me@example.com"},
        )
    recipients = [r for message in mail.outbox for r in message.to]
    assert recipients == ["manager@example.org"]


def test_self_referral_errors_are_summarised_and_kept(db):
    client = Client()
    token = _form_token(client, "self_referral")
    response = client.post(
        reverse("self_referral"),
        {"name": "Jay", "contact_method": "phone", "website": "", "form_token": token},
    )
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert 'href="#id_age"' in response.text
    assert 'href="#id_happening"' in response.text
    assert 'href="#id_contact_details"' in response.text
    assert 'value="Jay"' in response.text
    assert not Referral.objects.exists()


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_posting_the_same_form_again_shows_nothing_of_it(db, name):
    """Without JavaScript, Back or reload on an error page re-sends its post: the next person at
    the computer must not read the message that way."""
    client = Client()
    data = {**DATA[name], "postcode": "not a postcode", "age": "", "form_token": ""}
    data["form_token"] = _form_token(client, name)
    secret = "Nobody else may read this sentence."
    data["happening" if name == "self_referral" else "what_seen"] = secret
    first = client.post(reverse(name), data)
    assert secret in first.text  # the sender sees what they typed, with the error
    again = client.post(reverse(name), data)
    assert again.status_code == 200
    assert secret not in again.text
    assert "we do not show what was written again" in again.text
    assert not Referral.objects.exists()


def test_an_error_without_a_form_token_shows_nothing_of_it(db):
    """No token (or a forged or too old one) cannot be told from a re-post: not echoed."""
    data = {**SELF_REFERRAL, "age": "", "happening": "Nobody else may read this."}
    response = Client().post(reverse("self_referral"), data)
    assert "Nobody else may read this." not in response.text
    assert "we do not show what was written again" in response.text


def test_a_valid_message_without_a_form_token_is_still_kept(db):
    _sent(Client(), "self_referral")
    assert Referral.objects.count() == 1


def test_a_second_click_on_send_makes_one_referral(db):
    client = Client()
    data = {**SELF_REFERRAL, "form_token": _form_token(client, "self_referral")}
    _sent(client, "self_referral", data)
    second = client.post(reverse("self_referral"), data)
    assert second.status_code == 200
    assert Referral.objects.count() == 1


def test_each_render_of_a_form_has_its_own_token(db):
    client = Client()
    assert _form_token(client, "self_referral") != _form_token(client, "self_referral")


def test_a_robot_filling_the_honeypot_is_not_saved(db):
    client = Client()
    location, _ = _sent(client, "self_referral", {**SELF_REFERRAL, "website": "spam"})
    assert not Referral.objects.exists()
    page = client.get(location)
    assert "We have got your message" in page.text
    assert "Your reference is" not in page.text


def test_over_the_limit_messages_are_held_without_notifications(
    people, client_for, settings, django_capture_on_commit_callbacks
):
    """A school or youth club shares one address: the third child's message is not thrown
    away, it is held for the team, and nobody is emailed about it."""
    settings.REFERRALS_PUBLIC_RATE_LIMIT = 2
    people.manager.email = "manager@example.org"
    people.manager.save(update_fields=["email"])
    client = Client(REMOTE_ADDR="198.51.100.7")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            _sent(client, "self_referral")
        location, _ = _sent(client, "self_referral", {**SELF_REFERRAL, "happening": "Third."})
    assert Referral.objects.count() == 3
    held = Referral.objects.get(held=True)
    assert held.self_referral.happening == "Third."
    assert held.reference in client.get(location).text  # confirmed like any other
    assert not Notification.objects.filter(key__startswith=f"referrals:{held.pk}:").exists()
    assert len(mail.outbox) == 2
    queue = client_for(people.manager).get(reverse("referrals:queue")).text
    assert queue.count(">Held</strong>") == 1
    assert held.reference in queue
    triage = client_for(people.manager).get(reverse("referrals:triage", args=[held.pk])).text
    assert "nobody was notified" in triage


def test_a_community_concern_over_the_limit_is_held(db, settings):
    settings.REFERRALS_PUBLIC_RATE_LIMIT = 0
    _sent(Client(), "community_concern")
    assert Referral.objects.get().held


def test_at_the_ceiling_the_form_comes_back_typed_with_the_numbers_to_call(db, settings):
    settings.REFERRALS_PUBLIC_RATE_LIMIT = 1
    settings.REFERRALS_PUBLIC_RATE_CEILING = 2
    client = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(2):
        _sent(client, "self_referral")
    response = client.post(reverse("self_referral"), SELF_REFERRAL)
    assert response.status_code == 429
    assert SELF_REFERRAL["happening"] in response.text
    assert 'value="07700 900123"' in response.text
    assert 'href="tel:08001111"' in response.text and 'href="tel:999"' in response.text
    assert Referral.objects.count() == 2
    _sent(Client(REMOTE_ADDR="198.51.100.8"), "community_concern")  # another address
    assert not PublicSubmission.objects.filter(address_hash__contains="198.51").exists()


def test_a_community_concern_reaches_the_queue_as_community_information(people, client_for):
    client = Client()
    location, _ = _sent(client, "community_concern")
    referral = Referral.objects.get()
    assert referral.reference in client.get(location).text
    assert referral.community_concern.vehicles == "Silver Astra YA19 ABC"
    queue = client_for(people.manager).get(reverse("referrals:queue"))
    assert "Community information" in queue.text
    assert "Riverside Hotel" in queue.text
    assert ">Held</strong>" not in queue.text


def test_a_community_concern_needs_somewhere(db):
    client = Client()
    token = _form_token(client, "community_concern")
    response = client.post(
        reverse("community_concern"),
        {**CONCERN, "venue": "", "postcode": "", "form_token": token},
    )
    assert 'href="#id_venue"' in response.text
    assert not Referral.objects.exists()


def test_behind_a_trusted_proxy_the_forwarded_address_is_limited(db, settings):
    settings.REFERRALS_PUBLIC_RATE_LIMIT = 0
    settings.REFERRALS_PUBLIC_RATE_CEILING = 1
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.1"

    def post(forwarded: str) -> int:
        client = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded)
        return client.post(reverse("self_referral"), SELF_REFERRAL).status_code

    assert post("198.51.100.7") == 303
    assert post("198.51.100.7") == 429
    assert post("198.51.100.9") == 303  # another visitor behind the same proxy
    assert post("203.0.113.1, 198.51.100.7") == 429  # a forged first entry changes nothing


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_the_footer_mentions_shift_only_for_javascript_to_reveal(db, name):
    text = Client().get(reverse(name)).text
    footer = text[text.index('<footer class="govuk-footer">') :]
    assert "<span data-app-needs-javascript hidden> You can also press Shift three times." in footer
    assert footer.count("Shift") == 1
    assert "This site does not set cookies." in footer


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_page_titles_do_not_name_the_service(db, name):
    """The title is what a browser's history shows to the next person at this computer."""
    text = Client().get(reverse(name)).text
    title = text[text.index("<title>") : text.index("</title>")]
    assert "CSE" not in title
    assert "exploitation" not in title.lower()


def test_public_pages_cost_a_fixed_number_of_queries(db, django_assert_num_queries):
    client = Client()
    with django_assert_num_queries(0):  # the form token is signed, not stored
        client.get(reverse("self_referral"))
    location, _ = _sent(client, "self_referral")
    with django_assert_num_queries(2):  # find the receipt, delete it
        client.get(location)
    with django_assert_num_queries(1):  # find nothing
        client.get(location)


def test_taking_a_message_costs_the_same_however_many_came_before(db, django_assert_num_queries):
    client = Client()
    first = CaptureQueriesContext(connection)
    with first:
        _sent(client, "self_referral")
    with django_assert_num_queries(len(first)):
        _sent(client, "self_referral")


def test_used_form_tokens_are_forgotten_once_too_old_to_be_accepted(db, settings):
    client = Client()
    _sent(
        client,
        "self_referral",
        {**SELF_REFERRAL, "form_token": _form_token(client, "self_referral")},
    )
    late = timezone.now() - dt.timedelta(hours=settings.REFERRALS_PUBLIC_FORM_HOURS, minutes=1)
    PublicFormUse.objects.update(created_at=late)
    services.public_submissions_prune()
    assert not PublicFormUse.objects.exists()
