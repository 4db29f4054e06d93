"""Synthetic demo data (Faker, en_GB): agencies, one user per role, a frontline user per agency,
young people with records, then each feature app's own ``demo.seed(context)``.

Idempotent: running it again adds nothing that is already there. Never real people."""

from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django_otp.plugins.otp_totp.models import TOTPDevice
from faker import Faker

from cse_portal.accounts import services as account_services
from cse_portal.accounts.models import Agency, AgencyKind, User
from cse_portal.accounts.roles import Role
from cse_portal.young_people import services
from cse_portal.young_people.models import (
    Alias,
    ChronologyAudience,
    Ethnicity,
    FlagKind,
    Gender,
    YoungPerson,
)

AGENCIES = [
    ("South Yorkshire Police", AgencyKind.POLICE, False),
    ("Rotherham Children's Social Care", AgencyKind.SOCIAL_CARE, False),
    ("Rotherham Hospital NHS Foundation Trust", AgencyKind.HEALTH, False),
    ("Safe Futures Youth Charity", AgencyKind.VCS, True),
    ("Riverside Academy", AgencyKind.EDUCATION, False),
    ("Rotherham Youth Service", AgencyKind.YOUTH_SERVICE, True),
    ("Borough Housing Services", AgencyKind.OTHER, False),
]

#: username, role, agency kind, in the co-located team
STAFF = [
    ("practitioner", Role.PRACTITIONER, AgencyKind.SOCIAL_CARE, True),
    ("practitioner_police", Role.PRACTITIONER, AgencyKind.POLICE, True),
    ("practitioner_health", Role.PRACTITIONER, AgencyKind.HEALTH, True),
    ("team_manager", Role.TEAM_MANAGER, AgencyKind.SOCIAL_CARE, True),
    ("analyst", Role.ANALYST, AgencyKind.POLICE, True),
    ("lscb_manager", Role.LSCB_MANAGER, AgencyKind.OTHER, False),
    ("admin", Role.ADMIN, AgencyKind.OTHER, False),
]
FRONTLINE_PREFIX = "frontline"
YOUNG_PEOPLE = 40
CASE_NOTE_DETAILS = [
    "Seen at home with carer present. Talked about friendships and staying safe online.",
    "School reports improved attendance this half term; to review at the next meeting.",
    "Did not attend the planned session; carer says was out with friends. Rebooked.",
    "Talked about an older friend who gives lifts. Agreed safety plan and who to call.",
    "Attended the sexual health clinic with youth worker support; follow-up booked.",
    "Carer worried about new phone and late nights. Advice given; will share with police.",
    "Return home interview offered after last episode; accepted, arranged for Thursday.",
]
SEED = 2013


@dataclass
class DemoContext:
    """What feature apps' ``demo.seed`` functions receive."""

    faker: Faker
    random: random.Random
    agencies: dict[str, Agency]
    users: dict[str, User]
    young_people: list[YoungPerson]
    log: list[str] = field(default_factory=list)


def frontline_username(kind: str) -> str:
    return f"{FRONTLINE_PREFIX}_{kind}"


def _user(username: str, role: str, agency: Agency, colocated: bool, faker: Faker) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = account_services.user_create(
            username=username,
            password=settings.DEMO_PASSWORD,
            role=role,
            agency=agency,
            first_name=faker.first_name(),
            last_name=faker.last_name(),
            email=f"{username}@example.org",
            in_colocated_team=colocated,
        )
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name="Demo authenticator", confirmed=True)
    return user


def demo_logins() -> list[dict[str, Any]]:
    """Every demo account, with its TOTP secret in base32 (6 digits, 30 s, SHA-1)."""
    rows = []
    usernames = [s[0] for s in STAFF] + [frontline_username(k) for k in AgencyKind.values]
    users = {
        u.username: u
        for u in User.objects.filter(username__in=usernames).prefetch_related("groups")
    }
    devices = {
        d.user_id: d for d in TOTPDevice.objects.filter(user__in=users.values(), confirmed=True)
    }
    for username in usernames:
        user = users.get(username)
        if user is None:
            continue
        device = devices.get(user.pk)
        rows.append(
            {
                "username": username,
                "password": settings.DEMO_PASSWORD,
                "role": user.role,
                "agency": user.agency.name if user.agency else None,
                "totp_secret": base64.b32encode(device.bin_key).decode() if device else None,
            }
        )
    return rows


