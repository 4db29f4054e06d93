"""Reads compiled once: a dashboard figure's SQL built by the ORM on its first use for an asker,
kept, and sent again with each call's moments bound in.

A dashboard's figures are a few counts and short lists whose SQL depends only on who asks (their
access funnel) and on the moments they are counted against (now, today, a target's cutoff).
Compiling each through the ORM costs 0.3 to 1.4 ms of Python on every request, together as much
as the team manager's dashboard spent beyond its SQL; SQLAlchemy's compiled cache answers the same
problem the same way. A statement wraps a function building one read through the apps' own
selectors, and answers exactly what that function answers:

- `CountStatement`: the function returns one ``aggregate()`` of counts. On the first call for a
  key it runs through the ORM and is kept only if it ran exactly one query (a function that reads
  the database to decide its SQL is never kept) and answered that query's one row of whole
  numbers under the columns' names.
- `FetchStatement`: the function runs one query through a cursor and returns its rows as
  fetched. It is kept on the same terms as a count; what else decides its SQL (a name search's
  number of words, which drives, which are fragments) goes in the moments' names.
- `RowsStatement`: the function returns a ``values()`` query set, which is compiled without
  running; it is kept only if building it read nothing, and its rows are converted by the kept
  compiler as the ORM converts them.
- **The key is the asker as they stand**: every column of their user row, their role and their
  agency's row, so a change of role, agency or anything else a funnel reads compiles afresh. What
  a funnel reads from other rows (allocations, grants) is in the SQL as a subquery and so is read
  on every call.
- `ListStatement`: the function returns an ordered query set of model instances (a page's list
  of records), and calling the statement returns a `KeptList`, which ``CappedPaginator`` counts
  and slices with the kept SQL: the count to its cap, and the rows with ``LIMIT`` and ``OFFSET``
  bound as parameters, made into model instances (with the rows ``select_related()`` joins) as
  the ORM makes them; ``KeptList.prefetch_related()`` prefetches onto each slice read. Its
  moments are the list's criteria (a postcode, a date of birth): strings or dates, each used by
  the function as given (the caller normalises them first).
- **Each moment passed must appear in the parameters as given and nowhere else**: compiled again
  with that moment alone changed, the SQL is the same and exactly those parameters change. A
  moment derived inside the function (today plus 28 days) fails that proof, and the statement is
  not kept: it must be passed as a moment of its own.
- Settings changing (tests) forget every kept statement.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from copy import copy
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, cast

from django.core.exceptions import EmptyResultSet
from django.core.signals import setting_changed
from django.db import connection
from django.db.models import Model, QuerySet, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.db.models.query import ModelIterable, ValuesIterable, get_related_populators
from django.dispatch import receiver

#: What a count answers: the aggregate's names and their whole numbers.
Counts = dict[str, int]

#: How many askers' statements each count keeps (the oldest go first).
KEPT = 256

_NOT_YET = object()
_ALL: weakref.WeakSet[_Statement] = weakref.WeakSet()


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    #: (parameter position, moment name): where each call's moments go.
    slots: tuple[tuple[int, str], ...]
    #: A rows statement's compiler: it converts the rows as the ORM would (UUIDs on SQLite).
    compiler: Any = None
    names: tuple[str, ...] = ()


class _Stop(Exception):
    """Raised before the database is reached: the statement was only wanted compiled."""

    def __init__(self, sql: str, params: Any) -> None:
        super().__init__(sql)
        self.sql = sql
        self.params = tuple(params or ())


def _stop(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    raise _Stop(sql, params)


class _Statement:
    """What both kinds share: the kept statements by key, and the proof of where the moments go."""

    def __init__(self, build: Callable[..., Any]) -> None:
        self.build = build
        #: None: proved unsafe for that key, so the ORM answers every call.
        self._kept: dict[Hashable, _Compiled | None] = {}
        self._lock = threading.Lock()
        _ALL.add(self)

    def __call__(self, asker: Any, **moments: datetime | date | str) -> Any:
        key = (connection.alias, asker_key(asker), tuple(sorted(moments)))
        compiled = self._kept.get(key, _NOT_YET)
        if compiled is _NOT_YET:
            for moment in moments.values():
                _as_parameter(moment)  # a moment of another kind is a mistake in the caller
            return self._first(key, asker, moments)
        if not isinstance(compiled, _Compiled):
            return self._orm(asker, moments)
        params = list(compiled.params)
        for position, name in compiled.slots:
            params[position] = _as_parameter(moments[name])
        return self._run(compiled, params)

    def forget(self) -> None:
        with self._lock:
            self._kept.clear()

    def _keep(self, key: Hashable, compiled: _Compiled | None) -> None:
        with self._lock:
            if len(self._kept) >= KEPT:
                self._kept.pop(next(iter(self._kept)))
            self._kept[key] = compiled

    def _slots(
        self, asker: Any, moments: dict[str, Any], sql: str, params: tuple[Any, ...]
    ) -> tuple[tuple[int, str], ...] | None:
        """Where each moment goes: compiled again with that moment alone changed, the SQL must
        be the same and exactly the parameters equal to it change."""
        slots = []
        for name, moment in moments.items():
            other = _another(moment)
            compiled = self._compile(asker, {**moments, name: other})
            if compiled is None or compiled[0] != sql or len(compiled[1]) != len(params):
                return None
            pairs = zip(params, compiled[1], strict=True)
            changed = [i for i, (a, b) in enumerate(pairs) if a != b]
            if not changed:
                return None
            for position in changed:
                if params[position] != _as_parameter(moment):
                    return None
                if compiled[1][position] != _as_parameter(other):
                    return None
                slots.append((position, name))
        if len({position for position, _ in slots}) != len(slots):
            return None
        return tuple(slots)

    def _first(self, key: Hashable, asker: Any, moments: dict[str, Any]) -> Any:
        """The first call for ``key``: compiled without running, kept (or refused, None), and
        answered by the kept statement or by the ORM."""
        compiled = self._compiled(asker, moments)
        self._keep(key, compiled)
        if compiled is None:
            return self._orm(asker, moments)
        return self._run(compiled, list(compiled.params))

    def _compiled(self, asker: Any, moments: dict[str, Any]) -> _Compiled | None:
        raise NotImplementedError

    def _orm(self, asker: Any, moments: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _compile(self, asker: Any, moments: dict[str, Any]) -> tuple[str, tuple] | None:
        raise NotImplementedError

    def _run(self, compiled: _Compiled, params: list[Any]) -> Any:
        raise NotImplementedError


class CountStatement(_Statement):
    """``build(asker, **moments)`` returns a dict of counts from one ``aggregate()`` query;
    calling the statement returns the same dict, compiled once per asker."""

    def _orm(self, asker: Any, moments: dict[str, Any]) -> Counts:
        return self.build(asker, **moments)

    def _run(self, compiled: _Compiled, params: list[Any]) -> Counts:
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            names = [column[0] for column in cursor.description]
            return dict(zip(names, cursor.fetchone(), strict=True))

    def _first(self, key: Hashable, asker: Any, moments: dict[str, Any]) -> Counts:
        seen: list[tuple[str, tuple[Any, ...], list[str]]] = []

        def watch(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
            result = execute(sql, params, many, context)
            names = [column[0] for column in context["cursor"].description or ()]
            seen.append((sql, tuple(params or ()), names))
            return result

        with connection.execute_wrapper(watch):
            answer = self.build(asker, **moments)
        self._keep(key, self._prove(asker, moments, answer, seen))
        return answer

    def _prove(
        self,
        asker: Any,
        moments: dict[str, Any],
        answer: Any,
        seen: list[tuple[str, tuple[Any, ...], list[str]]],
    ) -> _Compiled | None:
        """The compiled statement, or None when the build is not one query of counts whose
        moments are bound exactly as given."""
        if len(seen) != 1:
            return None
        sql, params, names = seen[0]
        if not self._answered(answer, names):
            return None
        slots = self._slots(asker, moments, sql, params)
        return None if slots is None else _Compiled(sql, params, slots)

    def _answered(self, answer: Any, names: list[str]) -> bool:
        """The build answered what a kept call answers: the query's one row of whole numbers,
        under the columns' names."""
        return (
            isinstance(answer, dict)
            and list(answer) == names
            and all(_whole(value) for value in answer.values())
        )

    def _compile(self, asker: Any, moments: dict[str, Any]) -> tuple[str, tuple] | None:
        """The SQL and parameters the build would send, stopped before the database (and kept
        out of the query log: it never ran)."""
        log = connection.queries_log
        logged = len(log)
        try:
            with connection.execute_wrapper(_stop):
                self.build(asker, **moments)
        except _Stop as stopped:
            return stopped.sql, stopped.params
        finally:
            while len(log) > logged:
                log.pop()
        return None


