from __future__ import annotations

import uuid
from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from .roles import ALL_ROLES, Role


class AgencyKind(models.TextChoices):
    POLICE = "police", "Police"
    SOCIAL_CARE = "social_care", "Children's social care"
    HEALTH = "health", "Health"
    VCS = "vcs", "Voluntary and community sector"
    EDUCATION = "education", "Education"
    YOUTH_SERVICE = "youth_service", "Youth service"
    OTHER = "other", "Other"


class Agency(models.Model):
    """A partner organisation: a police force, a council's children's services, a GP practice..."""

    Kind = AgencyKind

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=AgencyKind.choices)
    offers_preventative_work = models.BooleanField(
        default=False,
        help_text="Takes referrals for preventative work with young people at low or medium risk.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=AgencyKind.values),
                name="agency_kind_valid",
            )
        ]

    def __str__(self) -> str:
        return self.name


class StaffUserManager(UserManager):
    def get_queryset(self) -> models.QuerySet[User]:
        return super().get_queryset().select_related("agency")


class User(AbstractUser):
    """A member of staff of one agency. Their role is the one role group they belong to."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    job_title = models.CharField(max_length=120, blank=True)
    in_colocated_team = models.BooleanField(
        "member of the co-located CSE team",
        default=False,
        help_text="Practitioners and managers placed in the co-located team.",
    )

    objects = StaffUserManager()

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        indexes = [models.Index(fields=["agency", "is_active"])]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def role(self) -> str | None:
        """The user's role (group name), or None. Cached for the life of the request."""
        if not self.is_authenticated or not self.pk:
            return None
        names = sorted(g.name for g in self.groups.all() if g.name in ALL_ROLES)
        return names[0] if names else None

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role else "No role"

    def has_role(self, *roles: str) -> bool:
        return self.is_active and self.role in roles
