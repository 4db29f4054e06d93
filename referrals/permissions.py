"""The one access funnel for referrals.

Who sees what (anything else is a 404):

=============  ==============================================================================
role           referrals
=============  ==============================================================================
any staff      makes referrals; sees the referrals they made (drafts included), with their
               status and the outcome the referrer is told, never the case file behind them
team_manager   also every submitted referral, whatever the door it came through (professional,
               self-referral, community concern), and triages them
everyone       nobody sees another person's draft
=============  ==============================================================================

The public (no account) can only submit, through the self-referral and report-a-concern pages; what
they sent is never shown back to them after the confirmation.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from cse_portal.accounts.roles import ALL_ROLES, Role
from cse_portal.funnel import consult_or_404

from .models import Referral, ReferralStatus

#: Every staff role may refer: a concern about a child may reach anyone.
REFERRER_ROLES = frozenset(ALL_ROLES)


def can_make_referral(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_role(*REFERRER_ROLES))


def can_triage(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.TEAM_MANAGER))


def own_referrals(user: Any) -> QuerySet[Referral]:
    """The referrals ``user`` made (drafts included)."""
    if not can_make_referral(user):
        return Referral.objects.none()
    return Referral.objects.filter(referred_by=user)


def visible_referrals(user: Any) -> QuerySet[Referral]:
    """What ``user`` may see: their own, and, for the team manager, everything submitted."""
    if can_triage(user):
        return Referral.objects.filter(~Q(status=ReferralStatus.DRAFT) | Q(referred_by=user))
    return own_referrals(user)


def triage_referrals(user: Any) -> QuerySet[Referral]:
    if not can_triage(user):
        return Referral.objects.none()
    return Referral.objects.exclude(status=ReferralStatus.DRAFT)


def _consult(user: Any, visible: QuerySet[Referral], pk: Any, channel: str) -> Referral:
    return consult_or_404(
        user,
        visible,
        pk,
        what="referral",
        channel=channel,
        subject_id=lambda referral: referral.young_person_id,
    )


def get_referral_for_user(user: Any, pk: Any, *, channel: str = "page") -> Referral:
    """A referral ``user`` may see, its consultation audited; ``Http404`` for missing and
    forbidden alike."""
    return _consult(user, visible_referrals(user), pk, channel)


def get_own_referral(user: Any, pk: Any, *, channel: str = "referrer page") -> Referral:
    """One of ``user``'s own referrals (the referrer's view), its consultation audited;
    ``Http404`` otherwise."""
    return _consult(user, own_referrals(user), pk, channel)


def get_referral_for_triage(user: Any, pk: Any, *, channel: str = "triage page") -> Referral:
    """A submitted referral, for the team manager, its consultation audited; ``Http404`` for
    anyone else."""
    return _consult(user, triage_referrals(user), pk, channel)


def can_edit_referral(user: Any, referral: Referral) -> bool:
    return bool(
        can_make_referral(user) and referral.is_draft and referral.referred_by_id == user.pk
    )
