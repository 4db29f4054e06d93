"""Small-count suppression: the rules, their edge cases, and a property test that nothing
suppressed can be worked back from what is shown (by a reader who knows that every suppressed cell
is a positive whole number and that each total is the sum of its parts)."""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.suppression import Bound, Breakdown, Shown, apply, change, rate, suppress

LIMIT = 5


def test_counts_from_one_to_four_are_suppressed_and_zero_and_five_are_not():
    values = {"zero": 0, "one": 1, "four": 4, "five": 5}
    assert suppress(values, [], LIMIT) == {"one", "four"}


def test_the_threshold_is_a_setting(settings):
    settings.REPORTS_SMALL_COUNT_THRESHOLD = 11
    assert suppress({"ten": 10, "eleven": 11}, []) == {"ten"}


def test_a_lone_small_part_takes_the_next_smallest_part_with_it():
    values = {"total": 30, "a": 3, "b": 7, "c": 20}
    group = Breakdown("total", ("a", "b", "c"))
    assert suppress(values, [group], LIMIT) == {"a", "b"}


def test_two_small_parts_that_must_both_be_one_take_a_third():
    # Shown total 12 and shown part 10 leave 2 for two hidden parts: both would be 1.
    values = {"total": 12, "a": 1, "b": 1, "c": 10}
    group = Breakdown("total", ("a", "b", "c"))
    assert suppress(values, [group], LIMIT) == {"a", "b", "c"}


def test_with_no_other_part_to_hide_the_total_is_hidden():
    values = {"total": 8, "a": 3, "b": 0, "zero": 0, "rest": 5}
    group = Breakdown("total", ("a", "b", "zero"))
    values["total"] = 3
    assert suppress(values, [group], LIMIT) == {"a", "total"}


def test_a_hidden_total_with_every_part_shown_hides_a_part():
    values = {"total": 4, "a": 0, "b": 0, "c": 4}
    # c is itself small; make the parts large enough to be shown but the total hidden elsewhere.
    values = {"grand": 40, "total": 4, "other": 36, "a": 0, "b": 4}
    groups = [Breakdown("grand", ("total", "other")), Breakdown("total", ("a", "b"))]
    hidden = suppress(values, groups, LIMIT)
    assert {"total", "b"} <= hidden
    assert "other" in hidden  # else grand - other gives the total back


def test_rates_and_changes_from_suppressed_counts_are_suppressed():
    hidden, shown = Shown(None, True), Shown(20, False)
    assert rate(hidden, shown).suppressed
    assert rate(shown, hidden).suppressed
    assert change(hidden, shown).suppressed
    assert rate(Shown(5, False), Shown(20, False)).value == 25.0
    assert rate(Shown(0, False), Shown(0, False)).text == "not applicable"


def test_zero_total_hides_nothing():
    values = {"total": 0, "a": 0, "b": 0}
    assert suppress(values, [Breakdown("total", ("a", "b"))], LIMIT) == set()


# --- The property ------------------------------------------------------------------------------


def _table(cells: list[list[int]]) -> tuple[dict, list[Breakdown], list[tuple]]:
    """A table with row totals, column totals and a grand total (a breakdown by two things, or by
    one thing over the months of a quarter)."""
    rows, cols = len(cells), len(cells[0])
    values: dict = {}
    inner = []
    for r in range(rows):
        for c in range(cols):
            values[(r, c)] = cells[r][c]
            inner.append((r, c))
        values[("row", r)] = sum(cells[r])
    for c in range(cols):
        values[("col", c)] = sum(cells[r][c] for r in range(rows))
    values["grand"] = sum(values[("row", r)] for r in range(rows))
    groups = [Breakdown(("row", r), tuple((r, c) for c in range(cols))) for r in range(rows)]
    groups += [Breakdown(("col", c), tuple((r, c) for r in range(rows))) for c in range(cols)]
    groups.append(Breakdown("grand", tuple(("row", r) for r in range(rows))))
    groups.append(Breakdown("grand", tuple(("col", c) for c in range(cols))))
    return values, groups, inner


