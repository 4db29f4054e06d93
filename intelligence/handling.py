"""The handling-code rules: who an item may be disseminated to. One pure function, called by
``services.item_disseminate`` for every recipient, so no page or API can go round it.

=========  ==================================================================================
code       may go to
=========  ==================================================================================
5x5x5 1    police and partner-agency recipients, with the purpose recorded
5x5x5 2    only recipients recorded with the authority for it (``AuthorisedRecipient``), the
           authority named on the dissemination
5x5x5 3    nobody through the portal: it is for law enforcement outside the EEA, under the
           originator's special conditions
5x5x5 4    within the originating agency only (its staff, or the agency itself)
5x5x5 5    never: refer to the originator
3x5x2 P    police and partner-agency recipients, with the purpose recorded
3x5x2 C    police and partner-agency recipients, with the purpose recorded; each recipient
           reads it only after accepting its conditions
=========  ==================================================================================

A "partner agency" is any active agency of a partner kind (police, social care, health, the
voluntary sector, education, youth service): not "other". A recipient user must be active and
hold a role that reads intelligence at all (not the LSCB, not an administrator).
"""

from __future__ import annotations

from dataclasses import dataclass

from cse_portal.accounts.models import AgencyKind
from cse_portal.accounts.roles import Role

from .models import Scheme

PARTNER_KINDS = frozenset(AgencyKind.values) - {AgencyKind.OTHER}
NON_RECIPIENT_ROLES = frozenset({Role.ADMIN, Role.LSCB_MANAGER})


@dataclass(frozen=True)
class Recipient:
    """What the rules need to know of a recipient (a user, or a whole agency)."""

    label: str
    agency_id: object | None
    agency_kind: str
    agency_active: bool
    is_user: bool
    user_active: bool = True
    role: str | None = None
    authorised: bool = False


@dataclass(frozen=True)
class Request:
    scheme: str
    handling_code: str
    conditions: str
    originating_agency_id: object | None
    purpose: str
    authority: str
    sanitised: bool


def refusal(request: Request, recipient: Recipient) -> str | None:
    """Why ``recipient`` may not receive this item, in words; ``None`` when it may."""
    if not request.sanitised:
        return "Write the sanitised version before disseminating: only that is ever shared"
    if recipient.is_user and (not recipient.user_active or recipient.role is None):
        return f"{recipient.label} cannot receive intelligence: the account is not in use"
    if recipient.is_user and recipient.role in NON_RECIPIENT_ROLES:
        return f"{recipient.label} cannot receive intelligence in their role"
    if not recipient.agency_active or recipient.agency_id is None:
        return f"{recipient.label} has no active agency to receive intelligence"
    code = (request.scheme, request.handling_code)
    if code == (Scheme.FIVE_BY_FIVE, "5"):
        return "Handling code 5: no further dissemination; refer to the originator"
    if code == (Scheme.FIVE_BY_FIVE, "3"):
        return (
            "Handling code 3 is for law enforcement outside the EEA, under the originator's "
            "special conditions: it is not disseminated through the portal"
        )
    if code == (Scheme.FIVE_BY_FIVE, "4"):
        if recipient.agency_id != request.originating_agency_id:
            return (
                f"Handling code 4: within the originating agency only, and {recipient.label} "
                "is not in it"
            )
        return None
    if code == (Scheme.FIVE_BY_FIVE, "2"):
        if not recipient.authorised:
            return (
                f"Handling code 2: {recipient.label} is not recorded with the authority to "
                "receive it"
            )
        if not request.authority.strip():
            return "Handling code 2: record the authority for this dissemination"
        return None
    if code in {(Scheme.FIVE_BY_FIVE, "1"), (Scheme.THREE_BY_FIVE, "P")} | {
        (Scheme.THREE_BY_FIVE, "C")
    }:
        if recipient.agency_kind not in PARTNER_KINDS:
            return (
                f"Handling code {request.handling_code}: only police and partner agencies, "
                f"and {recipient.label} is neither"
            )
        if not request.purpose.strip():
            return f"Handling code {request.handling_code}: record the purpose of sharing"
        if code == (Scheme.THREE_BY_FIVE, "C") and not request.conditions.strip():
            return "Handling code C: the conditions must be recorded before sharing"
        return None
    return f"Handling code {request.handling_code or 'missing'}: not one the portal can share"
