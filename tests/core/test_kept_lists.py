"""Lists compiled once (``statements.ListStatement``): a kept list counts and pages exactly as its
query set would, for each asker and criteria, makes the instances the ORM makes, and a list that
cannot be kept is answered by its query set."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Exists, OuterRef
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cse_portal import pagination
from cse_portal.accounts.models import User
from cse_portal.accounts.roles import Role
from cse_portal.pagination import CappedPaginator, kept_list
from cse_portal.statements import KeptList, ListStatement
from cse_portal.young_people import selectors, services
from cse_portal.young_people.models import Flag, FlagKind, YoungPerson
from cse_portal.young_people.permissions import grant_allocation, visible_young_people
from cse_portal.young_people.services import flag_raise
from tests.core.test_statements import Counted
from tests.factories import make_young_person

pytestmark = pytest.mark.django_db

FAMILIES = ["Adams", "Baker", "Clarke", "Davies", "Evans", "Foster", "Green"]


def _by_name(user, **given):
    flagged = Flag.objects.filter(young_person=OuterRef("pk"), removed_at__isnull=True)
    return (
        visible_young_people(user)
        .filter(**given)
        .annotate(flagged=Exists(flagged))
        .order_by("family_name", "given_name", "id")
    )


def _fresh(user: User) -> User:
    return User.objects.select_related("agency").get(pk=user.pk)


def _same(kept: list[YoungPerson], orm: list[YoungPerson]) -> None:
    """Instance by instance, every column and annotation the same, loaded from the database."""
    assert [p.pk for p in kept] == [p.pk for p in orm]
    for mine, theirs in zip(kept, orm, strict=True):
        assert type(mine) is YoungPerson
        for field in YoungPerson._meta.concrete_fields:
            assert getattr(mine, field.attname) == getattr(theirs, field.attname), field.name
        assert mine.flagged is theirs.flagged
        assert not mine._state.adding
        assert mine._state.db == theirs._state.db


@pytest.fixture
def register(people):
    """Seven more young people, a family name each, the first three in Sheffield's S2 3JJ."""
    made = [
        make_young_person(family_name=family, postcode="S2 3JJ" if i < 3 else "S1 2HH")
        for i, family in enumerate(FAMILIES)
    ]
    flag_raise(
        young_person=made[1],
        kind=FlagKind.REPEAT_MISSING,
        raised_by=people.manager,
        reason="Missing twice this month",
    )
    return made


def test_a_kept_list_counts_and_pages_as_its_query_set(people, register):
    build = Counted(_by_name)
    statement = ListStatement(build, count_up_to=6)
    orm = list(_by_name(people.manager))
    assert len(orm) == 9  # Maya, Noah and the seven
    for bottom, top in [(0, 4), (4, 8), (8, 12), (2, 3), (9, 20), (0, 0)]:
        listed = statement(people.manager)
        assert isinstance(listed, KeptList)
        assert listed.count() == 6  # counted no further than asked
        _same(listed[bottom:top], orm[bottom:top])
    assert build.calls == 2  # built and compiled on the first call, and again to prove it


def test_the_criteria_are_bound_as_given(people, register):
    build = Counted(_by_name)
    statement = ListStatement(build, count_up_to=100)
    for postcode in ["S2 3JJ", "S1 2HH", "S9 9ZZ", "S2 3JJ"]:
        listed = statement(people.manager, postcode=postcode)
        orm = list(_by_name(people.manager, postcode=postcode))
        assert listed.count() == len(orm)
        _same(listed[0:50], orm)
    # Compiled on the first call, again as it stands, and once more to place the postcode.
    assert build.calls == 3
    born = register[0].date_of_birth
    for day in [born, date(2001, 1, 1), born]:
        listed = statement(people.manager, date_of_birth=day, postcode="S2 3JJ")
        orm = list(_by_name(people.manager, date_of_birth=day, postcode="S2 3JJ"))
        _same(listed[0:50], orm)
    assert build.calls == 3 + 4  # another set of criteria: compiled twice, then each placed


