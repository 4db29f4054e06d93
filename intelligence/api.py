"""``/api/v1/intelligence/`` (with ``/{id}/grading/``, ``/{id}/sanitise/``, ``/{id}/disseminate/``
and ``/{id}/acknowledge/``) and ``/api/v1/entities/``: the same funnel and services as the pages.
Each item is shown in the caller's view of it (``permissions.view_of``): the analyst's whole item,
the submitter's own report with its status, or the recipient's sanitised version."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from cse_portal.accounts.models import Agency, User
from cse_portal.fields import NARRATIVE_MAX_LENGTH, REASON_MAX_LENGTH

from . import permissions, selectors, services
from .models import (
    ALL_HANDLING_CODES,
    ALL_INTELLIGENCE_CODES,
    ALL_SOURCE_CODES,
    Entity,
    EntityKind,
    IntelligenceItem,
    Priority,
    Scheme,
    SourceKind,
)

#: What each view of an item shows.
RECIPIENT_FIELDS = (
    "id",
    "reference",
    "scheme",
    "source_evaluation",
    "intelligence_evaluation",
    "handling_code",
    "handling_conditions",
    "sanitised_content",
    "conditions_acknowledged",
)
SUBMITTER_FIELDS = (
    "id",
    "reference",
    "status",
    "created_at",
    "submitted_at",
    *services.DRAFT_FIELDS,
)


class ItemSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    reference = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True)
    scheme = serializers.ChoiceField(choices=Scheme.choices)
    source_evaluation = serializers.ChoiceField(choices=ALL_SOURCE_CODES)
    intelligence_evaluation = serializers.ChoiceField(choices=ALL_INTELLIGENCE_CODES)
    handling_code = serializers.ChoiceField(choices=ALL_HANDLING_CODES)
    handling_conditions = serializers.CharField(
        required=False, allow_blank=True, max_length=REASON_MAX_LENGTH
    )
    priority = serializers.ChoiceField(choices=Priority.choices)
    obtained_at = serializers.DateTimeField()
    content = serializers.CharField(max_length=NARRATIVE_MAX_LENGTH)
    source_kind = serializers.ChoiceField(
        choices=SourceKind.choices, required=False, default=SourceKind.OWN_OBSERVATION
    )
    source_description = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=REASON_MAX_LENGTH,
        help_text="Who told whom: never disseminated.",
    )
    subjects = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        max_length=100,
        help_text='Each {"kind", "role", ...}: person (name, date_of_birth, description, '
        "young_person), vehicle (registration, make, model, colour), location (name, address, "
        "postcode, latitude, longitude, venue_kind), phone (number), account (platform, handle).",
    )
    sanitised_content = serializers.CharField(read_only=True)
    conditions_acknowledged = serializers.BooleanField(read_only=True)

    def to_representation(self, instance: IntelligenceItem) -> dict[str, Any]:
        user = self.context["request"].user
        view = permissions.view_of(user, instance)
        if view == "analyst":
            data = _analyst_view(instance)
        elif view == "submitter":
            data = {name: _value(instance, name) for name in SUBMITTER_FIELDS}
        else:
            data = _recipient_view(user, instance)
        return data


def _value(item: IntelligenceItem, name: str) -> Any:
    value = getattr(item, name)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if name == "id":
        return str(value)
    return value


def _analyst_view(item: IntelligenceItem) -> dict[str, Any]:
    data = {name: _value(item, name) for name in SUBMITTER_FIELDS}
    data.update(
        origin=item.origin,
        origin_reference=item.origin_reference,
        analyst_source_evaluation=item.analyst_source_evaluation,
        analyst_intelligence_evaluation=item.analyst_intelligence_evaluation,
        analyst_handling_code=item.analyst_handling_code,
        analyst_handling_conditions=item.analyst_handling_conditions,
        sanitised_content=item.sanitised_content,
    )
    return data


def _recipient_view(user: Any, item: IntelligenceItem) -> dict[str, Any]:
    acknowledged = not item.conditions_need_acknowledgement or selectors.acknowledged(user, item)
    return {
        "id": str(item.pk),
        "reference": item.reference,
        "scheme": item.scheme,
        "source_evaluation": item.current_source_evaluation,
        "intelligence_evaluation": item.current_intelligence_evaluation,
        "handling_code": item.current_handling_code,
        "handling_conditions": item.current_handling_conditions,
        "sanitised_content": item.sanitised_content if acknowledged else None,
        "conditions_acknowledged": acknowledged,
    }


def _optional(field: type[serializers.Field], **kwargs: Any) -> serializers.Field:
    return field(required=False, allow_null=True, **kwargs)


class ItemViewSerializer(serializers.Serializer):
    """What an item reads as (documentation of the three views): the analyst's has every field,
    the submitter's what they sent and its status, the recipient's the sanitised version, the
    grading in force and the conditions. A field outside the caller's view is absent."""

    id = serializers.UUIDField()
    reference = serializers.CharField()
    status = _optional(serializers.CharField)
    created_at = _optional(serializers.DateTimeField)
    submitted_at = _optional(serializers.DateTimeField)
    scheme = _optional(serializers.CharField)
    source_evaluation = _optional(serializers.CharField, allow_blank=True)
    intelligence_evaluation = _optional(serializers.CharField, allow_blank=True)
    handling_code = _optional(serializers.CharField, allow_blank=True)
    handling_conditions = _optional(serializers.CharField, allow_blank=True)
    priority = _optional(serializers.CharField)
    obtained_at = _optional(serializers.DateTimeField)
    content = _optional(serializers.CharField, allow_blank=True)
    source_kind = _optional(serializers.CharField, allow_blank=True)
    source_description = _optional(serializers.CharField, allow_blank=True)
    subjects = _optional(serializers.ListField, child=serializers.DictField())
    origin = _optional(serializers.CharField)
    origin_reference = _optional(serializers.CharField, allow_blank=True)
    analyst_source_evaluation = _optional(serializers.CharField, allow_blank=True)
    analyst_intelligence_evaluation = _optional(serializers.CharField, allow_blank=True)
    analyst_handling_code = _optional(serializers.CharField, allow_blank=True)
    analyst_handling_conditions = _optional(serializers.CharField, allow_blank=True)
    sanitised_content = _optional(
        serializers.CharField,
        allow_blank=True,
        help_text="Null for a recipient until a 3x5x2 C item's conditions are accepted.",
    )
    conditions_acknowledged = _optional(serializers.BooleanField)