class FetchStatement(CountStatement):
    """``build(asker, **moments)`` runs one query through a cursor and returns its rows as the
    cursor fetched them (a list of tuples, unconverted); calling the statement returns the same,
    compiled once per asker and the moments' names. A build whose SQL depends on more than the
    asker and the moments' values takes what else decides it (a search's shape) in the moments'
    names, which are part of the key."""

    def _answered(self, answer: Any, names: list[str]) -> bool:
        return isinstance(answer, list) and all(isinstance(row, tuple) for row in answer)

    def _run(self, compiled: _Compiled, params: list[Any]) -> list[tuple[Any, ...]]:  # type: ignore[override]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            return cursor.fetchall()


class RowsStatement(_Statement):
    """``build(asker, **moments)`` returns a ``values()`` query set, built without reading the
    database; calling the statement returns its rows as the ORM would (a list of dicts, each
    converted by the query's own compiler), compiled once per asker."""

    def _orm(self, asker: Any, moments: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self.build(asker, **moments))

    def _run(self, compiled: _Compiled, params: list[Any]) -> list[dict[str, Any]]:
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        names = compiled.names
        return [
            dict(zip(names, row, strict=True))
            for row in compiled.compiler.results_iter(results=[rows])
        ]

    def _compiled(self, asker: Any, moments: dict[str, Any]) -> _Compiled | None:
        built = self._built(asker, moments)
        if built is None:
            return None
        queryset, compiler, sql, params = built
        query = queryset.query
        if getattr(queryset, "_iterable_class", None) is not ValuesIterable:
            return None
        names = (*query.extra_select, *query.values_select, *query.annotation_select)
        slots = self._slots(asker, moments, sql, params)
        return None if slots is None else _Compiled(sql, params, slots, compiler, names)

    def _compile(self, asker: Any, moments: dict[str, Any]) -> tuple[str, tuple] | None:
        built = self._built(asker, moments)
        return None if built is None else (built[2], built[3])

    def _built(self, asker: Any, moments: dict[str, Any]) -> tuple[Any, Any, str, tuple] | None:
        """The query set, its compiler and SQL, or None when building it read the database (its
        SQL would depend on what it read) or it can match nothing (no SQL)."""
        log = connection.queries_log
        logged = len(log)
        try:
            with connection.execute_wrapper(_stop):
                queryset = self.build(asker, **moments)
                compiler = queryset.query.get_compiler(connection.alias)
                sql, params = compiler.as_sql()
        except (_Stop, EmptyResultSet):
            return None
        finally:
            while len(log) > logged:
                log.pop()  # a read stopped before the database never ran
        return queryset, compiler, sql, tuple(params)


