"""The record-page panel registry: feature apps add a panel (a template and a function giving its
context) to the young person's page from their ``AppConfig.ready``. The core renders what was
registered, so it never imports a feature app. A panel's context function must cost a fixed number
of queries whatever the number of rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RecordPanel:
    name: str
    template: str
    context: Callable[[Any, Any], dict[str, Any]]
    order: int


_panels: dict[str, RecordPanel] = {}


def register(
    *, name: str, template: str, context: Callable[[Any, Any], dict[str, Any]], order: int
) -> None:
    """Add (or replace) a panel; ``context(user, record)`` returns what its template uses."""
    _panels[name] = RecordPanel(name=name, template=template, context=context, order=order)


def panels_for(user: Any, record: Any) -> list[dict[str, Any]]:
    """Each registered panel's template and context, in order, for ``{% include %}``."""
    return [
        {"name": panel.name, "template": panel.template, **panel.context(user, record)}
        for panel in sorted(_panels.values(), key=lambda p: p.order)
    ]
