"""factory_boy factories for the core models. Synthetic data only (Faker, en_GB)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cse_portal.accounts import services as account_services
from cse_portal.accounts.models import Agency, AgencyKind, User
from cse_portal.young_people import services as yp_services
from cse_portal.young_people.models import YoungPerson

factory.Faker._DEFAULT_LOCALE = "en_GB"

PASSWORD = "correct-horse-battery-staple"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Agency {n}")
    kind = AgencyKind.OTHER


def make_user(
    username: str,
    role: str,
    agency: Agency,
    *,
    colocated: bool = False,
    with_device: bool = True,
) -> User:
    """A staff user with one role, the shared test password and (by default) a confirmed TOTP
    device, created through the same service as production users."""
    user = account_services.user_create(
        username=username,
        password=PASSWORD,
        role=role,
        agency=agency,
        first_name=username.split("_")[0].title(),
        last_name="Tester",
        in_colocated_team=colocated,
    )
    if with_device:
        TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    return user


def make_young_person(created_by: User | None = None, **overrides: Any) -> YoungPerson:
    """A young person created through the service, as the pages do."""
    fake = factory.Faker._get_faker()
    values: dict[str, Any] = {
        "given_name": fake.first_name(),
        "family_name": fake.last_name(),
        "date_of_birth": timezone.localdate() - dt.timedelta(days=15 * 365),
        "postcode": "S1 2HH",
    }
    values.update(overrides)
    return yp_services.young_person_create(created_by=created_by, **values)


class ReportRunFactory(factory.django.DjangoModelFactory):
    """A background report's run, in whatever state a test sets (``status``, ``progress``...);
    ``requested_by`` is required."""

    class Meta:
        model = "reports.ReportRun"

    kind = "lscb_quarterly"
    period = "2026-Q3"
    marking = "OFFICIAL"