def test_each_asker_has_their_own_list(people, register):
    statement = ListStatement(_by_name, count_up_to=100)
    everyone = YoungPerson.objects.current().count()
    assert statement(people.manager).count() == everyone
    assert [p.pk for p in statement(people.alice)[0:50]] == [people.maya.pk]
    assert statement(people.bob).count() == 0
    assert statement(people.manager).count() == everyone


def test_an_allocation_after_compiling_is_listed_at_once(people, register):
    statement = ListStatement(_by_name, count_up_to=100)
    assert statement(people.bob)[0:50] == []
    grant_allocation(people.bob, register[4])
    assert [p.pk for p in statement(people.bob)[0:50]] == [register[4].pk]


def test_a_change_of_role_compiles_again(people, register):
    statement = ListStatement(_by_name, count_up_to=100)
    alice = _fresh(people.alice)
    assert alice.role == Role.PRACTITIONER  # read at sign-in, as every request has it
    listed = statement(alice)
    assert isinstance(listed, KeptList)
    assert listed.count() == 1
    alice.groups.set([Group.objects.get(name=Role.TEAM_MANAGER)])
    alice = _fresh(people.alice)
    assert alice.role == Role.TEAM_MANAGER
    listed = statement(alice)
    assert isinstance(listed, KeptList)
    assert listed.count() == YoungPerson.objects.current().count()