def _other_values(values: dict, groups: list[Breakdown], inner: list, hidden: set) -> dict:
    """For each hidden cell, the values it can take over assignments of positive whole numbers to
    the hidden inner cells (totals follow) that agree with everything shown: the true value, and
    at least one other wherever one exists.

    A depth-first search, nearest the truth first, that prunes as soon as a shown total is passed
    and stops once every hidden cell has two values; a plain enumeration of five cells up to a
    grand total of a hundred or more does not finish."""
    hidden_inner = [k for k in inner if k in hidden]
    ceiling = max(values.values()) + 6
    seen: dict = {k: {values[k]} for k in hidden}
    checked = [g for g in groups if g.total not in hidden and all(p in values for p in g.parts)]

    def passes_a_total(trial: dict) -> bool:
        for group in checked:
            known = [trial[p] for p in group.parts if p in trial]
            if sum(known) + (len(group.parts) - len(known)) > values[group.total]:
                return True
        return False

    def search(position: int, trial: dict) -> bool:
        if all(len(s) >= 2 for s in seen.values()):
            return True
        if position == len(hidden_inner):
            full = dict(trial)
            for group in groups:  # totals follow from the inner cells; rows and columns first
                if all(p in inner for p in group.parts):
                    full[group.total] = sum(full[p] for p in group.parts)
            for group in groups:
                full[group.total] = sum(full[p] for p in group.parts)
            if all(full[k] == values[k] for k in values if k not in hidden):
                for key in hidden:
                    seen[key].add(full[key])
            return False
        key, truth = hidden_inner[position], values[hidden_inner[position]]
        for value in sorted(range(1, ceiling + 1), key=lambda v: abs(v - truth)):
            trial[key] = value
            if not passes_a_total(trial) and search(position + 1, trial):
                return True
        del trial[key]
        return False

    known = {k: v for k, v in values.items() if k in inner and k not in hidden}
    search(0, known)
    return seen


@settings(max_examples=int(os.environ.get("SUPPRESSION_EXAMPLES", 150)), deadline=None)
@given(
    st.integers(min_value=1, max_value=3).flatmap(
        lambda cols: st.lists(
            st.lists(
                st.one_of(st.integers(0, 6), st.integers(0, 14)), min_size=cols, max_size=cols
            ),
            min_size=2,
            max_size=2 if cols == 3 else 3,
        )
    )
)
def test_no_suppressed_value_can_be_recovered(cells):
    values, groups, inner = _table(cells)
    hidden = suppress(values, groups, LIMIT)
    hidden_inner = [k for k in inner if k in hidden]
    if len(hidden_inner) > 5:  # enumeration too large; the breakdown rules still ran
        return
    assert all(values[k] > 0 for k in hidden), "zero is never hidden"
    assert not any(0 < values[k] < LIMIT for k in values if k not in hidden)
    possible = _other_values(values, groups, inner, hidden)
    for key in hidden:
        assert len(possible[key]) >= 2, f"{key} is recoverable: {cells} hidden {hidden}"


def test_the_property_catches_a_cell_that_can_be_worked_back():
    # Hiding only (0, 0) leaves it as row total minus the shown part: the check must say so.
    values, groups, inner = _table([[3, 9], [8, 7]])
    possible = _other_values(values, groups, inner, {(0, 0)})
    assert possible[(0, 0)] == {3}
    # Hiding a rectangle of four leaves every cell free to move by one.
    everything_inner = set(inner)
    assert all(len(v) >= 2 for v in _other_values(values, groups, inner, everything_inner).values())


def test_apply_marks_what_is_shown():
    shown = apply({"total": 10, "a": 2, "b": 8}, [Breakdown("total", ("a", "b"))], LIMIT)
    assert shown["total"] == Shown(10, False)
    assert shown["a"].suppressed and shown["b"].suppressed


# --- Bounds: measures related by an inequality --------------------------------------------------

