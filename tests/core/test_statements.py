"""Reads compiled once (``cse_portal.statements``): the kept SQL answers what the ORM answers,
for each asker and each moment, and a build that cannot be proved safe is never kept."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from cse_portal.accounts.models import User
from cse_portal.accounts.roles import Role
from cse_portal.statements import CountStatement, RowsStatement
from cse_portal.young_people.models import YoungPerson
from cse_portal.young_people.permissions import grant_allocation, visible_young_people
from tests.factories import make_young_person

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Counted:
    """A build that counts its own calls: a kept statement does not call it again."""

    def __init__(self, build):
        self.build = build
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.build(*args, **kwargs)


def _created(user, *, since: datetime, until: datetime) -> dict[str, int]:
    return visible_young_people(user).aggregate(
        before=Count("pk", filter=Q(created_at__lt=since)),
        between=Count("pk", filter=Q(created_at__gte=since, created_at__lt=until)),
    )


def _born_after(user, *, day: date) -> dict[str, int]:
    return visible_young_people(user).aggregate(born=Count("pk", filter=Q(date_of_birth__gt=day)))


def _people(created_at: list[datetime]) -> list[YoungPerson]:
    people = [make_young_person() for _ in created_at]
    for person, moment in zip(people, created_at, strict=True):
        YoungPerson.objects.filter(pk=person.pk).update(created_at=moment)
    return people


def _fresh(user: User) -> User:
    return User.objects.select_related("agency").get(pk=user.pk)


def test_a_kept_count_answers_as_the_orm_at_every_moment(people):
    _people([START + timedelta(days=n) for n in range(6)])
    build = Counted(_created)
    statement = CountStatement(build)
    for since, until in [(2, 4), (0, 6), (5, 5), (-3, 1), (3, 30)]:
        moments = {"since": START + timedelta(days=since), "until": START + timedelta(days=until)}
        assert statement(people.manager, **moments) == _created(people.manager, **moments)
    # Compiled on the first call (once run, once again for each of the two moments), not after.
    assert build.calls == 3


def test_dates_are_bound_as_given(people):
    for year in (2010, 2012, 2014):
        person = make_young_person()
        YoungPerson.objects.filter(pk=person.pk).update(date_of_birth=date(year, 6, 1))
    build = Counted(_born_after)
    statement = CountStatement(build)
    for day in (date(2009, 1, 1), date(2011, 1, 1), date(2013, 1, 1), date(2015, 1, 1)):
        assert statement(people.manager, day=day) == _born_after(people.manager, day=day)
    assert build.calls == 2  # kept after the first call


def test_the_first_call_runs_one_query_and_later_calls_compile_nothing(people):
    _people([START])
    manager = _fresh(people.manager)
    manager.role  # noqa: B018 (read beside the user at sign-in, as every request has it)
    build = Counted(_created)
    statement = CountStatement(build)
    moments = {"since": START, "until": START + timedelta(days=1)}
    with CaptureQueriesContext(connection) as first:
        assert statement(manager, **moments) == {"before": 0, "between": 1}
    # The compilations that prove the moments' places never reach the database or its log.
    assert len(first) == 1
    with CaptureQueriesContext(connection) as later:
        assert statement(manager, **moments) == {"before": 0, "between": 1}
    assert len(later) == 1
    assert later[0]["sql"] == first[0]["sql"]


def test_each_asker_has_their_own_statement(people):
    maya_and_noah = YoungPerson.objects.current().count()
    statement = CountStatement(_created)
    moments = {"since": START, "until": datetime(2100, 1, 1, tzinfo=UTC)}
    assert statement(people.manager, **moments)["between"] == maya_and_noah
    assert statement(people.alice, **moments)["between"] == 1  # Maya is allocated to her
    assert statement(people.bob, **moments)["between"] == 0  # nothing allocated


def test_an_allocation_after_compiling_is_counted_at_once(people):
    statement = CountStatement(_created)
    moments = {"since": START, "until": datetime(2100, 1, 1, tzinfo=UTC)}
    assert statement(people.bob, **moments)["between"] == 0
    grant_allocation(people.bob, people.noah)
    assert statement(people.bob, **moments)["between"] == 1


def test_a_change_of_role_compiles_again(people):
    statement = CountStatement(_created)
    moments = {"since": START, "until": datetime(2100, 1, 1, tzinfo=UTC)}
    alice = _fresh(people.alice)
    assert statement(alice, **moments)["between"] == 1
    alice.groups.set([Group.objects.get(name=Role.TEAM_MANAGER)])
    alice = _fresh(people.alice)
    assert alice.role == Role.TEAM_MANAGER
    assert statement(alice, **moments)["between"] == YoungPerson.objects.current().count()


def test_a_moment_derived_inside_the_build_is_never_kept(people):
    def fortnight(user, *, since: datetime) -> dict[str, int]:
        return _created(user, since=since, until=since + timedelta(days=14))

    _people([START + timedelta(days=n) for n in (1, 10, 20)])
    build = Counted(fortnight)
    statement = CountStatement(build)
    for days in (0, 5, 15):
        since = START + timedelta(days=days)
        assert statement(people.manager, since=since) == fortnight(people.manager, since=since)
    # Proving it failed on the first call; from then on the ORM answers every call.
    calls = build.calls
    statement(people.manager, since=START)
    assert build.calls == calls + 1


def test_a_build_of_two_queries_is_never_kept(people):
    def two(user, *, since: datetime) -> dict[str, int]:
        first = visible_young_people(user).aggregate(
            before=Count("pk", filter=Q(created_at__lt=since))
        )
        return {**first, "all": visible_young_people(user).count()}

    build = Counted(two)
    statement = CountStatement(build)
    statement(people.manager, since=START)
    statement(people.manager, since=START)
    assert build.calls == 2


def test_a_build_that_asks_no_query_is_answered_by_it(people):
    # Roles that see no record have an empty funnel: Django answers 0 without a query.
    build = Counted(_created)
    statement = CountStatement(build)
    moments = {"since": START, "until": START}
    assert statement(people.lucy, **moments) == {"before": 0, "between": 0}
    assert statement(people.lucy, **moments) == {"before": 0, "between": 0}
    assert build.calls == 2


def test_changed_settings_forget_what_was_kept(people, settings):
    build = Counted(_created)
    statement = CountStatement(build)
    moments = {"since": START, "until": START}
    statement(people.manager, **moments)
    calls = build.calls
    settings.REFERRALS_TRIAGE_URGENT_MINUTES = 5
    statement(people.manager, **moments)
    assert build.calls > calls


def test_a_moment_must_be_a_date_a_time_or_text(people):
    statement = CountStatement(lambda user, *, limit: {"n": 0})
    with pytest.raises(TypeError, match="dates, times and text, not int"):
        statement(people.manager, limit=3)


def _listed(user, *, since: datetime):
    return (
        visible_young_people(user)
        .filter(created_at__gte=since)
        .values("pk", "given_name", "created_by_id")
        .order_by("given_name", "pk")
    )


def test_kept_rows_are_the_orm_rows_converted_as_it_converts_them(people):
    _people([START + timedelta(days=n) for n in range(4)])
    build = Counted(_listed)
    statement = RowsStatement(build)
    for days in (0, 2, 3, 9):
        since = START + timedelta(days=days)
        rows = statement(people.manager, since=since)
        assert rows == list(_listed(people.manager, since=since))
        # Ids are UUIDs as the ORM gives them, on SQLite too (stored there as text).
        assert all(type(row["pk"]) is type(people.maya.pk) for row in rows)
    assert build.calls == 2  # compiled, then compiled with the moment changed; never again


def test_rows_for_another_asker_go_through_their_funnel(people):
    statement = RowsStatement(_listed)
    since = datetime(2000, 1, 1, tzinfo=UTC)
    assert [row["pk"] for row in statement(people.alice, since=since)] == [people.maya.pk]
    assert statement(people.bob, since=since) == []
    grant_allocation(people.bob, people.noah)
    assert [row["pk"] for row in statement(people.bob, since=since)] == [people.noah.pk]


def test_rows_built_from_a_read_are_never_kept(people):
    def from_a_read(user, *, since: datetime):
        newest = visible_young_people(user).order_by("-created_at").first()
        return _listed(user, since=min(since, newest.created_at))

    build = Counted(from_a_read)
    statement = RowsStatement(build)
    since = datetime(2100, 1, 1, tzinfo=UTC)
    with CaptureQueriesContext(connection) as first:
        statement(people.manager, since=since)
    # The read stopped while trying to compile never ran: only the ORM's own two are logged.
    assert len(first) == 2
    assert statement(people.manager, since=since) == list(from_a_read(people.manager, since=since))
    calls = build.calls
    statement(people.manager, since=since)
    assert build.calls == calls + 1


def test_rows_that_nothing_can_match_are_none(people):
    statement = RowsStatement(_listed)
    assert statement(people.lucy, since=START) == []
    assert statement(people.lucy, since=START) == []
