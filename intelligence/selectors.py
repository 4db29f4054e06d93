"""Reads of intelligence that depend on who is asking. Each page costs a fixed number of queries
whatever the number of rows; every list is filtered and ordered in the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Window
from django.db.models.functions import Coalesce
from rapidfuzz import fuzz

from cse_portal.young_people.models import YoungPerson
from cse_portal.young_people.permissions import visible_young_people

from . import permissions
from .models import (
    Alert,
    AlertStatus,
    ConditionsAcknowledgement,
    Dissemination,
    DisseminationRecipient,
    Entity,
    EntityKind,
    GradingChange,
    IntelligenceItem,
    ItemStatus,
    Mention,
    MentionRole,
)
from .network import grading_q

#: What the analyst's identity-only look-up of a young person shows: never the case file.
IDENTITY_FIELDS = (
    "id",
    "given_name",
    "family_name",
    "date_of_birth",
    "estimated_age",
    "postcode",
    "current_risk_level",
    "merged_into",
)


def young_people_for_linking(user: Any) -> QuerySet[YoungPerson]:
    """Records a subject may be linked to: for the analyst every current record, identity only
    (names, date of birth, postcode, current risk level); for the case team, the records they
    may already see. Nobody else links."""
    if permissions.is_analyst(user):
        return YoungPerson.objects.current().only(*IDENTITY_FIELDS)
    return visible_young_people(user).only(*IDENTITY_FIELDS)


def locations_search(*, user: Any, q: str) -> QuerySet[Entity]:
    """Location entities matching ``q`` (venue name, address or postcode), for the place pickers
    of other apps; nothing for a user who records no places. The caller slices."""
    if not permissions.can_search_locations(user):
        return Entity.objects.none()
    places = Entity.objects.filter(kind=EntityKind.LOCATION, merged_into__isnull=True)
    for word in (q or "").split()[:5]:
        places = places.filter(
            Q(label__icontains=word) | Q(address__icontains=word) | Q(postcode__icontains=word)
        )
    return places.order_by("label", "id")


def _young_person_identity(prefix: str) -> Coalesce:
    """One young person, however mentioned: the record a person entity is linked to, or the
    person entity itself until the analyst links it."""
    return Coalesce(f"{prefix}entity__young_person_id", f"{prefix}entity_id")


def hot_spots(
    *,
    user: Any,
    since: datetime | None = None,
    min_source: str = "",
    min_intelligence: str = "",
) -> QuerySet[Entity]:
    """Locations ranked by how many different young people (at risk) and how many items are
    linked to them, counted in the database from the picture's links (``models.PictureLink``:
    submitted items only); ``since`` limits to items obtained from then on, ``min_source`` and
    ``min_intelligence`` to items graded at least so (``network.grading_q``)."""
    if not permissions.can_see_hot_spots(user):
        return Entity.objects.none()
    # One filter() call, so the counts below read the same, narrowed, links.
    in_period = Q(picture_links__role=MentionRole.PLACE)
    if since is not None:
        in_period &= Q(picture_links__obtained_at__gte=since)
    in_period &= grading_q(
        "picture_links__",
        min_source=min_source,
        min_intelligence=min_intelligence,
        in_force=True,
    )
    return (
        Entity.objects.filter(in_period, kind=EntityKind.LOCATION, merged_into__isnull=True)
        .annotate(
            items_count=Count("picture_links__item", distinct=True),
            young_people_count=Count("picture_links__person", distinct=True),
        )
        .filter(items_count__gt=0)
        .order_by("-young_people_count", "-items_count", "label", "id")
    )


def alerts_visible_to(user: Any) -> QuerySet[Alert]:
    """Every alert the user may see (the analyst and the team manager), newest change first."""
    return (
        permissions.visible_alerts(user)
        .select_related("entity", "closed_by")
        .order_by("-updated_at", "-id")
    )


def alerts_open(*, user: Any) -> QuerySet[Alert]:
    return alerts_visible_to(user).filter(status=AlertStatus.OPEN)


def alerts_open_first(*, user: Any, limit: int) -> tuple[list[Alert], int]:
    """The first ``limit`` open alerts and how many are open, in one query (the count is a
    window over every open alert, worked out before the limit). The dashboards show an open
    alert's entity, never who closed it: only the entity is joined."""
    open_alerts = alerts_open(user=user).select_related(None).select_related("entity")
    alerts = list(open_alerts.annotate(open_count=Window(Count("pk")))[:limit])
    return alerts, (alerts[0].open_count if alerts else 0)


def entity_for(*, user: Any, pk: Any) -> Entity:
    """The entity, if ``user`` may see it, its consultation audited; ``Http404`` otherwise."""
    return permissions.get_entity_for_user(user, pk)


# --- The pages' reads ----------------------------------------------------------------------------

#: Statuses on the analyst's desk.
DESK_STATUSES = (ItemStatus.RECEIVED, ItemStatus.BEING_ASSESSED)


def my_items(user: Any) -> QuerySet[IntelligenceItem]:
    """The submitter's list: their own reports, newest first (status only is shown)."""
    return permissions.own_items(user).order_by("-created_at", "-id")


