"""``{% cached_url 'young_people:detail' yp.pk %}``: ``{% url %}`` for the links a page repeats
(a row's link, the navigation), without reversing the pattern on every row.

``reverse()`` walks the URL resolver and the script prefix each time: a list of 25 rows and a
menu of 10 items spent more on it than on their own rows. The address of a pattern is reversed
once, with placeholder arguments, and each row's address is that text with the row's keys put in
the placeholders' places. Only keys whose text ``reverse()`` would give unchanged take that path:
UUIDs and non-negative integers, in patterns whose arguments are all ``<uuid:...>`` or
``<int:...>`` converters. Anything else (a slug, a ``re_path`` pattern, keyword arguments) is
reversed as ``{% url %}`` would, with the same errors. (``{% url %}`` also passes the current
application's namespace; each of the portal's application namespaces is included once, so it
never changes an address here.)
"""

from __future__ import annotations

import re
import uuid
from functools import lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.urls import Resolver404, get_script_prefix, get_urlconf, resolve, reverse

register = template.Library()

#: A placeholder for each kind of key: text no real address holds.
_PLACEHOLDERS: dict[type, Any] = {
    uuid.UUID: uuid.UUID("0bad1dea-5e1f-4c0d-8e11-feedfacecafe"),
    int: 9_876_543_210_123,
}
_CONVERTERS = {uuid.UUID: "uuid", int: "int"}
_ROUTE_CONVERTER = re.compile(r"<(?:(\w+):)?\w+>")


@lru_cache(maxsize=1024)
def _pieces(
    urlconf: str, prefix: str, name: str, kinds: tuple[type, ...]
) -> tuple[str, ...] | None:
    """The address of ``name`` cut at its arguments' places, or None when the arguments' text is
    not simply put there (then every call reverses). The script prefix and the URL configuration
    are in the key, so a change of either is a new entry."""
    placeholders = [_PLACEHOLDERS[kind] for kind in kinds]
    address = reverse(name, args=placeholders, urlconf=urlconf)
    if not address.startswith(prefix):
        return None
    try:
        # The route as the patterns name it (``young-people/<uuid:pk>/``), below the prefix.
        route = resolve("/" + address[len(prefix) :], urlconf=urlconf).route
    except Resolver404:
        return None
    converters = _ROUTE_CONVERTER.findall(route)
    if converters != [_CONVERTERS[kind] for kind in kinds]:
        return None
    pieces, rest = [], address
    for placeholder in map(str, placeholders):
        before, found, rest = rest.partition(placeholder)
        if not found or placeholder in rest:
            return None
        pieces.append(before)
    return (*pieces, rest)


def _kind(value: Any) -> type | None:
    if isinstance(value, uuid.UUID):
        return uuid.UUID
    if type(value) is int and value >= 0:
        return int
    return None


def cached_reverse(name: str, *args: Any) -> str:
    """``reverse(name, args=args)``, from the cached pieces when the arguments allow."""
    kinds = tuple(_kind(arg) for arg in args)
    if None in kinds:
        return reverse(name, args=args)
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    pieces = _pieces(urlconf, get_script_prefix(), name, kinds)  # type: ignore[arg-type]
    if pieces is None:
        return reverse(name, args=args)
    parts = [pieces[0]]
    for arg, piece in zip(args, pieces[1:], strict=True):
        parts += [str(arg), piece]
    return "".join(parts)


@register.simple_tag
def cached_url(name: str, *args: Any) -> str:
    """``{% cached_url 'app:name' key ... %}`` (or ``... as variable``): the same address as
    ``{% url 'app:name' key ... %}``."""
    return cached_reverse(name, *args)