@dataclass(frozen=True)
class _CompiledList(_Compiled):
    """A list's three statements, proved together: ``sql`` is the count's SQL, the rows' and a
    deep page's, and ``params`` their parameters in that order (``count_params`` of the count's,
    ``rows_params`` of the rows', then the deep page's)."""

    count_sql: str = ""
    rows_sql: str = ""
    count_params: int = 0
    rows_params: int = 0
    deep_sql: str = ""
    deep_compiler: Any = None
    deep_slots: tuple[int, int] = (0, 0)
    model: Any = None
    #: The model's columns (their attribute names) and where they are in a row.
    init_list: tuple[str, ...] = ()
    model_columns: tuple[int, int] = (0, 0)
    #: (annotation, position in a row): set on each instance, as the ORM does.
    annotations: tuple[tuple[str, int], ...] = ()
    #: The ORM's own populators of the rows joined by ``select_related()``.
    related: tuple[Any, ...] = ()


class ListStatement(_Statement):
    """``build(asker, **criteria)`` returns an ordered query set of model instances, built without
    reading the database; calling the statement returns a `KeptList` of it, compiled once per
    asker and set of criteria given. ``count_up_to``: how far the list is counted (the
    paginator's cap and one more, so it can tell there were more).

    A list that cannot be kept (it prefetches or attaches related rows, is sliced or unordered, or
    building it read the database) is answered by its query set, as the ORM answers it."""

    def __init__(self, build: Callable[..., Any], *, count_up_to: int) -> None:
        super().__init__(build)
        self.count_up_to = count_up_to

    def __call__(self, asker: Any, **criteria: datetime | date | str) -> KeptList | QuerySet:
        listed = super().__call__(asker, **criteria)
        if isinstance(listed, KeptList):
            listed.rebuild = partial(self.build, asker, **criteria)
            listed.counts_up_to = self.count_up_to
        return listed

    def _orm(self, asker: Any, moments: dict[str, Any]) -> QuerySet:
        return self.build(asker, **moments)

    def _run(self, compiled: _Compiled, params: list[Any]) -> KeptList:
        return KeptList(cast(_CompiledList, compiled), params)

    def _compiled(self, asker: Any, moments: dict[str, Any]) -> _CompiledList | None:
        built = self._built(asker, moments)
        if built is None:
            return None
        sql, params = built.statements()
        # Compiled again as it stands, it must be the same: a value the build reads for itself
        # (the time now) would otherwise be kept from the first call.
        if self._compile(asker, moments) != (sql, params):
            return None
        slots = self._slots(asker, moments, sql, params)
        if slots is None:
            return None
        compiler = built.compiler
        columns = compiler.klass_info["select_fields"]
        first, last = columns[0], columns[-1]
        return _CompiledList(
            sql=sql,
            params=params,
            slots=slots,
            compiler=compiler,
            count_sql=built.count[0],
            rows_sql=f"{built.rows[0]} LIMIT %s OFFSET %s",
            count_params=len(built.count[1]),
            rows_params=len(built.rows[1]),
            deep_sql=built.deep[0],
            deep_compiler=built.deep_compiler,
            deep_slots=built.deep_slots,
            model=built.queryset.model,
            init_list=tuple(col[0].target.attname for col in compiler.select[first : last + 1]),
            model_columns=(first, last + 1),
            annotations=tuple(compiler.annotation_col_map.items()),
            related=tuple(
                get_related_populators(compiler.klass_info, compiler.select, connection.alias)
            ),
        )

    def _compile(self, asker: Any, moments: dict[str, Any]) -> tuple[str, tuple] | None:
        built = self._built(asker, moments)
        return None if built is None else built.statements()

    def _built(self, asker: Any, moments: dict[str, Any]) -> _Built | None:
        """The list's query set, compiled, or None when it cannot be kept: building it read the
        database, it can match nothing (no SQL), or its rows are not plain instances of one
        model in a stated order."""
        log = connection.queries_log
        logged = len(log)
        try:
            with connection.execute_wrapper(_stop):
                queryset = self.build(asker, **moments)
                if not _plain_list(queryset):
                    return None
                compiler = queryset.query.get_compiler(connection.alias)
                rows_sql, rows_params = compiler.as_sql()
                try:
                    queryset.order_by().values("pk")[: self.count_up_to].count()
                except _Stop as counted:
                    count = counted.sql, counted.params
                else:
                    return None  # counted without the database: nothing to keep
                deep = _deep_page(queryset, compiler)
        except (_Stop, EmptyResultSet):
            return None
        finally:
            while len(log) > logged:
                log.pop()
        if deep is None:
            return None
        deep_compiler, deep_sql, deep_params, deep_slots = deep
        return _Built(
            queryset,
            compiler,
            count,
            (rows_sql, tuple(rows_params)),
            (deep_sql, deep_params),
            deep_compiler,
            deep_slots,
        )


