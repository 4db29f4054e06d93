"""Name matching in the database, the same on PostgreSQL and SQLite: sound-alike keys (double
metaphone) and trigram similarity.

"Kaylee" and "Kayleigh", "Whitfeld" and "Whitfield" share a key. PostgreSQL computes the keys with
``fuzzystrmatch``'s ``dmetaphone``/``dmetaphone_alt`` (indexed, migration 0005); on SQLite the same
two functions are registered on each connection from the ``doublemetaphone`` package, which wraps
the same original C++ code as PostgreSQL's port and gives the same keys once cut to PostgreSQL's
four characters (``tests/young_people/test_sound_alike.py`` checks both engines against each other
on PostgreSQL). So one ORM expression serves both engines and no key column needs filling.

Trigram similarity ranks the candidates of search-before-create in the database: pg_trgm's
``similarity`` on PostgreSQL, the same measure written below for SQLite. On PostgreSQL its
candidates by name are names within one edit (``within_one_edit``), found through indexes of each
name's one-letter deletions (migration 0011).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db.backends.signals import connection_created
from django.db.models import BooleanField, CharField, FloatField, Func, Q, TextField, Value
from django.db.models.functions import NullIf
from django.db.models.lookups import In
from doublemetaphone import doublemetaphone

#: PostgreSQL's dmetaphone keeps four characters; the package keeps more.
KEY_LENGTH = 4

#: Shorter words are matched by their letters only: a two-letter word's key ("jo" is J or A)
#: would bring back every short name with a J or a vowel sound.
MIN_WORD_LENGTH = 3


def dmetaphone(value: str | None) -> str | None:
    """The primary key, as PostgreSQL's ``dmetaphone(value)`` gives it (NULL stays NULL)."""
    if value is None:
        return None
    return doublemetaphone(value)[0][:KEY_LENGTH]


def dmetaphone_alt(value: str | None) -> str | None:
    """The alternate key, as PostgreSQL's ``dmetaphone_alt(value)`` gives it."""
    if value is None:
        return None
    return doublemetaphone(value)[1][:KEY_LENGTH]


def _trigrams(value: str) -> set[str]:
    trigrams: set[str] = set()
    for word in re.findall(r"[^\W_]+", value.lower()):
        padded = f"  {word} "
        trigrams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return trigrams


def similarity(left: str | None, right: str | None) -> float | None:
    """pg_trgm's ``similarity``: shared trigrams of the words (each padded with two spaces before
    and one after) over all their trigrams, from 0 to 1."""
    if left is None or right is None:
        return None
    a, b = _trigrams(left), _trigrams(right)
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def sound_keys(word: str) -> list[str]:
    """The distinct keys a searched word may sound like (none for a word too short to judge)."""
    word = word.strip()
    if len(word) < MIN_WORD_LENGTH:
        return []
    keys = {dmetaphone(word), dmetaphone_alt(word)}
    return sorted(k for k in keys if k)


class DMetaphone(Func):
    function = "dmetaphone"
    output_field = CharField()


class DMetaphoneAlt(Func):
    function = "dmetaphone_alt"
    output_field = CharField()


class Similarity(Func):
    function = "similarity"
    output_field = FloatField()


class NameVariants(Func):
    """PostgreSQL's ``name_variants(name)`` (migration 0011): each word of the name, lowered, and
    each word of three letters or more with one letter deleted, as an array."""

    function = "name_variants"
    output_field = TextField()


class Overlap(Func):
    """``left && right``: the two arrays share an element."""

    arg_joiner = " && "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def within_one_edit(field: str, name: str) -> Overlap:
    """A word of ``field`` and a word of ``name`` are the same once at most one letter is taken
    from each, on PostgreSQL: one letter added, dropped or changed, two neighbours swapped, or
    one dropped and another added. Both sides go through the same database function, so what is
    searched is cut exactly as what is indexed; the planner evaluates the searched side once, and
    the indexed side is the index's own expression."""
    return Overlap(NameVariants(field), NameVariants(Value(name)))


def word_keys(word: str) -> list[Func]:
    """The keys of ``word`` (``sound_keys`` but for the length), computed by the database, so
    that a statement's SQL is the same whatever the word and the word its only parameter; the
    planner computes them once, and the indexes serve them as they serve given keys. An empty
    key is NULL, which matches nothing, as ``sound_keys`` leaves it out."""
    value = Value(word)
    return [NullIf(DMetaphone(value), Value("")), NullIf(DMetaphoneAlt(value), Value(""))]


def sounds_like(field: str, keys: Iterable[str | Func]) -> Q:
    """``field``'s primary or alternate key is one of ``keys`` (nothing matches no keys)."""
    primary, alternate = sounding_keys(field, keys)
    return primary | alternate


def sounding_keys(field: str, keys: Iterable[str | Func]) -> tuple[Q, Q]:
    """``sounds_like`` as its two conditions, the primary key's and the alternate key's: a lookup
    that stops at a number of rows reads each off its own index, where the two together are read
    as a bitmap of every match, or by scanning the table."""
    keys = list(keys)
    if not keys:
        return Q(pk__in=[]), Q(pk__in=[])
    return Q(In(DMetaphone(field), keys)), Q(In(DMetaphoneAlt(field), keys))


def register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor != "sqlite":
        return
    functions: tuple[tuple[str, int, Any], ...] = (
        ("dmetaphone", 1, dmetaphone),
        ("dmetaphone_alt", 1, dmetaphone_alt),
        ("similarity", 2, similarity),
    )
    for name, arity, function in functions:
        connection.connection.create_function(name, arity, function, deterministic=True)


def connect() -> None:
    """Called once from the app's ``ready``: every SQLite connection opened after it gets the
    functions."""
    connection_created.connect(register_sqlite_functions, dispatch_uid="young_people_dmetaphone")