def desk_queue(user: Any) -> QuerySet[IntelligenceItem]:
    """New and in-progress submissions: high priority first, then the longest waiting."""
    return (
        permissions.analyst_items(user)
        .filter(status__in=DESK_STATUSES)
        .select_related("submitted_by", "agency")
        .order_by("priority_rank", "submitted_at", "id")
    )


def recently_assessed(user: Any, limit: int = 10) -> list[IntelligenceItem]:
    return list(
        permissions.analyst_items(user)
        .filter(status=ItemStatus.ASSESSED)
        .select_related("agency")
        .order_by("-assessed_at", "-id")[:limit]
    )


def received_list(user: Any) -> QuerySet[IntelligenceItem]:
    return permissions.received_items(user).order_by("-submitted_at", "-id")


def item_for_review(item: IntelligenceItem) -> IntelligenceItem:
    """The review page's item with its mentions, grading history and disseminations."""
    return (
        IntelligenceItem.objects.filter(pk=item.pk)
        .select_related("submitted_by", "agency", "graded_by", "sanitised_by", "young_person")
        .prefetch_related(
            Prefetch(
                "mentions",
                queryset=Mention.objects.select_related("entity__young_person").order_by(
                    "role", "id"
                ),
            ),
            Prefetch("gradings", queryset=GradingChange.objects.select_related("changed_by")),
            Prefetch(
                "disseminations",
                queryset=Dissemination.objects.select_related("disseminated_by").prefetch_related(
                    Prefetch(
                        "recipients",
                        queryset=DisseminationRecipient.objects.select_related("user", "agency"),
                    )
                ),
            ),
        )
        .get()
    )


def dissemination_choices(user: Any) -> tuple[list[Any], list[Any]]:
    """The people and agencies the analyst may choose from (the handling code decides who may
    actually receive, in the service)."""
    from cse_portal.accounts.models import Agency, User

    if not permissions.is_analyst(user):
        return [], []
    users = list(
        User.objects.filter(is_active=True, groups__name__in=permissions.SUBMITTER_ROLES)
        .exclude(pk=user.pk)
        .select_related("agency")
        .order_by("last_name", "first_name", "username")
        .distinct()[:500]
    )
    agencies = list(Agency.objects.filter(is_active=True).order_by("name")[:200])
    return users, agencies


def acknowledged(user: Any, item: IntelligenceItem) -> bool:
    """Whether ``user`` accepted the conditions now in force: a regrading that changes them asks
    every recipient to accept the new ones before the text is shown again."""
    return ConditionsAcknowledgement.objects.filter(
        item=item, user=user, conditions=item.acknowledged_conditions
    ).exists()


def entities_search(user: Any, *, q: str = "", kind: str = "") -> QuerySet[Entity]:
    entities = permissions.visible_entities(user)
    if kind in EntityKind.values:
        entities = entities.filter(kind=kind)
    for word in (q or "").split()[:5]:
        entities = entities.filter(Q(label__icontains=word) | Q(key__icontains=word.lower()))
    return entities.annotate(mentions_count=mentions_count(user)).order_by("kind", "label", "id")


def mentions_count(user: Any) -> Count:
    """An entity's mentions the viewer may see (``permissions.visible_mentions``): all for the
    analyst (a draft has no mentions), those in items disseminated to the team for the team
    manager, never the number of items they may not read."""
    if permissions.is_analyst(user):
        return Count("mentions")
    return Count("mentions", filter=Q(mentions__in=permissions.visible_mentions(user)))


def entity_mentions(user: Any, entity: Entity) -> QuerySet[Mention]:
    """Every mention of the entity the viewer may see, newest item first."""
    return (
        permissions.visible_mentions(user)
        .filter(entity=entity)
        .select_related("item")
        .order_by("-item__obtained_at", "-id")
    )


#: How alike two names must be (rapidfuzz's token-sort ratio, 0-100) to be offered as the same.
DUPLICATE_NAME_SCORE = 85
MAX_DUPLICATE_CANDIDATES = 200