class GradingSerializer(serializers.Serializer):
    source_evaluation = serializers.ChoiceField(choices=ALL_SOURCE_CODES)
    intelligence_evaluation = serializers.ChoiceField(choices=ALL_INTELLIGENCE_CODES)
    handling_code = serializers.ChoiceField(choices=ALL_HANDLING_CODES)
    handling_conditions = serializers.CharField(
        required=False, allow_blank=True, max_length=REASON_MAX_LENGTH
    )
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class SanitiseSerializer(serializers.Serializer):
    sanitised_content = serializers.CharField(max_length=NARRATIVE_MAX_LENGTH)


class DisseminateSerializer(serializers.Serializer):
    recipients = serializers.ListField(
        child=serializers.UUIDField(), required=False, max_length=200
    )
    recipient_agencies = serializers.ListField(
        child=serializers.UUIDField(), required=False, max_length=200
    )
    purpose = serializers.CharField(required=False, allow_blank=True, max_length=REASON_MAX_LENGTH)
    authority = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=REASON_MAX_LENGTH,
        help_text="Required for handling code 2.",
    )


class DisseminationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    handling_code = serializers.CharField()
    disseminated_at = serializers.DateTimeField()
    recipients = serializers.ListField(child=serializers.CharField())


class IntelligenceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """GET lists what the caller may see (their own, everything for the analyst, what was
    disseminated to them), each in the caller's view; POST submits a report."""

    serializer_class = ItemSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[IntelligenceItem]:
        items = permissions.visible_items(self.request.user).order_by("-created_at", "-id")
        search = self.request.query_params.get("search", "").strip()[:100]
        if search:
            items = items.filter(reference__icontains=search)
        return items

    def get_object(self) -> IntelligenceItem:
        return permissions.get_visible_item(self.request.user, self.kwargs["pk"])

    @extend_schema(
        parameters=[OpenApiParameter("search", str, description="A reference")],
        responses=ItemViewSerializer,
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(responses=ItemViewSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=ItemSerializer, responses={201: ItemViewSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not permissions.can_submit(request.user):
            raise PermissionDenied
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.item_submit(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(item).data, status=status.HTTP_201_CREATED)

    def _analyst_item(self, pk: Any) -> IntelligenceItem:
        return permissions.get_item_for_analyst(self.request.user, pk, channel="api")

    @extend_schema(request=GradingSerializer, responses=ItemViewSerializer)
    @action(detail=True, methods=["post"])
    def grading(self, request: Request, pk: str | None = None) -> Response:
        """The analyst's re-evaluation (the submitted grading is kept) with its reason."""
        item = self._analyst_item(pk)
        serializer = GradingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.item_regrade(actor=request.user, item=item, **serializer.validated_data)
        return Response(self.get_serializer(item).data)

    @extend_schema(request=SanitiseSerializer, responses=ItemViewSerializer)
    @action(detail=True, methods=["post"])
    def sanitise(self, request: Request, pk: str | None = None) -> Response:
        """The analyst's sanitised version (the original is kept)."""
        item = self._analyst_item(pk)
        serializer = SanitiseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.item_sanitise(actor=request.user, item=item, **serializer.validated_data)
        return Response(self.get_serializer(item).data)

    @extend_schema(request=DisseminateSerializer, responses={201: DisseminationSerializer})
    @action(detail=True, methods=["post"])
    def disseminate(self, request: Request, pk: str | None = None) -> Response:
        """Share the sanitised version; a recipient the handling code forbids is a 400 naming
        the rule."""
        item = self._analyst_item(pk)
        serializer = DisseminateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user_ids = set(data.get("recipients") or [])
        agency_ids = set(data.get("recipient_agencies") or [])
        users = list(User.objects.filter(pk__in=user_ids, is_active=True))
        agencies = list(Agency.objects.filter(pk__in=agency_ids))
        errors = {}
        if len(users) != len(user_ids):
            errors["recipients"] = ["Every recipient must be an active user"]
        if len(agencies) != len(agency_ids):
            errors["recipient_agencies"] = ["Every agency must be one the portal knows"]
        if errors:
            raise serializers.ValidationError(errors)
        dissemination = services.item_disseminate(
            actor=request.user,
            item=item,
            recipients=users,
            recipient_agencies=agencies,
            purpose=data.get("purpose", ""),
            authority=data.get("authority", ""),
        )
        body = {
            "id": str(dissemination.pk),
            "handling_code": dissemination.handling_code,
            "disseminated_at": dissemination.disseminated_at.isoformat(),
            "recipients": [str(u.pk) for u in users] + [str(a.pk) for a in agencies],
        }
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ItemViewSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        """A recipient accepts a 3x5x2 C item's conditions; its sanitised text is then shown."""
        item = permissions.get_received_item(request.user, pk, channel="api")
        services.conditions_acknowledge(actor=request.user, item=item)
        return Response(self.get_serializer(item).data)


class EntitySerializer(serializers.ModelSerializer):
    mentions_count = serializers.IntegerField(read_only=True)
    venue_kind = serializers.CharField(
        read_only=True, help_text="hotel, takeaway, taxi_rank, park, house, online, other or blank"
    )

    class Meta:
        model = Entity
        fields = [
            "id",
            "kind",
            "label",
            "address",
            "postcode",
            "venue_kind",
            "latitude",
            "longitude",
            "make",
            "model",
            "colour",
            "date_of_birth",
            "mentions_count",
        ]
        read_only_fields = fields


class EntityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """People, vehicles, locations, phones and accounts: the analyst sees all, the team manager
    those an alert is about."""

    serializer_class = EntitySerializer
    filter_backends: list[Any] = []
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Entity]:
        params = self.request.query_params
        return selectors.entities_search(
            self.request.user,
            q=params.get("search", "").strip()[:100],
            kind=params.get("kind", ""),
        )

    def get_object(self) -> Entity:
        entity = permissions.get_entity_for_user(
            self.request.user, self.kwargs["pk"], channel="api"
        )
        user = self.request.user
        entity.mentions_count = (
            Entity.objects.filter(pk=entity.pk).aggregate(n=selectors.mentions_count(user))["n"]
            or 0
        )
        return entity

    @extend_schema(
        parameters=[
            OpenApiParameter("search", str, description="Words of the label"),
            OpenApiParameter("kind", str, enum=EntityKind.values),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)
