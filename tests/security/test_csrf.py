"""A browser session cannot be ridden from another site: pages and the API refuse a POST without
the CSRF token, while API tokens (not sent by browsers on their own) need none."""

from __future__ import annotations

import pytest
from django.test import Client

from cse_portal.young_people.models import YoungPerson
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

NEW = {"given_name": "Jade", "family_name": "Holloway", "estimated_age": 14}


def test_api_post_on_a_browser_session_needs_the_csrf_token(people):
    client = sign_in(Client(enforce_csrf_checks=True), people.manager)
    response = client.post("/api/v1/young-people/", NEW, content_type="application/json")
    assert response.status_code == 403
    assert not YoungPerson.objects.filter(family_name="Holloway").exists()


def test_page_post_needs_the_csrf_token(people):
    client = sign_in(Client(enforce_csrf_checks=True), people.alice)
    response = client.post(
        f"/young-people/{people.maya.pk}/flags/", {"kind": "other", "reason": "Forged"}
    )
    assert response.status_code == 403
    assert not people.maya.flags.exists()


def test_api_token_needs_no_csrf_token(people, api_client_for):
    client = api_client_for(people.manager)
    client.enforce_csrf_checks = True
    response = client.post("/api/v1/young-people/", NEW, format="json")
    assert response.status_code == 201
