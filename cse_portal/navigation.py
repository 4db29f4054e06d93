"""The navigation registry: each app adds its pages for the roles that use them.

Apps register in their ``AppConfig.ready``; the core only renders what was registered, so it never
imports a feature app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    order: int
    #: A finer rule than the role (an app's own permission predicate), or None.
    when: Callable[[Any], bool] | None = None


_items: dict[str, NavItem] = {}


def register(
    *,
    label: str,
    url_name: str,
    roles: set[str] | frozenset[str],
    order: int,
    when: Callable[[Any], bool] | None = None,
) -> None:
    """Add (or replace) a navigation entry shown to users holding one of ``roles`` (and, when
    ``when`` is given, for whom ``when(user)`` is true)."""
    _items[url_name] = NavItem(
        label=label, url_name=url_name, roles=frozenset(roles), order=order, when=when
    )


@dataclass(frozen=True)
class NavLink:
    """A navigation entry as the layout shows it."""

    label: str
    url: str
    #: The page shown is this entry's.
    current: bool


def links_for(user: Any, path: str) -> list[NavLink]:
    """The entries ``user`` is shown, with their addresses, on the page at ``path``."""
    from cse_portal.templatetags.links import cached_reverse

    links = []
    for item in items_for(user.role, user):
        url = cached_reverse(item.url_name)
        links.append(NavLink(label=item.label, url=url, current=url == path))
    return links


def items_for(role: str | None, user: Any = None) -> list[NavItem]:
    if role is None:
        return []
    return sorted(
        (
            i
            for i in _items.values()
            if role in i.roles and (i.when is None or user is None or i.when(user))
        ),
        key=lambda i: i.order,
    )
