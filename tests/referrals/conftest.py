"""Helpers for the referral tests: valid referral data and a referral submitted by a persona."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cse_portal.accounts.models import User
from referrals import services
from referrals.models import Consent, Decision, Referral, TriageDecision


def referral_fields(**overrides: Any) -> dict[str, Any]:
    """What a complete professional referral says (a new young person)."""
    values: dict[str, Any] = {
        "given_name": "Skye",
        "family_name": "Thornton",
        "date_of_birth": timezone.localdate() - dt.timedelta(days=14 * 365 + 30),
        "estimated_age": None,
        "postcode": "S2 4QQ",
        "indicators": ["groom_older_partner", "missing_overnight"],
        "concerns": "Seen getting into cars with older men after school.",
        "immediate_danger": False,
        "young_person_knows": "She knows I am making this referral.",
        "consent": Consent.GIVEN,
        "sharing_basis": "",
        "other_agencies": "School nurse",
    }
    values.update(overrides)
    return values


def submit(user: User, **overrides: Any) -> Referral:
    return services.referral_submit(referred_by=user, **referral_fields(**overrides))


def offer_to_partner(people: Any, reason: str = "Low risk") -> TriageDecision:
    """A referral from frank, triaged as preventative work offered to the VCS agency."""
    return services.referral_triage(
        referral=submit(people.frank),
        decided_by=people.manager,
        decision=Decision.PARTNER_AGENCY,
        partner_agency=people.vcs,
        reason=reason,
    )


def self_referral(**overrides: Any) -> Referral:
    values: dict[str, Any] = {
        "name": "",
        "age": 14,
        "contact_method": "text",
        "contact_details": "07700 900123",
        "contact_times": "After school",
        "happening": "Someone online keeps asking me for pictures.",
        "worries": ["photos"],
    }
    values.update(overrides)
    return services.self_referral_submit(**values)


def community_concern(**overrides: Any) -> Referral:
    values: dict[str, Any] = {
        "what_seen": "Girls in school uniform arriving with adult men at midnight.",
        "when_seen": "Friday, about midnight",
        "venue": "Riverside Hotel",
        "address": "",
        "postcode": "S60 2BB",
        "vehicles": "Silver Astra YA19 ABC",
        "people": "Two men in their 30s",
        "child_identifiable": "no",
        "child_details": "",
        "reporter_sector": "hotel",
        "reporter_name": "",
        "reporter_contact": "",
    }
    values.update(overrides)
    return services.community_concern_submit(**values)


@pytest.fixture
def api_for(db: None) -> Callable[[User], APIClient]:
    """A DRF client authenticated as ``user`` (token), as a partner system calls the API."""
    from cse_portal.accounts.services import api_token_issue

    def make(user: User) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)}")
        return client

    return make


@pytest.fixture
def managers_with_email(people: Any) -> list[str]:
    people.manager.email = "manager@example.org"
    people.manager.save(update_fields=["email"])
    return [people.manager.email]
