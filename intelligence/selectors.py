"""Reads of intelligence that depend on who is asking. Each page costs a fixed number of queries
whatever the number of rows; every list is filtered and ordered in the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce

from cse_portal.young_people.models import YoungPerson
from cse_portal.young_people.permissions import visible_young_people

from . import permissions
from .models import Alert, AlertStatus, Entity, EntityKind, ItemStatus, MentionRole

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


def hot_spots(*, user: Any, since: datetime | None = None) -> QuerySet[Entity]:
    """Locations ranked by how many different young people (at risk) and how many items are
    linked to them, counted in the database; ``since`` limits to items obtained from then on."""
    if not permissions.can_see_hot_spots(user):
        return Entity.objects.none()
    in_period = ~Q(mentions__item__status=ItemStatus.DRAFT)
    if since is not None:
        in_period &= Q(mentions__item__obtained_at__gte=since)
    young_person = in_period & Q(mentions__item__mentions__role=MentionRole.YOUNG_PERSON_AT_RISK)
    return (
        Entity.objects.filter(kind=EntityKind.LOCATION, merged_into__isnull=True)
        .annotate(
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


def alerts_visible_to(user: Any) -> QuerySet[Alert]:
    """Every alert the user may see (the analyst and the team manager), newest change first."""
    return (
        permissions.visible_alerts(user)
        .select_related("entity", "closed_by")
        .order_by("-updated_at", "-id")
    )


def alerts_open(*, user: Any) -> QuerySet[Alert]:
    return alerts_visible_to(user).filter(status=AlertStatus.OPEN)


def entity_for(*, user: Any, pk: Any) -> Entity:
    """The entity, if ``user`` may see it, its consultation audited; ``Http404`` otherwise."""
    return permissions.get_entity_for_user(user, pk)
