"""Reads of young people's records that depend on who is asking. Each page costs a fixed number
of queries whatever the number of rows."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Exists,
    ExpressionWrapper,
    FloatField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Concat
from rapidfuzz import fuzz

from cse_portal.accounts.roles import Role
from cse_portal.audit.models import AuditEntry
from cse_portal.audit.selectors import consultations_of_subject

from .models import (
    Alias,
    ChronologyEntry,
    Flag,
    Involvement,
    PartnerAgencyOffer,
    YoungPerson,
)
from .name_matching import Similarity, sound_keys, sounds_like
from .permissions import (
    visible_chronology_audiences,
    visible_young_people,
)
from .validators import normalise_nhs_number, normalise_postcode

#: A fragment shorter than this matches the start of a name: inside names it would match most of
#: the register (and no trigram index can serve it), and its sound is no key worth matching.
SHORT_FRAGMENT = 3


def _name_filter(text: str) -> Q:
    """Every word of ``text`` in, or sounding like, a given, family or alias name ("kaylee" finds
    Kayleigh).

    Each word is one ``pk IN (...)`` over a UNION of lookups that each use an index (the trigram
    indexes on UPPER(name), the double metaphone indexes): an OR of those tests written per row,
    with the alias EXISTS among them, makes PostgreSQL scan the whole table instead."""
    condition = Q()
    for word in text.split():
        contains = "name__istartswith" if len(word) < SHORT_FRAGMENT else "name__icontains"
        lookups = [
            YoungPerson.objects.filter(**{f"given_{contains}": word}).values("pk"),
            YoungPerson.objects.filter(**{f"family_{contains}": word}).values("pk"),
            Alias.objects.filter(**{contains: word}).values("young_person"),
        ]
        if len(word) >= SHORT_FRAGMENT:
            lookups += _sounding_like(word)
        first, *rest = (lookup.order_by() for lookup in lookups)
        condition &= Q(pk__in=first.union(*rest))
    return condition


def _sounding_like(word: str) -> list[QuerySet[Any]]:
    """Lookups of the records with a given, family or alias name that sounds like ``word``, each
    served by a double metaphone index."""
    keys = sound_keys(word)
    if not keys:
        return []
    by_name = [
        YoungPerson.objects.filter(sounds_like(name, keys)).values("pk")
        for name in ("given_name", "family_name")
    ]
    return [*by_name, Alias.objects.filter(sounds_like("name", keys)).values("young_person")]


def young_people_search(
    user: Any,
    *,
    text: str = "",
    date_of_birth: date | None = None,
    nhs_number: str = "",
    postcode: str = "",
) -> QuerySet[YoungPerson]:
    """The records ``user`` may see that match every criterion given, with what the results list
    shows (open involvement, active flags) fetched in a fixed number of queries."""
    records = visible_young_people(user)
    if text.strip():
        records = records.filter(_name_filter(text.strip()))
    if date_of_birth:
        records = records.filter(date_of_birth=date_of_birth)
    if nhs_number.strip():
        records = records.filter(nhs_number=normalise_nhs_number(nhs_number))
    if postcode.strip():
        # Postcodes are stored normalised, so an exact match can use the index.
        records = records.filter(postcode=normalise_postcode(postcode))
    open_involvement = Involvement.objects.filter(
        young_person=OuterRef("pk"), closed_at__isnull=True
    )
    return (
        records.annotate(is_open=Exists(open_involvement))
        .prefetch_related(
            Prefetch(
                "flags",
                queryset=Flag.objects.filter(removed_at__isnull=True),
                to_attr="active_flags",
            ),
        )
        .order_by("family_name", "given_name", "id")
    )


def young_person_record(young_person: YoungPerson) -> YoungPerson:
    """The record page's object, with its aliases, flags, involvements and offers prefetched."""
    return (
        YoungPerson.objects.filter(pk=young_person.pk)
        .select_related("created_by")
        .prefetch_related(
            "aliases",
            Prefetch(
                "flags",
                queryset=Flag.objects.filter(removed_at__isnull=True).select_related("raised_by"),
                to_attr="active_flags",
            ),
            Prefetch(
                "involvements",
                queryset=Involvement.objects.select_related("opened_by", "closed_by"),
            ),
            Prefetch(
                "partner_offers",
                queryset=PartnerAgencyOffer.objects.select_related("agency", "offered_by"),
            ),
        )
        .get()
    )


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
    return [
        record
        for record in born_that_day.order_by("id")
        if (normalise_name(record.given_name), normalise_name(record.family_name)) == wanted
    ]


@dataclass
class Match:
    record: YoungPerson
    score: int
    reasons: list[str] = field(default_factory=list)


#: Candidates scored in Python, the closest first as the database ranks them.
MAX_CANDIDATES = 300


def _candidates(
    given_name: str, family_name: str, date_of_birth: date | None, nhs_number: str, postcode: str
) -> QuerySet[YoungPerson]:
    """Records sharing an identifier or a similar or sound-alike name, the closest first, at most
    ``MAX_CANDIDATES``.

    The candidates are one UNION of lookups that each use an index (an OR across them, with the
    alias join, would scan the whole table). Nationally they number thousands, so the database
    ranks them by the same measures the final score uses and only the closest are kept: cutting
    the union unordered dropped the right record for a misspelt name among many similar ones."""
    records = YoungPerson.objects.current()
    lookups: list[QuerySet[YoungPerson]] = []
    if nhs_number:
        lookups.append(records.filter(nhs_number=nhs_number))
    if date_of_birth:
        lookups.append(records.filter(date_of_birth=date_of_birth))
    if postcode:
        lookups.append(records.filter(postcode=postcode))
    similar = "trigram_similar" if connection.vendor == "postgresql" else "istartswith"
    for name in (family_name, given_name):
        if len(name) < 2:
            continue
        term = name if similar == "trigram_similar" else name[:3]
        lookups.append(records.filter(**{f"family_name__{similar}": term}))
        lookups.append(records.filter(**{f"given_name__{similar}": term}))
        alias_lookup = similar if similar == "trigram_similar" else "icontains"
        lookups.append(records.filter(**{f"aliases__name__{alias_lookup}": term}))
        keys = sound_keys(name)
        if keys:
            lookups.append(records.filter(sounds_like("family_name", keys)))
            lookups.append(records.filter(sounds_like("given_name", keys)))
    if not lookups:
        return YoungPerson.objects.none()
    ids = [lookup.order_by().values("pk") for lookup in lookups]
    union = ids[0].union(*ids[1:])
    rank = _closeness(given_name, family_name, date_of_birth, nhs_number, postcode)
    return (
        YoungPerson.objects.filter(pk__in=union)
        .annotate(closeness=rank)
        .order_by("-closeness", "id")[:MAX_CANDIDATES]
    )


def _closeness(
    given_name: str, family_name: str, date_of_birth: date | None, nhs_number: str, postcode: str
) -> Any:
    """The database's estimate of the final score: the same weights for the identifiers, trigram
    similarity for the name, and a little for names that sound alike or an alias that does."""
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
        points.append(Similarity(full_name, Value(wanted)) * 60)
        for field, name in (("given_name", given_name), ("family_name", family_name)):
            keys = sound_keys(name)
            if keys:
                points.append(Case(When(sounds_like(field, keys), then=10.0), default=0.0))
        # The same name in another case has the same keys; keys alone keep to their index.
        alias = Alias.objects.filter(
            sounds_like("name", sound_keys(wanted)), young_person=OuterRef("pk")
        )
        points.append(Case(When(Exists(alias), then=30.0), default=0.0))
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
    return matches[:limit]


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
