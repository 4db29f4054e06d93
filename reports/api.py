"""``/api/v1/measures/`` (the figures for a period, suppressed as on the page) and
``/api/v1/reports/`` (request, status with progress, download): the same funnel, measures and
services as the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import measures, permissions, services
from .models import ReportKind, ReportRun
from .periods import Granularity, Period


class MeasureSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    section = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="null when suppressed")
    suppressed = serializers.BooleanField()
    previous = serializers.FloatField(allow_null=True)
    previous_suppressed = serializers.BooleanField(allow_null=True)
    definition = serializers.CharField()


class MeasuresSerializer(serializers.Serializer):
    period = serializers.CharField()
    previous_period = serializers.CharField()
    measures = MeasureSerializer(many=True)


class MeasuresView(APIView):
    """The LSCB measures for a period (``2026``, ``2026-Q3`` or ``2026-09``; the current quarter
    by default) beside the previous period, small counts suppressed (value ``null``)."""

    @extend_schema(
        parameters=[OpenApiParameter("period", str, description="2026, 2026-Q3 or 2026-09")],
        responses=MeasuresSerializer,
    )
    def get(self, request: Request) -> Response:
        if not permissions.can_read_measures(request.user):
            raise PermissionDenied
        text = request.query_params.get("period", "").strip()
        try:
            period = (
                Period.parse(text)
                if text
                else Period.containing(timezone.localdate(), Granularity.QUARTER)
            )
        except ValidationError as error:
            return Response({"period": error.messages}, status=status.HTTP_400_BAD_REQUEST)
        figures = measures.figures_for(period)
        rows = []
        for section in figures.sections:
            for row in section.rows:
                rows.append(
                    {
                        "name": row.name,
                        "label": row.label,
                        "section": section.section.slug,
                        "value": row.current.value,
                        "suppressed": row.current.suppressed,
                        "previous": row.previous.value if row.previous else None,
                        "previous_suppressed": row.previous.suppressed if row.previous else None,
                        "definition": row.definition,
                    }
                )
        return Response(
            {"period": period.key, "previous_period": period.previous.key, "measures": rows}
        )


class ReportRunSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    period = serializers.CharField(max_length=10)
    area = serializers.CharField(max_length=8, required=False, allow_blank=True)
    download = serializers.SerializerMethodField()

    class Meta:
        model = ReportRun
        fields = (
            "id",
            "kind",
            "period",
            "area",
            "marking",
            "status",
            "progress",
            "step",
            "error",
            "requested_at",
            "finished_at",
            "published_at",
            "download",
        )
        read_only_fields = (
            "id",
            "marking",
            "status",
            "progress",
            "step",
            "error",
            "requested_at",
            "finished_at",
            "published_at",
        )

    def get_download(self, run: ReportRun) -> str | None:
        if run.status != "done":
            return None
        request = self.context.get("request")
        path = f"/api/v1/reports/{run.pk}/download/"
        return request.build_absolute_uri(path) if request else path


class ReportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """GET lists the caller's reports and those shared with it (and every LSCB report for the
    LSCB and team managers); POST requests one (202, then poll the report for its progress)."""

    serializer_class = ReportRunSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[ReportRun]:
        return permissions.visible_runs(self.request.user).order_by("-requested_at", "-id")

    def get_object(self) -> ReportRun:
        return permissions.get_run_for_user(self.request.user, self.kwargs["pk"], channel="api")

    @extend_schema(request=ReportRunSerializer, responses={202: ReportRunSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kind = serializer.validated_data["kind"]
        if not permissions.can_request(request.user, kind):
            raise PermissionDenied
        run = services.report_request(user=request.user, **serializer.validated_data)
        return Response(self.get_serializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(description="The report's PDF"),
            404: inline_serializer("NotReady", {"detail": serializers.CharField()}),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: Any = None) -> HttpResponse:
        run = permissions.get_run_for_user(request.user, pk, channel="api download")
        try:
            content = services.report_file_read(run=run, user=request.user, channel="api")
        except ValidationError:
            raise Http404("This report is not ready") from None
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{run.kind}-{run.period}.pdf"'
        response["Cache-Control"] = "no-store"
        return response