@dataclass(frozen=True)
class _Built:
    queryset: QuerySet
    compiler: Any
    count: tuple[str, tuple[Any, ...]]
    rows: tuple[str, tuple[Any, ...]]
    #: A deep page: the rows whose keys are the list's, from a row to a row.
    deep: tuple[str, tuple[Any, ...]]
    deep_compiler: Any
    #: Where a deep page's (limit, offset) go in ``deep``'s parameters.
    deep_slots: tuple[int, int]

    def statements(self) -> tuple[str, tuple[Any, ...]]:
        """The three statements' SQL and parameters as one, for proving where the criteria go."""
        sql = "\n".join(part[0] for part in (self.count, self.rows, self.deep))
        return sql, self.count[1] + self.rows[1] + self.deep[1]


#: Two pairs of (limit, offset) a deep page is compiled with, to find where they go.
_DEEP_PROBES = ((1_000_003, 2_000_003), (3_000_007, 4_000_007))


def _deep_page(
    queryset: QuerySet, compiler: Any
) -> tuple[Any, str, tuple[Any, ...], tuple[int, int]] | None:
    """A deep page in one statement: the list's rows whose keys are the list's keys from a row
    to a row, read off the order's index in a subquery (``CappedPaginator`` reads them first,
    then the rows, from ``KEYS_FIRST_FROM``). Its limit and offset are parameters: compiled with
    two probes, the SQL is the same and only their two places change."""
    keys_sql, keys_params = queryset.values("pk").query.get_compiler(connection.alias).as_sql()
    compiled = []
    for limit, offset in _DEEP_PROBES:
        # The ORM's own SQL for the keys, every value in it a parameter.
        keys = RawSQL(f"{keys_sql} LIMIT %s OFFSET %s", (*keys_params, limit, offset))  # noqa: S611
        deep_compiler = queryset.filter(pk__in=keys).query.get_compiler(connection.alias)
        sql, params = deep_compiler.as_sql()
        compiled.append((deep_compiler, sql, tuple(params)))
    (deep_compiler, sql, params), (_, other_sql, other_params) = compiled
    if other_sql != sql or len(other_params) != len(params):
        return None
    changed = [i for i, (a, b) in enumerate(zip(params, other_params, strict=True)) if a != b]
    probes = {(params[i], other_params[i]): i for i in changed}
    limit_at = probes.get((_DEEP_PROBES[0][0], _DEEP_PROBES[1][0]))
    offset_at = probes.get((_DEEP_PROBES[0][1], _DEEP_PROBES[1][1]))
    # The same columns in the same places as the list's own rows, so they are made alike.
    same_rows = (
        deep_compiler.klass_info["select_fields"] == compiler.klass_info["select_fields"]
        and deep_compiler.annotation_col_map == compiler.annotation_col_map
    )
    if len(changed) != 2 or limit_at is None or offset_at is None or not same_rows:
        return None
    return deep_compiler, sql, params, (limit_at, offset_at)


