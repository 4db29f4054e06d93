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
from rest_framework.fields import empty
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

from cse_portal.young_people import permissions as yp_permissions
from cse_portal.young_people.models import YoungPerson
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
    # What a submitted referral must say is the service's rule (one wording, every error at
    # once); the serializer checks only that what is given is well-formed.
    immediate_danger = serializers.BooleanField(required=False, allow_null=True)
    consent = serializers.ChoiceField(choices=Consent.choices, required=False, allow_blank=True)
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
        extra_kwargs = {"concerns": {"required": False, "allow_blank": True}}

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


def _parsed_fields(fields: Any, data: Any, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    """The fields of a refused request that are well-formed on their own, by name (nested
    details field by field), so the service can say what is still missing."""
    errors = errors or {}
    parsed: dict[str, Any] = {}
    for name, field in fields.items():
        value = field.get_value(data)
        if field.read_only or value is empty:
            continue
        if isinstance(field, serializers.Serializer) and isinstance(value, dict):
            parsed[name] = _parsed_fields(field.fields, value, errors.get(name))
            continue
        if name in errors:
            continue
        try:
            parsed[name] = field.run_validation(value)
        except serializers.ValidationError:
            continue
    return parsed


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
        if not serializer.is_valid():
            # Beside what was malformed, what the referral still lacks: every error at once.
            young_person, fields = self._referral_fields(
                _parsed_fields(serializer.fields, serializer.initial_data, serializer.errors),
                strict=False,
            )
            problems = services.referral_submission_errors(young_person=young_person, **fields)
            raise serializers.ValidationError({**problems, **serializer.errors})
        young_person, fields = self._referral_fields(dict(serializer.validated_data), strict=True)
        try:
            referral = services.referral_submit(
                referred_by=request.user, young_person=young_person, **fields
            )
        except DjangoValidationError as error:
            raise _as_400(error) from error
        return Response(self.get_serializer(referral).data, status=status.HTTP_201_CREATED)

    def _referral_fields(
        self, data: dict[str, Any], *, strict: bool
    ) -> tuple[YoungPerson | None, dict[str, Any]]:
        """(the record named by id, the referral's fields). A record the caller may not see is a
        400 when ``strict``; otherwise it is left out and the names are asked for."""
        record_id = data.pop("young_person", None)
        details = data.pop("young_person_details", None) or {}
        if record_id:
            try:
                return yp_permissions.get_young_person_for_user(self.request.user, record_id), data
            except Http404:
                if strict:
                    raise serializers.ValidationError(
                        {"young_person": ["Select a young person whose record you can see"]}
                    ) from None
                return None, data
        details.setdefault("date_of_birth", None)
        details.setdefault("estimated_age", None)
        details["postcode"] = details.get("postcode") or ""
        return None, {**data, **details}

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
