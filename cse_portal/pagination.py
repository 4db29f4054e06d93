"""API pagination shared by every app: ``{"count", "next", "previous", "results"}``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


class PortalPagination(PageNumberPagination):
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
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters
