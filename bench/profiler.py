"""``python -m bench.profiler [label ...]``: where each benchmarked page spends its time.

The same data set, database and signed-in client as ``make bench`` (``BENCH_SIZE``,
``DATABASE_URL``); each page is requested once to warm caches, then ``BENCH_PROFILE_REPEAT``
times (20) under cProfile, and the functions costing the most are printed, by their own time and
by their cumulative time. Labels pick pages by a word of their label (``record``, ``two-word``),
or name a path to profile as the team manager (``/reports/team/``, the floor ``/bench/floor/``).

cProfile's cost per call inflates code made of many small calls (templates, the ORM) several
times over. ``BENCH_PROFILE=wall`` times instead, without a profiler, the same requests beside the
floor's: the median wall time of a request and of what it spends compiling SQL, in the driver
(each statement's round trip, planning and execution) and rendering templates, each counted once
at its outermost call; the rest is everything else (middleware, views, forms, model instances,
the audit entry's Python).
"""

from __future__ import annotations

import cProfile
import importlib
import io
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def main(argv: list[str]) -> int:
    from .__main__ import SIZES, _choose_database

    size_name = os.environ.get("BENCH_SIZE", "50k").lower()
    _choose_database(size_name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cse_portal.settings")
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()

    from . import pages

    data = pages.prepare(SIZES[size_name], national=os.environ["DATABASE_URL"].startswith("post"))
    repeat = int(os.environ.get("BENCH_PROFILE_REPEAT", "20"))
    top = int(os.environ.get("BENCH_PROFILE_TOP", "25"))
    if os.environ.get("BENCH_PROFILE") == "wall":
        _wall(pages, data, argv, repeat)
        return 0
    for page in pages.chosen_pages(data, argv):
        request = pages.requester(data.client, page)
        request()
        profile = cProfile.Profile()
        with pages.timing_conditions():
            profile.enable()
            for _ in range(repeat):
                request()
            profile.disable()
        stats = pstats.Stats(profile, stream=io.StringIO())
        print(f"=== {page.label}: ms a request under the profiler ({repeat} requests)")
        for label, ms in _buckets(stats, repeat):
            print(f"  {ms:7.2f}  {label}")
        out = io.StringIO()
        stats.stream = out
        stats.sort_stats("tottime").print_stats(top)
        print(f"--- {page.label}: top {top} by own time")
        print(out.getvalue().split("\n", 3)[-1])
    return 0


#: What a page's time is spent on: (label, file suffix, function, owning class or "", own time).
#: A bucket's time is the function's cumulative time (cProfile counts a recursive call once, so a
#: template that includes another is not counted twice), or its own time for C functions.
BUCKETS = [
    ("whole request (test client)", "django/test/client.py", "request", "", False),
    ("  view", "django/core/handlers/base.py", "_get_response", "", False),
    ("  template rendering", "django/template/backends/django.py", "render", "", False),
    ("    {% url %} tags", "django/template/defaulttags.py", "render", "URLNode", False),
    ("    {% include %}", "django/template/loader_tags.py", "render", "IncludeNode", False),
    (
        "    inclusion tags (govuk_field ...)",
        "django/template/library.py",
        "render",
        "Inclusion",
        False,
    ),
    ("    variable lookups", "django/template/base.py", "_resolve_lookup", "", False),
    ("  reverse() anywhere", "django/urls/base.py", "reverse", "", False),
    ("  SQL compilation (as_sql)", "django/db/models/sql/compiler.py", "as_sql", "", False),
    ("  database round trips (execute, commit)", "~", "psycopg2", "", True),
    ("  query log (DEBUG cursor)", "django/db/backends/utils.py", "debug_sql", "", False),
    ("  model instances (from_db)", "django/db/models/base.py", "from_db", "", False),
    ("  audit entry written", "cse_portal/audit/services.py", "audit_record", "", False),
    ("  forms (full_clean)", "django/forms/forms.py", "full_clean", "", False),
]


def _buckets(stats: pstats.Stats, repeat: int) -> list[tuple[str, float]]:
    """Milliseconds a request for each bucket."""
    table = stats.stats  # type: ignore[attr-defined]
    rows = []
    for label, suffix, function, owner, own_time in BUCKETS:
        total = 0.0
        for (filename, line, name), (_cc, _nc, own, cum, _callers) in table.items():
            if filename == "~":
                if suffix != "~" or function not in name:
                    continue
            elif name != function or not filename.endswith(suffix):
                continue
            if owner and not _defined_in(filename, line, owner):
                continue
            total += own if own_time else cum
        rows.append((label, total * 1000 / repeat))
    return rows


#: The parts of a request ``BENCH_PROFILE=wall`` times: (column, module, class, method).
WALL_PARTS = [
    ("compiling", "django.db.models.sql.compiler", "SQLCompiler", "as_sql"),
    ("compiling", "django.db.models.sql.compiler", "SQLInsertCompiler", "as_sql"),
    ("compiling", "django.db.models.sql.compiler", "SQLAggregateCompiler", "as_sql"),
    ("driver", "django.db.backends.utils", "CursorWrapper", "execute"),
    ("driver", "django.db.backends.utils", "CursorDebugWrapper", "execute"),
    ("templates", "django.template.base", "Template", "render"),
]


def _wall(pages: Any, data: Any, labels: list[str], repeat: int) -> None:
    """The floor, then each page: median ms of a request and of each part, as a table."""
    spent: dict[str, float] = {}
    floor = pages.Page("floor", "/bench/floor/")
    print("| page | request ms | compiling ms | driver ms | templates ms | the rest ms |")
    print("|---|---|---|---|---|---|")
    with _timed_parts(spent):
        for page in [floor, *pages.chosen_pages(data, labels)]:
            request = pages.requester(data.client, page)
            request()
            samples = []
            with pages.timing_conditions():
                for _ in range(repeat):
                    spent.clear()
                    start = time.perf_counter()
                    request()
                    samples.append({"request": time.perf_counter() - start, **spent})
            median = {
                part: statistics.median(sample.get(part, 0.0) for sample in samples) * 1000
                for part in ("request", "compiling", "driver", "templates")
            }
            rest = median["request"] - median["compiling"] - median["driver"] - median["templates"]
            cells = " | ".join(f"{median[part]:.2f}" for part in median)
            print(f"| {page.label} | {cells} | {rest:.2f} |")


@contextmanager
def _timed_parts(spent: dict[str, float]) -> Iterator[None]:
    """Each method of ``WALL_PARTS`` adds its time to ``spent`` (its outermost call only)."""
    inside: set[str] = set()
    originals = []
    for part, module_name, class_name, method in WALL_PARTS:
        owner = getattr(importlib.import_module(module_name), class_name)
        if method not in vars(owner):
            continue
        original = vars(owner)[method]
        originals.append((owner, method, original))
        setattr(owner, method, _timing(part, original, spent, inside))
    try:
        yield
    finally:
        for owner, method, original in originals:
            setattr(owner, method, original)


def _timing(
    part: str, method: Callable[..., Any], spent: dict[str, float], inside: set[str]
) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        if part in inside:
            return method(*args, **kwargs)
        inside.add(part)
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            spent[part] = spent.get(part, 0.0) + time.perf_counter() - start
            inside.discard(part)

    return timed


def _defined_in(filename: str, line: int, owner: str) -> bool:
    """Whether the function at ``filename:line`` is a method of a class whose name starts with
    ``owner``."""
    try:
        source = Path(filename).read_text().splitlines()[: line - 1]
    except OSError:
        return False
    for text in reversed(source):
        if text.startswith("class "):
            return text[6:].startswith(owner)
    return False


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
