"""The one access funnel for intelligence.

Who sees what (every read starts from one of the ``..._items`` / ``visible_...`` querysets here;
anything else is a 404):

=============  ==================================================================================
role           intelligence
=============  ==================================================================================
frontline,     submit intelligence (pages and API); see their own submissions (drafts included)
practitioner,  with their status only (received, being assessed, assessed): never the analyst's
team_manager,  work, other submissions, entities or the picture. See the sanitised version, the
analyst        grading, the conditions and the reference of an item disseminated to them (or to
               their agency), nothing else; a 3x5x2 C item only once they accept its conditions
analyst        every submitted item, original and sanitised (drafts stay the submitter's own);
               grades, sanitises, links subjects to entities and young people's records (an
               audited identity-only look-up, never the case file) and disseminates; all
               entities and their mentions; alerts; turns community concerns into items
team_manager   also: the alerts (and the entities they are about, with mentions from items
               disseminated to the team), what was disseminated to anyone in the co-located team,
               and turns community concerns into items
practitioner   also: the hot spots (locations only, for outreach); closes an alert with the
               outcome "outreach"
lscb_manager   none (figures come with the reports)
admin          none (records who holds the authority for handling code 2, in the admin site)
=============  ==================================================================================

Handling codes are enforced by ``services.item_disseminate`` through ``handling.refusal``, never by
a page. Every item handed out by a ``get_...`` function here has its consultation audited.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from cse_portal.accounts.roles import ALL_ROLES, Role
from cse_portal.funnel import consult_or_404

from .models import Alert, Entity, IntelligenceItem, ItemStatus, Mention, Scheme

#: Every staff role but administrators and the LSCB submits intelligence.
SUBMITTER_ROLES = frozenset(ALL_ROLES) - {Role.ADMIN, Role.LSCB_MANAGER}


def _has(user: Any, *roles: str) -> bool:
    return bool(user.is_authenticated and user.has_role(*roles))


def can_submit(user: Any) -> bool:
    return _has(user, *SUBMITTER_ROLES)


def is_analyst(user: Any) -> bool:
    return _has(user, Role.ANALYST)


def can_see_alerts(user: Any) -> bool:
    return _has(user, Role.ANALYST, Role.TEAM_MANAGER)


def can_convert_concern(user: Any) -> bool:
    """The team manager or the analyst turns a community concern into an item."""
    return _has(user, Role.ANALYST, Role.TEAM_MANAGER)


def can_search_locations(user: Any) -> bool:
    """Places, not people: anyone who records where something happened may pick one."""
    return can_submit(user)


def can_see_hot_spots(user: Any) -> bool:
    return _has(user, Role.ANALYST, Role.TEAM_MANAGER, Role.PRACTITIONER)


def can_close_alert(user: Any, outcome: str) -> bool:
    if _has(user, Role.ANALYST, Role.TEAM_MANAGER):
        return True
    return outcome == "outreach" and _has(user, Role.PRACTITIONER)


# --- Items ---------------------------------------------------------------------------------------


def own_items(user: Any) -> QuerySet[IntelligenceItem]:
    """What ``user`` submitted (drafts included): the submitter's view."""
    if not can_submit(user):
        return IntelligenceItem.objects.none()
    return IntelligenceItem.objects.filter(submitted_by=user)


def analyst_items(user: Any) -> QuerySet[IntelligenceItem]:
    """Every submitted item, for the analyst; nothing for anyone else."""
    if not is_analyst(user):
        return IntelligenceItem.objects.none()
    return IntelligenceItem.objects.exclude(status=ItemStatus.DRAFT)


def received_items(user: Any) -> QuerySet[IntelligenceItem]:
    """Items disseminated to ``user``, to their agency, or (for the team manager) to anyone in the
    co-located team: the recipient's view, sanitised."""
    if not can_submit(user):
        return IntelligenceItem.objects.none()
    to_user = Q(disseminations__recipients__user=user)
    if user.agency_id:
        to_user |= Q(disseminations__recipients__agency_id=user.agency_id)
    if _has(user, Role.TEAM_MANAGER):
        to_user |= Q(disseminations__recipients__user__in_colocated_team=True)
    # A dissemination a later grading withdrew no longer counts (in the same join).
    to_user &= Q(disseminations__recipients__withdrawn_at__isnull=True)
    return (
        IntelligenceItem.objects.filter(
            pk__in=IntelligenceItem.objects.filter(to_user).values("pk")
        )
        .exclude(status=ItemStatus.DRAFT)
        .exclude(NEVER_DISSEMINATED)
    )


