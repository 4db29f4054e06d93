"""The merge hook registry: when two young people's records are merged, each feature app moves its
own rows from the duplicate to the survivor, by its own rules, from a function it registers in its
``AppConfig.ready``. The core calls what was registered, so it never imports nor reaches into a
feature app's tables. Every model with a foreign key to ``YoungPerson`` must be named by exactly
one hook (or be the core's own); a test checks that none is forgotten."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: ``move(*, survivor, duplicate, merged_by) -> {model label: rows moved}``
MoveRows = Callable[..., dict[str, int]]


@dataclass(frozen=True)
class MergeHook:
    app: str
    models: tuple[type[Any], ...]
    move: MoveRows


_hooks: dict[str, MergeHook] = {}


def register(*, app: str, models: tuple[type[Any], ...], move: MoveRows) -> None:
    """Add (or replace) ``app``'s hook. ``models`` are every model of the app that points at a
    young person; ``move`` runs inside the merge's transaction and raises ``ValidationError`` to
    refuse the merge."""
    _hooks[app] = MergeHook(app=app, models=models, move=move)


def registered() -> list[MergeHook]:
    """The hooks in the order of ``INSTALLED_APPS`` (dependencies first)."""
    from django.apps import apps

    order = [config.name for config in apps.get_app_configs()]
    return sorted(
        _hooks.values(), key=lambda h: order.index(h.app) if h.app in order else len(order)
    )