def _plain_list(queryset: Any) -> bool:
    """Whether ``queryset`` is instances of one model (and the rows ``select_related()`` joins), in
    a stated order, with nothing the kept rows would leave out: no related rows prefetched or
    attached, no slice, no union."""
    if not isinstance(queryset, QuerySet) or queryset._iterable_class is not ModelIterable:
        return False
    query = queryset.query
    return (
        queryset.ordered
        and bool(query.order_by)
        and not query.is_sliced
        and not query.combinator
        and not query.select_for_update
        and not queryset._prefetch_related_lookups
        and not queryset._known_related_objects
    )


class KeptList:
    """A list compiled by a `ListStatement` for one asker and their criteria: ``count()`` counts it
    (up to the statement's ``count_up_to``), a slice reads those rows, and ``deep_page()`` a page
    far down it, each with the kept SQL. ``rebuild()`` gives its query set."""

    ordered = True
    rebuild: Callable[[], QuerySet]
    counts_up_to: int

    def __init__(self, compiled: _CompiledList, params: list[Any]) -> None:
        self._compiled = compiled
        self._params = params
        self._prefetch: tuple[Any, ...] = ()
        self.model = compiled.model

    def prefetch_related(self, *lookups: Any) -> KeptList:
        """The same list, each slice read with ``lookups`` prefetched onto its instances (one
        query a lookup, as the ORM prefetches them)."""
        kept = copy(self)
        kept._prefetch = (*self._prefetch, *lookups)
        return kept

    def count(self) -> int:
        compiled = self._compiled
        with connection.cursor() as cursor:
            cursor.execute(compiled.count_sql, self._params[: compiled.count_params])
            return cursor.fetchone()[0]

    def __getitem__(self, index: slice) -> list[Model]:
        start, stop = _forwards(index)
        compiled = self._compiled
        rows_from = compiled.count_params
        params = self._params[rows_from : rows_from + compiled.rows_params]
        return self._made(compiled.rows_sql, [*params, stop - start, start], compiled.compiler)

    def deep_page(self, start: int, stop: int) -> list[Model]:
        """Rows ``start`` to ``stop`` in one statement, their keys read off the order's index in
        a subquery: read at once with an offset, every row skipped is read from the table."""
        start, stop = _forwards(slice(start, stop))
        compiled = self._compiled
        params = self._params[compiled.count_params + compiled.rows_params :]
        limit_at, offset_at = compiled.deep_slots
        params[limit_at], params[offset_at] = stop - start, start
        return self._made(compiled.deep_sql, params, compiled.deep_compiler)

    def _made(self, sql: str, params: list[Any], compiler: Any) -> list[Model]:
        """The rows ``sql`` reads, made into instances as the ORM makes them."""
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        compiled = self._compiled
        model, (first, end) = compiled.model, compiled.model_columns
        listed = []
        for row in compiler.results_iter(results=[rows]):
            instance = model.from_db(connection.alias, compiled.init_list, row[first:end])
            for populator in compiled.related:
                populator.populate(row, instance)
            for name, position in compiled.annotations:
                setattr(instance, name, row[position])
            listed.append(instance)
        if self._prefetch:
            prefetch_related_objects(listed, *self._prefetch)
        return listed


