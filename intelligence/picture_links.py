"""The picture's links (``models.PictureLink``), kept in step with the items and mentions they
are derived from: the network statement and hot spots read a period's links from one index
instead of joining items, mentions and entities on every request.

Every change that can alter a link goes through here, in the changing transaction: the linking
listener (submission, a subject resolved, a person linked to a record, a merge) and the analyst's
regrading. ``links_rebuild`` makes them all again from the items (the migration that made the
table, ``manage.py picture_links_rebuild``, data written straight into the database)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction

from .models import (
    Entity,
    IntelligenceItem,
    ItemStatus,
    Mention,
    MentionRole,
    PictureLink,
)

#: The roles a hub is mentioned in (``network.GROUP_ROLE``).
HUB_ROLES = (
    MentionRole.PLACE,
    MentionRole.VEHICLE_USED,
    MentionRole.SUSPECTED_EXPLOITER,
    MentionRole.PHONE_USED,
    MentionRole.ACCOUNT_USED,
)


def _insert_sql(narrowed: str) -> str:
    link = PictureLink._meta.db_table
    item = IntelligenceItem._meta.db_table
    mention = Mention._meta.db_table
    entity = Entity._meta.db_table
    roles = ", ".join(f"'{role.value}'" for role in HUB_ROLES)
    return f"""
        INSERT INTO {link}
            (item_id, hub_id, role, young_person_id, person, obtained_at, scheme,
             source_evaluation, intelligence_evaluation)
        SELECT s.item_id, s.entity_id, s.role, y.entity_id, COALESCE(ye.young_person_id, ye.id),
               i.obtained_at, i.scheme,
               COALESCE(NULLIF(i.analyst_source_evaluation, ''), i.source_evaluation),
               COALESCE(NULLIF(i.analyst_intelligence_evaluation, ''), i.intelligence_evaluation)
        FROM {item} i
        JOIN {mention} s ON s.item_id = i.id AND s.role IN ({roles})
        LEFT JOIN {mention} y
            ON y.item_id = i.id AND y.role = %s AND y.entity_id <> s.entity_id
        LEFT JOIN {entity} ye ON ye.id = y.entity_id
        WHERE i.status <> %s {narrowed}
    """  # noqa: S608  (table and role names of this app only; values are parameters)


def _params() -> list[Any]:
    return [MentionRole.YOUNG_PERSON_AT_RISK.value, ItemStatus.DRAFT.value]


def links_refresh(item_ids: Iterable[Any]) -> None:
    """Make the links of these items again (none for a draft), in the caller's transaction."""
    ids = sorted({str(pk) for pk in item_ids})
    if not ids:
        return
    key = IntelligenceItem._meta.pk
    with transaction.atomic():
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            PictureLink.objects.filter(item_id__in=chunk).delete()
            marks = ", ".join(["%s"] * len(chunk))
            values = [key.get_db_prep_value(pk, connection) for pk in chunk]
            with connection.cursor() as cursor:
                cursor.execute(_insert_sql(f"AND i.id IN ({marks})"), [*_params(), *values])


def links_rebuild() -> int:
    """Every link made again from the items; returns how many there are."""
    with transaction.atomic():
        PictureLink.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(_insert_sql(""), _params())
    return PictureLink.objects.count()


def on_item_linked(*, entity_ids: list[Any], item: Any, linked_by: Any) -> None:
    """The linking listener: the item's links, or (a person linked to a record, a merge) those of
    every item mentioning the entities."""
    if item is not None:
        links_refresh([item.pk])
        return
    links_refresh(
        Mention.objects.filter(entity_id__in=list(entity_ids))
        .values_list("item_id", flat=True)
        .distinct()
    )
