"""``/api/v1/referrals/`` and ``/api/v1/referrals/{id}/triage/``: the same funnel and services as
the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

from cse_portal.young_people import permissions as yp_permissions
from cse_portal.young_people.validators import validate_postcode

from . import permissions, services
from .models import Consent, Decision, Referral


class YoungPersonDetailsSerializer(serializers.Serializer):
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    estimated_age = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=25
    )
    postcode = serializers.CharField(
        required=False, allow_blank=True, max_length=10, validators=[validate_postcode]
    )


class ReferralSerializer(serializers.ModelSerializer):
    young_person = serializers.UUIDField(required=False, allow_null=True, write_only=True)
    young_person_details = YoungPersonDetailsSerializer(required=False, write_only=True)
    indicators = serializers.ListField(child=serializers.CharField(), required=False)
    immediate_danger = serializers.BooleanField()
    consent = serializers.ChoiceField(choices=Consent.choices)
    outcome = serializers.CharField(read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "reference",
            "kind",
            "status",
            "outcome",
            "urgent",
            "created_at",
            "young_person",
            "young_person_details",
            "concerns",
            "indicators",
            "immediate_danger",
            "young_person_knows",
            "consent",
            "sharing_basis",
            "other_agencies",
        ]
        read_only_fields = ["id", "reference", "kind", "status", "urgent", "created_at"]
        extra_kwargs = {"concerns": {"required": True, "allow_blank": False}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("young_person") and not attrs.get("young_person_details"):
            raise serializers.ValidationError(
                {"young_person": ["Give a young person's id or young_person_details"]}
            )
        return attrs


class TriageSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    practitioners = serializers.ListField(child=serializers.UUIDField(), required=False)
    partner_agency = serializers.UUIDField(required=False, allow_null=True)
    young_person = serializers.UUIDField(required=False, allow_null=True)
    duplicate_of = serializers.UUIDField(required=False, allow_null=True)
    reason = serializers.CharField()


def _as_400(error: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(as_serializer_error(error))


class ReferralViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """GET lists the caller's own referrals (every submitted one for the team manager); POST makes
    and submits a referral."""

    serializer_class = ReferralSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Referral]:
        return permissions.visible_referrals(self.request.user).order_by("-created_at", "-id")

    def get_object(self) -> Referral:
        return permissions.get_referral_for_user(self.request.user, self.kwargs["pk"])

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        services.referrals_list_record(
            user=request.user, channel="api", result_count=response.data["count"]
        )
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        referral = self.get_object()
        services.referral_consult(referral=referral, user=request.user, channel="api")
        return Response(self.get_serializer(referral).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not permissions.can_make_referral(request.user):
            raise PermissionDenied
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        record_id = data.pop("young_person", None)
        details = data.pop("young_person_details", None) or {}
        young_person = None
        if record_id:
            try:
                young_person = yp_permissions.get_young_person_for_user(request.user, record_id)
            except Http404:
                raise serializers.ValidationError(
                    {"young_person": ["Select a young person whose record you can see"]}
                ) from None
        else:
            details.setdefault("date_of_birth", None)
            details.setdefault("estimated_age", None)
            details["postcode"] = details.get("postcode") or ""
            data.update(details)
        try:
            referral = services.referral_submit(
                referred_by=request.user, young_person=young_person, **data
            )
        except DjangoValidationError as error:
            raise _as_400(error) from error
        return Response(self.get_serializer(referral).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TriageSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def triage(self, request: Request, pk: str | None = None) -> Response:
        """The team manager's decision on a submitted referral."""
        referral = permissions.get_referral_for_triage(request.user, pk)
        serializer = TriageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            chosen = permissions.triage_choices(
                request.user,
                practitioners=data.get("practitioners") or [],
                partner_agency=data.get("partner_agency"),
                young_person=data.get("young_person"),
                duplicate_of=data.get("duplicate_of"),
            )
            services.referral_triage(
                referral=referral,
                decided_by=request.user,
                decision=data["decision"],
                reason=data["reason"],
                **chosen,
            )
        except DjangoValidationError as error:
            raise _as_400(error) from error
        referral.refresh_from_db()
        return Response(ReferralSerializer(referral).data)
