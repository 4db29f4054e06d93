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

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from cse_portal.accounts.models import Agency
from cse_portal.accounts.roles import ALL_ROLES, Role
from cse_portal.accounts.selectors import colocated_practitioners
from cse_portal.funnel import consult_or_404, uuid_or_none
from cse_portal.young_people import permissions as yp_permissions

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


# --- What a triage request names -----------------------------------------------------------------


def _triage_practitioners(ids: Iterable[Any]) -> list[Any]:
    keys = {uuid_or_none(value) for value in ids}
    found = list(colocated_practitioners().filter(pk__in=keys - {None}))
    if len(found) != len(keys):
        raise ValidationError(
            {"practitioners": "Every practitioner must be in the co-located team"}
        )
    return found


def _triage_partner_agency(pk: Any) -> Agency:
    agency = Agency.objects.filter(
        pk=uuid_or_none(pk), is_active=True, offers_preventative_work=True
    ).first()
    if agency is None:
        raise ValidationError({"partner_agency": "Select an agency that takes preventative work"})
    return agency


def _triage_record(user: Any, pk: Any) -> Any:
    try:
        return yp_permissions.get_young_person_for_user(user, pk)
    except Http404:
        raise ValidationError({"young_person": "Select a young person's record"}) from None


def _triage_original(user: Any, key: Any) -> Referral:
    """The original of a duplicate, by id (the API) or by the reference a person types."""
    pk = uuid_or_none(key)
    lookup = {"pk": pk} if pk is not None else {"reference": str(key).strip().upper()}
    original = triage_referrals(user).filter(**lookup).first()
    if original is None:
        raise ValidationError(
            {"duplicate_of": "There is no submitted referral with that reference"}
        )
    return original


def triage_choices(
    user: Any,
    *,
    practitioners: Iterable[Any] = (),
    partner_agency: Any = None,
    young_person: Any = None,
    duplicate_of: Any = None,
) -> dict[str, Any]:
    """The records a triage request names by id (or, for the original of a duplicate, by
    reference), resolved to those the team manager may use, ready for ``referral_triage``.

    ``Http404`` for anyone but the team manager. An id it may not use is a ``ValidationError``
    on its field, every one reported together; an empty value resolves to nothing and the
    service says whether the decision needs it."""
    if not can_triage(user):
        raise Http404("No such referral")
    resolvers = {
        "practitioners": (practitioners, _triage_practitioners),
        "partner_agency": (partner_agency, _triage_partner_agency),
        "young_person": (young_person, lambda pk: _triage_record(user, pk)),
        "duplicate_of": (duplicate_of, lambda key: _triage_original(user, key)),
    }
    chosen: dict[str, Any] = {"practitioners": []}
    errors: dict[str, list[str]] = {}
    for name, (value, resolve) in resolvers.items():
        if not value:
            continue
        try:
            chosen[name] = resolve(value)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return chosen
