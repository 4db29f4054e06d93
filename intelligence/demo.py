"""Demo intelligence (synthetic, Faker en_GB): about 240 items over six young people, submitted
from every agency in both schemes, most graded, sanitised, disseminated and assessed by the
analyst, the newest still on the desk, a few drafts, and a community concern recorded as an
item. One vehicle (YA19 KHM) and one takeaway (Kebab King) are each linked to at least four of the
young people within the last two months, so the pattern alert rule has something to find.

Everything goes through the services, as a person's actions would; only the submission times are
moved back afterwards so the desk's waiting times read as a real queue. Idempotent: nothing is
added when intelligence is already there."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from faker import Faker

from cse_portal.accounts.models import AgencyKind
from cse_portal.young_people.demo_hooks import register

from . import services
from .models import Entity, EntityKind, IntelligenceItem, ItemStatus, Priority, Scheme

ITEMS = 240
YOUNG_PEOPLE = 6
SEED = 5505

#: The two subjects the demo's pattern alert is about.
VEHICLE = {
    "kind": "vehicle",
    "registration": "YA19 KHM",
    "make": "Vauxhall",
    "model": "Astra",
    "colour": "Silver",
}
TAKEAWAY = {
    "kind": "location",
    "name": "Kebab King",
    "address": "14 Wellgate, Rotherham",
    "postcode": "S60 2LR",
    "venue_kind": "takeaway",
    "latitude": "53.428800",
    "longitude": "-1.352300",
}
#: Other places (Rotherham, synthetic venues at real-looking coordinates).
PLACES = [
    ("Station Hotel", "Corporation Street, Rotherham", "S60 1NX", "hotel", 53.4326, -1.3590),
    (
        "Bus station taxi rank",
        "Frederick Street, Rotherham",
        "S60 1QY",
        "taxi_rank",
        53.4311,
        -1.3578,
    ),
    ("Clifton Park", "Clifton Lane, Rotherham", "S65 2AA", "park", 53.4297, -1.3406),
    ("12 Ash Grove", "12 Ash Grove, Eastwood", "S65 1RT", "house", 53.4370, -1.3376),
    (
        "Parkgate Retail Park car park",
        "Stadium Way, Parkgate",
        "S62 6EW",
        "other",
        53.4581,
        -1.3430,
    ),
    ("Chicken Hut", "3 Effingham Street, Rotherham", "S65 1AL", "takeaway", 53.4325, -1.3535),
]
OTHER_VEHICLES = [
    ("BD51 SMR", "BMW", "3 Series", "Black"),
    ("YX68 TPO", "Ford", "Focus", "White"),
    ("S12 KHM", "Mercedes", "C Class", "Grey"),
    ("WR15 LNK", "Toyota", "Prius", "Blue"),
]
PLATFORMS = ["Snapchat", "Instagram", "TikTok", "WhatsApp"]
SENTENCES = [
    "{child} was seen getting into a {vehicle} outside {place} at about {time}.",
    "{child} told staff an older man called {adult} buys food for her and her friends at {place}.",
    "{child} has a new phone and gets calls from {phone} late at night.",
    "{adult} was seen giving {child} cigarettes and a lift in a {vehicle}.",
    "{child} came back to the home after midnight, dropped off by a {vehicle} near {place}.",
    "Staff at {place} noticed {child} with two men in their twenties; she looked frightened.",
    "{child} said she met {adult} through {account} and that he has offered her a job.",
    "A group of girls including {child} were seen going into {place} with {adult}.",
]


def _grading(rng: random.Random) -> dict[str, str]:
    if rng.random() < 0.3:
        code = rng.choice("PPPC")
        return {
            "scheme": Scheme.THREE_BY_FIVE,
            "source_evaluation": rng.choice("1122"),
            "intelligence_evaluation": rng.choice("ABBC"),
            "handling_code": code,
            "handling_conditions": "Not to be shared with the family or the young person"
            if code == "C"
            else "",
        }
    code = rng.choice("1111111224435")
    return {
        "scheme": Scheme.FIVE_BY_FIVE,
        "source_evaluation": rng.choice("BBCCE"),
        "intelligence_evaluation": rng.choice("2233"),
        "handling_code": code,
        "handling_conditions": "Refer to the submitting officer before any use"
        if code == "5"
        else "",
    }


def _place(index: int) -> dict[str, Any]:
    name, address, postcode, kind, latitude, longitude = PLACES[index % len(PLACES)]
    return {
        "kind": "location",
        "name": name,
        "address": address,
        "postcode": postcode,
        "venue_kind": kind,
        "latitude": f"{latitude:.6f}",
        "longitude": f"{longitude:.6f}",
    }


class _Scene:
    """The cast: six young people, a few adults of concern, phones and accounts."""

    def __init__(self, faker: Faker, rng: random.Random, young_people: list[Any]) -> None:
        self.faker, self.rng = faker, rng
        self.children = young_people
        self.adults = [
            (
                faker.first_name_male(),
                faker.last_name(),
                faker.first_name_male(),
                faker.date_of_birth(minimum_age=21, maximum_age=45),
            )
            for _ in range(5)
        ]
        self.phones = [f"07700 900{n:03d}" for n in rng.sample(range(100, 999), 6)]
        self.accounts = [
            (rng.choice(PLATFORMS), f"{faker.user_name()}{rng.randint(1, 99)}") for _ in range(4)
        ]

    def child_subject(self, child: Any) -> dict[str, Any]:
        # As a submitter writes it: the name and date of birth, not the record (the analyst
        # links the record afterwards, through the identity-only look-up).
        return {
            "kind": "person",
            "role": "young_person_at_risk",
            "name": f"{child.given_name} {child.family_name}",
            "date_of_birth": child.date_of_birth,
        }

    def item(self, index: int, child: Any, *, vehicle: Any, place: dict[str, Any]) -> dict:
        rng, faker = self.rng, self.faker
        given, family, alias, born = self.adults[index % len(self.adults)]
        phone = self.phones[index % len(self.phones)]
        platform, handle = self.accounts[index % len(self.accounts)]
        vehicle_words = (
            f"{vehicle['colour'].lower()} {vehicle['make']} ({vehicle['registration']})"
            if vehicle
            else "car"
        )
        words = {
            "child": child.given_name,
            "adult": f"{given} (known as {alias})",
            "vehicle": vehicle_words,
            "place": place["name"],
            "time": f"{rng.randint(19, 23)}:{rng.choice(['00', '15', '30', '45'])}",
            "phone": phone,
            "account": f"{platform} (@{handle})",
        }
        what = rng.choice(SENTENCES).format(**words)
        content = (
            f"Who:\n{child.given_name}, about {rng.randint(13, 16)}, and {given} {family}.\n\n"
            f"What:\n{what} {faker.sentence(nb_words=10)}\n\n"
            f"Where:\n{place['name']}, {place['postcode']}.\n\n"
            f"How:\n{rng.choice(['I saw it myself.', 'A colleague told me.', 'Her friend said.'])}"
        )
        subjects: list[dict[str, Any]] = [
            self.child_subject(child),
            {
                "kind": "person",
                "role": "suspected_exploiter",
                "name": f"{given} {family}",
                "alias": alias,
                # Now and then the date of birth is not known: a likely duplicate to merge.
                "date_of_birth": born if index % 37 else None,
            },
            place,
        ]
        if vehicle:
            subjects.append(vehicle)
        if rng.random() < 0.4:
            subjects.append({"kind": "phone", "number": phone})
        if rng.random() < 0.25:
            subjects.append({"kind": "account", "platform": platform, "handle": handle})
        return {"content": content, "subjects": subjects}


def _submitters(context: Any) -> list[Any]:
    users = context.users
    names = [f"frontline_{kind}" for kind in AgencyKind.values if kind != AgencyKind.OTHER]
    names += ["practitioner", "practitioner_police", "practitioner_health", "team_manager"]
    return [users[name] for name in names if name in users]


def _work(analyst: Any, item: IntelligenceItem, rng: random.Random, recipients: dict) -> None:
    """The analyst's work on an older item: sometimes a new grading, then the sanitised version,
    a dissemination as its handling code allows, and "assessed"."""
    if rng.random() < 0.2:
        if item.scheme == Scheme.FIVE_BY_FIVE:
            grading = {
                "source_evaluation": "B",
                "intelligence_evaluation": "2",
                "handling_code": "1",
            }
        else:
            grading = {
                "source_evaluation": "1",
                "intelligence_evaluation": "B",
                "handling_code": "P",
            }
        item = services.item_regrade(
            actor=analyst, item=item, reason="Corroborated by other reports", **grading
        )
    first_line = item.content.split("\n\n")[1].removeprefix("What:\n").split(".")[0]
    item = services.item_sanitise(
        actor=analyst,
        item=item,
        sanitised_content=f"{first_line}. (Source details removed.)",
    )
    code = (item.scheme, item.current_handling_code)
    shared_with: list[Any] = []
    if code in {(Scheme.FIVE_BY_FIVE, "1"), (Scheme.THREE_BY_FIVE, "P")}:
        shared_with = rng.sample(recipients["partners"], k=rng.randint(1, 2))
    elif code == (Scheme.THREE_BY_FIVE, "C"):
        shared_with = [recipients["police_practitioner"]]
    elif code == (Scheme.FIVE_BY_FIVE, "4"):
        shared_with = [u for u in recipients["partners"] if u.agency_id == item.agency_id][:1]
    if shared_with and rng.random() < 0.7:
        # A recipient this code forbids refuses the whole dissemination: nothing is shared.
        with contextlib.suppress(ValidationError):
            services.item_disseminate(
                actor=analyst,
                item=item,
                recipients=shared_with,
                purpose="Safeguarding: CSE strategy meeting",
            )
    services.item_mark_assessed(actor=analyst, item=item)


@register("intelligence")
def seed(context: Any) -> None:
    if IntelligenceItem.objects.exists():
        context.log.append("Intelligence already present")
        return
    children = list(context.young_people)[:YOUNG_PEOPLE]
    if len(children) < YOUNG_PEOPLE:
        return
    faker = Faker("en_GB")
    faker.seed_instance(SEED)
    rng = random.Random(SEED)
    users = context.users
    analyst = users["analyst"]
    submitters = _submitters(context)
    recipients = {
        "partners": [
            users[name]
            for name in (
                "practitioner",
                "practitioner_police",
                "practitioner_health",
                "team_manager",
            )
            if name in users
        ],
        "police_practitioner": users["practitioner_police"],
    }
    scene = _Scene(faker, rng, children)
    now = timezone.now()
    made: list[tuple[IntelligenceItem, dt.datetime]] = []
    for index in range(ITEMS):
        child = children[index % YOUNG_PEOPLE]
        # The pattern: the first 24 items, within the last 60 days, put every child in the
        # silver Astra and at Kebab King; the rest spread over the year and the other places.
        recent = index < 24
        days_ago = rng.randint(2, 60) if recent else rng.randint(3, 365)
        obtained = now - dt.timedelta(days=days_ago, hours=rng.randint(0, 12))
        if recent:
            # Rounds of six, one item per child: the car in rounds 0 and 2, the takeaway in
            # rounds 1 and 3 (and now and then beside the car).
            vehicle = VEHICLE if (index // YOUNG_PEOPLE) % 2 == 0 else None
            place = (
                TAKEAWAY if (index // YOUNG_PEOPLE) % 2 == 1 or index % 4 == 0 else _place(index)
            )
        else:
            vehicle = None
            if rng.random() < 0.35:
                reg, make, model, colour = rng.choice(OTHER_VEHICLES)
                vehicle = {
                    "kind": "vehicle",
                    "registration": reg,
                    "make": make,
                    "model": model,
                    "colour": colour,
                }
            place = _place(index)
        words = scene.item(index, child, vehicle=vehicle, place=place)
        priority = (
            Priority.HIGH if rng.random() < 0.05 else rng.choice([Priority.MEDIUM, Priority.LOW])
        )
        item = services.item_submit(
            actor=submitters[index % len(submitters)],
            priority=priority,
            obtained_at=obtained,
            source_kind=rng.choice(
                ["own_observation", "named_third_party", "anonymous_third_party"]
            ),
            source_description=f"{faker.name()}, {faker.job()}, told me on {obtained:%d %B}.",
            **_grading(rng),
            **words,
        )
        made.append((item, obtained))
    # The analyst links each child's person entity to the record (identity only).
    for child in children:
        for entity in Entity.objects.filter(
            kind=EntityKind.PERSON,
            label=f"{child.given_name} {child.family_name}",
            young_person__isnull=True,
        ):
            services.entity_link_young_person(actor=analyst, entity=entity, young_person=child)
    # The older items are worked; the newest thirty wait on the desk.
    made.sort(key=lambda pair: pair[1])
    for item, _obtained in made[:-30]:
        _work(analyst, item, rng, recipients)
    for item, _obtained in made[-30:-22]:
        services.item_take(actor=analyst, item=item)
    # Submitted a few hours after the information was obtained, as a real queue would read.
    for item, obtained in made:
        submitted = min(obtained + dt.timedelta(hours=rng.randint(1, 30)), now)
        IntelligenceItem.objects.filter(pk=item.pk).update(
            created_at=submitted, submitted_at=submitted
        )
    services.item_save_draft(
        actor=users["frontline_youth_service"],
        content="Saw a girl from the youth club near the bus station: to finish.",
        scheme=Scheme.FIVE_BY_FIVE,
    )
    _record_a_concern(users)
    waiting = IntelligenceItem.objects.exclude(status=ItemStatus.ASSESSED).count()
    context.log.append(
        f"Created {ITEMS} demo intelligence items about {YOUNG_PEOPLE} young people "
        f"({waiting} on the analyst's desk), with YA19 KHM and Kebab King linked to all of them"
    )


def _record_a_concern(users: dict[str, Any]) -> None:
    """The team manager records the demo's community concern as intelligence, in one action."""
    from .selectors import concerns_to_record

    concern = concerns_to_record(users["team_manager"]).first()
    if concern is not None:
        services.concern_to_item(actor=users["team_manager"], referral=concern)