#: Items whose handling code in force is 5x5x5 code 5 (never) or 3 (not through the portal): no
#: recipient sees them, whatever was disseminated before (``services.item_regrade`` also
#: withdraws those disseminations; this is the second lock).
NEVER_DISSEMINATED = Q(scheme=Scheme.FIVE_BY_FIVE) & (
    Q(analyst_handling_code__in=["3", "5"])
    | Q(analyst_handling_code="", handling_code__in=["3", "5"])
)


def visible_items(user: Any) -> QuerySet[IntelligenceItem]:
    """Everything ``user`` may see in any view (the API's list): their own, all submitted items
    for the analyst, and what was disseminated to them. Each item is shown in the view the caller
    has of it (``view_of``)."""
    return IntelligenceItem.objects.filter(
        Q(pk__in=own_items(user).values("pk"))
        | Q(pk__in=analyst_items(user).values("pk"))
        | Q(pk__in=received_items(user).values("pk"))
    )


def view_of(user: Any, item: IntelligenceItem) -> str:
    """``analyst`` (the whole item), ``submitter`` (what they sent and its status) or
    ``recipient`` (the sanitised version, the grading, the conditions and the reference)."""
    if is_analyst(user) and not item.is_draft:
        return "analyst"
    if item.submitted_by_id == user.pk:
        return "submitter"
    return "recipient"


def get_visible_item(user: Any, pk: Any, *, channel: str = "api") -> IntelligenceItem:
    return _consult(user, visible_items(user), pk, channel)


def _consult(user: Any, visible: QuerySet[IntelligenceItem], pk: Any, channel: str) -> Any:
    return consult_or_404(
        user,
        visible,
        pk,
        what="intelligence item",
        channel=channel,
        subject_id=lambda item: item.young_person_id,
    )


def get_own_item(user: Any, pk: Any, *, channel: str = "submitter page") -> IntelligenceItem:
    return _consult(user, own_items(user).select_related("agency"), pk, channel)


def get_item_for_analyst(user: Any, pk: Any, *, channel: str = "analyst page") -> IntelligenceItem:
    return _consult(
        user,
        analyst_items(user).select_related("submitted_by", "agency", "graded_by"),
        pk,
        channel,
    )


def get_received_item(user: Any, pk: Any, *, channel: str = "recipient page") -> IntelligenceItem:
    return _consult(user, received_items(user), pk, channel)


# --- Entities and alerts -------------------------------------------------------------------------


def visible_entities(user: Any) -> QuerySet[Entity]:
    """The analyst: every current entity. The team manager: those an alert is about."""
    current = Entity.objects.filter(merged_into__isnull=True)
    if is_analyst(user):
        return current
    if _has(user, Role.TEAM_MANAGER):
        return current.filter(pk__in=Alert.objects.values("entity"))
    return current.none()


def visible_mentions(user: Any) -> QuerySet[Mention]:
    """Mentions the viewer may see: all for the analyst; for the team manager, those in items
    disseminated to the team."""
    mentions = Mention.objects.exclude(item__status=ItemStatus.DRAFT)
    if is_analyst(user):
        return mentions
    if _has(user, Role.TEAM_MANAGER):
        return mentions.filter(item__in=received_items(user).values("pk"))
    return mentions.none()


def get_entity_for_user(user: Any, pk: Any, *, channel: str = "entity page") -> Entity:
    return consult_or_404(
        user,
        visible_entities(user).select_related("young_person"),
        pk,
        what="entity",
        channel=channel,
        subject_id=lambda entity: entity.young_person_id,
    )


def visible_alerts(user: Any) -> QuerySet[Alert]:
    if not can_see_alerts(user):
        return Alert.objects.none()
    return Alert.objects.all()
