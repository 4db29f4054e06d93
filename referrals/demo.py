"""Demo referrals (synthetic): some in every state, from every door. Idempotent: nothing is added
when the demo referrals are already there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from cse_portal.accounts.models import AgencyKind
from cse_portal.young_people.demo_hooks import register

from . import services
from .models import Consent, ContactMethod, Decision, Referral, ReporterSector


@register("referrals")
def seed(context: Any) -> None:
    if Referral.objects.exists():
        context.log.append("Referrals already present")
        return
    users = context.users
    gp = users.get("frontline_health")
    teacher = users.get("frontline_education")
    manager = users["team_manager"]
    practitioner = users["practitioner"]
    today = timezone.localdate()
    base = {
        "indicators": ["groom_older_partner", "groom_cars", "missing_overnight"],
        "immediate_danger": False,
        "young_person_knows": "She knows I am referring and was worried about her mum finding out.",
        "consent": Consent.GIVEN,
        "sharing_basis": "",
        "other_agencies": "School nurse",
        "postcode": "S60 1AA",
    }

    draft = services.referral_save_draft(
        referred_by=gp,
        given_name="Jade",
        family_name="Harrow",
        concerns="Started writing this after clinic; to finish.",
    )
    urgent = services.referral_submit(
        referred_by=gp,
        **{
            **base,
            "given_name": "Kayleigh",
            "family_name": "Brook",
            "date_of_birth": today - dt.timedelta(days=14 * 365 + 40),
            "estimated_age": None,
            "concerns": "Came to surgery with an older man who answered for her. Bruising on arms.",
            "immediate_danger": True,
            "consent": Consent.NOT_SOUGHT,
            "sharing_basis": "Risk of significant harm; asking would increase the risk.",
        },
    )
    waiting = services.referral_submit(
        referred_by=teacher,
        **{
            **base,
            "given_name": "Tyler",
            "family_name": "Marsh",
            "date_of_birth": today - dt.timedelta(days=15 * 365 + 100),
            "estimated_age": None,
            "concerns": "Picked up from school by different cars; has new phones and trainers.",
        },
    )
    allocated = services.referral_submit(
        referred_by=teacher,
        **{
            **base,
            "given_name": "Amira",
            "family_name": "Shah",
            "date_of_birth": today - dt.timedelta(days=13 * 365 + 20),
            "estimated_age": None,
            "concerns": "Missing overnight twice this month; says she stays with a 'friend'.",
        },
    )
    services.referral_triage(
        referral=allocated,
        decided_by=manager,
        decision=Decision.ALLOCATE,
        practitioners=[practitioner],
        reason="Several significant indicators; needs the co-located team.",
    )
    partner = services.referral_submit(
        referred_by=gp,
        **{
            **base,
            "given_name": "Liam",
            "family_name": "Carter",
            "date_of_birth": today - dt.timedelta(days=16 * 365),
            "estimated_age": None,
            "indicators": ["subs_misuse"],
            "concerns": "Drinking at weekends with older friends; no other indicators known.",
        },
    )
    agency = context.agencies.get(AgencyKind.VCS)
    if agency is not None and agency.offers_preventative_work:
        services.referral_triage(
            referral=partner,
            decided_by=manager,
            decision=Decision.PARTNER_AGENCY,
            partner_agency=agency,
            reason="Low level concern: preventative work with the youth charity.",
        )
    services.self_referral_submit(
        name="",
        age=14,
        contact_method=ContactMethod.TEXT,
        contact_details="07700 900123",
        contact_times="After school, before 6pm",
        happening="A man I met online keeps asking me to meet him and send pictures.",
        worries=["photos", "online"],
    )
    services.community_concern_submit(
        what_seen="Two girls in school uniform arrived with three adult men at midnight.",
        when_seen="Last Friday, about midnight",
        venue="Riverside Hotel",
        address="",
        postcode="S60 2BB",
        vehicles="Silver Vauxhall Astra, registration starting YA19",
        people="Men in their 30s; one called 'Maz'.",
        child_identifiable="no",
        child_details="",
        reporter_sector=ReporterSector.HOTEL,
        reporter_name="",
        reporter_contact="",
    )
    context.log.append(
        f"Created referrals: a draft ({draft.reference}), an urgent one ({urgent.reference}), "
        f"one waiting ({waiting.reference}), decided ones, a self-referral and a community concern"
    )
