"""Helpers for the intelligence tests: a complete submission, made by a persona."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from cse_portal.accounts.models import User
from intelligence import services
from intelligence.models import IntelligenceItem


def item_fields(**overrides: Any) -> dict[str, Any]:
    """What a complete 5x5x5 report says: a girl seen getting into a car at a takeaway."""
    values: dict[str, Any] = {
        "scheme": "5x5x5",
        "source_evaluation": "B",
        "intelligence_evaluation": "2",
        "handling_code": "1",
        "handling_conditions": "",
        "priority": "medium",
        "obtained_at": timezone.now() - dt.timedelta(days=1),
        "content": "Who: a girl of about 14. What: got into a silver car. Where: Kebab King.",
        "source_kind": "named_third_party",
        "source_description": "The shop's night manager, Mr Patel, told me on the phone.",
        "subjects": [
            {"kind": "person", "role": "young_person_at_risk", "name": "Jade", "age": 14},
            {"kind": "vehicle", "registration": "ab12 cde", "make": "Ford", "colour": "Silver"},
            {
                "kind": "location",
                "name": "Kebab King",
                "postcode": "s1 2hh",
                "venue_kind": "takeaway",
            },
            {"kind": "phone", "number": "07700 900123"},
        ],
    }
    values.update(overrides)
    return values


def submit(user: User, **overrides: Any) -> IntelligenceItem:
    return services.item_submit(actor=user, **item_fields(**overrides))


def community_concern(**overrides: Any) -> Any:
    """A community concern as ``/report-a-concern/`` stores it."""
    from referrals import services as referral_services

    values = {
        "what_seen": "Two girls in school uniform got into a grey car with an older man.",
        "when_seen": "Friday about 10pm",
        "address": "12 High Street",
        "postcode": "s1 2hh",
        "venue": "Kebab King",
        "vehicles": "Grey Vauxhall, AB12 CDE",
        "people": "A man in his thirties",
        "child_identifiable": "no",
        "child_details": "",
        "reporter_sector": "takeaway",
        "reporter_name": "Sam",
        "reporter_contact": "07700 900456",
    }
    values.update(overrides)
    return referral_services.community_concern_submit(**values)
