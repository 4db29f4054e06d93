"""The navigation registry: each app adds its pages for the roles that use them.

Apps register in their ``AppConfig.ready``; the core only renders what was registered, so it never
imports a feature app.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    order: int


_items: dict[str, NavItem] = {}


def register(*, label: str, url_name: str, roles: set[str] | frozenset[str], order: int) -> None:
    """Add (or replace) a navigation entry shown to users holding one of ``roles``."""
    _items[url_name] = NavItem(label=label, url_name=url_name, roles=frozenset(roles), order=order)


def items_for(role: str | None) -> list[NavItem]:
    if role is None:
        return []
    return sorted((i for i in _items.values() if role in i.roles), key=lambda i: i.order)
