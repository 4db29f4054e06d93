"""Every list of case data is paged here, pages and API alike, and every page is audited here: a
list is recorded because it was paged, naming the records on the page, so none can forget.

The API's page shape is ``{"count", "count_capped", "next", "previous", "results"}``. Counting stops
at ``COUNT_CAP``: an exact count of a national register's matches costs a scan of every match on
every page, and nobody pages through ten thousand results; they narrow the search."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable
from django.http import HttpRequest
from django.utils.functional import cached_property
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from cse_portal.audit.services import audit_page_shown
from cse_portal.statements import KeptList, ListStatement

COUNT_CAP = 10_000
#: From this row on, a page's rows are read by their keys: the keys of its rows in the list's
#: order, off the order's index, then the rows for those keys (a kept list reads both in one
#: statement, the keys in a subquery). Read at once, every row skipped before the page is read
#: from the table (at 1,000,000 young people, the list's last page within the cap: 24.8 ms for
#: its rows read at once, 2.1 ms for its keys).
KEYS_FIRST_FROM = 1_000


def kept_list(build: Any) -> ListStatement:
    """A list of records compiled once per asker and criteria (``statements.ListStatement``),
    counted as this paginator counts. Building and compiling a list's query set on every page
    cost about as much as reading it: at 1,000,000 young people, kept lists took 1.8-2.7 ms off
    the medians of the young people's list, its postcode search, its deep pages and the triage
    queue."""
    return ListStatement(build, count_up_to=COUNT_CAP + 1)


class CappedPaginator(Paginator):
    """Counts at most ``COUNT_CAP`` rows; ``capped`` says there were more. A list of rows that
    is already bounded (a name search keeps its closest 200) says itself, in its own ``capped``,
    whether more matched: nothing is counted then."""

    capped = False

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if isinstance(rows, KeptList) and rows.counts_up_to > COUNT_CAP:
            counted = rows.count()
        elif isinstance(rows, KeptList | QuerySet):
            rows = rows.rebuild() if isinstance(rows, KeptList) else rows
            # Only the keys, unordered, and no further than the cap: an index can answer it.
            counted = rows.order_by().values("pk")[: COUNT_CAP + 1].count()
        else:
            counted = len(rows)
            if hasattr(rows, "capped"):
                self.capped = bool(rows.capped)
                return counted
        self.capped = counted > COUNT_CAP
        return min(counted, COUNT_CAP)

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = self.object_list
        if bottom < KEYS_FIRST_FROM or not (isinstance(rows, KeptList) or _by_keys_possible(rows)):
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if isinstance(rows, KeptList):
            return self._get_page(rows.deep_page(bottom, top), number, self)
        keys = list(rows.values_list("pk", flat=True)[bottom:top])
        found = {row.pk: row for row in rows.filter(pk__in=keys).order_by()}
        return self._get_page([found[key] for key in keys if key in found], number, self)


def _by_keys_possible(rows: Any) -> bool:
    """Whether ``rows`` is a plain query of model instances, which its keys can be read from."""
    return (
        isinstance(rows, QuerySet)
        and rows._iterable_class is ModelIterable
        and not rows.query.combinator
        and not rows.query.is_sliced
    )


#: Query parameters that choose the page, not the records: left out of the audited criteria.
PAGING_PARAMETERS = frozenset({"page", "page_size"})


def _subjects(record: Model) -> set[str]:
    """The young people a record concerns (the audit log's subjects): a young person's record is
    its own; a record that names several says so in ``audit_subjects()``; case records name
    theirs in ``young_person_id``; anything else has none."""
    if record._meta.label_lower == "young_people.youngperson":
        return {str(record.pk)}
    if hasattr(record, "audit_subjects"):
        return set(record.audit_subjects())
    subject = getattr(record, "young_person_id", None)
    return {str(subject)} if subject is not None else set()


def record_page_shown(
    request: Any,
    shown: Sequence[Model],
    *,
    model: type[Model],
    result_count: int,
    channel: str,
) -> None:
    """Audit one page of ``model`` records shown to ``request.user``, with the criteria asked."""
    subjects = sorted(set().union(*map(_subjects, shown)))
    _record_shown(request, model, channel, result_count, [str(r.pk) for r in shown], subjects)


def record_rows_shown(
    request: Any,
    keys: Sequence[Any],
    *,
    model: type[Model],
    result_count: int,
    channel: str,
) -> None:
    """Audit one page of ``model`` rows read as values (their keys), for a model whose records
    name no young person: a record that could has its subjects worked out from the records
    themselves, by ``record_page_shown``."""
    names_young_people = (
        model._meta.label_lower == "young_people.youngperson"
        or hasattr(model, "audit_subjects")
        or any(field.attname == "young_person_id" for field in model._meta.concrete_fields)
    )
    if names_young_people:
        raise TypeError(f"{model._meta.label} records name young people: audit the records")
    _record_shown(request, model, channel, result_count, [str(key) for key in keys], [])


def _record_shown(
    request: Any,
    model: type[Model],
    channel: str,
    result_count: int,
    shown: list[str],
    subjects: list[str],
) -> None:
    params: Mapping[str, Any] = request.GET
    audit_page_shown(
        actor=request.user,
        object_type=model._meta.label_lower,
        label=str(model._meta.verbose_name_plural).capitalize(),
        channel=channel,
        shown=shown,
        subjects=subjects,
        result_count=result_count,
        criteria={k: v for k, v in params.items() if k not in PAGING_PARAMETERS and v},
    )


def audited_page(
    request: HttpRequest,
    records: QuerySet[Any] | Sequence[Any],
    *,
    per_page: int,
    channel: str,
    paginator: CappedPaginator | None = None,
) -> Page:
    """The page of ``records`` the ``page`` parameter asks for, audited. Its rows are fetched once,
    here, and the template reuses them. A page that has already counted ``records`` (a tab's
    count) hands its ``paginator`` over, so they are not counted twice."""
    paginator = paginator or CappedPaginator(records, per_page)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    record_page_shown(
        request,
        page.object_list,
        model=records.model,
        result_count=page.paginator.count,
        channel=channel,
    )
    return page


class PortalPagination(PageNumberPagination):
    django_paginator_class = CappedPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        # A page number that can never exist (0, -1, "abc") is bad input, a 400 naming the
        # parameter; a page past the last one of this result set stays DRF's 404.
        number = request.query_params.get(self.page_query_param)
        valid = number is None or number in self.last_page_strings
        valid = valid or (number.isascii() and number.isdigit() and int(number) >= 1)
        if not valid:
            raise ValidationError({self.page_query_param: ["Give a page number from 1."]})
        rows = super().paginate_queryset(queryset, request, view)
        if rows is not None:
            record_page_shown(
                request,
                rows,
                model=queryset.model,
                result_count=self.page.paginator.count,
                channel="api",
            )
        return rows

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["count_capped"] = self.page.paginator.capped
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paged = super().get_paginated_response_schema(schema)
        paged["properties"]["count"]["description"] = f"Exact up to {COUNT_CAP:,}."
        paged["properties"]["count_capped"] = {
            "type": "boolean",
            "description": f"True when there are more than {COUNT_CAP:,} results.",
        }
        paged["required"] = [*paged.get("required", []), "count_capped"]
        return paged

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters
