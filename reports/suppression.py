"""Small-count suppression for figures that leave the team (LSCB dashboards, exports, PDFs and the
measures API).

A count from 1 to ``REPORTS_SMALL_COUNT_THRESHOLD - 1`` (1 to 4 by default) is suppressed: shown as
"suppressed", never as a number. Zero is shown (it identifies nobody). That alone is not enough: a
total and the other cells of its breakdown would give the missing cell back by subtraction. So
**secondary suppression** hides more cells until, in every breakdown (a total and the parts that
add up to it), what is shown can be explained by more than one value of every suppressed cell:

- a breakdown whose total is shown never has exactly one suppressed part, and the suppressed parts
  add up to more than their number (two hidden parts summing to 2 would both be 1);
- a breakdown whose total is suppressed has at least one suppressed part (or the shown parts would
  add up to it);
- both rules hold again with every suppressed part that is itself a total broken down into its own
  parts, since a reader can subtract through every level.

The complement hidden is the smallest shown non-zero part (or, failing one, the total). Cells can
sit in several breakdowns (a month in its quarter, a source in its total), so the rules run until
nothing changes. Zero is never hidden, so a reader knows only that every suppressed cell is a
positive whole number: the property test in ``tests/reports/test_suppression.py`` enumerates every
assignment consistent with what is shown and checks each suppressed cell could take two values.

Measures can also be related by an inequality rather than a sum (a ``Bound``): no more different
children went missing than there were episodes, and a child missing repeatedly has at least
``MISSING_RULE_REPEAT_COUNT`` of them. A reader uses those too (5 episodes shown, repeat missing
suppressed and three episodes needed to count: only 1 child fits), so each suppressed cell's range
is narrowed by the bounds from what is shown, and the sums are checked over those ranges: whatever
leaves a suppressed cell one possible value hides the shown side of the bound, or the breakdown's
complement, as above.

Rates and changes between periods derived from a suppressed count are suppressed too.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings

Key = Hashable


@dataclass(frozen=True)
class Breakdown:
    """``total`` is the sum of ``parts`` by definition (every record counted in exactly one)."""

    total: Key
    parts: tuple[Key, ...]


@dataclass(frozen=True)
class Bound:
    """``at_least`` times ``low`` is at most ``high``, by definition: everything ``low`` counts is
    counted at least ``at_least`` times in ``high`` (a child missing repeatedly, in their
    episodes)."""

    low: Key
    high: Key
    at_least: int = 1


def threshold() -> int:
    return int(settings.REPORTS_SMALL_COUNT_THRESHOLD)


def primary(values: Mapping[Key, int], limit: int | None = None) -> set[Key]:
    limit = threshold() if limit is None else limit
    return {key for key, value in values.items() if 0 < value < limit}


Range = tuple[int, float]


class _Reader:
    """What a reader knows of each suppressed cell from the bounds alone: a positive whole
    number, at least ``at_least`` times a shown ``low``, at most a shown ``high`` over
    ``at_least``. The bounds are indexed by cell, so a cell's range costs its own bounds, not
    every bound of a year's table."""

    def __init__(self, values: Mapping[Key, int], bounds: Sequence[Bound]) -> None:
        self.values = values
        self.bounds = bounds
        self.as_high: dict[Key, list[Bound]] = {}
        self.as_low: dict[Key, list[Bound]] = {}
        for bound in bounds:
            self.as_high.setdefault(bound.high, []).append(bound)
            self.as_low.setdefault(bound.low, []).append(bound)

    def range(self, key: Key, hidden: set[Key]) -> Range:
        low, high = 1, float("inf")
        for bound in self.as_high.get(key, ()):
            if bound.low not in hidden:
                low = max(low, bound.at_least * self.values[bound.low])
        for bound in self.as_low.get(key, ()):
            if bound.high not in hidden:
                high = min(high, self.values[bound.high] // bound.at_least)
        return low, high

    def breach(self, hidden: set[Key]) -> Key | None:
        """The shown ``high`` of a bound that leaves its suppressed ``low`` one possible value,
        if any: the cell to hide next."""
        binding = [b for b in self.bounds if b.low in hidden and b.high not in hidden]
        for key in dict.fromkeys(b.low for b in binding):
            low, high = self.range(key, hidden)
            if high - low < 1:
                # The bound that sets the ceiling: hiding another shown side would not lift it.
                return min(
                    (b for b in binding if b.low == key),
                    key=lambda b: (self.values[b.high] // b.at_least, str(b.high)),
                ).high
        return None


def _safe(values: Mapping[Key, int], hidden: set[Key], group: Breakdown, reader: _Reader) -> bool:
    hidden_parts = [p for p in group.parts if p in hidden]
    if group.total in hidden:
        return bool(hidden_parts)
    if not hidden_parts:
        return True
    residual = values[group.total] - sum(values[p] for p in group.parts if p not in hidden)
    if len(hidden_parts) < 2:
        return False
    ranges = [reader.range(p, hidden) for p in hidden_parts]
    lows = [low for low, _ in ranges]
    highs = [high for _, high in ranges]
    for i in range(len(hidden_parts)):
        # The part's values, given the others' ranges and that all of them add up to the residual.
        least = max(lows[i], residual - (sum(highs) - highs[i]))
        most = min(highs[i], residual - (sum(lows) - lows[i]))
        if most - least < 1:
            return False
    return True


def _complement(values: Mapping[Key, int], hidden: set[Key], group: Breakdown) -> Key:
    shown = [p for p in group.parts if p not in hidden and values[p] > 0]
    if shown:
        return min(shown, key=lambda p: (values[p], str(p)))
    return group.total


def _expanded(group: Breakdown, hidden: set[Key], by_total: Mapping[Key, Breakdown]) -> Breakdown:
    """``group`` with each suppressed part that is itself a total replaced by its own parts, down
    to what is shown or cannot be broken down: a reader can subtract through every level (a shown
    grand total over suppressed rows of suppressed cells pins the cells if they can only be 1)."""
    parts: list[Key] = []
    pending = list(group.parts)
    seen = {group.total}
    while pending:
        part = pending.pop(0)
        below = by_total.get(part)
        if part in hidden and below is not None and part not in seen:
            seen.add(part)
            pending.extend(below.parts)
        else:
            parts.append(part)
    return Breakdown(group.total, tuple(parts))


def suppress(
    values: Mapping[Key, int],
    breakdowns: Iterable[Breakdown],
    limit: int | None = None,
    bounds: Iterable[Bound] = (),
) -> set[Key]:
    """The keys of ``values`` to show as suppressed: the small counts, and the complements that
    keep them from being worked out (module docstring)."""
    groups = [g for g in breakdowns if g.total in values and all(p in values for p in g.parts)]
    bounds = [b for b in bounds if b.low in values and b.high in values]
    by_total: dict[Key, Breakdown] = {}
    for group in groups:
        by_total.setdefault(group.total, group)
    hidden = primary(values, limit)
    reader = _Reader(values, bounds)
    changed = True
    while changed:
        changed = False
        for original in groups:
            group = original
            while True:
                if not any(k in hidden for k in (group.total, *group.parts)):
                    break
                if _safe(values, hidden, group, reader):
                    deeper = _expanded(original, hidden, by_total)
                    if deeper == group or _safe(values, hidden, deeper, reader):
                        break
                    group = deeper
                extra = _complement(values, hidden, group)
                if extra in hidden:  # nothing left to hide in this breakdown
                    break
                hidden.add(extra)
                changed = True
                group = original
        breach = reader.breach(hidden)
        if breach is not None:
            hidden.add(breach)
            changed = True
    return hidden


@dataclass(frozen=True)
class Shown:
    """A figure as it may be shown: ``value`` is None when suppressed."""

    value: int | float | None
    suppressed: bool

    @property
    def text(self) -> str:
        if self.suppressed:
            return "suppressed"
        if self.value is None:
            return "not applicable"
        if isinstance(self.value, float):
            return f"{self.value:.1f}%"
        return f"{self.value:,}"


def rate(numerator: Shown, denominator: Shown) -> Shown:
    """A percentage: suppressed if either count is (a shown denominator and rate would give a
    suppressed numerator back); not applicable over zero."""
    if numerator.suppressed or denominator.suppressed:
        return Shown(None, True)
    if not denominator.value:
        return Shown(None, False)
    return Shown(round(100.0 * float(numerator.value or 0) / float(denominator.value), 1), False)


def change(current: Shown, previous: Shown) -> Shown:
    if current.suppressed or previous.suppressed:
        return Shown(None, True)
    if current.value is None or previous.value is None:
        return Shown(None, False)
    return Shown(current.value - previous.value, False)


def apply(
    values: Mapping[Key, int],
    breakdowns: Sequence[Breakdown],
    limit: int | None = None,
    bounds: Sequence[Bound] = (),
) -> dict[Key, Shown]:
    hidden = suppress(values, breakdowns, limit, bounds)
    return {
        key: Shown(None, True) if key in hidden else Shown(value, False)
        for key, value in values.items()
    }
