"""Feature apps add demo data by registering a function here from their ``demo.py`` module, which
``seed_demo`` discovers; the core never imports a feature app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_hooks: dict[str, Callable[[Any], None]] = {}


def register(name: str) -> Callable[[Callable[[Any], None]], Callable[[Any], None]]:
    """Decorator: ``@register("referrals")`` on ``def seed(context): ...``, idempotent please."""

    def decorate(function: Callable[[Any], None]) -> Callable[[Any], None]:
        _hooks[name] = function
        return function

    return decorate


def registered() -> list[Callable[[Any], None]]:
    from django.apps import apps

    order = [config.name for config in apps.get_app_configs()]
    return [hook for name, hook in sorted(_hooks.items(), key=lambda kv: _index(order, kv[0]))]


def _index(order: list[str], name: str) -> int:
    return order.index(name) if name in order else len(order)
