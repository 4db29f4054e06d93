"""The public pages: no account, no cookies beyond CSRF, quick exit, help always visible, rate
limited, robots turned away."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from referrals.models import PublicSubmission, Referral, ReferralKind

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


def _cookies(response) -> set[str]:
    return set(response.cookies.keys())


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
def test_the_form_sets_only_the_csrf_cookie(db, name):
    assert _cookies(Client().get(reverse(name))) <= {"csrftoken"}


def test_a_self_referral_sets_no_cookie_but_csrf(db):
    client = Client()
    client.get(reverse("self_referral"))
    response = client.post(reverse("self_referral"), SELF_REFERRAL)
    assert response.status_code == 200
    assert _cookies(response) <= {"csrftoken"}
    assert "sessionid" not in client.cookies


def test_a_self_referral_is_saved_and_confirmed_with_a_reference(db):
    response = Client().post(reverse("self_referral"), SELF_REFERRAL)
    referral = Referral.objects.get()
    assert referral.kind == ReferralKind.SELF
    assert referral.self_referral.contact_method == "text"
    assert referral.reference in response.text
    assert "What happens next" in response.text


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
    response = Client().post(
        reverse("self_referral"), {"name": "Jay", "contact_method": "phone", "website": ""}
    )
    assert "There is a problem" in response.text
    assert 'href="#id_age"' in response.text
    assert 'href="#id_happening"' in response.text
    assert 'href="#id_contact_details"' in response.text
    assert 'value="Jay"' in response.text
    assert not Referral.objects.exists()


def test_a_robot_filling_the_honeypot_is_not_saved(db):
    response = Client().post(reverse("self_referral"), {**SELF_REFERRAL, "website": "spam"})
    assert response.status_code == 200
    assert not Referral.objects.exists()


def test_public_submissions_are_rate_limited_per_address(db, settings):
    settings.REFERRALS_PUBLIC_RATE_LIMIT = 2
    client = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(2):
        assert client.post(reverse("self_referral"), SELF_REFERRAL).status_code == 200
    blocked = client.post(reverse("community_concern"), CONCERN)
    assert blocked.status_code == 429
    assert Referral.objects.count() == 2
    other = Client(REMOTE_ADDR="198.51.100.8").post(reverse("community_concern"), CONCERN)
    assert other.status_code == 200
    assert not PublicSubmission.objects.filter(address_hash__contains="198.51").exists()


def test_a_community_concern_reaches_the_queue_as_community_information(people, client_for):
    response = Client().post(reverse("community_concern"), CONCERN)
    referral = Referral.objects.get()
    assert referral.reference in response.text
    assert referral.community_concern.vehicles == "Silver Astra YA19 ABC"
    queue = client_for(people.manager).get(reverse("referrals:queue"))
    assert "Community information" in queue.text
    assert "Riverside Hotel" in queue.text


def test_a_community_concern_needs_somewhere(db):
    response = Client().post(reverse("community_concern"), {**CONCERN, "venue": "", "postcode": ""})
    assert 'href="#id_venue"' in response.text
    assert not Referral.objects.exists()


def test_behind_a_trusted_proxy_the_forwarded_address_is_limited(db, settings):
    settings.REFERRALS_PUBLIC_RATE_LIMIT = 1
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.1"

    def post(forwarded: str) -> int:
        client = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded)
        return client.post(reverse("self_referral"), SELF_REFERRAL).status_code

    assert post("198.51.100.7") == 200
    assert post("198.51.100.7") == 429
    assert post("198.51.100.9") == 200  # another visitor behind the same proxy
    assert post("203.0.113.1, 198.51.100.7") == 429  # a forged first entry changes nothing


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_page_titles_do_not_name_the_service(db, name):
    """The title is what a browser's history shows to the next person at this computer."""
    text = Client().get(reverse(name)).text
    title = text[text.index("<title>") : text.index("</title>")]
    assert "CSE" not in title
    assert "exploitation" not in title.lower()
