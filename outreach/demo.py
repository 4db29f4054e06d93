"""Demo outreach (synthetic): hot spots with the intelligence that makes them hot, businesses and
community groups in every sector, recorded and planned sessions, a three-generation
train-the-trainer cascade, e-learning completions imported from a CSV export, feedback and
participation activities. Idempotent: nothing is added when demo sessions are already there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from cse_portal.accounts.models import AgencyKind
from cse_portal.young_people.demo_hooks import register
from intelligence import services as intelligence_services
from intelligence.models import Priority, Scheme, SourceKind

from . import services
from .courses import ensure_courses
from .models import (
    ActivityKind,
    Course,
    FeedbackAbout,
    FeedbackFrom,
    OutreachSession,
    Sector,
    VisitOutcome,
)

PLACES = [
    ("Golden Fry Takeaway", "S60 1QD", "takeaway"),
    ("Station Lodge Hotel", "S60 1RF", "hotel"),
    ("Bridge Street taxi rank", "S60 1PN", "taxi_rank"),
]

PREMISES = [
    ("Golden Fry Takeaway", Sector.TAKEAWAY, "S60 1QD"),
    ("Station Lodge Hotel", Sector.HOTEL, "S60 1RF"),
    ("Riverside B&B", Sector.HOTEL, "S60 2AB"),
    ("Town Cars", Sector.TAXI, "S60 1PN"),
    ("Northgate Lettings", Sector.LANDLORD, "S60 3DA"),
    ("Corner Convenience Store", Sector.SHOP, "S60 1QE"),
    ("Parkgate Shopping Centre", Sector.SHOPPING_CENTRE, "S62 6EN"),
    ("The Crown", Sector.PUB_CLUB, "S60 2EF"),
    ("Rainbow Rooms", Sector.LGBT_VENUE, "S60 2GH"),
    ("St Mary's Church", Sector.FAITH_GROUP, "S60 3JB"),
    ("New Arrivals Community Hub", Sector.MIGRANT_COMMUNITY, "S61 1LN"),
]

ELEARNING_CSV = """email,module,completed_on,score
practitioner@example.org,el-cse-intro,{d1},92
practitioner_police@example.org,el-cse-intro,{d1},88
practitioner_health@example.org,el-online-grooming,{d2},75
frontline_youth_service@example.org,el-missing-children,{d2},
nobody@example.org,el-cse-intro,{d1},80
practitioner@example.org,el-no-such-module,{d1},80
"""


def _hot_spot(actor: Any, young_person: Any, place: tuple[str, str, str], when: Any) -> Any:
    name, postcode, venue_kind = place
    intelligence_services.item_submit(
        actor=actor,
        scheme=Scheme.FIVE_BY_FIVE,
        source_evaluation="B",
        intelligence_evaluation="2",
        handling_code="2",
        priority=Priority.MEDIUM,
        obtained_at=when,
        content=f"Young people seen being collected by older men outside {name} late at night.",
        source_kind=SourceKind.OWN_OBSERVATION,
        subjects=[
            {"kind": "location", "name": name, "postcode": postcode, "venue_kind": venue_kind},
            {
                "kind": "person",
                "role": "young_person_at_risk",
                "young_person": str(young_person.pk),
            },
        ],
    )
    return intelligence_services.location_find_or_create(actor=actor, name=name, postcode=postcode)


@register("outreach")
def seed(context: Any) -> None:
    if OutreachSession.objects.exists():
        context.log.append("Outreach already present")
        return
    ensure_courses()
    users, people = context.users, context.young_people
    manager = users["team_manager"]
    youth_worker = users[f"frontline_{AgencyKind.YOUTH_SERVICE}"]
    vcs_worker = users[f"frontline_{AgencyKind.VCS}"]
    teacher = users[f"frontline_{AgencyKind.EDUCATION}"]
    now = timezone.now()
    today = timezone.localdate()

    places = [
        _hot_spot(manager, people[i % len(people)], place, now - dt.timedelta(days=10 + i))
        for i, place in enumerate(PLACES)
    ]
    _hot_spot(manager, people[3], PLACES[0], now - dt.timedelta(days=4))

    register_ = {
        name: services.premises_save(
            actor=youth_worker,
            name=name,
            sector=sector,
            postcode=postcode,
            address=f"{context.faker.building_number()} {context.faker.street_name()}\nRotherham",
            contact_name=context.faker.name(),
            contact_phone=context.faker.phone_number(),
            materials_displayed=index % 3 == 0,
        )
        for index, (name, sector, postcode) in enumerate(PREMISES)
    }

    for weeks, place in ((6, places[0]), (3, places[1]), (1, places[0])):
        session = services.session_plan(
            actor=youth_worker,
            place=place,
            starts_at=now - dt.timedelta(weeks=weeks, hours=2),
            ends_at=now - dt.timedelta(weeks=weeks),
            agencies=[context.agencies[AgencyKind.VCS]],
            # Youth service and voluntary sector workers go together, a PCSO joins on patrol.
            workers=[youth_worker, vcs_worker],
            other_workers="PCSO on patrol",
        )
        services.session_record(
            actor=manager,
            session=session,
            young_people_count=6 + weeks,
            young_people=people[:2] if weeks == 1 else [],
            materials_given="Leaflets and wallet cards with the helpline number",
            what_seen="Young people gathering; two cars circling, drivers talking to girls.",
            visits=[
                (register_["Golden Fry Takeaway"], VisitOutcome.ENGAGED),
                (register_["Corner Convenience Store"], VisitOutcome.MATERIALS_LEFT),
            ]
            if place == places[0]
            else [(register_["Station Lodge Hotel"], VisitOutcome.TRAINING_AGREED)],
        )
    services.session_plan(
        actor=youth_worker,
        place=places[2],
        starts_at=now + dt.timedelta(days=3, hours=19),
        agencies=[context.agencies[AgencyKind.POLICE]],
        workers=[youth_worker, users["practitioner_police"]],
    )
    services.premises_visit_add(
        actor=vcs_worker,
        premises=register_["Rainbow Rooms"],
        visited_on=today - dt.timedelta(days=12),
        outcome=VisitOutcome.ENGAGED,
        materials_displayed=True,
    )

    # The train-the-trainer cascade: the team manager trains two trainers (generation 1), the
    # youth worker trains a teacher among others (2), and the teacher trains school staff (3).
    courses = {c.code: c for c in Course.objects.all()}
    services.training_session_record(
        actor=manager,
        course=courses["train-the-trainer"],
        delivered_on=today - dt.timedelta(days=90),
        attendance_count=8,
        attendees=[youth_worker, vcs_worker],
        audience_agencies=[
            context.agencies[AgencyKind.YOUTH_SERVICE],
            context.agencies[AgencyKind.VCS],
        ],
    )
    services.training_session_record(
        actor=youth_worker,
        course=courses["cse-awareness"],
        delivered_on=today - dt.timedelta(days=60),
        attendance_count=15,
        attendees=[teacher],
        audience_sectors=[Sector.HOTEL, Sector.TAXI],
        premises=[register_["Station Lodge Hotel"], register_["Town Cars"]],
    )
    services.training_session_record(
        actor=vcs_worker,
        course=courses["cse-awareness"],
        delivered_on=today - dt.timedelta(days=45),
        attendance_count=12,
        audience_sectors=[Sector.FAITH_GROUP, Sector.MIGRANT_COMMUNITY, Sector.LGBT_VENUE],
        premises=[register_["St Mary's Church"], register_["New Arrivals Community Hub"]],
    )
    services.training_session_record(
        actor=teacher,
        course=courses["cse-awareness"],
        delivered_on=today - dt.timedelta(days=20),
        attendance_count=25,
        audience_agencies=[context.agencies[AgencyKind.EDUCATION]],
    )
    services.training_session_record(
        actor=manager,
        course=courses["5x5x5-submission"],
        delivered_on=today - dt.timedelta(days=30),
        attendance_count=10,
        attendees=[users["practitioner"], users["practitioner_health"]],
        audience_sectors=[Sector.TAKEAWAY, Sector.SHOP],
        premises=[register_["Golden Fry Takeaway"], register_["Corner Convenience Store"]],
    )

    upload = services.elearning_import_start(
        actor=manager,
        filename="learning-platform-export.csv",
        content=ELEARNING_CSV.format(
            d1=(today - dt.timedelta(days=40)).isoformat(),
            d2=(today - dt.timedelta(days=15)).strftime("%d/%m/%Y"),
        ),
    )
    services.elearning_import_run(import_id=upload.pk)

    feedback = [
        (
            FeedbackFrom.YOUNG_PERSON,
            FeedbackAbout.SUPPORT,
            5,
            "My worker listened and didn't judge me.",
            "",
        ),
        (
            FeedbackFrom.YOUNG_PERSON,
            FeedbackAbout.OUTREACH,
            4,
            "The youth workers were easy to talk to.",
            "Come on more nights.",
        ),
        (
            FeedbackFrom.PARENT_CARER,
            FeedbackAbout.FAMILY,
            4,
            "We understood what was happening.",
            "More updates please.",
        ),
        (FeedbackFrom.YOUNG_PERSON, FeedbackAbout.GROUP, 3, "", "The room was too small."),
        (
            FeedbackFrom.PARENT_CARER,
            FeedbackAbout.SUPPORT,
            5,
            "Somebody finally took it seriously.",
            "",
        ),
    ]
    for number, (given_by, about, rating, well, better) in enumerate(feedback):
        services.feedback_receive(
            address=f"demo-feedback-{number}",
            fields={
                "given_by": given_by,
                "about": about,
                "rating": rating,
                "went_well": well,
                "could_be_better": better,
                "name": "",
                "contact": "",
            },
        )
    services.activity_record(
        actor=manager,
        kind=ActivityKind.CONSULTATION,
        title="Young people's review of the self-referral page",
        held_on=today - dt.timedelta(days=35),
        young_people_count=9,
        summary="Young people tried the page on their phones and said what put them off.",
        what_changed="Shorter questions; the Childline number moved to the top.",
    )
    services.activity_record(
        actor=users["practitioner"],
        kind=ActivityKind.GROUP,
        title="Parents' participation group",
        held_on=today - dt.timedelta(days=14),
        families_count=6,
        what_changed="Letters to parents now explain the risk assessment in plain words.",
    )
    context.log.append("Created outreach sessions, the register, training and feedback")
