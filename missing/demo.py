"""Demo missing episodes (synthetic): a looked-after child with a Philomena profile kept by a
named carer and repeated episodes (the third raised "repeat missing" and asked for an
assessment), a child missing now, an interview overdue, one done in time and one declined.
Idempotent: nothing is added when demo episodes are already there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from cse_portal.accounts.models import AgencyKind
from cse_portal.young_people.demo_hooks import register

from . import services
from .models import MissingEpisode, ReturnInterview


def _ago(hours: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=hours)


def _episode(young_person: Any, by: Any, *, hours: float, grade: str, where: str) -> Any:
    return services.episode_report(
        reported_by=by,
        young_person=young_person,
        missing_since=_ago(hours),
        last_seen=where,
        risk_grade=grade,
        reported_to_police_by="Residential home staff",
    )


@register("missing")
def seed(context: Any) -> None:
    if MissingEpisode.objects.exists():
        context.log.append("Missing episodes already present")
        return
    people = list(context.young_people)
    if len(people) < 12:
        return
    manager = context.users["team_manager"]
    carer = context.users.get(f"frontline_{AgencyKind.SOCIAL_CARE}") or next(
        (u for name, u in context.users.items() if name.startswith("frontline")), None
    )
    police_frontline = context.users.get(f"frontline_{AgencyKind.POLICE}")
    looked_after, missing_now, overdue, in_time, declined = people[8:13]
    looked_after.looked_after = True
    looked_after.save(update_fields=["looked_after"])
    if carer is not None:
        services.carer_name(young_person=looked_after, carer=carer, named_by=manager)
    profile = services.profile_start(young_person=looked_after, started_by=manager)
    services.profile_update(
        profile=profile,
        updated_by=manager,
        physical_description="Slim build, about 160 cm, long dark hair, small scar above left eye.",
        friends_associates="Friends from school; an older man known as 'Jay' who gives lifts.",
        places_frequented="The Interchange, Castle Market car park, a takeaway on London Road.",
        phones_social_media="Snapchat: synthetic_handle_01",
        vehicles_seen="A silver hatchback, part registration YX.",
        medical_needs="Asthma.",
        medication="Salbutamol inhaler.",
        review_date=timezone.localdate() + dt.timedelta(days=60),
    )
    reporter = carer or manager
    for days, grade in ((70, "low"), (35, "medium"), (4, "high")):
        episode = _episode(
            looked_after, reporter, hours=days * 24, grade=grade, where="Left the children's home"
        )
        services.episode_return(
            episode=episode,
            returned_by=reporter,
            returned_at=_ago(days * 24 - 9),
            found_location={"name": "The Interchange", "postcode": "S1 2BP"},
            found_with="Two older males",
            return_method="found_police",
            cse_indicators=["groom_cars"] if days == 4 else [],
        )
    _episode(missing_now, manager, hours=6, grade="high", where="Seen getting into a car")
    for young_person, hours_back in ((overdue, 100), (in_time, 60), (declined, 50)):
        episode = _episode(young_person, manager, hours=hours_back, grade="medium", where="School")
        services.episode_return(
            episode=episode, returned_by=manager, returned_at=_ago(hours_back - 8)
        )
    interview = ReturnInterview.objects.get(episode__young_person=in_time)
    if police_frontline is not None:
        services.interview_assign(
            interview=interview,
            assigned_by=manager,
            agency=police_frontline.agency,
            interviewer=police_frontline,
        )
    services.interview_complete(
        interview=interview,
        recorded_by=manager,
        held_at=_ago(30),
        location_held="School, a quiet room",
        where_been="A friend's flat in the city centre",
        with_whom="Friends from school and an older man",
        child_words="I didn't want to go home that night.",
    )
    services.interview_decline(
        interview=ReturnInterview.objects.get(episode__young_person=declined),
        recorded_by=manager,
        declined_at=_ago(20),
        reason="Said they were fine and did not want to talk.",
        carers_offered=True,
        carers_information="Foster carer says they came back tired and hungry.",
    )
    context.log.append("Created demo missing episodes, interviews and a Philomena profile")