REPEAT = 3


def test_a_repeat_count_pinned_by_the_episodes_hides_the_episodes():
    # Five episodes, and a child counts as missing repeatedly with three: only one child fits.
    values = {"episodes": 5, "children": 5, "repeat": 1}
    bounds = [
        Bound("children", "episodes"),
        Bound("repeat", "children"),
        Bound("repeat", "episodes", REPEAT),
    ]
    assert suppress(values, [], LIMIT) == {"repeat"}
    assert suppress(values, [], LIMIT, bounds) == {"repeat", "episodes"}
    # Six episodes leave one or two children: nothing more to hide.
    assert suppress({**values, "episodes": 6}, [], LIMIT, bounds) == {"repeat"}


def test_a_lower_bound_on_a_hidden_part_counts_in_its_breakdown():
    # The quarter's 12 episodes over two hidden months, one of which had 6 different children
    # (shown): that month had 6 to 11 episodes, the other 1 to 6; both still move.
    values = {"q": 12, "m1": 7, "m2": 5, "c1": 6}
    groups = [Breakdown("q", ("m1", "m2"))]
    assert suppress(values, groups, LIMIT, [Bound("c1", "m1")]) == set()
    values = {"q": 12, "m1": 7, "m2": 2, "m3": 3, "c1": 7}
    groups = [Breakdown("q", ("m1", "m2", "m3"))]
    # m2 and m3 hidden leave 5 for them: both move. m1 shown, so nothing more.
    assert suppress(values, groups, LIMIT, [Bound("c1", "m1")]) == {"m2", "m3"}
    # The smallest shown part goes with a lone small one; but a month with 6 different children
    # had at least 6 episodes, so 7 left for two hidden months pins them at 6 and 1: the rule
    # checks each hidden part's range, not only how many are hidden, and hides one more.
    values = {"q": 14, "m1": 6, "m2": 1, "m3": 7, "c1": 6}
    bound = [Bound("c1", "m1")]
    assert suppress(values, groups, LIMIT) == {"m1", "m2"}
    assert not _missing_possible(values, groups, bound, {"m1", "m2"})
    assert suppress(values, groups, LIMIT, bound) == {"m1", "m2", "m3"}
    assert _missing_possible(values, groups, bound, {"m1", "m2", "m3"})


def _missing_possible(values: dict, groups: list, bounds: list, hidden: set) -> bool:
    """True when every hidden cell can take two values over the positive whole numbers that
    agree with what is shown, the sums and the bounds (a direct enumeration: small cases)."""
    keys = sorted(hidden, key=str)
    ceiling = max(values.values()) + 3
    seen = {k: {values[k]} for k in keys}

    def fits(trial: dict) -> bool:
        full = {**values, **trial}
        return all(full[g.total] == sum(full[p] for p in g.parts) for g in groups) and all(
            b.at_least * full[b.low] <= full[b.high] for b in bounds
        )

    def search(position: int, trial: dict) -> None:
        if position == len(keys):
            if fits(trial):
                for key in keys:
                    seen[key].add(trial[key])
            return
        for value in range(1, ceiling + 1):
            trial[keys[position]] = value
            search(position + 1, trial)
        del trial[keys[position]]

    if len(keys) <= 4:
        search(0, {})
    return all(len(s) >= 2 for s in seen.values())


