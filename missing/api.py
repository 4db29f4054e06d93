"""``/api/v1/missing-episodes/``, ``/api/v1/return-interviews/``, ``/api/v1/philomena-profiles/``,
``/api/v1/missing-imports/`` and ``/api/v1/missing-import-matches/``: the same funnel and services
as the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from cse_portal.accounts.models import Agency, User
from cse_portal.dates import validate_new_date_of_birth
from cse_portal.fields import NARRATIVE_MAX_LENGTH, REASON_MAX_LENGTH, SHORT_TEXT_MAX_LENGTH
from cse_portal.funnel import uuid_or_none
from cse_portal.pagination import record_page_shown
from cse_portal.young_people import permissions as yp_permissions
from cse_portal.young_people.models import YoungPerson
from cse_portal.young_people.validators import validate_postcode

from . import importing, permissions, services
from .models import (
    AttemptMethod,
    AttemptOutcome,
    ImportMatch,
    MissingEpisode,
    PhilomenaProfile,
    PoliceImport,
    ReturnInterview,
    ReturnMethod,
)


def _also_shown(request: Request, model: Any, ids: set[Any], channel: str) -> None:
    """Audit the other records a list names by id (an episode's interview, an interview's
    episode, a match's candidates), so a list is as accountable as the records on it."""
    ids = {i for i in ids if i}
    if not ids:
        return
    records = list(model.objects.filter(pk__in=ids))
    record_page_shown(
        request, records, model=model, result_count=len(records), channel=f"api: {channel}"
    )


class MissingYoungPersonDetailsSerializer(serializers.Serializer):
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
    looked_after = serializers.BooleanField(required=False, default=False)


class EpisodeSerializer(serializers.ModelSerializer):
    young_person = serializers.UUIDField(source="young_person_id", required=False, allow_null=True)
    young_person_details = MissingYoungPersonDetailsSerializer(required=False, write_only=True)
    risk_grade = serializers.CharField(
        max_length=20,
        help_text="no_apparent_risk, low, medium or high (an imported historic one may be absent)",
    )
    last_seen = serializers.CharField(max_length=SHORT_TEXT_MAX_LENGTH)
    circumstances = serializers.CharField(
        max_length=NARRATIVE_MAX_LENGTH, required=False, allow_blank=True
    )
    clothing = serializers.CharField(
        max_length=SHORT_TEXT_MAX_LENGTH, required=False, allow_blank=True
    )
    duration_hours = serializers.FloatField(read_only=True)
    found_location = serializers.CharField(
        source="found_location.label", read_only=True, allow_null=True, default=None
    )
    interview = serializers.SerializerMethodField()
    # Blank until the return is recorded: the schema says so.
    return_method = serializers.ChoiceField(
        choices=ReturnMethod.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = MissingEpisode
        fields = [
            "id",
            "young_person",
            "young_person_details",
            "missing_since",
            "last_seen",
            "circumstances",
            "clothing",
            "reported_to_police_by",
            "police_reference",
            "looked_after",
            "risk_grade",
            "status",
            "source",
            "returned_at",
            "found_location",
            "found_with",
            "return_method",
            "cse_indicators",
            "duration_hours",
            "reported_at",
            "interview",
        ]
        read_only_fields = [
            "id",
            "status",
            "source",
            "returned_at",
            "found_location",
            "found_with",
            "return_method",
            "cse_indicators",
            "reported_at",
        ]
        extra_kwargs = {"looked_after": {"required": False}}

    def get_interview(self, episode: MissingEpisode) -> str | None:
        interview = getattr(episode, "interview", None)
        return str(interview.pk) if interview else None


class ReturnSerializer(serializers.Serializer):
    returned_at = serializers.DateTimeField()
    found_location = serializers.DictField(
        child=serializers.CharField(max_length=SHORT_TEXT_MAX_LENGTH, allow_blank=True),
        required=False,
        help_text='Where the child was found: {"name", "address", "postcode"}',
    )
    found_with = serializers.CharField(
        max_length=SHORT_TEXT_MAX_LENGTH, required=False, allow_blank=True
    )
    return_method = serializers.ChoiceField(choices=ReturnMethod.choices, required=False)
    cse_indicators = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=200
    )


class GradeSerializer(serializers.Serializer):
    risk_grade = serializers.CharField(
        max_length=20, help_text="no_apparent_risk, low, medium or high"
    )
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True)


