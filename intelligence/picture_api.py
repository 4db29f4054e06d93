"""``/api/v1/intelligence/network/`` (the link chart's JSON) and ``/api/v1/alerts/`` (list, read,
close): the same network statement, funnel and services as the picture's pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cse_portal.fields import REASON_MAX_LENGTH
from cse_portal.pagination import record_page_shown

from . import alerts, permissions, selectors, services
from .models import Alert, AlertOutcome, AlertStatus, Entity
from .network import DEFAULT_PER_KIND, GROUP_NAMES, MAX_PER_KIND, Filters, picture_build
from .picture_forms import (
    MIN_INTELLIGENCE_CHOICES,
    MIN_INTELLIGENCE_HINT,
    MIN_SOURCE_CHOICES,
    MIN_SOURCE_HINT,
    check_period,
    clean_district,
)


class NetworkQuerySerializer(serializers.Serializer):
    since = serializers.DateField(
        required=False, help_text="First day of the period (default: 90 days before until)"
    )
    until = serializers.DateField(required=False, help_text="Last day of the period (today)")
    district = serializers.CharField(
        required=False, allow_blank=True, max_length=4, help_text="Postcode district, like S1"
    )
    kind = serializers.ListField(
        child=serializers.ChoiceField(choices=GROUP_NAMES),
        required=False,
        max_length=len(GROUP_NAMES),
        help_text="Hub groups to show (default all)",
    )
    min_links = serializers.IntegerField(required=False, min_value=1, max_value=100)
    per_kind = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PER_KIND)
    min_source = serializers.ChoiceField(
        choices=[value for value, _label in MIN_SOURCE_CHOICES],
        required=False,
        allow_blank=True,
        help_text=MIN_SOURCE_HINT,
        error_messages={"invalid_choice": "Choose a minimum source evaluation: 1 or 2"},
    )
    min_intelligence = serializers.ChoiceField(
        choices=[value for value, _label in MIN_INTELLIGENCE_CHOICES],
        required=False,
        allow_blank=True,
        help_text=MIN_INTELLIGENCE_HINT,
        error_messages={"invalid_choice": "Choose a minimum intelligence evaluation: A to D"},
    )

    def validate_district(self, value: str) -> str:
        from django.core.exceptions import ValidationError

        try:
            return clean_district(value)
        except ValidationError as error:
            raise serializers.ValidationError(error.messages) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        until = attrs.get("until") or timezone.localdate()
        problems = check_period(None, until)
        since = attrs.get("since") or (until - timedelta(days=90) if not problems else until)
        problems = problems or check_period(since, until)
        if problems:
            raise serializers.ValidationError({"since": problems})
        attrs["since"], attrs["until"] = since, until
        return attrs

    def filters(self) -> Filters:
        data = self.validated_data
        asked = data.get("kind") or GROUP_NAMES
        return Filters(
            since=data["since"],
            until=data["until"],
            district=data.get("district", ""),
            groups=tuple(g for g in GROUP_NAMES if g in asked),
            min_links=data.get("min_links") or 1,
            per_kind=data.get("per_kind") or DEFAULT_PER_KIND,
            min_source=data.get("min_source") or "",
            min_intelligence=data.get("min_intelligence") or "",
        )


_NODE = inline_serializer(
    "NetworkNode",
    {
        "id": serializers.UUIDField(),
        "label": serializers.CharField(),
        "group": serializers.ChoiceField(choices=[*GROUP_NAMES, "young_person"]),
        "young_people": serializers.IntegerField(allow_null=True),
        "items": serializers.IntegerField(allow_null=True),
        "url": serializers.CharField(),
    },
)
_EDGE = inline_serializer(
    "NetworkEdge",
    {
        "id": serializers.CharField(),
        "source": serializers.UUIDField(),
        "target": serializers.UUIDField(),
        "weight": serializers.IntegerField(),
    },
)
_NETWORK = inline_serializer(
    "Network",
    {
        "filters": serializers.DictField(),
        "nodes": serializers.ListField(child=_NODE),
        "edges": serializers.ListField(child=_EDGE),
        "truncated": serializers.BooleanField(),
    },
)


class NetworkView(APIView):
    """The victim / offender / location network for a period: the top hubs (locations, vehicles,
    suspected exploiters, phones, accounts) of each kind by the young people linked, and their
    links to those young people. The analyst only."""

    @extend_schema(
        parameters=[
            OpenApiParameter("since", str, description="YYYY-MM-DD"),
            OpenApiParameter("until", str, description="YYYY-MM-DD"),
            OpenApiParameter("district", str, description="Postcode district, like S1"),
            OpenApiParameter("kind", str, many=True, enum=GROUP_NAMES),
            OpenApiParameter("min_links", int),
            OpenApiParameter("per_kind", int),
            OpenApiParameter(
                "min_source",
                str,
                enum=[value for value, _label in MIN_SOURCE_CHOICES if value],
                description=MIN_SOURCE_HINT,
            ),
            OpenApiParameter(
                "min_intelligence",
                str,
                enum=[value for value, _label in MIN_INTELLIGENCE_CHOICES if value],
                description=MIN_INTELLIGENCE_HINT,
            ),
        ],
        responses=_NETWORK,
        operation_id="intelligence_network",
    )
    def get(self, request: Request) -> Response:
        if not permissions.is_analyst(request.user):
            raise PermissionDenied("The picture is the analyst's")
        query = NetworkQuerySerializer(
            data={
                **{k: v for k, v in request.query_params.items() if k != "kind"},
                **({"kind": request.query_params.getlist("kind")} if "kind" in request.GET else {}),
            }
        )
        query.is_valid(raise_exception=True)
        result = picture_build(query.filters())
        shown = result.shown_entities()
        record_page_shown(
            request, shown, model=Entity, result_count=len(shown), channel="api: network"
        )
        return Response(
            result.as_json(),
        )


class AlertSerializer(serializers.ModelSerializer):
    entity = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "entity",
            "status",
            "raised_at",
            "updated_at",
            "young_people_count",
            "items_count",
            "outcome",
            "reason",
            "closed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(
        inline_serializer(
            "AlertEntity",
            {
                "id": serializers.UUIDField(),
                "kind": serializers.CharField(),
                "label": serializers.CharField(),
            },
        )
    )
    def get_entity(self, alert: Alert) -> dict[str, Any]:
        entity = alert.entity
        return {"id": str(entity.pk), "kind": entity.kind, "label": entity.label}


class AlertCloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=AlertOutcome.choices)
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Pattern alerts, for the analyst and the team manager: newest change first; close one with
    its outcome and reason."""

    serializer_class = AlertSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Alert]:
        if not permissions.can_see_alerts(self.request.user):
            raise PermissionDenied("Alerts are for the analyst and the team manager")
        alerts_ = selectors.alerts_visible_to(self.request.user)
        status = self.request.query_params.get("status", "")
        if status:
            if status not in AlertStatus.values:
                raise serializers.ValidationError({"status": ["Choose open or closed"]})
            alerts_ = alerts_.filter(status=status)
        return alerts_

    def get_object(self) -> Alert:
        return alerts.get_alert_for_user(self.request.user, self.kwargs["pk"], channel="api")

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=AlertStatus.values)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        # The page of alerts is audited by the paginator; the entities they name are too.
        entities = [alert.entity for alert in self.paginator.page.object_list]
        record_page_shown(
            request, entities, model=Entity, result_count=len(entities), channel="api: alerts"
        )
        return response

    @extend_schema(request=AlertCloseSerializer, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Close an open alert with its outcome (operation, outreach, disruption,
        no_further_action) and the reason."""
        alert = self.get_object()
        body = AlertCloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        closed = services.alert_close(
            actor=request.user,
            alert=alert,
            outcome=body.validated_data["outcome"],
            reason=body.validated_data["reason"],
        )
        return Response(self.get_serializer(closed).data)