def likely_duplicates(user: Any, entity: Entity, limit: int = 10) -> list[dict[str, Any]]:
    """Entities of the same kind that may be this one, for the analyst to merge (never merged
    silently): people with a close name and the same or no date of birth; vehicles, phones and
    accounts whose keys are nearly the same (one character typed wrong); places with the same
    postcode. Candidates are narrowed in the database, then scored with rapidfuzz."""
    if not permissions.is_analyst(user):
        return []
    others = (
        Entity.objects.filter(kind=entity.kind, merged_into__isnull=True)
        .exclude(pk=entity.pk)
        .select_related("young_person")
    )
    if entity.kind == EntityKind.PERSON:
        words = [w for w in entity.label.split() if len(w) >= 3][:3]
        condition = Q()
        for word in words:
            condition |= Q(label__icontains=word[:4])
        if entity.date_of_birth and words:
            condition &= Q(date_of_birth=entity.date_of_birth) | Q(date_of_birth__isnull=True)
        if entity.young_person_id:
            # Linked to the same young person's record (two records merged, say): the same
            # child, whatever the spelling.
            condition |= Q(young_person_id=entity.young_person_id)
        if not condition:
            return []
        others = others.filter(condition)
    elif entity.kind == EntityKind.LOCATION:
        if not entity.postcode:
            return []
        others = others.filter(postcode=entity.postcode)
    else:
        if len(entity.key) < 4:
            return []
        others = others.filter(Q(key__startswith=entity.key[:3]) | Q(key__endswith=entity.key[-3:]))
    found = []
    target = entity.label if entity.kind in (EntityKind.PERSON, EntityKind.LOCATION) else entity.key
    for other in others.order_by("id")[:MAX_DUPLICATE_CANDIDATES]:
        theirs = (
            other.label if entity.kind in (EntityKind.PERSON, EntityKind.LOCATION) else other.key
        )
        score = fuzz.token_sort_ratio(target.lower(), theirs.lower())
        if entity.kind not in (EntityKind.PERSON, EntityKind.LOCATION):
            # One character wrong in a registration or number is a likely typing slip.
            score = 100 - 15 * _distance(target, theirs)
        elif entity.young_person_id and other.young_person_id == entity.young_person_id:
            score = 100
        if score >= DUPLICATE_NAME_SCORE:
            found.append({"entity": other, "score": round(score)})
    found.sort(key=lambda row: (-row["score"], row["entity"].label))
    return found[:limit]


def _distance(a: str, b: str) -> int:
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(a, b)


def concerns_to_record(user: Any) -> QuerySet[Any]:
    """Community concerns (from ``/report-a-concern/``) not yet made intelligence, oldest first,
    for the team manager and the analyst."""
    from referrals.models import Referral, ReferralKind, ReferralStatus

    if not permissions.can_convert_concern(user):
        return Referral.objects.none()
    return (
        Referral.objects.filter(kind=ReferralKind.COMMUNITY, intelligence_item__isnull=True)
        .exclude(status=ReferralStatus.DRAFT)
        .select_related("community_concern")
        .order_by("submitted_at", "id")
    )


def concern_for(user: Any, pk: Any) -> Any:
    """One community concern not yet recorded, for the team manager or analyst; ``Http404``
    otherwise (its consultation audited)."""
    from cse_portal.funnel import consult_or_404

    return consult_or_404(
        user,
        concerns_to_record(user),
        pk,
        what="community concern",
        channel="intelligence: record a concern",
        subject_id=lambda referral: referral.young_person_id,
    )


# --- For the reports app's figures (aggregates only, counted in the database) ------------------


def items_for_figures() -> QuerySet[IntelligenceItem]:
    """Every submitted item (drafts stay the submitter's), for aggregate figures."""
    return IntelligenceItem.objects.exclude(status=ItemStatus.DRAFT)


def disseminations_for_figures() -> QuerySet[Dissemination]:
    return Dissemination.objects.all()


def alerts_for_figures() -> QuerySet[Alert]:
    return Alert.objects.all()


def entities_ranked_for_profile(
    *, kind: str, role: str, start: datetime, end: datetime, postcode_prefix: str = ""
) -> QuerySet[Entity]:
    """For the analyst's problem profile: entities of ``kind`` mentioned as ``role`` in items
    obtained in [start, end), ranked by how many different young people at risk those items
    mention, then by the number of items; a location's postcode may be limited to an area."""
    in_period = (
        ~Q(mentions__item__status=ItemStatus.DRAFT)
        & Q(mentions__role=role)
        & Q(mentions__item__obtained_at__gte=start, mentions__item__obtained_at__lt=end)
    )
    young_person = in_period & Q(mentions__item__mentions__role=MentionRole.YOUNG_PERSON_AT_RISK)
    entities = Entity.objects.filter(kind=kind, merged_into__isnull=True)
    if postcode_prefix:
        entities = entities.filter(postcode__istartswith=postcode_prefix)
    return (
        entities.annotate(
            items_count=Count("mentions__item", filter=in_period, distinct=True),
            young_people_count=Count(
                _young_person_identity("mentions__item__mentions__"),
                filter=young_person,
                distinct=True,
            ),
        )
        .filter(items_count__gt=0)
        .order_by("-young_people_count", "-items_count", "label", "id")
    )


def entity_links_for_profile(
    *, entity_ids: list[Any], start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Pairs of the given entities mentioned in the same items obtained in [start, end), with the
    number of such items: the edges of the problem profile's link chart (one grouped query)."""
    from django.db.models import F

    rows = (
        Mention.objects.filter(
            entity_id__in=entity_ids,
            item__mentions__entity_id__in=entity_ids,
            entity_id__lt=F("item__mentions__entity_id"),
            item__obtained_at__gte=start,
            item__obtained_at__lt=end,
        )
        .exclude(item__status=ItemStatus.DRAFT)
        .values("entity_id", other_id=F("item__mentions__entity_id"))
        .annotate(items=Count("item", distinct=True))
        .order_by("-items")
    )
    return list(rows[:200])