def format_logins(rows: list[dict[str, Any]]) -> str:
    width = max(len(r["username"]) for r in rows)
    lines = [f"Demo logins (password for all: {rows[0]['password']}):"]
    for r in rows:
        name, role, agency = r["username"], r["role"], r["agency"]
        lines.append(f"  {name:<{width}}  {role:<13} {agency:<40} TOTP {r['totp_secret']}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Load idempotent synthetic demo data; --json prints the demo logins as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the logins as JSON only")
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="allow loading demo accounts with a known password when DEBUG is off",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "Refusing to create demo accounts with a known password in production mode "
                "(DEBUG is off). Pass --allow-production for a disposable test environment."
            )
        context = self._seed()
        if options["json"]:
            self.stdout.write(json.dumps(demo_logins(), indent=2))
            return
        for line in context.log:
            self.stdout.write(line)
        self.stdout.write(format_logins(demo_logins()))

    @transaction.atomic
    def _seed(self) -> DemoContext:
        faker = Faker("en_GB")
        faker.seed_instance(SEED)
        rng = random.Random(SEED)
        agencies = {}
        for name, kind, preventative in AGENCIES:
            agencies[kind], _ = Agency.objects.get_or_create(
                name=name, defaults={"kind": kind, "offers_preventative_work": preventative}
            )
        users = {}
        for username, role, kind, colocated in STAFF:
            users[username] = _user(username, role, agencies[kind], colocated, faker)
        for kind, agency in agencies.items():
            name = frontline_username(kind)
            users[name] = _user(name, Role.FRONTLINE, agency, False, faker)

        young_people = list(YoungPerson.objects.current().order_by("created_at")[:YOUNG_PEOPLE])
        context = DemoContext(faker, rng, agencies, users, young_people)
        if len(young_people) < YOUNG_PEOPLE:
            young_people.extend(self._young_people(context, YOUNG_PEOPLE - len(young_people)))
            context.log.append(f"Created {YOUNG_PEOPLE} young people")
        else:
            context.log.append("Young people already present")
        autodiscover_modules("demo")
        from cse_portal.young_people import demo_hooks

        for seed in demo_hooks.registered():
            seed(context)
        return context

    def _young_people(self, context: DemoContext, count: int) -> list[YoungPerson]:
        faker, rng, users = context.faker, context.random, context.users
        manager = users["team_manager"]
        practitioners = [
            users["practitioner"],
            users["practitioner_police"],
            users["practitioner_health"],
        ]
        created = []
        today = timezone.localdate()
        for index in range(count):
            gender = rng.choice([Gender.FEMALE, Gender.FEMALE, Gender.MALE])
            given = (
                faker.first_name_female() if gender == Gender.FEMALE else faker.first_name_male()
            )
            dob = today - timedelta(days=rng.randint(11 * 365, 17 * 365 + 300))
            record = services.young_person_create(
                created_by=manager,
                given_name=given,
                family_name=faker.last_name(),
                date_of_birth=dob,
                gender=gender,
                ethnicity=rng.choice(Ethnicity.values[:-2]),
                address=faker.street_address(),
                postcode=faker.postcode(),
                school=f"{faker.last_name()} {rng.choice(['Academy', 'High School', 'College'])}",
                looked_after=rng.random() < 0.25,
                learning_disability=rng.random() < 0.1,
                aliases=[(faker.first_name(), Alias.Kind.KNOWN_AS)] if rng.random() < 0.4 else [],
            )
            if index % 3 != 2:
                services.young_person_allocate(
                    young_person=record,
                    practitioners=[practitioners[index % 3]],
                    allocated_by=manager,
                    reason="Allocated at triage",
                )
            if index % 7 == 0:
                services.flag_raise(
                    young_person=record,
                    kind=FlagKind.REPEAT_MISSING,
                    reason="Three missing episodes in 90 days",
                    raised_by=manager,
                )
            for _ in range(rng.randint(1, 4)):
                services.case_note_add(
                    young_person=record,
                    recorded_by=manager,
                    title=rng.choice(
                        [
                            "Home visit",
                            "Strategy meeting",
                            "School liaison call",
                            "Health appointment attended",
                            "Return home interview offered",
                        ]
                    ),
                    detail=rng.choice(CASE_NOTE_DETAILS),
                    occurred_at=timezone.now() - timedelta(days=rng.randint(1, 200)),
                    audience=ChronologyAudience.MANAGERS
                    if rng.random() < 0.1
                    else ChronologyAudience.CASE,
                )
            created.append(record)
        return created