def _episodes(user: Any) -> QuerySet[MissingEpisode]:
    return (
        permissions.visible_episodes(user)
        .select_related("found_location", "interview")
        .order_by("-missing_since", "-id")
    )


class EpisodeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """GET lists the episodes the caller may see (``status=missing`` for the board's); POST
    reports a child missing (any staff user but LSCB and admin)."""

    serializer_class = EpisodeSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[MissingEpisode]:
        queryset = _episodes(self.request.user)
        wanted = self.request.query_params.get("status")
        if wanted == "missing":
            queryset = queryset.filter(status="missing").order_by(
                "risk_rank", "missing_since", "id"
            )
        elif wanted:
            queryset = queryset.filter(status=wanted)
        return queryset

    def get_object(self) -> MissingEpisode:
        return permissions.get_episode_for_user(self.request.user, self.kwargs["pk"], channel="api")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        shown = {row.get("interview") for row in response.data.get("results", [])}
        _also_shown(request, ReturnInterview, shown, "the episodes' interviews")
        return response

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not permissions.can_report(request.user):
            raise PermissionDenied
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        record_id = data.pop("young_person_id", None)
        details = data.pop("young_person_details", None)
        young_person = None
        if record_id:
            try:
                young_person = permissions.get_young_person_to_report(
                    request.user, record_id, channel="api"
                )
            except Http404:
                raise serializers.ValidationError(
                    {"young_person": ["Select a young person whose record you can see"]}
                ) from None
        episode = services.episode_report(
            reported_by=request.user,
            young_person=young_person,
            young_person_details=details,
            missing_since=data.get("missing_since"),
            last_seen=data.get("last_seen", ""),
            risk_grade=data.get("risk_grade", ""),
            circumstances=data.get("circumstances", ""),
            clothing=data.get("clothing", ""),
            reported_to_police_by=data.get("reported_to_police_by", ""),
            police_reference=data.get("police_reference", ""),
            looked_after=data.get("looked_after"),
        )
        return Response(self.get_serializer(episode).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReturnSerializer, responses=EpisodeSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def record_return(self, request: Request, pk: str | None = None) -> Response:
        """The child is found or has come back; a return home interview falls due."""
        episode = self.get_object()
        serializer = ReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.episode_return(
            episode=episode,
            returned_by=request.user,
            returned_at=data["returned_at"],
            found_location=data.get("found_location"),
            found_with=data.get("found_with", ""),
            return_method=data.get("return_method", ""),
            cse_indicators=data.get("cse_indicators", []),
        )
        return Response(self.get_serializer(episode).data)

    @extend_schema(request=GradeSerializer, responses=EpisodeSerializer)
    @action(detail=True, methods=["post"], url_path="risk-grade")
    def risk_grade(self, request: Request, pk: str | None = None) -> Response:
        """The police's new risk grade."""
        episode = self.get_object()
        serializer = GradeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.episode_set_risk_grade(
            episode=episode,
            grade=serializer.validated_data["risk_grade"],
            changed_by=request.user,
            reason=serializer.validated_data.get("reason", ""),
        )
        return Response(self.get_serializer(episode).data)


# --- Interviews -----------------------------------------------------------------------------------


class InterviewSerializer(serializers.ModelSerializer):
    status = serializers.CharField(
        source="shown_status", read_only=True, help_text="due, overdue, done or declined"
    )
    within_72_hours = serializers.BooleanField(read_only=True, allow_null=True)
    interviewer = serializers.CharField(
        source="interviewer.username", read_only=True, default=None, allow_null=True
    )
    agency = serializers.UUIDField(source="agency_id", read_only=True, allow_null=True)
    young_person = serializers.UUIDField(source="young_person_id", read_only=True)

    class Meta:
        model = ReturnInterview
        fields = [
            "id",
            "episode",
            "young_person",
            "due_at",
            "status",
            "within_72_hours",
            "agency",
            "interviewer",
            "held_at",
            "completed_at",
            "cse_indicators",
        ]
        read_only_fields = fields


class AssignSerializer(serializers.Serializer):
    agency = serializers.UUIDField()
    interviewer = serializers.UUIDField(
        help_text="A user of the agency: GET /interviewers/?agency="
    )
    independence_note = serializers.CharField(
        max_length=REASON_MAX_LENGTH, required=False, allow_blank=True
    )


class AttemptSerializer(serializers.Serializer):
    attempted_at = serializers.DateTimeField()
    method = serializers.ChoiceField(choices=AttemptMethod.choices)
    outcome = serializers.ChoiceField(choices=AttemptOutcome.choices)
    note = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True)


