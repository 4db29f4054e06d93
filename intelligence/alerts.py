"""Pattern alerts: one vehicle, location, phone, online account or suspected exploiter linked to
``INTELLIGENCE_ALERT_YOUNG_PEOPLE`` or more different young people (at risk) within
``INTELLIGENCE_ALERT_WINDOW_DAYS``, across every item (intelligence reports, community concerns,
return home interviews, outreach).

The rule is one SQL statement (``INSERT ... SELECT ... ON CONFLICT``) run in the linking
transaction (``linking`` listener) and by the nightly sweep (``alerts_sweep``, 100 entities per
transaction). One open alert per entity (the ``alert_one_open`` constraint is the conflict target):
a new child updates the open alert's counts rather than raising another. A closed alert keeps the
entity quiet until more young people are linked than when it was closed (or the closure leaves the
window). The analysts and the team managers are told through the outbox when an alert is raised
and when it counts another young person; the notification holds a link, never personal data.

A young person is counted once however mentioned: the record a person entity is linked to, or the
person entity itself until the analyst links it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from cse_portal.accounts.roles import Role
from cse_portal.funnel import consult_or_404
from cse_portal.notifications.services import notification_queue

from . import permissions
from .models import Alert, AlertStatus, Entity, EntityKind, ItemStatus, Mention, MentionRole

#: Kinds an alert may be about (people only in the role of suspected exploiter).
PATTERN_KINDS = (EntityKind.VEHICLE, EntityKind.LOCATION, EntityKind.PHONE, EntityKind.ACCOUNT)

#: Who is told of a new or grown alert.
NOTIFIED_ROLES = (Role.ANALYST, Role.TEAM_MANAGER)


def threshold() -> int:
    return max(1, int(settings.INTELLIGENCE_ALERT_YOUNG_PEOPLE))


def window_start(now: Any = None) -> Any:
    return (now or timezone.now()) - timedelta(days=int(settings.INTELLIGENCE_ALERT_WINDOW_DAYS))


def _pattern_mentions(since: Any) -> QuerySet[Mention]:
    """Mentions that can make a pattern: of a current entity of a pattern kind (or a person as a
    suspected exploiter), in a submitted item obtained within the window."""
    return Mention.objects.filter(
        Q(entity__kind__in=PATTERN_KINDS)
        | Q(entity__kind=EntityKind.PERSON, role=MentionRole.SUSPECTED_EXPLOITER),
        entity__merged_into__isnull=True,
        item__obtained_at__gte=since,
    ).exclude(item__status=ItemStatus.DRAFT)


def pattern_counts(entity_ids: Iterable[Any] | None, since: Any) -> QuerySet[Any]:
    """Per entity: the different young people at risk mentioned beside it and the items that do
    so, within the window; ``entity_ids`` narrows to those entities (``None``: all)."""
    beside = Q(item__mentions__role=MentionRole.YOUNG_PERSON_AT_RISK) & ~Q(
        item__mentions__entity_id=F("entity_id")
    )
    mentions = _pattern_mentions(since)
    if entity_ids is not None:
        mentions = mentions.filter(entity_id__in=list(entity_ids))
    return (
        mentions.values("entity_id")
        .annotate(
            young_people=Count(
                Coalesce("item__mentions__entity__young_person_id", "item__mentions__entity_id"),
                filter=beside,
                distinct=True,
            ),
            items=Count("item_id", filter=beside, distinct=True),
        )
        .order_by()
    )


def _new_id_sql() -> str:
    if connection.vendor == "postgresql":
        return "gen_random_uuid()"
    return "lower(hex(randomblob(16)))"


def _upsert(entity_ids: list[Any], now: Any) -> None:
    """Raise or update the alerts of ``entity_ids`` in one statement."""
    since = window_start(now)
    counts = pattern_counts(entity_ids, since).filter(young_people__gte=threshold())
    counts_sql, counts_params = counts.query.sql_with_params()
    alert = Alert._meta.db_table
    stamp = connection.ops.adapt_datetimefield_value(now)
    since_param = connection.ops.adapt_datetimefield_value(since)
    # Only table names and the ORM's own compiled SQL are interpolated; values are parameters.
    sql = f"""
        INSERT INTO {alert}
            (id, entity_id, status, raised_at, updated_at, young_people_count, items_count,
             outcome, reason, closed_at, closed_by_id)
        SELECT {_new_id_sql()}, c.entity_id, 'open', %s, %s, c.young_people, c.items, '', '',
               NULL, NULL
        FROM ({counts_sql}) c
        WHERE NOT EXISTS (
            SELECT 1 FROM {alert} q
            WHERE q.entity_id = c.entity_id AND q.status = 'closed'
              AND q.closed_at >= %s AND q.young_people_count >= c.young_people
        )
        ON CONFLICT (entity_id) WHERE status = 'open' DO UPDATE SET
            young_people_count = excluded.young_people_count,
            items_count = excluded.items_count,
            updated_at = CASE
                WHEN {alert}.young_people_count <> excluded.young_people_count
                  OR {alert}.items_count <> excluded.items_count
                THEN excluded.updated_at ELSE {alert}.updated_at END
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [stamp, stamp, *counts_params, since_param])


