"""``/api/v1/outreach-sessions/``, ``/api/v1/premises/`` and ``/api/v1/training-sessions/``: the
same funnel, selectors and services as the pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from cse_portal.accounts.models import Agency
from cse_portal.fields import NARRATIVE_MAX_LENGTH, REASON_MAX_LENGTH, SHORT_TEXT_MAX_LENGTH
from cse_portal.young_people import permissions as yp_permissions
from intelligence.models import GRADING_CODES, AlertOutcome, Priority, Scheme
from intelligence.permissions import can_close_alert

from . import permissions, selectors, services
from .models import (
    Course,
    OutreachSession,
    Premises,
    Sector,
    TeamInterest,
    TrainingSession,
    VisitOutcome,
)


class OutreachSessionSerializer(serializers.ModelSerializer):
    place = serializers.UUIDField(write_only=True, help_text="A location entity's id.")
    place_id = serializers.UUIDField(read_only=True, help_text="The place's location entity id.")
    place_label = serializers.CharField(source="place.label", read_only=True)
    place_postcode = serializers.CharField(source="place.postcode", read_only=True)
    alert = serializers.UUIDField(required=False, allow_null=True, help_text="An open alert's id.")
    agencies = serializers.ListField(child=serializers.UUIDField(), required=False, write_only=True)
    workers = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        write_only=True,
        max_length=services.MAX_WORKERS,
        help_text=(
            "Ids of the staff accounts taking part: active practitioners, team managers or "
            "frontline staff of a youth service or the voluntary sector, of an agency taking "
            "part. The planner alone when left out on planning."
        ),
    )
    intelligence_reference = serializers.CharField(
        source="intelligence_item.reference", read_only=True, default=None
    )

    class Meta:
        model = OutreachSession
        fields = [
            "id",
            "reference",
            "status",
            "starts_at",
            "ends_at",
            "place",
            "place_id",
            "place_label",
            "place_postcode",
            "alert",
            "alert_closed",
            "agencies",
            "workers",
            "other_workers",
            "young_people_count",
            "materials_given",
            "what_seen",
            "intelligence_reference",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "reference",
            "status",
            "alert_closed",
            "young_people_count",
            "materials_given",
            "what_seen",
            "created_at",
        ]

    def to_representation(self, instance: OutreachSession) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["alert"] = str(instance.alert_id) if instance.alert_id else None
        data["agencies"] = [str(a.pk) for a in instance.agencies.all()]
        data["workers"] = [str(w.pk) for w in instance.workers.all()]
        return data


MAX_LINKED = 200


class VisitSerializer(serializers.Serializer):
    premises = serializers.UUIDField()
    outcome = serializers.ChoiceField(choices=VisitOutcome.choices, allow_blank=True)


class SessionRecordSerializer(serializers.Serializer):
    young_people_count = serializers.IntegerField(min_value=0, max_value=10_000)
    workers = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        max_length=services.MAX_WORKERS,
        help_text="Ids of the staff accounts who went; those named stay when left out.",
    )
    young_people = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        max_length=MAX_LINKED,
        help_text="Ids of every young person linked to the session that you can see: one left "
        "out of the list is unlinked; left out altogether, the links stay as they are.",
    )
    materials_given = serializers.CharField(
        required=False, allow_blank=True, max_length=SHORT_TEXT_MAX_LENGTH
    )
    what_seen = serializers.CharField(
        required=False, allow_blank=True, max_length=NARRATIVE_MAX_LENGTH
    )
    visits = serializers.ListField(
        child=VisitSerializer(),
        required=False,
        max_length=MAX_LINKED,
        help_text="The premises visited, each with its outcome; an empty outcome says it was not "
        "visited after all. Premises left out keep their visit.",
    )


def _grading_codes(name: str, leave_out: tuple[str, ...] = ()) -> list[str]:
    return [c for c in GRADING_CODES[Scheme.FIVE_BY_FIVE][name] if c not in leave_out]


class SessionIntelligenceSerializer(serializers.Serializer):
    """As the session page's form: a 5x5x5 grading of the worker's own observation."""

    content = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=NARRATIVE_MAX_LENGTH,
        help_text="What was seen; the session's record of it when left out.",
    )
    source_evaluation = serializers.ChoiceField(choices=_grading_codes("source_evaluation"))
    intelligence_evaluation = serializers.ChoiceField(
        choices=_grading_codes("intelligence_evaluation")
    )
    handling_code = serializers.ChoiceField(
        choices=_grading_codes("handling_code", leave_out=("5",)),
        help_text="1 to 4; code 5 needs handling conditions: use /api/v1/intelligence/.",
    )
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.LOW)


class SessionCloseAlertSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class PlaceSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    label = serializers.CharField(read_only=True)
    address = serializers.CharField(read_only=True)
    postcode = serializers.CharField(read_only=True)


PLACE_SEARCH_MAX_LENGTH = 100


class OutreachSessionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """GET lists the sessions the caller may see; POST plans one at a place (and alert); PATCH
    changes a planned session's plan."""

    serializer_class = OutreachSessionSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[OutreachSession]:
        return (
            selectors.sessions_list(
                self.request.user, status=self.request.query_params.get("status", "")
            )
            .select_related("intelligence_item")
            .prefetch_related("agencies", "workers")
        )

    def get_object(self) -> OutreachSession:
        return permissions.get_session_for_user(self.request.user, self.kwargs["pk"], channel="api")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = request.user
        if not permissions.can_do_outreach(user):
            raise PermissionDenied
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        place = selectors.place_for(user, data["place"])
        if place is None:
            raise serializers.ValidationError({"place": ["Choose a place you may see"]})
        alert = None
        if data.get("alert"):
            alert = selectors.alert_for(user, data["alert"])
            if alert is None:
                raise serializers.ValidationError({"alert": ["Choose an open alert you may see"]})
        agencies = _agencies(data.get("agencies") or [])
        session = services.session_plan(
            actor=user,
            place=place,
            starts_at=data["starts_at"],
            ends_at=data.get("ends_at"),
            alert=alert,
            agencies=agencies,
            workers=services.named_workers(data["workers"]) if "workers" in data else None,
            other_workers=data.get("other_workers", ""),
        )
        return Response(self.get_serializer(session).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change a planned session's plan (whoever plans outreach and may see it; a session
        recorded or not seen is a 404): the fields left out keep their values. Nothing changed
        writes nothing."""
        user = request.user
        session = permissions.get_session_for_editing(user, self.kwargs["pk"], channel="api")
        serializer = self.get_serializer(session, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        given = dict(serializer.validated_data)
        if "alert" in given and given["alert"] != session.alert_id:
            raise serializers.ValidationError(
                {"alert": ["The alert a session answers is chosen when it is planned"]}
            )
        place = session.place
        if "place" in given and given["place"] != session.place_id:
            place = selectors.place_for(user, given["place"])
            if place is None:
                raise serializers.ValidationError({"place": ["Choose a place you may see"]})
        services.session_plan_edit(
            actor=user,
            session=session,
            place=place,
            starts_at=given.get("starts_at", session.starts_at),
            ends_at=given.get("ends_at", session.ends_at),
            # An agency already taking part stays, even one since closed.
            agencies=_agencies(given["agencies"], kept=session.agencies.all())
            if "agencies" in given
            else list(session.agencies.all()),
            workers=services.named_workers(given["workers"]) if "workers" in given else None,
            other_workers=given.get("other_workers", session.other_workers),
        )
        session = self.get_queryset().get(pk=session.pk)
        return Response(self.get_serializer(session).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "search",
                str,
                required=True,
                description="Part of a place's name, address or postcode.",
            )
        ],
        responses=PlaceSerializer(many=True),
    )
    # A short list (at most 20), never paged.
    @action(detail=False, methods=["get"], pagination_class=None)
    def places(self, request: Request) -> Response:
        """The places the caller may plan a session at, found by name, address or postcode as
        the plan page's finder finds them (at most 20): their ``id`` is a plan's ``place``."""
        if not permissions.can_do_outreach(request.user):
            raise PermissionDenied
        search = request.query_params.get("search", "").strip()
        if not search:
            raise serializers.ValidationError(
                {"search": ["Give part of a place's name, address or postcode"]}
            )
        if len(search) > PLACE_SEARCH_MAX_LENGTH:
            raise serializers.ValidationError(
                {"search": [f"Give at most {PLACE_SEARCH_MAX_LENGTH} characters"]}
            )
        places = selectors.places_matching(request.user, search)
        return Response(PlaceSerializer(places, many=True).data)

    @extend_schema(request=SessionRecordSerializer, responses=OutreachSessionSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str | None = None) -> Response:
        """Record what happened at the session (as the page does)."""
        user = request.user
        session = permissions.get_session_for_user(user, pk, channel="api")
        serializer = SessionRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        people = None
        if "young_people" in data:
            wanted = set(data["young_people"])
            people = list(yp_permissions.visible_young_people(user).filter(pk__in=wanted))
            if len(people) != len(wanted):
                raise serializers.ValidationError(
                    {"young_people": ["Link only young people whose records you can see"]}
                )
        visits = []
        for visit in data.get("visits") or []:
            premises = permissions.visible_premises(user).filter(pk=visit["premises"]).first()
            if premises is None:
                raise serializers.ValidationError({"visits": ["No such premises in the register"]})
            visits.append((premises, visit["outcome"]))
        services.session_record(
            actor=user,
            session=session,
            young_people_count=data["young_people_count"],
            young_people=people,
            materials_given=data.get("materials_given", ""),
            what_seen=data.get("what_seen", ""),
            visits=visits,
            workers=services.named_workers(data["workers"]) if "workers" in data else None,
        )
        return Response(OutreachSessionSerializer(session).data)

    @extend_schema(
        request=SessionIntelligenceSerializer,
        responses={201: OutreachSessionSerializer},
    )
    @action(detail=True, methods=["post"])
    def intelligence(self, request: Request, pk: str | None = None) -> Response:
        """What was seen becomes intelligence in one action (as the page does): answers the
        session with its ``intelligence_reference``."""
        user = request.user
        session = permissions.get_session_for_user(user, pk, channel="api")
        if not permissions.can_do_outreach(user):
            raise PermissionDenied
        serializer = SessionIntelligenceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.session_to_intelligence(actor=user, session=session, **serializer.validated_data)
        return Response(OutreachSessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SessionCloseAlertSerializer, responses=OutreachSessionSerializer)
    @action(detail=True, methods=["post"], url_path="close-alert")
    def close_alert(self, request: Request, pk: str | None = None) -> Response:
        """Close the pattern alert the session answered, with the outcome "outreach" (as the page
        does; practitioners, the team manager and the analyst)."""
        user = request.user
        session = permissions.get_session_for_user(user, pk, channel="api")
        if not can_close_alert(user, AlertOutcome.OUTREACH):
            raise PermissionDenied("Your role does not close alerts")
        serializer = SessionCloseAlertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.session_close_alert(
            actor=user, session=session, reason=serializer.validated_data["reason"]
        )
        return Response(OutreachSessionSerializer(session).data)


def _agencies(ids: list[Any], kept: Any = ()) -> list[Agency]:
    """The agencies named by id: active ones, or those in ``kept``; otherwise a 400."""
    wanted = set(ids)
    kept_ids = {a.pk for a in kept}
    agencies = [a for a in Agency.objects.filter(pk__in=wanted) if a.is_active or a.pk in kept_ids]
    if len(agencies) != len(wanted):
        raise serializers.ValidationError({"agencies": ["Choose active agencies"]})
    return agencies


class PremisesSerializer(serializers.ModelSerializer):
    sector = serializers.ChoiceField(choices=Sector.choices)
    team_interest = serializers.ChoiceField(choices=TeamInterest.choices, required=False)

    class Meta:
        model = Premises
        fields = [
            "id",
            "name",
            "sector",
            "address",
            "postcode",
            "contact_name",
            "contact_phone",
            "contact_email",
            "team_interest",
            "materials_displayed",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def validate_postcode(self, value: str) -> str:
        # Checked with the other fields, so every mistake is said at once.
        return services.premises_postcode(value)


class PremisesViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The register of businesses and community groups (``search``, ``sector``)."""

    serializer_class = PremisesSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Premises]:
        params = self.request.query_params
        return selectors.premises_list(
            self.request.user, q=params.get("search", ""), sector=params.get("sector", "")
        )

    def get_object(self) -> Premises:
        return permissions.get_premises_for_user(
            self.request.user, self.kwargs["pk"], channel="api"
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not permissions.can_do_outreach(request.user):
            raise PermissionDenied
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        premises = services.premises_save(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(premises).data, status=status.HTTP_201_CREATED)


class TrainingSessionSerializer(serializers.ModelSerializer):
    course = serializers.SlugRelatedField(slug_field="code", queryset=Course.objects.all())
    course_title = serializers.CharField(source="course.title", read_only=True)
    trainer = serializers.UUIDField(required=False, allow_null=True, write_only=True)
    audience_sectors = serializers.ListField(
        child=serializers.ChoiceField(choices=Sector.choices), required=False, write_only=True
    )
    audience_agencies = serializers.ListField(
        child=serializers.UUIDField(), required=False, write_only=True
    )
    attendees = serializers.ListField(
        child=serializers.UUIDField(), required=False, write_only=True
    )

    class Meta:
        model = TrainingSession
        fields = [
            "id",
            "course",
            "course_title",
            "delivered_on",
            "trainer",
            "trainer_name",
            "attendance_count",
            "attendees",
            "audience_sectors",
            "audience_agencies",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def to_representation(self, instance: TrainingSession) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["trainer"] = str(instance.trainer_id) if instance.trainer_id else None
        data["attendees"] = [str(u.pk) for u in instance.attendees.all()]
        data["audience_sectors"] = [a.sector for a in instance.audience_sectors.all()]
        data["audience_agencies"] = [str(a.pk) for a in instance.audience_agencies.all()]
        return data


class TrainingSessionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Training sessions the caller delivered, attended or recorded (every one for the team
    manager); POST records one; PATCH corrects one."""

    serializer_class = TrainingSessionSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[TrainingSession]:
        return selectors.training_sessions_list(self.request.user).prefetch_related(
            "attendees", "audience_sectors", "audience_agencies"
        )

    def get_object(self) -> TrainingSession:
        return permissions.get_training_session_for_user(
            self.request.user, self.kwargs["pk"], channel="api"
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = request.user
        if not permissions.can_record_training(user):
            raise PermissionDenied
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        trainer, attendees, agencies = _training_people(data)
        session = services.training_session_record(
            actor=user,
            course=data["course"],
            delivered_on=data["delivered_on"],
            attendance_count=data["attendance_count"],
            trainer=trainer,
            trainer_name=data.get("trainer_name", ""),
            audience_sectors=data.get("audience_sectors") or [],
            audience_agencies=agencies,
            attendees=attendees,
        )
        return Response(self.get_serializer(session).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Correct a session (whoever recorded it, or the team manager; anyone else 404): the
        fields left out keep their values. Nothing changed writes nothing."""
        user = request.user
        session = permissions.get_training_session_for_editing(
            user, self.kwargs["pk"], channel="api"
        )
        serializer = self.get_serializer(session, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        given = dict(serializer.validated_data)
        # What is given is resolved by id (a 400 naming the field); what is left out keeps its
        # value, even an attendee or trainer whose account has since been closed.
        trainer, attendees, agencies = _training_people(given)
        if "trainer" not in given:
            # A name given alone replaces the trainer with an account.
            trainer = None if "trainer_name" in given else session.trainer
        services.training_session_edit(
            actor=user,
            session=session,
            course=given.get("course", session.course),
            delivered_on=given.get("delivered_on", session.delivered_on),
            attendance_count=given.get("attendance_count", session.attendance_count),
            trainer=trainer,
            trainer_name=given.get("trainer_name", session.trainer_name) or "",
            audience_sectors=given.get(
                "audience_sectors", session.audience_sectors.values_list("sector", flat=True)
            ),
            audience_agencies=agencies
            if "audience_agencies" in given
            else list(session.audience_agencies.all()),
            attendees=attendees if "attendees" in given else list(session.attendees.all()),
        )
        session = self.get_queryset().get(pk=session.pk)
        return Response(self.get_serializer(session).data)


def _training_people(data: dict[str, Any]) -> tuple[Any, list[Any], list[Agency]]:
    """The trainer, attendees and audience agencies named by id, or a 400 naming the field."""
    users = get_user_model().objects.filter(is_active=True)
    attendee_ids = set(data.get("attendees") or [])
    attendees = list(users.filter(pk__in=attendee_ids))
    errors: dict[str, list[str]] = {}
    if len(attendees) != len(attendee_ids):
        errors["attendees"] = ["Name attendees by the ids of active staff users"]
    trainer = None
    if data.get("trainer"):
        trainer = users.filter(pk=data["trainer"]).first()
        if trainer is None:
            errors["trainer"] = ["Name the trainer by an active staff user's id"]
    agency_ids = set(data.get("audience_agencies") or [])
    agencies = list(Agency.objects.filter(pk__in=agency_ids))
    if len(agencies) != len(agency_ids):
        errors["audience_agencies"] = ["Choose agencies by their ids"]
    if errors:
        raise serializers.ValidationError(errors)
    return trainer, attendees, agencies