def _missing_section(months: list[tuple[int, int, int]], children: int, repeat: int):
    """A period over its months, each month (episodes, different children, children missing
    repeatedly), with the period's own children and repeat counts (not sums of the months': a
    child missing in two months counts once; a child can be missing repeatedly over the period
    without being so in any month). Returns the values, and the breakdowns and bounds as the
    measures give them to suppression."""
    values: dict = {}
    for m, cells in enumerate(months):
        for name, value in zip(("episodes", "children", "repeat"), cells, strict=True):
            values[(name, m)] = value
    values["episodes"] = sum(e for e, _, _ in months)
    values["children"], values["repeat"] = children, repeat
    # The measures treat every timed measure as the sum of its months: stricter than the truth
    # for children and repeat, so what suppression finds safe under it stays safe.
    groups = [
        Breakdown(name, tuple((name, m) for m in range(len(months))))
        for name in ("episodes", "children", "repeat")
    ]
    bounds = []
    for at in [*((lambda n, m=m: (n, m)) for m in range(len(months))), lambda n: n]:
        bounds += [
            Bound(at("children"), at("episodes")),
            Bound(at("repeat"), at("children")),
            Bound(at("repeat"), at("episodes"), REPEAT),
        ]
    return values, groups, bounds


def _truth_holds(full: dict, months: int) -> bool:
    """What a reader knows holds between the missing measures: the truth, not the measures'
    stricter model."""
    for at in [*((lambda n, m=m: full[(n, m)]) for m in range(months)), lambda n: full[n]]:
        if at("children") > at("episodes") or at("repeat") > at("children"):
            return False
        if REPEAT * at("repeat") > at("episodes"):
            return False
    if full["episodes"] != sum(full[("episodes", m)] for m in range(months)):
        return False
    kids = [full[("children", m)] for m in range(months)]
    reps = [full[("repeat", m)] for m in range(months)]
    return max(kids) <= full["children"] <= sum(kids) and full["repeat"] >= max(reps)


@st.composite
def _missing_periods(draw):
    months = []
    for _ in range(draw(st.integers(1, 2))):
        episodes = draw(st.integers(0, 12))
        kids = draw(st.integers(min_value=min(episodes, 1), max_value=episodes))
        months.append((episodes, kids, draw(st.integers(0, min(kids, episodes // REPEAT)))))
    kids = [k for _, k, _ in months]
    total = sum(e for e, _, _ in months)
    children = draw(st.integers(max(kids), min(sum(kids), total)))
    reps = [r for _, _, r in months]
    repeat = draw(st.integers(max(reps), max(max(reps), min(children, total // REPEAT))))
    return months, children, repeat


@settings(max_examples=int(os.environ.get("SUPPRESSION_EXAMPLES", 150)), deadline=None)
@given(_missing_periods())
def test_no_suppressed_missing_figure_can_be_recovered_through_the_bounds(period):
    months, children, repeat = period
    values, groups, bounds = _missing_section(months, children, repeat)
    hidden = suppress(values, groups, LIMIT, bounds)
    assert not any(0 < values[k] < LIMIT for k in values if k not in hidden)
    keys = sorted(hidden, key=str)
    if len(keys) > 5:  # enumeration too large; the rules still ran
        return
    ceiling = max(values.values()) + 4
    seen = {k: {values[k]} for k in keys}

    def search(position: int, trial: dict) -> bool:
        if all(len(v) >= 2 for v in seen.values()):
            return True
        if position == len(keys):
            if _truth_holds({**values, **trial}, len(months)):
                for key in keys:
                    seen[key].add(trial[key])
            return False
        truth = values[keys[position]]
        for value in sorted(range(1, ceiling + 1), key=lambda v: abs(v - truth)):
            trial[keys[position]] = value
            if search(position + 1, trial):
                return True
        del trial[keys[position]]
        return False

    search(0, {})
    for key in keys:
        assert len(seen[key]) >= 2, f"{key} is recoverable: {period} hidden {hidden}"


def test_the_bound_property_catches_a_pinned_cell():
    # Without the bounds, five episodes shown pin a suppressed repeat count of one.
    values, groups, _ = _missing_section([(5, 5, 1)], 5, 1)
    hidden = suppress(values, groups, LIMIT)
    assert ("repeat", 0) in hidden and ("episodes", 0) not in hidden
    full = dict(values)
    fits = []
    for a in range(1, 8):
        for b in range(1, 8):
            trial = {**full, ("repeat", 0): a, "repeat": b}
            if _truth_holds(trial, 1):
                fits.append(a)
    assert set(fits) == {1}