def _notify(before: dict[Any, int], entity_ids: list[Any]) -> int:
    """Tell the analysts and team managers of each alert raised or counting more young people."""
    told = 0
    alerts = Alert.objects.filter(entity_id__in=entity_ids, status=AlertStatus.OPEN).select_related(
        "entity"
    )
    for alert in alerts:
        previous = before.get(alert.entity_id)
        if previous is not None and alert.young_people_count <= previous:
            continue
        kind = alert.entity.get_kind_display().lower()
        what = "raised" if previous is None else "updated"
        link = settings.SITE_URL.rstrip("/") + reverse(
            "intelligence:picture_alert", args=[alert.pk]
        )
        for role in NOTIFIED_ROLES:
            notification_queue(
                key=f"intelligence-alert:{alert.pk}:{alert.young_people_count}:{role}",
                recipient_role=role,
                subject=f"Pattern alert {what}: a {kind} linked to "
                f"{alert.young_people_count} young people",
                body=(
                    f"A {kind} is now linked to {alert.young_people_count} different young "
                    f"people at risk in {alert.items_count} items within "
                    f"{settings.INTELLIGENCE_ALERT_WINDOW_DAYS} days.\n\n"
                    f"See the evidence and close the alert with its outcome: {link}\n"
                ),
            )
        told += 1
    return told


def alerts_evaluate(entity_ids: Iterable[Any], *, now: Any = None) -> int:
    """Apply the rule to ``entity_ids`` in the caller's transaction (one is opened if none is):
    raise, or update the open alert's counts, and notify. Returns the alerts raised or grown."""
    ids = sorted({uuid.UUID(str(pk)) for pk in entity_ids})
    if not ids:
        return 0
    now = now or timezone.now()
    with transaction.atomic():
        before = dict(
            Alert.objects.filter(entity_id__in=ids, status=AlertStatus.OPEN).values_list(
                "entity_id", "young_people_count"
            )
        )
        _upsert(ids, now)
        return _notify(before, ids)


def on_item_linked(*, entity_ids: list[Any], item: Any, linked_by: Any) -> None:
    """The linking listener. A link inside an item can change the count of every entity that
    item mentions (a child named beside a car counts for the car); a link made outside one (a
    person linked to a record, two entities merged) for every entity mentioned beside it."""
    items = Mention.objects.filter(entity_id__in=list(entity_ids))
    if item is not None:
        items = items.filter(item=item)
    else:
        items = items.filter(item__obtained_at__gte=window_start())
    targets = (
        Mention.objects.filter(item__in=items.values("item_id"))
        .values_list("entity_id", flat=True)
        .distinct()
    )
    alerts_evaluate([*entity_ids, *targets])


def alerts_sweep(*, batch_size: int | None = None, now: Any = None) -> dict[str, int]:
    """The nightly sweep: every entity meeting the rule now (found by one aggregate in the
    database), then raised or updated ``batch_size`` entities per transaction, so a long sweep
    never holds many locks nor loses finished batches."""
    batch_size = batch_size or int(settings.INTELLIGENCE_ALERT_SWEEP_BATCH)
    now = now or timezone.now()
    candidates = list(
        pattern_counts(None, window_start(now))
        .filter(young_people__gte=threshold())
        .order_by("entity_id")
        .values_list("entity_id", flat=True)
    )
    grown = 0
    for start in range(0, len(candidates), batch_size):
        grown += alerts_evaluate(candidates[start : start + batch_size], now=now)
    return {"entities": len(candidates), "alerts_raised_or_grown": grown}


# --- Reads ---------------------------------------------------------------------------------------


def get_alert_for_user(user: Any, pk: Any, *, channel: str = "alert page") -> Alert:
    """One alert the user may see (the analyst, the team manager), its consultation audited;
    ``Http404`` otherwise."""
    return consult_or_404(
        user,
        permissions.visible_alerts(user).select_related("entity", "closed_by"),
        pk,
        what="alert",
        channel=channel,
        subject_id=lambda alert: alert.entity.young_person_id,
    )


def alert_evidence(user: Any, alert: Alert) -> list[Mention]:
    """The mentions of the alert's entity within the window, in items the viewer may see, each
    with the young people at risk named beside it (prefetched: a fixed number of queries)."""
    from django.db.models import Prefetch

    beside = Mention.objects.filter(role=MentionRole.YOUNG_PERSON_AT_RISK).select_related(
        "entity__young_person"
    )
    return list(
        permissions.visible_mentions(user)
        .filter(entity=alert.entity, item__obtained_at__gte=window_start())
        .filter(item__mentions__role=MentionRole.YOUNG_PERSON_AT_RISK)
        .distinct()
        .select_related("item")
        .prefetch_related(Prefetch("item__mentions", queryset=beside, to_attr="young_people"))
        .order_by("-item__obtained_at", "-id")[:200]
    )


def evidence_young_people(evidence: list[Mention]) -> list[Entity]:
    """The different young people the evidence names, once each."""
    seen: dict[Any, Entity] = {}
    for mention in evidence:
        for other in mention.item.young_people:
            seen.setdefault(other.entity.young_person_id or other.entity_id, other.entity)
    return sorted(seen.values(), key=lambda entity: entity.label)
