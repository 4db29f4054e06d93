from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from .models import User
from .permissions import CanListStaff
from .roles import Role
from .selectors import staff_visible_to


class UserSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(source="agency.name", default=None, read_only=True)
    agency_id = serializers.UUIDField(source="agency.id", default=None, read_only=True)
    role = serializers.CharField(read_only=True)
    name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name", "agency", "agency_id", "role", "in_colocated_team"]


class UserFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices, field_name="groups__name")

    class Meta:
        model = User
        fields = ["role", "in_colocated_team"]


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    """Staff, for team managers allocating work (``?role=practitioner``)."""

    serializer_class = UserSerializer
    permission_classes = [CanListStaff]
    filterset_class = UserFilter
    search_fields = ["username", "first_name", "last_name"]

    def get_queryset(self) -> QuerySet[User]:
        return staff_visible_to(self.request.user).order_by("last_name", "username")
