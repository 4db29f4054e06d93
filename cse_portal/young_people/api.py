"""``/api/v1/young-people/``: the same rules as the pages, through the same funnel and services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from . import permissions, selectors, services
from .models import YoungPerson
from .validators import (
    validate_date_of_birth_or_age,
    validate_name_search,
    validate_nhs_number,
    validate_postcode,
)


class YoungPersonSerializer(serializers.ModelSerializer):
    nhs_number = serializers.CharField(
        required=False, allow_blank=True, max_length=14, validators=[validate_nhs_number]
    )
    postcode = serializers.CharField(
        required=False, allow_blank=True, max_length=10, validators=[validate_postcode]
    )
    aliases = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    flags = serializers.SerializerMethodField(
        help_text="The codes of the flags raised now, in the order their kinds are declared."
    )

    class Meta:
        model = YoungPerson
        fields = [
            "id",
            "given_name",
            "family_name",
            "aliases",
            "date_of_birth",
            "estimated_age",
            "gender",
            "ethnicity",
            "nhs_number",
            "postcode",
            "school",
            "looked_after",
            "learning_disability",
            "first_language",
            "current_risk_level",
            "flags",
        ]
        read_only_fields = ["id", "current_risk_level", "aliases", "flags"]

    def to_representation(self, record: YoungPerson) -> dict[str, Any]:
        """What the fields above read, written out: DRF reading them field by field, a call or
        more a field, took 11 of the 47 ms of the API's name search under the profiler (a page of
        50 records). A test holds the two the same, field for field."""
        born = record.date_of_birth
        # Lists read the aliases' names with the records (selectors._as_listed); one record
        # reads them.
        aliases = getattr(record, "alias_names", None)
        if aliases is None:
            aliases = [alias.name for alias in record.aliases.all()]
        return {
            "id": str(record.pk),
            "given_name": record.given_name,
            "family_name": record.family_name,
            "aliases": aliases,
            "date_of_birth": born.isoformat() if born else None,
            "estimated_age": record.estimated_age,
            "gender": record.gender,
            "ethnicity": record.ethnicity,
            "nhs_number": record.nhs_number,
            "postcode": record.postcode,
            "school": record.school,
            "looked_after": record.looked_after,
            "learning_disability": record.learning_disability,
            "first_language": record.first_language,
            "current_risk_level": record.current_risk_level,
            "flags": self.get_flags(record),
        }

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_flags(self, record: YoungPerson) -> list[str]:
        # Lists read the raised flags' kinds with the records (selectors._as_listed); one record
        # reads them.
        kinds = getattr(record, "flag_kinds", None)
        if kinds is None:
            kinds = record.flags.filter(removed_at__isnull=True).values_list("kind", flat=True)
        return [code for code, _ in selectors.listed_flags(kinds)]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        creating = self.instance is None
        dob = attrs.get("date_of_birth", None if creating else self.instance.date_of_birth)
        age = attrs.get("estimated_age", None if creating else self.instance.estimated_age)
        validate_date_of_birth_or_age(dob, age)
        return attrs


@extend_schema(
    parameters=[OpenApiParameter("search", str, description="Name, alias, NHS number or postcode")]
)
class YoungPersonViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = YoungPersonSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[YoungPerson]:
        # A name search lists its closest 200 (``count_capped`` says there were more). The
        # aliases' names are read with the records (``alias_names``).
        if self.action == "list":
            # Only paged: a list without a name is read with SQL compiled once per asker.
            return selectors.young_people_page_results(  # type: ignore[return-value]
                self.request.user, aliases=True, **self._criteria()
            )
        return selectors.young_people_results(  # type: ignore[return-value]
            self.request.user, aliases=True, **self._criteria()
        )

    def _criteria(self) -> dict[str, Any]:
        text = self.request.query_params.get("search", "").strip()
        if not text:
            return {}
        compact = text.replace(" ", "")
        if compact.isdigit() and len(compact) == 10:
            return {"nhs_number": compact}
        try:
            validate_postcode(text)
        except DjangoValidationError:
            pass
        else:
            if any(c.isdigit() for c in text):
                return {"postcode": text}
        try:
            validate_name_search(text)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"search": error.messages}) from error
        return {"text": text}

    def get_object(self) -> YoungPerson:
        return permissions.get_young_person_for_user(
            self.request.user, self.kwargs["pk"], channel="api"
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not permissions.can_search_young_people(request.user):
            raise PermissionDenied
        return super().list(request, *args, **kwargs)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not permissions.can_create_young_person(request.user):
            raise PermissionDenied
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.young_person_create(created_by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self.get_object()
        serializer = self.get_serializer(
            record, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        services.young_person_update(
            young_person=record, updated_by=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(record).data)