def _forwards(index: Any) -> tuple[int, int]:
    if not isinstance(index, slice) or index.step is not None or index.stop is None:
        raise TypeError("a kept list is read a slice at a time, from a row to a row")
    start = index.start or 0
    if start < 0 or index.stop < start:
        raise ValueError("a kept list's slice runs forwards from row 0")
    return start, index.stop


def asker_key(asker: Any) -> Hashable:
    """Everything about the asker a funnel can read without a query: their user row, role and
    agency row. None (a figure for everyone) is its own key."""
    if asker is None:
        return None
    agency = getattr(asker, "agency", None)
    return (
        _row(asker),
        getattr(asker, "role", None),
        _row(agency) if agency is not None else None,
    )


def _row(instance: Any) -> tuple[Any, ...]:
    values = []
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        try:
            hash(value)
        except TypeError:
            value = repr(value)
        values.append(value)
    return (type(instance), *values)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_parameter(moment: datetime | date | str) -> Any:
    """A moment as Django hands it to the driver (a string on SQLite)."""
    if isinstance(moment, str):
        return moment
    if isinstance(moment, datetime):
        return connection.ops.adapt_datetimefield_value(moment)
    if isinstance(moment, date):
        return connection.ops.adapt_datefield_value(moment)
    raise TypeError(f"a statement's moments are dates, times and text, not {type(moment).__name__}")


def _another(moment: datetime | date | str) -> datetime | date | str:
    if isinstance(moment, str):
        return f"{moment}~"
    if isinstance(moment, datetime):
        return moment + timedelta(days=1, microseconds=1)
    return moment + timedelta(days=1)


@receiver(setting_changed)
def _forget_on_setting_changed(**kwargs: Any) -> None:
    for statement in list(_ALL):
        statement.forget()
