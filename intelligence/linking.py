"""Linking: the moment an item's mentions are made or changed (on submission, when the analyst
resolves a subject to an entity, links a person to a young person's record, or merges two
entities). Listeners registered here run inside that transaction, so what they derive (the pattern
alerts, for one) is committed with the link or not at all.

A listener is ``listener(*, entity_ids, item, linked_by)``: ``entity_ids`` the entities whose links
changed, ``item`` the item (``None`` for a merge), ``linked_by`` the user (``None`` for the
system)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Listener = Callable[..., None]

_listeners: dict[str, Listener] = {}


def register(name: str, listener: Listener) -> None:
    """Add (or replace, by ``name``) a listener."""
    _listeners[name] = listener


def unregister(name: str) -> None:
    _listeners.pop(name, None)


def listeners() -> list[tuple[str, Listener]]:
    return sorted(_listeners.items())


def item_linked(*, entity_ids: Iterable[Any], item: Any, linked_by: Any) -> None:
    """Tell every listener, in name order. Called by the services, inside their transaction."""
    ids = sorted({str(pk) for pk in entity_ids})
    if not ids:
        return
    for _name, listener in listeners():
        listener(entity_ids=ids, item=item, linked_by=linked_by)
