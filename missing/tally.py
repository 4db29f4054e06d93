"""The episode tally (``EpisodeTally``): the reports' missing figures kept as the episodes change,
so that a year's figures read a few rows instead of every episode that began in it.

For each period (the month, the quarter and the year, in UK time, in which an episode began) the
tally holds how many children had exactly *n* episodes in it. It is a ledger: a change adds rows
(``-1`` child with the count before, ``+1`` with the count after) and never updates one, so two
writers never wait for each other on it; the sums over its rows are the figures, and
``compact`` folds the rows of a period and count into one.

A service that adds an episode, or changes when it began or whose it is, does so inside
``kept(young person ids)``: that locks those children (in PostgreSQL; SQLite writes one at a
time anyway), counts their episodes by period before and after, and adds the difference.
``rebuild`` writes the tally afresh from the episodes (the migration that made it,
``manage.py missing_tally_rebuild``), in grouped SQL rather than episode by episode.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

#: The first key of PostgreSQL's two-key advisory locks taken here (a child's episodes).
_LOCK_CLASS = 0x4D464854  # "MFHT"


def period_keys(moment: datetime) -> tuple[str, str, str]:
    """The month, quarter and year (UK time) of a moment, as the reports name them."""
    local = timezone.localtime(moment, timezone.get_default_timezone())
    quarter = (local.month - 1) // 3 + 1
    return f"{local.year}-{local.month:02d}", f"{local.year}-Q{quarter}", str(local.year)


def _lock(young_person_ids: list[str]) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for pk in young_person_ids:  # sorted: two writers lock in the same order
            key = int.from_bytes(uuid.UUID(pk).bytes[:4], "big", signed=True)
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, key])


def _counts(young_person_ids: list[str]) -> Counter[tuple[str, str]]:
    """Each child's episodes by period: ``(young person id, period) -> n``."""
    from .models import MissingEpisode

    counts: Counter[tuple[str, str]] = Counter()
    rows = MissingEpisode.objects.filter(young_person__in=young_person_ids).values_list(
        "young_person_id", "missing_since"
    )
    for young_person_id, since in rows:
        for key in period_keys(since):
            counts[(str(young_person_id), key)] += 1
    return counts


def _add(changes: Counter[tuple[str, int]]) -> None:
    from .models import EpisodeTally

    rows = [
        EpisodeTally(period=period, episodes=episodes, children=children)
        for (period, episodes), children in sorted(changes.items())
        if children
    ]
    if rows:
        EpisodeTally.objects.bulk_create(rows)


@contextmanager
def kept(*young_person_ids: Any) -> Iterator[None]:
    """Around a write that adds episodes to these children or moves them (to another time or
    another child): the tally follows, in the same transaction."""
    ids = sorted({str(pk) for pk in young_person_ids if pk is not None})
    # No savepoint of its own: a failure inside rolls back whatever block it is in, the write
    # and the tally together.
    with transaction.atomic(savepoint=False):
        _lock(ids)
        before = _counts(ids)
        yield
        after = _counts(ids)
        changes: Counter[tuple[str, int]] = Counter()
        for key in before.keys() | after.keys():
            was, now = before[key], after[key]
            if was == now:
                continue
            period = key[1]
            if was:
                changes[(period, was)] -= 1
            if now:
                changes[(period, now)] += 1
        _add(changes)


# --- Rebuilding and compacting --------------------------------------------------------------------

#: Each child's episodes by month (numbered ``year * 12 + month - 1``, UK time), then by quarter
#: and year from those numbers; the histogram of those counts is small, and its keys are made
#: after (``_key``), so nothing is formatted a row. An episode's month is found among the UK
#: month starts from the first episode's to the last's (``width_bucket``, a search in a sorted
#: array) rather than by converting every episode's time to UK time, which costs several times
#: as much; the bounds are read in the same statement, so they hold every episode it reads.
_REBUILD_POSTGRES = """
WITH span AS MATERIALIZED (
    SELECT date_trunc('month', min(missing_since) AT TIME ZONE %(zone)s) AS first,
           date_trunc('month', max(missing_since) AT TIME ZONE %(zone)s) AS last
    FROM missing_missingepisode
), bounds AS MATERIALIZED (
    SELECT (extract(year FROM first) * 12 + extract(month FROM first) - 1)::int AS first_number,
           (SELECT array_agg(start AT TIME ZONE %(zone)s ORDER BY start)
            FROM generate_series(first, last + interval '1 month', interval '1 month') start)
               AS starts
    FROM span
), monthly AS (
    SELECT young_person_id,
           bounds.first_number + width_bucket(missing_since, bounds.starts) - 1 AS m,
           count(*) AS n
    FROM missing_missingepisode, bounds
    GROUP BY 1, 2
), per_child AS (
    SELECT 0 AS kind, m AS number, n FROM monthly
    UNION ALL
    SELECT 1, m / 3, sum(n) FROM monthly GROUP BY young_person_id, m / 3
    UNION ALL
    SELECT 2, m / 12, sum(n) FROM monthly GROUP BY young_person_id, m / 12
)
SELECT kind, number, n, count(*) FROM per_child GROUP BY 1, 2, 3
"""