class CompleteSerializer(serializers.Serializer):
    held_at = serializers.DateTimeField()
    location_held = serializers.CharField(max_length=200)
    where_been = serializers.CharField(max_length=NARRATIVE_MAX_LENGTH)
    cse_indicators = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=200
    )
    with_whom = serializers.CharField(
        max_length=NARRATIVE_MAX_LENGTH, required=False, allow_blank=True
    )
    travel = serializers.CharField(
        max_length=NARRATIVE_MAX_LENGTH, required=False, allow_blank=True
    )
    push_factors = serializers.CharField(
        max_length=NARRATIVE_MAX_LENGTH, required=False, allow_blank=True
    )
    pull_factors = serializers.CharField(
        max_length=NARRATIVE_MAX_LENGTH, required=False, allow_blank=True
    )
    harm_disclosed = serializers.CharField(
        max_length=NARRATIVE_MAX_LENGTH, required=False, allow_blank=True
    )
    child_wishes = serializers.CharField(
        max_length=NARRATIVE_MAX_LENGTH, required=False, allow_blank=True
    )
    child_words = serializers.CharField(
        max_length=NARRATIVE_MAX_LENGTH, required=False, allow_blank=True
    )


class DeclineSerializer(serializers.Serializer):
    declined_at = serializers.DateTimeField()
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)
    carers_offered = serializers.BooleanField()
    carers_information = serializers.CharField(
        max_length=NARRATIVE_MAX_LENGTH, required=False, allow_blank=True
    )


