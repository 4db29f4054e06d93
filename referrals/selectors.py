"""Reads of referrals that depend on who is asking. Each page costs a fixed number of queries
whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cse_portal.pagination import kept_list
from cse_portal.statements import KeptList
from cse_portal.young_people import permissions as yp_permissions
from cse_portal.young_people.selectors import Match, young_people_search, young_person_matches

from . import permissions
from .models import Referral, ReferralKind, ReferralStatus, TriageDecision
from .services import triage_due_at


def my_referrals(user: Any) -> QuerySet[Referral]:
    """The referrer's own referrals, newest first: what "My referrals" lists."""
    return permissions.own_referrals(user).order_by("-created_at", "-id")


def visible_newest_first(user: Any) -> QuerySet[Referral]:
    """Every referral ``user`` may see, newest first: what the API lists."""
    return permissions.visible_referrals(user).order_by("-created_at", "-id")


#: ``visible_newest_first`` as the API pages it: compiled once per asker.
_LISTED = kept_list(visible_newest_first)


def listed_referrals(user: Any) -> KeptList | QuerySet[Referral]:
    """``visible_newest_first`` for a paginator, read with SQL compiled once per asker."""
    return _LISTED(user)


def triage_queue(user: Any) -> QuerySet[Referral]:
    """Everything awaiting triage, urgent first, then oldest first."""
    return (
        triage_waiting(user)
        .select_related("young_person", "referred_by__agency", "self_referral", "community_concern")
        .order_by("-urgent", "submitted_at", "id")
    )


def triage_waiting(user: Any) -> QuerySet[Referral]:
    """The same referrals unordered and without the queue's joins: what a count reads (the team
    manager's dashboard)."""
    return permissions.triage_referrals(user).filter(status=ReferralStatus.SUBMITTED)


#: ``triage_queue`` as its page pages it: compiled once per asker.
_QUEUE = kept_list(triage_queue)


def listed_triage_queue(user: Any) -> KeptList | QuerySet[Referral]:
    """``triage_queue`` for a paginator, read with SQL compiled once per asker."""
    return _QUEUE(user)


def _decided_newest_first(user: Any) -> QuerySet[Referral]:
    return (
        permissions.triage_referrals(user)
        .filter(status=ReferralStatus.TRIAGED)
        .select_related("decided_by")
        .order_by("-decided_at")
    )


_DECIDED = kept_list(_decided_newest_first)


def recently_decided(user: Any, limit: int = 10) -> list[Referral]:
    """The last ``limit`` referrals triaged, newest first (SQL compiled once per asker)."""
    return list(_DECIDED(user)[:limit])


@dataclass
class Waiting:
    referral: Referral
    due_at: datetime
    overdue: bool


def with_waiting_times(referrals: Any, now: datetime | None = None) -> list[Waiting]:
    """Each referral with its triage target and whether it is overdue (computed, no queries)."""
    now = now or timezone.now()
    rows = []
    for referral in referrals:
        due = triage_due_at(referral.submitted_at, urgent=referral.urgent)
        rows.append(Waiting(referral=referral, due_at=due, overdue=due < now))
    return rows


def referral_for_triage(referral: Referral) -> Referral:
    """The triage page's referral with its details and decision history prefetched."""
    return (
        Referral.objects.filter(pk=referral.pk)
        .select_related(
            "young_person",
            "referred_by__agency",
            "self_referral",
            "community_concern",
            "duplicate_of",
        )
        .prefetch_related(
            Prefetch(
                "decisions",
                queryset=TriageDecision.objects.select_related(
                    "decided_by", "partner_offer__agency"
                ),
            )
        )
        .get()
    )


def possible_records(referral: Referral) -> list[Match]:
    """Records that may be the young person this referral is about, other than its own (for the
    team manager at triage, who may see every record)."""
    if not (referral.given_name or referral.family_name):
        return []
    matches = young_person_matches(
        given_name=referral.given_name,
        family_name=referral.family_name,
        date_of_birth=referral.date_of_birth,
        postcode=referral.postcode,
    )
    return [m for m in matches if m.record.pk != referral.young_person_id]


def visible_matches(
    user: Any,
    *,
    given_name: str,
    family_name: str,
    date_of_birth: date | None,
    postcode: str,
) -> list[Match]:
    """The likely existing records the referrer may see (none for a frontline user: it learns
    nothing of records it may not see). The caller audits the search."""
    if not yp_permissions.works_cases(user) or not (given_name or family_name):
        return []
    matches = young_person_matches(
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        postcode=postcode,
    )
    visible = set(
        yp_permissions.visible_young_people(user)
        .filter(pk__in=[m.record.pk for m in matches])
        .values_list("pk", flat=True)
    )
    return [m for m in matches if m.record.pk in visible]


def find_records(user: Any, text: str, limit: int = 10) -> list[Any]:
    """Records the team manager may link a referral to, by name (the caller audits the search)."""
    if not text.strip():
        return []
    return list(young_people_search(user, text=text)[:limit])


def partner_offer_decision(user: Any, referral: Referral, pk: Any) -> TriageDecision:
    """A decision on ``referral`` that offered preventative work to a partner agency, with the
    offer, for the team manager recording the agency's reply; ``Http404`` otherwise."""
    decision = (
        TriageDecision.objects.filter(
            referral__in=permissions.triage_referrals(user),
            referral=referral,
            pk=pk,
            partner_offer__isnull=False,
        )
        .select_related("partner_offer__agency", "partner_offer__young_person")
        .first()
    )
    if decision is None:
        raise Http404("No such decision")
    return decision


def community_concerns_matching(*, name: str = "", postcode: str = "") -> QuerySet[Referral]:
    """Community concerns (``/report-a-concern/``) that name a place by this venue name or
    postcode, newest first: how the outreach register finds what a business later reported. The
    caller decides who may see them."""
    condition = Q()
    if name.strip():
        condition |= Q(community_concern__venue__icontains=name.strip())
    if postcode.strip():
        condition |= Q(community_concern__postcode__iexact=postcode.strip())
    if not condition:
        return Referral.objects.none()
    return (
        Referral.objects.filter(kind=ReferralKind.COMMUNITY)
        .exclude(status=ReferralStatus.DRAFT)
        .filter(condition)
        .select_related("community_concern")
        .order_by("-submitted_at", "-id")
    )


# --- For the reports app's figures (aggregates only; never shown row by row) -------------------


def referrals_for_figures() -> QuerySet[Referral]:
    """Every referral that was made (drafts excluded), for aggregate figures: the reports app
    counts these in the database and never lists them."""
    return Referral.objects.exclude(status=ReferralStatus.DRAFT)
