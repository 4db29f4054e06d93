"""``/api/v1/referrals/`` and ``/api/v1/referrals/{id}/triage/``: the same funnel and services as
the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.fields import empty
from rest_framework.request import Request
from rest_framework.response import Response

from cse_portal.dates import validate_new_date_of_birth
from cse_portal.fields import REASON_MAX_LENGTH
from cse_portal.young_people import permissions as yp_permissions
from cse_portal.young_people.models import YoungPerson
from cse_portal.young_people.validators import validate_postcode

from . import permissions, selectors, services
from .models import Consent, Decision, Referral


class YoungPersonDetailsSerializer(serializers.Serializer):
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField(
        required=False, allow_null=True, validators=[validate_new_date_of_birth]
    )
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
    # once); the serializer checks only that what is given is well-formed. Self-referrals and
    # community concerns do not ask these, so they read as null there.
    immediate_danger = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text="Required on a professional referral; null on self-referrals and concerns.",
    )
    consent = serializers.ChoiceField(
        choices=Consent.choices,
        required=False,
        allow_null=True,
        help_text="Required on a professional referral; null on self-referrals and concerns.",
    )
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

    def to_representation(self, instance: Referral) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["consent"] = data["consent"] or None
        return data

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("young_person") and not attrs.get("young_person_details"):
            raise serializers.ValidationError(
                {"young_person": ["Give a young person's id or young_person_details"]}
            )
        # The model stores "not answered" as blank; the service says it must be answered.
        attrs["consent"] = attrs.get("consent") or ""
        return attrs


class TriageSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    practitioners = serializers.ListField(child=serializers.UUIDField(), required=False)
    partner_agency = serializers.UUIDField(required=False, allow_null=True)
    young_person = serializers.UUIDField(required=False, allow_null=True)
    duplicate_of = serializers.UUIDField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


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
        if self.action == "list":
            # Only paged (``CappedPaginator`` counts and slices it): compiled once per asker.
            return selectors.listed_referrals(self.request.user)  # type: ignore[return-value]
        return selectors.visible_newest_first(self.request.user)

    def get_object(self) -> Referral:
        return permissions.get_referral_for_user(
            self.request.user, self.kwargs["pk"], channel="api"
        )

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
        referral = services.referral_submit(
            referred_by=request.user, young_person=young_person, **fields
        )
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
                record = yp_permissions.get_young_person_for_user(
                    self.request.user, record_id, channel="api"
                )
                return record, data
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
        referral = permissions.get_referral_for_triage(request.user, pk, channel="api")
        serializer = TriageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
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
        referral.refresh_from_db()
        return Response(ReferralSerializer(referral).data)