class FindingsSerializer(serializers.Serializer):
    content = serializers.CharField(max_length=NARRATIVE_MAX_LENGTH)
    subjects = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        default=list,
        max_length=50,
        help_text="As /api/v1/intelligence/'s subjects: places, people, vehicles, phones",
    )
    source_evaluation = serializers.CharField(max_length=1, required=False, default="C")
    intelligence_evaluation = serializers.CharField(max_length=1, required=False, default="2")
    handling_code = serializers.CharField(max_length=1, required=False, default="2")
    handling_conditions = serializers.CharField(
        max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    priority = serializers.ChoiceField(
        choices=["high", "medium", "low"], required=False, default="medium"
    )


class InterviewerSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_full_name", read_only=True)
    agency = serializers.UUIDField(source="agency_id", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name", "agency"]


class InterviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Return home interviews the caller may see (``status=due|overdue|done|declined``); the
    interviewer records attempts, the interview or the refusal; the team manager chooses the
    interviewer from the users of an agency."""

    serializer_class = InterviewSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[ReturnInterview]:
        from django.utils import timezone

        queryset = (
            permissions.visible_interviews(self.request.user)
            .select_related("interviewer")
            .order_by("due_at", "id")
        )
        wanted = self.request.query_params.get("status")
        now = timezone.now()
        if wanted == "due":
            queryset = queryset.filter(status="due", due_at__gte=now)
        elif wanted == "overdue":
            queryset = queryset.filter(status="due", due_at__lt=now)
        elif wanted in {"done", "declined"}:
            queryset = queryset.filter(status=wanted)
        return queryset

    def get_object(self) -> ReturnInterview:
        return permissions.get_interview_for_user(
            self.request.user, self.kwargs["pk"], channel="api"
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        shown = {row.get("episode") for row in response.data.get("results", [])}
        _also_shown(request, MissingEpisode, shown, "the interviews' episodes")
        return response

    @extend_schema(request=AssignSerializer, responses=InterviewSerializer)
    @action(detail=True, methods=["post"])
    def interviewer(self, request: Request, pk: str | None = None) -> Response:
        """Team manager: the independent interviewer, a user of the chosen agency."""
        interview = self.get_object()
        if not permissions.can_assign_interview(request.user):
            raise PermissionDenied
        serializer = AssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        agency = Agency.objects.filter(pk=data["agency"], is_active=True).first()
        if agency is None:
            raise serializers.ValidationError({"agency": ["No such agency"]})
        person = User.objects.filter(pk=data["interviewer"], agency=agency, is_active=True).first()
        if person is None:
            raise serializers.ValidationError(
                {"interviewer": ["Choose someone who works for the chosen agency"]}
            )
        services.interview_assign(
            interview=interview,
            assigned_by=request.user,
            agency=agency,
            interviewer=person,
            independence_note=data.get("independence_note", ""),
        )
        return Response(self.get_serializer(interview).data)

    @extend_schema(responses=InterviewerSerializer(many=True))
    @action(detail=True, methods=["get"])
    def interviewers(self, request: Request, pk: str | None = None) -> Response:
        """Team manager: the independent people of ``?agency=`` who may be chosen."""
        interview = self.get_object()
        if not permissions.can_assign_interview(request.user):
            raise PermissionDenied
        agency = Agency.objects.filter(
            pk=uuid_or_none(request.query_params.get("agency")), is_active=True
        ).first()
        if agency is None:
            raise serializers.ValidationError({"agency": ["Give an agency's id"]})
        people = permissions.interviewer_choices(agency, interview.young_person)[:200]
        return Response(InterviewerSerializer(people, many=True).data)

    @extend_schema(request=AttemptSerializer, responses=InterviewSerializer)
    @action(detail=True, methods=["post"])
    def attempts(self, request: Request, pk: str | None = None) -> Response:
        interview = self.get_object()
        serializer = AttemptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.interview_attempt_add(
            interview=interview, recorded_by=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(interview).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CompleteSerializer, responses=InterviewSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        interview = self.get_object()
        serializer = CompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        services.interview_complete(
            interview=interview,
            recorded_by=request.user,
            held_at=data.pop("held_at"),
            cse_indicators=data.pop("cse_indicators", []),
            **data,
        )
        return Response(self.get_serializer(interview).data)

    @extend_schema(request=DeclineSerializer, responses=InterviewSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        interview = self.get_object()
        serializer = DeclineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.interview_decline(
            interview=interview, recorded_by=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(interview).data)

    @extend_schema(request=FindingsSerializer, responses={201: dict})
    @action(detail=True, methods=["post"])
    def findings(self, request: Request, pk: str | None = None) -> Response:
        """The interview's findings as intelligence, in one action: ``{"reference", "id"}``."""
        interview = self.get_object()
        serializer = FindingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.interview_share_findings(
            interview=interview, shared_by=request.user, **serializer.validated_data
        )
        return Response(
            {"id": str(item.pk), "reference": item.reference}, status=status.HTTP_201_CREATED
        )


# --- Profiles -------------------------------------------------------------------------------------


class ProfileSerializer(serializers.ModelSerializer):
    young_person = serializers.UUIDField(source="young_person_id", read_only=True)
    has_photo = serializers.SerializerMethodField()

    class Meta:
        model = PhilomenaProfile
        fields = [
            "id",
            "young_person",
            *services.PROFILE_FIELDS,
            "has_photo",
            "photo_taken_on",
            "updated_at",
        ]
        read_only_fields = ["id", "young_person", "has_photo", "photo_taken_on", "updated_at"]

    def get_has_photo(self, profile: PhilomenaProfile) -> bool:
        return bool(profile.photo_file)


class PhotoSerializer(serializers.Serializer):
    photo = serializers.FileField(help_text="A JPEG or PNG (checked by content), up to 5 MB")
    photo_taken_on = serializers.DateField(required=False, allow_null=True)


class CarerSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(source="get_full_name", read_only=True)
    agency = serializers.CharField(
        source="agency.name", read_only=True, allow_null=True, default=None
    )


class CarersSerializer(serializers.Serializer):
    """A profile and the carers named for it."""

    profile = serializers.UUIDField(source="pk", read_only=True)
    young_person = serializers.UUIDField(source="young_person_id", read_only=True)
    carers = serializers.SerializerMethodField()

    def get_carers(self, profile: PhilomenaProfile) -> list[dict[str, Any]]:
        return CarerSerializer(permissions.carers_of(profile), many=True).data  # type: ignore[return-value]


class CarerNameSerializer(serializers.Serializer):
    young_person = serializers.UUIDField(help_text="The young person (the profile is started)")
    carer = serializers.UUIDField(help_text="A frontline user")


class CarerRevokeSerializer(serializers.Serializer):
    carer = serializers.UUIDField(help_text="A carer named for this profile")
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class ProfileViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Philomena profiles the caller keeps (a carer) or whose young person it works with; PATCH
    changes the details; ``/photo/`` uploads the photo (multipart)."""

    serializer_class = ProfileSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[PhilomenaProfile]:
        return permissions.visible_profiles(self.request.user).order_by("-updated_at", "id")

    def get_object(self) -> PhilomenaProfile:
        return permissions.get_profile_for_user(self.request.user, self.kwargs["pk"], channel="api")

    def perform_update(self, serializer: Any) -> None:
        services.profile_update(
            profile=serializer.instance, updated_by=self.request.user, **serializer.validated_data
        )

    @extend_schema(request={"multipart/form-data": PhotoSerializer}, responses=ProfileSerializer)
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def photo(self, request: Request, pk: str | None = None) -> Response:
        profile = self.get_object()
        serializer = PhotoSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.profile_photo_set(
            profile=profile,
            uploaded_by=request.user,
            upload=serializer.validated_data["photo"],
            taken_on=serializer.validated_data.get("photo_taken_on"),
        )
        return Response(self.get_serializer(profile).data)

    # The carers: as the page's ``/missing/young-people/<id>/carers/``, the same services (the
    # object grant made or revoked, audited as a permission change, written to the chronology).

    @extend_schema(request=CarerNameSerializer, responses={201: CarersSerializer})
    @action(detail=False, methods=["post"], url_path="carers")
    def carer_name(self, request: Request) -> Response:
        """Name a frontline user carer of a young person (its profile started if there is
        none): the allocated practitioner or the team manager."""
        serializer = CarerNameSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        young_person = permissions.get_young_person_for_carers(
            request.user, serializer.validated_data["young_person"]
        )
        if not permissions.can_name_carer(request.user, young_person):
            raise PermissionDenied
        carer = permissions.carer_choices().filter(pk=serializer.validated_data["carer"]).first()
        if carer is None:
            raise serializers.ValidationError({"carer": ["Choose an active frontline user"]})
        profile = services.carer_name(young_person=young_person, carer=carer, named_by=request.user)
        return Response(CarersSerializer(profile).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=CarersSerializer)
    @action(detail=True, methods=["get"], url_path="carers")
    def carers(self, request: Request, pk: str | None = None) -> Response:
        """The carers named for this profile (whoever may name them)."""
        profile = self.get_object()
        if not permissions.can_name_carer(request.user, profile.young_person):
            raise PermissionDenied
        return Response(CarersSerializer(profile).data)

    @extend_schema(request=CarerRevokeSerializer, responses=CarersSerializer)
    @action(detail=True, methods=["post"], url_path="carers/revoke")
    def carer_revoke(self, request: Request, pk: str | None = None) -> Response:
        """Stop naming a carer, with the reason."""
        profile = self.get_object()
        if not permissions.can_name_carer(request.user, profile.young_person):
            raise PermissionDenied
        serializer = CarerRevokeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        carer = permissions.carers_of(profile).filter(pk=serializer.validated_data["carer"]).first()
        if carer is None:
            raise serializers.ValidationError({"carer": ["Not a carer named for this profile"]})
        services.carer_revoke(
            profile=profile,
            carer=carer,
            revoked_by=request.user,
            reason=serializer.validated_data["reason"],
        )
        return Response(CarersSerializer(profile).data)


# --- Imports --------------------------------------------------------------------------------------


class ImportSerializer(serializers.ModelSerializer):
    file = serializers.FileField(write_only=True, help_text="The force's CSV file")
    progress = serializers.IntegerField(read_only=True, help_text="0-100")

    class Meta:
        model = PoliceImport
        fields = [
            "id",
            "file",
            "file_name",
            "status",
            "progress",
            "lines_done",
            *importing.COUNTED,
            "uploaded_at",
            "finished_at",
        ]
        read_only_fields = [f for f in fields if f != "file"]


class ImportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Team manager: POST a CSV file (multipart, ``file``): 202, imported by a worker; GET its
    progress and every rejected row with its line and reason."""

    serializer_class = ImportSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = "[^/]+"
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self) -> QuerySet[PoliceImport]:
        if not permissions.can_import(self.request.user):
            raise PermissionDenied
        return permissions.visible_imports(self.request.user).order_by("-uploaded_at", "id")

    def get_object(self) -> PoliceImport:
        return permissions.get_import_for_user(self.request.user, self.kwargs["pk"], channel="api")

    @extend_schema(
        request={"multipart/form-data": ImportSerializer}, responses={202: ImportSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not permissions.can_import(request.user):
            raise PermissionDenied
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        police_import = importing.import_create(
            uploaded_by=request.user, upload=serializer.validated_data["file"]
        )
        return Response(self.get_serializer(police_import).data, status=status.HTTP_202_ACCEPTED)


class MatchSerializer(serializers.ModelSerializer):
    candidates = serializers.ListField(
        source="candidate_ids", child=serializers.UUIDField(), read_only=True
    )
    police_import = serializers.UUIDField(source="police_import_id", read_only=True)

    class Meta:
        model = ImportMatch
        fields = ["id", "police_import", "line", "police_reference", "row", "candidates", "status"]
        read_only_fields = fields


class ResolveSerializer(serializers.Serializer):
    young_person = serializers.UUIDField(
        required=False, allow_null=True, help_text="The record it is; null for someone new"
    )


class MatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Team manager: imported rows waiting for a match; ``/resolve/`` says which record it is."""

    serializer_class = MatchSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[ImportMatch]:
        if not permissions.can_import(self.request.user):
            raise PermissionDenied
        return permissions.match_queue(self.request.user).order_by("created_at", "id")

    def get_object(self) -> ImportMatch:
        return permissions.get_match_for_user(self.request.user, self.kwargs["pk"], channel="api")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        rows = response.data.get("results", [])
        candidates = {str(c) for row in rows for c in row.get("candidates", [])}
        _also_shown(request, YoungPerson, candidates, "match candidates")
        imports = {row.get("police_import") for row in rows}
        _also_shown(request, PoliceImport, imports, "the matches' imports")
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        candidates = {str(c) for c in response.data.get("candidates", [])}
        _also_shown(request, YoungPerson, candidates, "match candidates")
        return response

    @extend_schema(request=ResolveSerializer, responses=EpisodeSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        match = self.get_object()
        serializer = ResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        chosen = None
        record_id = serializer.validated_data.get("young_person")
        if record_id:
            chosen = yp_permissions.visible_young_people(request.user).filter(pk=record_id).first()
            if chosen is None:
                raise serializers.ValidationError({"young_person": ["No such young person"]})
        episode = importing.match_resolve(
            match=match, resolved_by=request.user, young_person=chosen
        )
        return Response(EpisodeSerializer(episode).data, status=status.HTTP_201_CREATED)