def test_later_calls_send_the_same_two_statements_and_compile_nothing(people, register):
    manager = _fresh(people.manager)
    manager.role  # noqa: B018 (read beside the user at sign-in, as every request has it)
    statement = ListStatement(_by_name, count_up_to=100)
    sent: list[str] = []

    def sending(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with CaptureQueriesContext(connection) as first:
        listed = statement(manager)
        listed.count()
        first_page = listed[0:5]
    # The compilations that prove where the criteria go never reach the database or its log.
    assert len(first) == 2
    with CaptureQueriesContext(connection) as later, connection.execute_wrapper(sending):
        listed = statement(manager)
        listed.count()
        second_page = listed[5:10]
    # Nothing compiled: the kept count and the kept page, its rows bound as parameters.
    assert len(later) == 2
    assert len(sent) == 2
    assert sent[0].startswith("SELECT COUNT(*)")
    assert sent[1].endswith("LIMIT %s OFFSET %s")
    orm = list(_by_name(manager))
    _same(first_page + second_page, orm[:10])


def test_a_list_that_cannot_be_kept_is_its_query_set(people, register):
    def prefetched(user):
        return _by_name(user).prefetch_related("aliases")

    def unordered(user):
        return visible_young_people(user).order_by()

    def reads_first(user):
        newest = YoungPerson.objects.order_by("-created_at").first()
        return _by_name(user).exclude(pk=newest.pk)

    def values(user):
        return _by_name(user).values("pk")

    for build in (prefetched, unordered, reads_first, values):
        counted = Counted(build)
        statement = ListStatement(counted, count_up_to=100)
        for _ in range(2):
            listed = statement(people.manager)
            assert not isinstance(listed, KeptList), build.__name__
            assert list(listed) == list(build(people.manager))
        assert counted.calls == 3  # tried once, then the ORM's every time


def test_the_rows_select_related_joins_come_with_each_instance(people, register):
    def joined(user):
        return _by_name(user).select_related("created_by__agency")

    listed = ListStatement(joined, count_up_to=100)(people.manager)
    assert isinstance(listed, KeptList)
    with CaptureQueriesContext(connection) as read:
        kept = listed[0:50]
        creators = [(p.created_by, p.created_by and p.created_by.agency) for p in kept]
    assert len(read) == 1  # the joined rows came with the page: nothing read per row
    orm = list(joined(people.manager))
    _same(kept, orm)
    assert creators == [(p.created_by, p.created_by and p.created_by.agency) for p in orm]
    assert any(creator is not None for creator, _ in creators)
    for creator, agency in creators:
        if creator is not None:
            assert creator.username == User.objects.get(pk=creator.pk).username
            assert agency is None or agency.name


def test_a_kept_lists_slices_come_with_what_it_prefetches(people, register):
    services.young_person_update(
        young_person=register[2], updated_by=people.manager, aliases=[("Shadow", "alias")]
    )
    listed = ListStatement(_by_name, count_up_to=100)(people.manager)
    with_aliases = listed.prefetch_related("aliases")
    with CaptureQueriesContext(connection) as read:
        kept = with_aliases[0:50]
        aliases = {p.pk: [a.name for a in p.aliases.all()] for p in kept}
    assert len(read) == 2  # the page, then every alias on it
    assert aliases[register[2].pk] == ["Shadow"]
    assert sum(map(len, aliases.values())) == 1
    with CaptureQueriesContext(connection) as plain:
        listed[0:50]
    assert len(plain) == 1  # the list it was made from prefetches nothing


def test_a_list_that_reads_the_time_for_itself_is_never_kept(people, register):
    def created_by_now(user):
        return _by_name(user).filter(created_at__lte=timezone.now())

    statement = ListStatement(created_by_now, count_up_to=100)
    assert not isinstance(statement(people.manager), KeptList)
    later = make_young_person(family_name="Aaronson")
    assert later.pk in [p.pk for p in statement(people.manager)]


def test_a_role_that_sees_nothing_is_answered_by_the_orm(people):
    statement = ListStatement(_by_name, count_up_to=100)
    listed = statement(people.lucy)
    assert not isinstance(listed, KeptList)
    assert list(listed) == []


def test_a_kept_list_is_read_a_forward_slice_at_a_time(people, register):
    listed = ListStatement(_by_name, count_up_to=100)(people.manager)
    with pytest.raises(TypeError):
        listed[3]
    with pytest.raises(TypeError):
        listed[2:]
    with pytest.raises(TypeError):
        listed[0:6:2]
    with pytest.raises(ValueError):
        listed[5:2]
    with pytest.raises(ValueError):
        listed[-3:2]


@pytest.mark.parametrize("criteria", [{}, {"postcode": "S1 2HH"}])
def test_the_paginator_pages_a_kept_list_as_its_query_set(people, register, monkeypatch, criteria):
    # From the fourth row on, a page is deep: its rows' keys come off the order in a subquery.
    monkeypatch.setattr(pagination, "KEYS_FIRST_FROM", 3)

    def joined(user, **given):
        return _by_name(user, **given).select_related("created_by")

    kept = CappedPaginator(kept_list(joined)(people.manager, **criteria), 2, orphans=1)
    orm = CappedPaginator(joined(people.manager, **criteria), 2, orphans=1)
    assert isinstance(kept.object_list, KeptList)
    assert kept.count == orm.count == len(list(joined(people.manager, **criteria)))
    assert kept.num_pages == orm.num_pages > 2
    for number in kept.page_range:
        with CaptureQueriesContext(connection) as read:
            rows = list(kept.page(number).object_list)
        assert len(read) == 1  # a deep page too: one statement
        _same(rows, list(orm.page(number).object_list))
        assert [p.created_by for p in rows] == [p.created_by for p in orm.page(number)]
    assert " IN (SELECT " in read.captured_queries[0]["sql"]


def test_a_deep_page_reads_only_its_own_rows(people, register):
    listed = ListStatement(_by_name, count_up_to=100)(people.manager)
    orm = list(_by_name(people.manager))
    for start, stop in [(0, 9), (2, 5), (8, 9), (7, 30), (9, 12), (4, 4)]:
        _same(listed.deep_page(start, stop), orm[start:stop])


def test_the_search_pages_list_keeps_what_the_list_shows(people, register):
    manager = _fresh(people.manager)
    listed = selectors.young_people_page_results(manager, postcode="s23jj")
    assert isinstance(listed, KeptList)
    orm = selectors.young_people_results(manager, postcode="s23jj")
    rows, expected = listed[0:25], list(orm)
    assert [p.pk for p in rows] == [p.pk for p in expected] == [p.pk for p in register[:3]]
    for mine, theirs in zip(rows, expected, strict=True):
        assert mine.is_open is theirs.is_open
        assert mine.flag_kinds == theirs.flag_kinds
    assert rows[1].flag_kinds == [FlagKind.REPEAT_MISSING.value]
    # A name search is ranked, not listed: it is never kept.
    assert not isinstance(selectors.young_people_page_results(manager, text="Baker"), KeptList)
