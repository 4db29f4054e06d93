"""The episode tally the reports' missing figures read: after every path that writes episodes (a
report, an import and a later file correcting when the child went missing, a row matched by the
team manager, a merge of two records) the figures it gives for every month, quarter and year
equal the direct count of the episodes; a rebuild and a compaction change no figure; and a
property test over random episodes, moves and merges keeps them equal throughout."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cse_portal.young_people import services as yp_services
from missing import importing, selectors, tally
from missing.models import EpisodeTally, ImportMatch, MissingEpisode
from reports import measures
from reports.periods import Period
from tests.factories import make_young_person

from .test_import import csv_file, maya_row, run

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _periods() -> set[Period]:
    """Every month, quarter and year some episode began in (UK time)."""
    keys = set()
    for since in MissingEpisode.objects.values_list("missing_since", flat=True):
        keys.update(tally.period_keys(since))
    return {Period.parse(key) for key in keys}


def direct(period: Period, repeat: int = 3) -> tuple[int, int, int]:
    """Episodes, children and repeat-missing children counted straight from the episodes whose
    start falls in the period's bounds (the measures' definition, no tally)."""
    per_child = Counter(
        MissingEpisode.objects.filter(
            missing_since__gte=period.start, missing_since__lt=period.end
        ).values_list("young_person_id", flat=True)
    )
    return (
        sum(per_child.values()),
        len(per_child),
        sum(1 for n in per_child.values() if n >= repeat),
    )


def tallied(period: Period) -> tuple[int, int, int]:
    sums = (
        selectors.episode_tally_for_figures()
        .filter(period=period.key)
        .aggregate(
            episodes=Sum("episodes_counted"),
            children=Sum("children"),
            repeat=Sum("repeat_children"),
        )
    )
    return (sums["episodes"] or 0, sums["children"] or 0, sums["repeat"] or 0)


def assert_tally_matches() -> None:
    periods = _periods()
    for period in periods:
        assert tallied(period) == direct(period), period.key
    # Nothing left over in a period with no episode.
    left = {
        row["period"]
        for row in EpisodeTally.objects.values("period").annotate(c=Sum("children")).order_by()
        if row["c"]
    }
    assert left <= {p.key for p in periods}


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_a_reported_episode_is_counted_in_its_month_quarter_and_year(people, report):
    # 30 September 23:30 UTC is 1 October in UK time (summer time): October, Q4.
    report(missing_since=at(2026, 9, 30, 23, 30))
    report(missing_since=at(2026, 10, 2, 9))
    report(missing_since=at(2026, 10, 3, 9))
    report(young_person=people.noah, by=people.manager, missing_since=at(2026, 9, 30, 22, 30))
    assert_tally_matches()
    assert tallied(Period.parse("2026-10")) == (3, 1, 1)
    assert tallied(Period.parse("2026-09")) == (1, 1, 0)
    assert tallied(Period.parse("2026")) == (4, 2, 1)
    raw = measures.compute_raw(Period.parse("2026-Q4"))
    assert (
        raw.current["missing_episodes"],
        raw.current["missing_children"],
        raw.current["missing_repeat"],
    ) == (3, 1, 1)
    assert (raw.previous["missing_episodes"], raw.previous["missing_children"]) == (1, 1)


def test_the_repeat_figure_follows_the_setting_without_a_rebuild(people, report, settings):
    for day in (2, 3):
        report(missing_since=at(2026, 10, day, 9))
    report(young_person=people.noah, by=people.manager, missing_since=at(2026, 10, 4, 9))
    raw = measures.compute_raw(Period.parse("2026-10"))
    assert raw.current["missing_repeat"] == 0
    settings.MISSING_RULE_REPEAT_COUNT = 2
    assert measures.compute_raw(Period.parse("2026-10")).current["missing_repeat"] == 1


def test_a_failed_report_leaves_the_tally_as_it_was(people, report, monkeypatch):
    report(missing_since=at(2026, 10, 2, 9))
    before = list(EpisodeTally.objects.values_list("period", "episodes", "children"))

    def fails(**kwargs):
        raise RuntimeError("the chronology is down")

    monkeypatch.setattr(yp_services, "chronology_add", fails)
    with pytest.raises(RuntimeError):
        report(missing_since=at(2026, 10, 3, 9))
    assert list(EpisodeTally.objects.values_list("period", "episodes", "children")) == before
    assert_tally_matches()


def test_an_import_and_a_later_file_moving_the_episode_to_another_year(
    people, django_capture_on_commit_callbacks
):
    rows = [
        maya_row(people, "SY-1", at(2026, 1, 10, 21), at(2026, 1, 11, 9)),
        maya_row(people, "SY-2", at(2026, 1, 20, 21), at(2026, 1, 21, 9)),
        maya_row(people, "SY-3", at(2026, 3, 1, 21), None),
    ]
    run(people, csv_file(*rows), django_capture_on_commit_callbacks)
    assert tallied(Period.parse("2026-01")) == (2, 1, 0)
    assert_tally_matches()
    # The police correct when SY-2 went missing: it moves to December, into last year.
    corrected = maya_row(people, "SY-2", at(2025, 12, 28, 21), at(2025, 12, 29, 9))
    second = run(people, csv_file(corrected), django_capture_on_commit_callbacks)
    assert (second.updated, second.errors) == (1, [])
    assert tallied(Period.parse("2026-01")) == (1, 1, 0)
    assert tallied(Period.parse("2025-12")) == (1, 1, 0)
    assert tallied(Period.parse("2026-Q1")) == (2, 1, 0)
    assert tallied(Period.parse("2025")) == (1, 1, 0)
    assert_tally_matches()


def test_a_row_matched_by_the_team_manager_is_counted(people, django_capture_on_commit_callbacks):
    for _ in range(2):
        make_young_person(
            people.manager,
            given_name="Jade",
            family_name="Hallam",
            date_of_birth=dt.date(2011, 5, 17),
        )
    run(
        people,
        csv_file("SY-9,Jade,Hallam,2011-05-17,2026-02-01 18:00,,high,Town centre"),
        django_capture_on_commit_callbacks,
    )
    assert tallied(Period.parse("2026-02")) == (0, 0, 0)  # waiting for the team manager
    match = ImportMatch.objects.get(police_reference="SY-9")
    importing.match_resolve(match=match, resolved_by=people.manager, young_person=None)
    assert tallied(Period.parse("2026-02")) == (1, 1, 0)
    assert_tally_matches()


def test_a_merge_counts_the_two_records_as_one_child(people, report):
    report(missing_since=at(2026, 10, 2, 9))
    report(missing_since=at(2026, 10, 3, 9))
    report(young_person=people.noah, by=people.manager, missing_since=at(2026, 10, 4, 9))
    report(young_person=people.noah, by=people.manager, missing_since=at(2026, 11, 4, 9))
    assert tallied(Period.parse("2026-10")) == (3, 2, 0)
    yp_services.young_person_merge(
        survivor=people.maya, duplicate=people.noah, merged_by=people.manager, reason="Same child"
    )
    assert tallied(Period.parse("2026-10")) == (3, 1, 1)
    assert tallied(Period.parse("2026-Q4")) == (4, 1, 1)
    assert_tally_matches()


def test_rebuild_and_compact_change_no_figure(people, report):
    for day in (2, 3, 4):
        report(missing_since=at(2026, 10, day, 9))
    report(young_person=people.noah, by=people.manager, missing_since=at(2025, 12, 31, 23, 30))
    figures = {p.key: tallied(p) for p in _periods()}
    ledger = EpisodeTally.objects.count()
    assert tally.compact() < ledger
    assert {p.key: tallied(p) for p in _periods()} == figures
    tally.rebuild()
    assert {p.key: tallied(p) for p in _periods()} == figures
    assert not EpisodeTally.objects.filter(children__lte=0).exists()


def test_the_rebuild_command_puts_a_wrong_tally_right(people, report):
    from django.core.management import call_command

    report(missing_since=at(2026, 10, 2, 9))
    EpisodeTally.objects.create(period="2026-10", episodes=7, children=3)
    assert tallied(Period.parse("2026-10")) != direct(Period.parse("2026-10"))
    call_command("missing_tally_rebuild")
    assert_tally_matches()


# --- A property: random episodes, moved in time, moved to another child, merged -----------------

MOMENTS = st.builds(
    lambda days, minutes: at(2025, 12, 1) + dt.timedelta(days=days, minutes=minutes),
    st.integers(0, 130),
    st.sampled_from([0, 30, 23 * 60 + 30, 60]),
)
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(0, 2), MOMENTS),
        st.tuples(st.just("move"), st.integers(0, 20), MOMENTS),
        st.tuples(st.just("give"), st.integers(0, 20), st.integers(0, 2)),
        st.tuples(st.just("merge"), st.integers(0, 2), st.integers(0, 2)),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_the_tally_equals_the_direct_count_after_any_writes(people, steps):
    MissingEpisode.objects.all().delete()
    EpisodeTally.objects.all().delete()
    children = [people.maya, people.noah, make_young_person(people.manager)]
    for action, first, second in steps:
        episodes = list(MissingEpisode.objects.order_by("id"))
        if action == "add":
            child = children[first]
            with tally.kept(child.pk):
                MissingEpisode.objects.create(
                    young_person=child, missing_since=second, last_seen="Town", risk_grade="low"
                )
        elif action == "move" and episodes:
            episode = episodes[first % len(episodes)]
            with tally.kept(episode.young_person_id):
                episode.missing_since = second
                episode.save(update_fields=["missing_since"])
        elif action == "give" and episodes:
            episode = episodes[first % len(episodes)]
            with tally.kept(episode.young_person_id, children[second].pk):
                episode.young_person = children[second]
                episode.save(update_fields=["young_person"])
        elif action == "merge" and first != second:
            survivor, duplicate = children[first], children[second]
            with tally.kept(survivor.pk, duplicate.pk):
                MissingEpisode.objects.filter(young_person=duplicate).update(young_person=survivor)
    by_period: defaultdict[str, int] = defaultdict(int)
    for row in EpisodeTally.objects.values("period", "children"):
        by_period[row["period"]] += row["children"]
    assert all(total >= 0 for total in by_period.values())
    assert_tally_matches()
    figures = {p.key: tallied(p) for p in _periods()}
    tally.rebuild()
    assert {p.key: tallied(p) for p in _periods()} == figures


# --- Two writers for one child at once (PostgreSQL: SQLite writes one at a time) ---------------


@pytest.mark.django_db(transaction=True)
def test_two_writers_for_one_child_at_once_are_counted_as_one_child(people):
    """The second writer waits for the first's lock on the child, then counts the first's
    episode: without the lock each would see none before its own and count a child with one
    episode twice instead of one child with two."""
    import threading
    import time

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's row locks and concurrent transactions")
    child = people.maya
    inside = threading.Event()

    def write(day: int, hold: float) -> None:
        try:
            with tally.kept(child.pk):
                MissingEpisode.objects.create(
                    young_person=child,
                    missing_since=at(2026, 10, day, 9),
                    last_seen="Town",
                    risk_grade="low",
                )
                inside.set()
                time.sleep(hold)  # the other writer starts meanwhile
        finally:
            connections.close_all()

    first = threading.Thread(target=write, args=(2, 1.0))
    first.start()
    inside.wait(10)
    second = threading.Thread(target=write, args=(3, 0))
    second.start()
    first.join(20)
    second.join(20)
    assert MissingEpisode.objects.filter(young_person=child).count() == 2
    assert tallied(Period.parse("2026-10")) == (2, 1, 0)
    assert_tally_matches()
