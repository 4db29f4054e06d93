"""``/api/v1/assessments/``: the same rules as the pages, through the same funnel and services."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cse_portal.accounts.models import Agency
from cse_portal.fields import REASON_MAX_LENGTH
from cse_portal.funnel import id_or_404
from cse_portal.young_people.selectors import young_people_search

from . import permissions, selectors, services
from .instrument import LEVEL_ORDER
from .models import Assessment


class InstrumentView(APIView):
    """The current published instrument: version, sections and items with their options (the
    first option of each item means "not present")."""

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        instrument = selectors.current_instrument()
        if instrument is None:
            raise NotFound("No instrument has been published.")
        return Response(
            {
                "name": instrument.name,
                "version": instrument.version,
                "published_at": instrument.published_at,
                "sections": instrument.parsed.public(),
            }
        )


class AnswerSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=100)
    value = serializers.CharField(max_length=100, allow_blank=True)


class AssessmentSerializer(serializers.ModelSerializer):
    young_person = serializers.UUIDField(source="young_person_id")
    answers = AnswerSerializer(many=True, required=False, source="answer_list")
    judgement_level = serializers.ChoiceField(
        choices=list(LEVEL_ORDER), required=False, allow_blank=True
    )
    judgement_rationale = serializers.CharField(
        required=False, allow_blank=True, max_length=REASON_MAX_LENGTH
    )
    submit = serializers.BooleanField(
        required=False, default=False, write_only=True, help_text="Submit for approval at once."
    )
    # Plain strings in the schema: one enum (judgement_level) documents the levels once.
    calculated_level = serializers.CharField(
        read_only=True, help_text="The instrument's level: " + ", ".join(LEVEL_ORDER)
    )
    level = serializers.CharField(
        read_only=True, help_text="The judgement level if one was set, else the calculated level"
    )
    instrument_version = serializers.IntegerField(source="instrument.version", read_only=True)
    assessor = serializers.CharField(source="assessor.username", read_only=True)
    suggested_items = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Item codes the requests for it suggested (also those given while it was a "
        "draft), to confirm: never answers.",
    )

    class Meta:
        model = Assessment
        fields = [
            "id",
            "young_person",
            "answers",
            "judgement_level",
            "judgement_rationale",
            "submit",
            "suggested_items",
            "score",
            "calculated_level",
            "level",
            "floor_applied",
            "social_care_referral",
            "status",
            "instrument_version",
            "assessor",
            "created_at",
            "submitted_at",
            "decided_at",
            "manager_comments",
            "review_due",
        ]
        read_only_fields = [
            "id",
            "score",
            "calculated_level",
            "level",
            "floor_applied",
            "social_care_referral",
            "status",
            "created_at",
            "submitted_at",
            "decided_at",
            "manager_comments",
            "review_due",
        ]

    def validate_answers(self, value: list[dict[str, str]]) -> list[dict[str, str]]:
        codes = [a["item"] for a in value]
        if len(codes) != len(set(codes)):
            raise serializers.ValidationError("Each item may be answered once.")
        return value


class DecisionSerializer(serializers.Serializer):
    comments = serializers.CharField(required=False, allow_blank=True, max_length=REASON_MAX_LENGTH)
    partner_agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.filter(is_active=True), required=False, allow_null=True
    )
    approve_lowering = serializers.BooleanField(required=False, default=False)
    universal_information = serializers.CharField(
        required=False, allow_blank=True, max_length=REASON_MAX_LENGTH
    )


@extend_schema(
    parameters=[
        OpenApiParameter("young_person", str, description="Only this young person's"),
        OpenApiParameter("search", str, description="The young person's name"),
    ]
)
class AssessmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = AssessmentSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Assessment]:
        queryset = permissions.visible_assessments(self.request.user).select_related(
            "instrument", "assessor"
        )
        young_person = self.request.query_params.get("young_person")
        if young_person:
            try:
                queryset = queryset.filter(
                    young_person_id=id_or_404(young_person, what="young person")
                )
            except Http404:
                raise serializers.ValidationError({"young_person": ["Not a valid id."]}) from None
        search = self.request.query_params.get("search", "").strip()
        if search:
            # The young people's own name search, served by its indexes (and sound-alikes).
            named = young_people_search(self.request.user, text=search).order_by().values("pk")
            queryset = queryset.filter(young_person__in=named)
        return queryset.defer("instrument__definition").order_by("-created_at", "-id")

    def get_object(self) -> Assessment:
        return permissions.get_assessment_for_user(
            self.request.user, self.kwargs["pk"], channel="api"
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not permissions.works_assessments(request.user):
            raise PermissionDenied
        return super().list(request, *args, **kwargs)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not permissions.works_assessments(request.user):
            raise PermissionDenied
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            young_person = permissions.get_young_person_to_assess(
                request.user, data["young_person_id"], channel="api"
            )
        except Http404:
            raise serializers.ValidationError(
                {"young_person": ["No such young person, or not one you may assess."]}
            ) from None
        assessment = services.assessment_create(
            young_person=young_person,
            assessor=request.user,
            answers={a["item"]: a["value"] for a in data.get("answer_list", [])},
            judgement_level=data.get("judgement_level", ""),
            judgement_rationale=data.get("judgement_rationale", ""),
            submit=data.get("submit", False),
        )
        return Response(self.get_serializer(assessment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DecisionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Team manager: approve a submitted assessment (``partner_agency`` for medium and low)."""
        assessment = self.get_object()
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.assessment_approve(
            assessment=assessment, approved_by=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(assessment).data)

    @extend_schema(request=DecisionSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_to_assessor(self, request: Request, pk: str | None = None) -> Response:
        """Team manager: return a submitted assessment to the assessor with ``comments``."""
        assessment = self.get_object()
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.assessment_return(
            assessment=assessment,
            returned_by=request.user,
            comments=serializer.validated_data.get("comments", ""),
        )
        return Response(self.get_serializer(assessment).data)