def _key(kind: int, number: int) -> str:
    """A month (0), quarter (1) or year (2) numbered as in ``_REBUILD_POSTGRES``, as its key."""
    if kind == 0:
        return f"{number // 12}-{number % 12 + 1:02d}"
    if kind == 1:
        return f"{number // 4}-Q{number % 4 + 1}"
    return str(number)


def rebuild(using: str = "default", tally: Any = None, episodes: Any = None) -> int:
    """The tally afresh from every episode, in one transaction: the rows it wrote. ``tally`` and
    ``episodes`` are the models to use (a migration's historical ones); PostgreSQL does it in one
    grouped statement, other engines group by child and month in SQL and add up the months."""
    from django.db import connections
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    if tally is None or episodes is None:
        from .models import EpisodeTally, MissingEpisode

        tally, episodes = EpisodeTally, MissingEpisode
    db = connections[using]
    with transaction.atomic(using=using):
        tally.objects.using(using).all().delete()
        if db.vendor == "postgresql":
            with db.cursor() as cursor:
                # Room to group millions of episodes by child and month in memory (this
                # transaction only).
                cursor.execute("SET LOCAL work_mem = '256MB'")
                cursor.execute(_REBUILD_POSTGRES, {"zone": str(timezone.get_default_timezone())})
                rows = cursor.fetchall()
            tally.objects.using(using).bulk_create(
                tally(period=_key(kind, number), episodes=n, children=children)
                for kind, number, n, children in sorted(rows)
            )
            return len(rows)
        monthly = (
            episodes.objects.using(using)
            .annotate(month=TruncMonth("missing_since", tzinfo=timezone.get_default_timezone()))
            .values("young_person_id", "month")
            .annotate(n=Count("pk"))
            .order_by()
        )
        per_child: Counter[tuple[Any, str]] = Counter()
        for row in monthly:
            month = row["month"]
            quarter = (month.month - 1) // 3 + 1
            for key in (
                f"{month.year}-{month.month:02d}",
                f"{month.year}-Q{quarter}",
                f"{month.year}",
            ):
                per_child[(row["young_person_id"], key)] += row["n"]
        histogram: Counter[tuple[str, int]] = Counter(
            (period, n) for (_, period), n in per_child.items()
        )
        tally.objects.using(using).bulk_create(
            tally(period=period, episodes=n, children=children)
            for (period, n), children in sorted(histogram.items())
        )
        return len(histogram)


_COMPACT_POSTGRES = """
WITH gone AS (
    DELETE FROM missing_episodetally RETURNING period, episodes, children
)
INSERT INTO missing_episodetally (period, episodes, children)
SELECT period, episodes, sum(children) FROM gone GROUP BY 1, 2 HAVING sum(children) <> 0
"""


def compact() -> int:
    """Fold the ledger into one row a period and count (the sums unchanged): the rows left.
    In PostgreSQL one statement reads and replaces the rows it saw, so a change committed
    meanwhile is kept as it was added."""
    from django.db.models import Sum

    from .models import EpisodeTally

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(_COMPACT_POSTGRES)
        else:
            sums = list(
                EpisodeTally.objects.values("period", "episodes")
                .annotate(total=Sum("children"))
                .order_by()
            )
            EpisodeTally.objects.all().delete()
            EpisodeTally.objects.bulk_create(
                EpisodeTally(period=s["period"], episodes=s["episodes"], children=s["total"])
                for s in sums
                if s["total"]
            )
        return EpisodeTally.objects.count()
