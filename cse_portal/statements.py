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
- `RowsStatement`: the function returns a ``values()`` query set, which is compiled without
  running; it is kept only if building it read nothing, and its rows are converted by the kept
  compiler as the ORM converts them.
- **The key is the asker as they stand**: every column of their user row, their role and their
  agency's row, so a change of role, agency or anything else a funnel reads compiles afresh. What
  a funnel reads from other rows (allocations, grants) is in the SQL as a subquery and so is read
  on every call.
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
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.core.signals import setting_changed
from django.db import connection
from django.db.models.query import ValuesIterable
from django.dispatch import receiver

#: What a count answers: the aggregate's names and their whole numbers.
Counts = dict[str, int]

#: How many askers' statements each count keeps (the oldest go first).
KEPT = 256

_NOT_YET = object()
_ALL: weakref.WeakSet[CountStatement] = weakref.WeakSet()


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

    def __call__(self, asker: Any, **moments: datetime | date) -> Any:
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
        if len(seen) != 1 or not isinstance(answer, dict):
            return None
        sql, params, names = seen[0]
        if list(answer) != names or not all(_whole(value) for value in answer.values()):
            return None
        slots = self._slots(asker, moments, sql, params)
        return None if slots is None else _Compiled(sql, params, slots)

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

    def _first(self, key: Hashable, asker: Any, moments: dict[str, Any]) -> list[dict[str, Any]]:
        compiled = self._compiled(asker, moments)
        self._keep(key, compiled)
        if compiled is None:
            return self._orm(asker, moments)
        return self._run(compiled, list(compiled.params))

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


def _as_parameter(moment: datetime | date) -> Any:
    """A moment as Django hands it to the driver (a string on SQLite)."""
    if isinstance(moment, datetime):
        return connection.ops.adapt_datetimefield_value(moment)
    if isinstance(moment, date):
        return connection.ops.adapt_datefield_value(moment)
    raise TypeError(f"a statement's moments are dates and times, not {type(moment).__name__}")


def _another(moment: datetime | date) -> datetime | date:
    if isinstance(moment, datetime):
        return moment + timedelta(days=1, microseconds=1)
    return moment + timedelta(days=1)


@receiver(setting_changed)
def _forget_on_setting_changed(**kwargs: Any) -> None:
    for statement in list(_ALL):
        statement.forget()
