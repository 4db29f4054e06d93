"""Reads of young people's records that depend on who is asking. Each page costs a fixed number
of queries whatever the number of rows."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    JSONField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Concat, Greatest
from rapidfuzz import fuzz

from cse_portal.accounts.roles import Role
from cse_portal.audit.models import AuditEntry
from cse_portal.audit.selectors import consultations_of_subject
from cse_portal.pagination import kept_list
from cse_portal.statements import FetchStatement, KeptList

from .models import (
    Alias,
    ChronologyEntry,
    Flag,
    FlagKind,
    Involvement,
    PartnerAgencyOffer,
    YoungPerson,
)
from .name_matching import (
    Similarity,
    sound_keys,
    sounding_keys,
    sounds_like,
    within_one_edit,
    word_keys,
)
from .permissions import (
    visible_chronology_audiences,
    visible_young_people,
)
from .validators import normalise_nhs_number, normalise_postcode

#: A fragment shorter than this matches the start of a name: inside names it would match most of
#: the register (and no trigram index can serve it), and its sound is no key worth matching.
SHORT_FRAGMENT = 3

#: A name search finds at most this many records, the closest first. Past it the page says "more
#: than 200" and asks for a narrower search: nobody reads further, and counting every "smith" in
#: a national register costs a scan of all of them on every page.
NAME_RESULTS = 200

#: Rows each lookup of a name search reads off its index: one more than is shown tells that there
#: are more.
LOOKUP_ROWS = NAME_RESULTS + 1

#: The searches of at most this many words are kept compiled (``_FOUND_BY_NAME``): proving a
#: kept search compiles it once more for each word, which for a search of 40 words took 1.9 s.
KEPT_WORDS = 3

#: How far the rarity of each word of a several-word search is counted (off the prefix indexes).
RARITY_PROBE = 1000


class Closeness(IntEnum):
    """How a name matched a searched word; results are listed in this order, then by name."""

    EXACT = 0  # a given or family name is the word
    PREFIX = 1  # ... starts with it
    CONTAINS = 2  # ... holds it
    OTHER = 3  # sounds like it, or an alias holds it or sounds like it


def _word_matches(word: str, fragment: bool) -> Q:
    """Per row: ``word`` in, or sounding like, a given, family or alias name ("kaylee" finds
    Kayleigh); a ``fragment`` (a word shorter than ``SHORT_FRAGMENT``) at the start of one. Used
    for the words that do not drive the lookups, on the few rows those return."""
    contains = "istartswith" if fragment else "icontains"
    named = Q(**{f"name__{contains}": Value(word)})
    if not fragment:
        named |= sounds_like("name", word_keys(word))
    aliases = Alias.objects.filter(named, young_person=OuterRef("pk"))
    matches = (
        Q(**{f"given_name__{contains}": Value(word)})
        | Q(**{f"family_name__{contains}": Value(word)})
        | Q(Exists(aliases))
    )
    if not fragment:
        keys = word_keys(word)
        matches |= sounds_like("given_name", keys) | sounds_like("family_name", keys)
    return matches


def _lookups(
    records: QuerySet[YoungPerson], word: str, fragment: bool
) -> list[tuple[Closeness, QuerySet[Any]]]:
    """The lookups of the records matching ``word``, closest first, each served by one index (the
    prefix indexes of migration 0009 for exact and starts-with, the trigram indexes for contains,
    the double metaphone indexes for sound-alikes). The word is every lookup's only parameter
    (the patterns and keys made from it in the SQL); whether it is a ``fragment`` is given, so
    that the SQL is the same for every word of a kind."""
    records = records.order_by()  # read in index order: an ORDER BY would walk the list's index
    value = Value(word)
    lookups: list[tuple[Closeness, QuerySet[Any]]] = [
        # Exact matches come off the prefix index in the list's order (the other name, the id).
        (Closeness.EXACT, records.filter(given_name__iexact=word).order_by("family_name", "id")),
        (Closeness.EXACT, records.filter(family_name__iexact=word).order_by("given_name", "id")),
        (Closeness.PREFIX, records.filter(given_name__istartswith=value)),
        (Closeness.PREFIX, records.filter(family_name__istartswith=value)),
    ]
    if fragment:
        return [*lookups, (Closeness.OTHER, records.filter(aliases__name__istartswith=value))]
    keys = word_keys(word)
    return [
        *lookups,
        (Closeness.CONTAINS, records.filter(given_name__icontains=value)),
        (Closeness.CONTAINS, records.filter(family_name__icontains=value)),
        (Closeness.OTHER, records.filter(aliases__name__icontains=value)),
        # Each key on its own: each is read off its own index (migration 0012), no further than
        # the rows a lookup keeps.
        *(
            (Closeness.OTHER, records.filter(sounding))
            for field in ("given_name", "family_name", "aliases__name")
            for sounding in sounding_keys(field, keys)
        ),
    ]


def _rarest(records: QuerySet[YoungPerson], words: list[str]) -> int:
    """The index of the word fewest names start with: it drives the lookups, and the other words
    are tested only on the rows it finds. One query, counting each word's starts-with matches
    off the prefix indexes no further than ``RARITY_PROBE``; the longest word on SQLite."""
    if len(words) == 1:
        return 0
    if connection.vendor != "postgresql":
        return max(range(len(words)), key=lambda i: len(words[i]))
    counts, params = [], []
    for word in words:
        for name in ("given_name", "family_name"):
            starting = records.filter(**{f"{name}__istartswith": Value(word)})
            sql, more = starting.order_by().values("pk")[:RARITY_PROBE].query.sql_with_params()
            counts.append(f"(SELECT COUNT(*) FROM ({sql}) AS starting)")  # noqa: S608
            params += more
    with connection.cursor() as cursor:
        # Each part is the ORM's own SQL for a lookup above; the words go as parameters.
        cursor.execute(f"SELECT {', '.join(counts)}", params)
        found = cursor.fetchone()
    totals = [found[2 * i] + found[2 * i + 1] for i in range(len(words))]
    return min(range(len(words)), key=lambda i: (totals[i], -len(words[i])))


def _ranked_by_name(user: Any, given: dict[str, Any], text: str) -> tuple[list[Any], bool]:
    """The ids of the records ``user`` may see matching the criteria ``given`` (``_given``) and
    every word of ``text``, closest first (exact, starts with, contains, sounds like or by alias;
    then by family and given name), at most ``NAME_RESULTS``, and whether there were more.

    The rarest word drives: each of its lookups reads at most ``LOOKUP_ROWS`` rows off its index,
    the other words tested on those rows only, all in one query that ranks them and returns the
    ids alone. So a search costs the same whether a name is shared by ten children or ten
    thousand. On PostgreSQL the query of a search of up to ``KEPT_WORDS`` words is compiled once
    per asker and kind of search (``_FOUND_BY_NAME``)."""
    words = text.split()
    driver = _rarest(_searched(user, **given), words)
    shaped = {
        f"word{i}{'_drives' if i == driver else ''}{'_fragment' if _fragment(word) else ''}": word
        for i, word in enumerate(words)
    }
    if connection.features.supports_slicing_ordering_in_compound and len(words) <= KEPT_WORDS:
        found = _FOUND_BY_NAME(user, **given, **shaped)
    else:
        found = _found_by_name(user, **given, **shaped)
    # SQLite gives a UUID as its text.
    ranked = [YoungPerson._meta.pk.to_python(pk) for (pk,) in found]
    return ranked[:NAME_RESULTS], len(ranked) > NAME_RESULTS


def _fragment(word: str) -> bool:
    return len(word) < SHORT_FRAGMENT


def _found_by_name(user: Any, **moments: Any) -> list[tuple[Any, ...]]:
    """The ids of a name search's records, ranked, as rows of one (``_ranked_by_name``).
    ``moments`` are the criteria given and the words, each named ``word<i>``, ``_drives`` on the
    one that drives and ``_fragment`` on short ones: the names alone decide the SQL."""
    given = {name: value for name, value in moments.items() if not name.startswith("word")}
    words = sorted(
        ((name, value) for name, value in moments.items() if name.startswith("word")),
        key=lambda item: int(item[0].removeprefix("word").split("_")[0]),
    )
    narrowed = _searched(user, **given)
    driver = ""
    for name, word in words:
        if "_drives" in name:
            driver = name
        else:
            narrowed = narrowed.filter(_word_matches(word, "_fragment" in name))
    bounded = connection.features.supports_slicing_ordering_in_compound
    parts = []
    for closeness, lookup in _lookups(narrowed, moments[driver], "_fragment" in driver):
        rows = lookup.annotate(closeness=Value(int(closeness))).values_list(
            "pk", "family_name", "given_name", "closeness"
        )
        # SQLite cannot order or limit the parts of a UNION; its registers are small.
        parts.append((closeness, rows[:LOOKUP_ROWS] if bounded else rows.order_by()))
    if bounded:
        ctes, sql, params = _gated_by_closeness(parts)
    else:
        first, *rest = (rows for _, rows in parts)
        ctes, (sql, params) = "", first.union(*rest, all=True).query.sql_with_params()
    # Each record once, at its closest, then by name (as a code point order, on both engines),
    # then by id: the order of the list shown.
    collation = 'COLLATE "C"' if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {ctes}found (pk, family, given, closeness) AS ({sql}) "  # noqa: S608
            "SELECT pk FROM found GROUP BY pk, family, given ORDER BY MIN(closeness),"
            f" LOWER(family) {collation}, LOWER(given) {collation}, pk LIMIT %s",
            [*params, NAME_RESULTS + 1],
        )
        return cursor.fetchall()


#: A name search's ranked ids, compiled once per asker and kind of search.
_FOUND_BY_NAME = FetchStatement(_found_by_name)


def _gated_by_closeness(
    parts: list[tuple[Closeness, QuerySet[Any]]],
) -> tuple[str, str, list[Any]]:
    """The lookups' rows as one query, each closeness's lookups read only while the closer ones
    have found fewer than ``LOOKUP_ROWS`` records: past that, nothing less close can reach the
    list, and the page says there are more. A common surname's exact matches fill it, so its
    contains and sound-alike lookups (a trigram index's whole posting list each) are skipped.

    Each lookup is the ORM's own SQL (the word goes as a parameter), a class of them a
    materialised CTE; a later class's CTE is gated by a one-time filter on the count of the
    earlier ones, which PostgreSQL tests before running it. Returns the CTEs (each followed by a
    comma), the query of their rows and the parameters of both."""
    classes: list[tuple[list[str], list[Any]]] = []
    previous = None
    for closeness, rows in parts:
        sql, params = rows.query.sql_with_params()
        if closeness != previous:
            classes.append(([], []))
            previous = closeness
        classes[-1][0].append(f"({sql})")
        classes[-1][1].extend(params)
    ctes, params, names = [], [], []
    for n, (lookups, more) in enumerate(classes):
        body = " UNION ALL ".join(lookups)
        params += more
        if names:
            earlier = " UNION ALL ".join(f"SELECT pk FROM {name}" for name in names)  # noqa: S608
            body = (
                f"SELECT * FROM ({body}) AS part WHERE "  # noqa: S608 (the ORM's SQL, as above)
                f"(SELECT COUNT(DISTINCT pk) FROM ({earlier}) AS found) < %s"
            )
            params.append(LOOKUP_ROWS)
        names.append(f"closeness_{n}")
        ctes.append(f"{names[-1]} (pk, family, given, closeness) AS MATERIALIZED ({body}), ")
    everything = " UNION ALL ".join(f"SELECT * FROM {name}" for name in names)  # noqa: S608
    return "".join(ctes), everything, params


class RankedRecords(Sequence[YoungPerson]):
    """A name search's results as the paginators take them: the ranked ids, and each slice read
    in one query (``read``, given the slice's ids) and put in rank order. ``capped`` says more
    matched than are listed, which ``CappedPaginator`` shows instead of counting them."""

    model = YoungPerson

    def __init__(
        self, ids: list[Any], capped: bool, read: Callable[[list[Any]], Iterable[YoungPerson]]
    ) -> None:
        self.ids, self.capped, self.read = ids, capped, read

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: Any) -> Any:
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        wanted = self.ids[index]
        if not wanted:
            return []
        found = {record.pk: record for record in self.read(wanted)}
        return [found[pk] for pk in wanted if pk in found]


def _listed_by_keys(user: Any, **keys: str) -> QuerySet[YoungPerson]:
    """The records whose ids are the one moment ``keys`` (joined by commas), as ``_as_listed``
    lists them: a page of a name search. The moment's name says whether with the aliases' names
    (``keys_with_aliases``, as the API lists them) or not (``keys``). PostgreSQL only (the ids
    are split in the SQL): the ids are already the asker's, found through their funnel."""
    ((name, joined),) = keys.items()
    ids = RawSQL("SELECT UNNEST(STRING_TO_ARRAY(%s, ','))::uuid", (joined,))
    listed = _as_listed(YoungPerson.objects.filter(pk__in=ids), aliases=name == "keys_with_aliases")
    return listed.order_by("id")


#: A name search's page, compiled once per asker: compiling the ORM's ``pk__in`` of a page's 50
#: ids alone took 0.6 ms of every page.
_LISTED_BY_KEYS = kept_list(_listed_by_keys)


def _reader(user: Any, *, aliases: bool) -> Callable[[list[Any]], Iterable[YoungPerson]]:
    """How ``RankedRecords`` reads a slice's records for ``user``."""

    def read(ids: list[Any]) -> Iterable[YoungPerson]:
        if connection.vendor != "postgresql":
            return _as_listed(YoungPerson.objects.filter(pk__in=ids), aliases=aliases)
        keys = {"keys_with_aliases" if aliases else "keys": ",".join(map(str, ids))}
        return _LISTED_BY_KEYS(user, **keys)[0 : len(ids)]

    return read


def _given(
    *, date_of_birth: date | None = None, nhs_number: str = "", postcode: str = ""
) -> dict[str, Any]:
    """The criteria given, as the records store them (postcodes normalised, so an exact match
    can use the index; an NHS number's digits)."""
    given: dict[str, Any] = {}
    if date_of_birth:
        given["date_of_birth"] = date_of_birth
    if nhs_number.strip():
        given["nhs_number"] = normalise_nhs_number(nhs_number)
    if postcode.strip():
        given["postcode"] = normalise_postcode(postcode)
    return given


def _searched(user: Any, **given: Any) -> QuerySet[YoungPerson]:
    """The records ``user`` may see whose fields equal the criteria ``given`` (``_given``)."""
    return visible_young_people(user).filter(**given)


def _listed(user: Any, **given: Any) -> QuerySet[YoungPerson]:
    """A list without a name: the records matching ``given`` in the list's order."""
    return _as_listed(_searched(user, **given)).order_by(*LIST_ORDER)


def _listed_with_aliases(user: Any, **given: Any) -> QuerySet[YoungPerson]:
    """``_listed`` with each record's aliases' names, as the API lists them."""
    return _as_listed(_searched(user, **given), aliases=True).order_by(*LIST_ORDER)


#: The order of a list without a name (a search by name lists the closest first).
LIST_ORDER = ("family_name", "given_name", "id")

#: The list and the searches without a name, as the pages and the API read them: compiled once
#: per asker and criteria given.
_LISTED = kept_list(_listed)
_LISTED_WITH_ALIASES = kept_list(_listed_with_aliases)


class _JSONList(Func):
    """The values of a subquery's ``item`` column as one JSON list (``[]`` when it finds none).
    ``ordered_by``: the subquery's columns that order the list, for a list whose order is read
    (an alias's names); PostgreSQL orders the aggregate by them, SQLite (before 3.44 it cannot)
    takes the rows in the subquery's own order, which must then be the same."""

    output_field = JSONField()

    def __init__(self, subquery: Any, *, ordered_by: Sequence[str] = ()) -> None:
        super().__init__(subquery)
        self.ordered_by = tuple(ordered_by)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        order = ", ".join(f"listed.{column}" for column in self.ordered_by)
        order = f" ORDER BY {order}" if order else ""
        template = (
            # The order's columns are the caller's (code), never input.
            f"(SELECT COALESCE(JSONB_AGG(listed.item{order}), '[]'::jsonb)"  # noqa: S608
            " FROM %(expressions)s AS listed)"
        )
        return super().as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "(SELECT JSON_GROUP_ARRAY(listed.item) FROM %(expressions)s AS listed)"
        return super().as_sql(compiler, connection, template=template, **extra)


def _as_listed(records: QuerySet[YoungPerson], *, aliases: bool = False) -> QuerySet[YoungPerson]:
    """With what the results list shows (open involvement, active flags) as columns of the
    list's own query: the flags' kinds as one JSON list (``flag_kinds``), which took a prefetch
    query, its compiling and its model instances on every page (about 1 ms). ``aliases``: the
    names of each record's aliases too, as the API lists them (``alias_names``, in the aliases'
    order): prefetching them made a query set for every record. With the API's reading written
    out, that took the API's name search at 1,000,000 young people from 23.6 to 19.7 ms."""
    open_involvement = Involvement.objects.filter(
        young_person=OuterRef("pk"), closed_at__isnull=True
    )
    active_kinds = Flag.objects.filter(young_person=OuterRef("pk"), removed_at__isnull=True)
    listed = records.annotate(
        is_open=Exists(open_involvement),
        flag_kinds=_JSONList(Subquery(active_kinds.order_by().values(item=F("kind")))),
    )
    if not aliases:
        return listed
    names = (
        Alias.objects.filter(young_person=OuterRef("pk"))
        .order_by("kind", "name")
        .values(item=F("name"), item_kind=F("kind"))
    )
    return listed.annotate(alias_names=_JSONList(Subquery(names), ordered_by=("item_kind", "item")))


def listed_flags(kinds: Iterable[str]) -> list[tuple[str, str]]:
    """A listed record's active flags (``flag_kinds``) as (code, label), in the order the kinds
    are declared, so the tags read the same way on every row. A kind no longer declared is kept,
    last, under its code: a raised flag is never left off a list."""
    raised = set(kinds)
    declared = [(kind.value, kind.label) for kind in FlagKind if kind.value in raised]
    return declared + [(code, code) for code in sorted(raised - set(FlagKind.values))]


def young_people_results(
    user: Any,
    *,
    text: str = "",
    date_of_birth: date | None = None,
    nhs_number: str = "",
    postcode: str = "",
    aliases: bool = False,
) -> QuerySet[YoungPerson] | RankedRecords:
    """What the search page and the API list: with a name, the closest ``NAME_RESULTS`` matches
    (``RankedRecords``); without one, every record matching the other criteria in the list's
    order (family, given name), which the paginator counts up to its cap. ``aliases``: with
    each record's aliases' names (``alias_names``), as the API lists them."""
    given = _given(date_of_birth=date_of_birth, nhs_number=nhs_number, postcode=postcode)
    if text.strip():
        ids, capped = _ranked_by_name(user, given, text.strip())
        return RankedRecords(ids, capped, _reader(user, aliases=aliases))
    return _listed_with_aliases(user, **given) if aliases else _listed(user, **given)


def young_people_page_results(
    user: Any, *, text: str = "", aliases: bool = False, **criteria: Any
) -> QuerySet[YoungPerson] | RankedRecords | KeptList:
    """``young_people_results`` (the same criteria) for a paginator, which only pages them: a
    list without a name is read with SQL compiled once per asker and criteria (``_LISTED``)."""
    if text.strip():
        return young_people_results(user, text=text, aliases=aliases, **criteria)
    kept = _LISTED_WITH_ALIASES if aliases else _LISTED
    return kept(user, **_given(**criteria))


def young_people_search(
    user: Any,
    *,
    text: str = "",
    date_of_birth: date | None = None,
    nhs_number: str = "",
    postcode: str = "",
) -> QuerySet[YoungPerson]:
    """The records ``user`` may see that match every criterion given, as a query set: with a name,
    its closest ``NAME_RESULTS`` matches in rank order, else in the list's order."""
    given = _given(date_of_birth=date_of_birth, nhs_number=nhs_number, postcode=postcode)
    if not text.strip():
        return _listed(user, **given)
    ids, _ = _ranked_by_name(user, given, text.strip())
    if not ids:
        return YoungPerson.objects.none()
    places = [When(pk=pk, then=Value(i)) for i, pk in enumerate(ids)]
    rank = Case(*places, output_field=IntegerField())
    return _as_listed(YoungPerson.objects.filter(pk__in=ids)).order_by(rank)


def young_person_record(young_person: YoungPerson) -> YoungPerson:
    """The record page's object: the record the funnel returned, with its aliases, flags,
    involvements and offers prefetched onto it (the record itself is not read again). Only what
    the page shows is joined (an offer's agency): the users who raised a flag, opened or closed
    an involvement or made an offer are not on it, and joining them cost every page view the
    compiling and reading of three users' columns."""
    prefetch_related_objects(
        [young_person],
        "aliases",
        Prefetch(
            "flags",
            queryset=Flag.objects.filter(removed_at__isnull=True),
            to_attr="active_flags",
        ),
        "involvements",
        Prefetch(
            "partner_offers",
            queryset=PartnerAgencyOffer.objects.select_related("agency"),
        ),
    )
    return young_person


def chronology_for(user: Any, young_person: YoungPerson) -> QuerySet[ChronologyEntry]:
    return (
        ChronologyEntry.objects.filter(
            young_person=young_person, audience__in=visible_chronology_audiences(user)
        )
        .select_related("recorded_by")
        .order_by("-occurred_at", "-id")
    )


def normalise_name(name: str) -> str:
    """A name as compared for exact identity: case, accents and spacing ignored ("Zoë  SMITH" is
    "zoe smith"), nothing else, so two spellings are never the same child here."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def young_people_with_identity(
    *,
    given_name: str,
    family_name: str,
    date_of_birth: date | None,
    nhs_number: str = "",
) -> list[YoungPerson]:
    """Current records that are certainly this child: the same NHS number, or the same normalised
    given and family names and the same date of birth. Anything fuzzier is only a possible match,
    for a person to judge. Callers decide what of the result the user may see."""
    nhs_number = normalise_nhs_number(nhs_number)
    if nhs_number:
        same_nhs = list(YoungPerson.objects.current().filter(nhs_number=nhs_number))
        if same_nhs:
            return same_nhs
    wanted = (normalise_name(given_name), normalise_name(family_name))
    if date_of_birth is None or not all(wanted):
        return []
    # The date of birth is indexed and narrows to a few hundred rows even nationally; names are
    # compared in Python so accents and case fold the same way on SQLite and PostgreSQL.
    born_that_day = YoungPerson.objects.current().filter(date_of_birth=date_of_birth)
    return same_identity(born_that_day.order_by("id"), given_name, family_name)


def same_identity(
    records: Iterable[YoungPerson], given_name: str, family_name: str
) -> list[YoungPerson]:
    """Of ``records`` (born on the day in question), those whose normalised given and family
    names are these: the name test of ``young_people_with_identity``, for callers that hold the
    records already (``young_people_born_on``)."""
    wanted = (normalise_name(given_name), normalise_name(family_name))
    if not all(wanted):
        return []
    return [
        record
        for record in records
        if (normalise_name(record.given_name), normalise_name(record.family_name)) == wanted
    ]


def young_people_born_on(dates: Iterable[date]) -> dict[date, list[YoungPerson]]:
    """The current records born on each of ``dates`` (aliases prefetched), in one query: the pool
    from which a bulk task (the police import) judges many rows' identities with
    ``same_identity`` and their likely matches of that birthday with ``score_matches``, instead
    of two lookups a row."""
    pool: dict[date, list[YoungPerson]] = {day: [] for day in dates}
    if not pool:
        return pool
    records = (
        YoungPerson.objects.current()
        .filter(date_of_birth__in=list(pool))
        .order_by("id")
        .prefetch_related(
            Prefetch("aliases", queryset=Alias.objects.only("young_person_id", "name"))
        )
    )
    for record in records:
        pool[record.date_of_birth].append(record)
    return pool


@dataclass
class Match:
    record: YoungPerson
    score: int
    reasons: list[str] = field(default_factory=list)


#: Candidates scored in Python, the closest first as the database ranks them.
MAX_CANDIDATES = 100

#: Candidates each lookup of search-before-create keeps, the most similar names first.
CANDIDATES_PER_LOOKUP = 100


def _candidates(
    given_name: str, family_name: str, date_of_birth: date | None, nhs_number: str, postcode: str
) -> QuerySet[YoungPerson]:
    """Records sharing an identifier or a similar or sound-alike name, the closest first, at most
    ``MAX_CANDIDATES``.

    The candidates are one UNION of lookups that each use an index (an OR across them, with the
    alias join, would scan the whole table). Nationally a lookup finds thousands (everyone born
    that day, every "Whit..." family), so each keeps only the ``CANDIDATES_PER_LOOKUP`` whose full
    name is most similar to the one entered, and the database ranks what is left by the same
    measures the final score uses: cutting a lookup unordered dropped the right record for a
    misspelt name among many similar ones."""
    records = YoungPerson.objects.current().order_by()
    lookups: list[QuerySet[YoungPerson]] = []
    if nhs_number:
        lookups.append(records.filter(nhs_number=nhs_number))
    if date_of_birth:
        lookups.append(records.filter(date_of_birth=date_of_birth))
    if postcode:
        lookups.append(records.filter(postcode=postcode))
    lookups += _name_lookups(records, given_name, family_name)
    if not lookups:
        return YoungPerson.objects.none()
    wanted = f"{given_name} {family_name}".strip()
    if connection.features.supports_slicing_ordering_in_compound:
        full_name = Concat("given_name", Value(" "), "family_name", output_field=CharField())
        similarity = Similarity(full_name, Value(wanted))
        ids = [
            lookup.annotate(similarity=similarity)
            .order_by("-similarity", "id")
            .values("pk")[:CANDIDATES_PER_LOOKUP]
            for lookup in lookups
        ]
    else:
        # SQLite cannot order or limit the parts of a UNION; its registers are small.
        ids = [lookup.values("pk") for lookup in lookups]
    # The ids first, then the ranking over that list: with the UNION as a subquery the planner
    # guessed its size and scanned the whole table to join it.
    union = list(ids[0].union(*ids[1:]).values_list("pk", flat=True))
    rank = _closeness(given_name, family_name, date_of_birth, nhs_number, postcode)
    return (
        YoungPerson.objects.filter(pk__in=union)
        .annotate(closeness=rank)
        .order_by("-closeness", "id")[:MAX_CANDIDATES]
    )


def _name_lookups(
    records: QuerySet[YoungPerson], given_name: str, family_name: str
) -> list[QuerySet[YoungPerson]]:
    """The lookups by name of search-before-create, each served by an index.

    Both names near (on PostgreSQL within one edit, through the name variant indexes; on SQLite
    the same first three letters), an alias near them, or both names sounding alike (the family
    name's double metaphone index, the given name's keys tested on those rows). One name alone is
    looked up only when the other is not given: "Maya" is near every "Maia", "Mya" and "May",
    thousands of rows nationally to recheck; a child known by another name is found by the date of
    birth, postcode or alias lookups instead."""
    both = (("given_name", given_name), ("family_name", family_name))
    named = [(column, name) for column, name in both if len(name) >= 2]
    lookups = []
    if named:
        if connection.vendor == "postgresql":
            near = [within_one_edit(column, name) for column, name in named]
            alias_near = [within_one_edit("name", name) for _, name in named]
        else:
            near = [Q(**{f"{column}__istartswith": name[:3]}) for column, name in named]
            alias_near = [Q(name__icontains=name[:3]) for _, name in named]
        # One alias near every name given, as the record's own names must be.
        aliases = Alias.objects.filter(*alias_near).values("young_person_id")
        lookups += [records.filter(*near), records.filter(pk__in=aliases)]
    family_keys, given_keys = sound_keys(family_name), sound_keys(given_name)
    if family_keys:
        sounding = records.filter(sounds_like("family_name", family_keys))
        if given_keys:
            sounding = sounding.filter(sounds_like("given_name", given_keys))
        lookups.append(sounding)
    elif given_keys:
        lookups.append(records.filter(sounds_like("given_name", given_keys)))
    return lookups


def _closeness(
    given_name: str, family_name: str, date_of_birth: date | None, nhs_number: str, postcode: str
) -> Any:
    """The database's estimate of the final score: the same weights for the identifiers, and
    for the name the trigram similarity of the record's name or its closest alias, as the score
    takes the best of them, with a little for each name that sounds alike."""
    wanted = f"{given_name} {family_name}".strip()
    points: list[Any] = [Value(0.0)]
    for column, value, weight in (
        ("nhs_number", nhs_number, 100),
        ("date_of_birth", date_of_birth, 40),
        ("postcode", postcode, 20),
    ):
        if value:
            points.append(Case(When(**{column: value}, then=Value(float(weight))), default=0.0))
    if wanted:
        full_name = Concat("given_name", Value(" "), "family_name", output_field=CharField())
        closest_alias = (
            Alias.objects.filter(young_person=OuterRef("pk"))
            .annotate(similarity=Similarity("name", Value(wanted)))
            .order_by("-similarity")
            .values("similarity")[:1]
        )
        # An alias-only match once scored 30 here against 46 for a stranger born the same day,
        # and fell below the cut nationally, where hundreds share a date of birth.
        name_closeness = Greatest(
            Similarity(full_name, Value(wanted)),
            Coalesce(Subquery(closest_alias, output_field=FloatField()), 0.0),
        )
        points.append(name_closeness * 60)
        for field, name in (("given_name", given_name), ("family_name", family_name)):
            keys = sound_keys(name)
            if keys:
                points.append(Case(When(sounds_like(field, keys), then=10.0), default=0.0))
    total = points[0]
    for point in points[1:]:
        total = total + point
    return ExpressionWrapper(total, output_field=FloatField())


#: What names that sound the same add to a match's score: as much as a fairly similar spelling.
SOUND_ALIKE_POINTS = 45


def _sound_alike(wanted_keys: tuple[list[str], list[str]], record: YoungPerson) -> bool:
    """Both the given and the family name share a double metaphone key with the record's."""
    given_keys, family_keys = wanted_keys
    return bool(set(given_keys) & set(sound_keys(record.given_name))) and bool(
        set(family_keys) & set(sound_keys(record.family_name))
    )


def young_person_matches(
    *,
    given_name: str,
    family_name: str,
    date_of_birth: date | None = None,
    nhs_number: str = "",
    postcode: str = "",
    limit: int = 10,
) -> list[Match]:
    """Likely existing records for new identity details, best first, across *all* records.

    The database narrows the candidates (exact identifiers, trigram, prefix or sound-alike name
    matches) and keeps the ``MAX_CANDIDATES`` it ranks closest; fuzzy name scoring then orders
    them. Callers decide what of a match the
    user may see.
    """
    nhs_number = normalise_nhs_number(nhs_number)
    postcode = normalise_postcode(postcode)
    candidates = list(
        _candidates(given_name, family_name, date_of_birth, nhs_number, postcode).prefetch_related(
            Prefetch("aliases", queryset=Alias.objects.only("young_person_id", "name"))
        )
    )
    return score_matches(
        candidates,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        nhs_number=nhs_number,
        postcode=postcode,
    )[:limit]


def score_matches(
    candidates: Iterable[YoungPerson],
    *,
    given_name: str,
    family_name: str,
    date_of_birth: date | None = None,
    nhs_number: str = "",
    postcode: str = "",
) -> list[Match]:
    """The fuzzy scoring of ``young_person_matches`` over candidates already in hand (their
    aliases prefetched): those scoring as likely, best first."""
    nhs_number = normalise_nhs_number(nhs_number)
    postcode = normalise_postcode(postcode)
    wanted = f"{given_name} {family_name}".strip().lower()
    wanted_keys = (sound_keys(given_name), sound_keys(family_name))
    if not all(wanted_keys):
        wanted_keys = None
    matches = []
    for record in candidates:
        score, reasons = 0, []
        if nhs_number and record.nhs_number == nhs_number:
            score += 100
            reasons.append("same NHS number")
        names = [record.full_name] + [a.name for a in record.aliases.all()]
        name_score = max(fuzz.token_sort_ratio(wanted, n.lower()) for n in names) if wanted else 0
        if name_score >= 60:
            score += int(name_score * 0.6)
            reasons.append("similar name" if name_score < 100 else "same name")
        elif wanted_keys and _sound_alike(wanted_keys, record):
            # Spelt differently but said the same ("Kaylee Smyth", "Kayleigh Smith").
            score += SOUND_ALIKE_POINTS
            reasons.append("name sounds the same")
        if date_of_birth and record.date_of_birth == date_of_birth:
            score += 40
            reasons.append("same date of birth")
        if postcode and record.postcode == postcode:
            score += 20
            reasons.append("same postcode")
        if score >= 50:
            matches.append(Match(record=record, score=score, reasons=reasons))
    matches.sort(key=lambda m: (-m.score, m.record.family_name, m.record.given_name))
    return matches


# --- Who has accessed a record -------------------------------------------------------------------


@dataclass(frozen=True)
class Accessor:
    """A person as the access log shows them: name, agency and role in words."""

    name: str
    agency: str
    role: str

    @classmethod
    def of(cls, *, first: str, last: str, username: str, agency: str, role: str) -> Accessor:
        full = f"{first} {last}".strip()
        return cls(
            name=full or username or "Unknown",
            agency=agency,
            role=Role(role).label if role in Role.values else role,
        )


def access_log(young_person: YoungPerson) -> QuerySet[AuditEntry]:
    """Every consultation of the record, newest first, with who made it (for paging)."""
    return consultations_of_subject(young_person.pk).select_related("actor")


def access_log_lines(entries: Iterable[AuditEntry]) -> list[dict[str, Any]]:
    """A page of the access log as the page shows it: when, who (in words), what."""
    return [
        {
            "entry": entry,
            "who": Accessor.of(
                first=entry.actor.first_name if entry.actor else "",
                last=entry.actor.last_name if entry.actor else "",
                username=entry.actor_username,
                agency=entry.actor_agency,
                role=entry.actor_role,
            ),
        }
        for entry in entries
    ]


def recent_accessors(young_person: YoungPerson, limit: int = 5) -> list[dict[str, Any]]:
    """The last ``limit`` distinct people to consult the record, each with when they last did:
    one grouped query, however long the log."""
    rows = (
        consultations_of_subject(young_person.pk)
        .order_by()
        .values(
            "actor_username",
            "actor_agency",
            "actor_role",
            "actor__first_name",
            "actor__last_name",
        )
        .annotate(last_seen=Max("occurred_at"))
        .order_by("-last_seen")[:limit]
    )
    return [
        {
            "last_seen": row["last_seen"],
            "who": Accessor.of(
                first=row["actor__first_name"] or "",
                last=row["actor__last_name"] or "",
                username=row["actor_username"],
                agency=row["actor_agency"],
                role=row["actor_role"],
            ),
        }
        for row in rows
    ]


# --- For the reports app's figures (aggregates only; never shown row by row) -------------------


def young_people_for_figures() -> QuerySet[YoungPerson]:
    """Every current record (merged-away records excluded), for aggregate figures."""
    return YoungPerson.objects.current()


def partner_offers_for_figures() -> QuerySet[PartnerAgencyOffer]:
    """Every offer of preventative work to a partner agency, for aggregate figures."""
    return PartnerAgencyOffer.objects.all()


def currently_missing_flags() -> QuerySet[Flag]:
    """Flags saying a young person is missing now (raised and not removed)."""
    from .models import FlagKind

    return Flag.objects.filter(kind=FlagKind.CURRENTLY_MISSING, removed_at__isnull=True)


def caseloads() -> QuerySet[Any]:
    """Per practitioner: the number of current records allocated to them (one grouped query)."""
    from django.db.models import Count

    from .models import YoungPersonUserObjectPermission
    from .permissions import ALLOCATION_CODENAME

    return (
        YoungPersonUserObjectPermission.objects.filter(
            permission__codename=ALLOCATION_CODENAME, content_object__merged_into__isnull=True
        )
        .values("user_id", "user__username", "user__first_name", "user__last_name")
        .annotate(cases=Count("content_object", distinct=True))
        .order_by("-cases", "user__username")
    )
