"""The named people every test can use, one per agency and role, built by the ``people`` fixture.

- ``manager`` (social care): team manager of the co-located team; sees every record.
- ``alice`` (social care): practitioner in the co-located team; Maya is allocated to her.
- ``bob`` (police): practitioner in the co-located team; nothing allocated.
- ``frank`` (health): frontline; submits referrals and intelligence, never sees case files.
- ``fiona`` (police): frontline.
- ``ana`` (police): analyst.
- ``lucy`` (other): LSCB manager; aggregate figures only.
- ``adam`` (other): system administrator; configuration, no case data.
- ``maya``: a young person allocated to alice.
- ``noah``: a young person allocated to nobody.
"""

from __future__ import annotations

from dataclasses import dataclass

from cse_portal.accounts.models import Agency, AgencyKind, User
from cse_portal.accounts.roles import Role
from cse_portal.notifications.models import Notification
from cse_portal.young_people import services as yp_services
from cse_portal.young_people.models import YoungPerson

from .factories import AgencyFactory, make_user, make_young_person


@dataclass
class People:
    police: Agency
    social_care: Agency
    health: Agency
    vcs: Agency
    other: Agency
    manager: User
    alice: User
    bob: User
    frank: User
    fiona: User
    ana: User
    lucy: User
    adam: User
    maya: YoungPerson
    noah: YoungPerson

    def all_staff(self) -> dict[str, User]:
        return {
            "manager": self.manager,
            "alice": self.alice,
            "bob": self.bob,
            "frank": self.frank,
            "fiona": self.fiona,
            "ana": self.ana,
            "lucy": self.lucy,
            "adam": self.adam,
        }


def build_people() -> People:
    police = AgencyFactory(name="Test Police", kind=AgencyKind.POLICE)
    social_care = AgencyFactory(name="Test Children's Social Care", kind=AgencyKind.SOCIAL_CARE)
    health = AgencyFactory(name="Test Health Trust", kind=AgencyKind.HEALTH)
    vcs = AgencyFactory(
        name="Test Youth Charity", kind=AgencyKind.VCS, offers_preventative_work=True
    )
    other = AgencyFactory(name="Test Council", kind=AgencyKind.OTHER)
    manager = make_user("manager", Role.TEAM_MANAGER, social_care, colocated=True)
    alice = make_user("alice", Role.PRACTITIONER, social_care, colocated=True)
    bob = make_user("bob", Role.PRACTITIONER, police, colocated=True)
    maya = make_young_person(manager, given_name="Maya", family_name="Whitfield")
    noah = make_young_person(manager, given_name="Noah", family_name="Ellison")
    yp_services.young_person_allocate(
        young_person=maya, practitioners=[alice], allocated_by=manager, reason="Test allocation"
    )
    people = People(
        police=police,
        social_care=social_care,
        health=health,
        vcs=vcs,
        other=other,
        manager=manager,
        alice=alice,
        bob=bob,
        frank=make_user("frank", Role.FRONTLINE, health),
        fiona=make_user("fiona", Role.FRONTLINE, police),
        ana=make_user("ana", Role.ANALYST, police, colocated=True),
        lucy=make_user("lucy", Role.LSCB_MANAGER, other),
        adam=make_user("adam", Role.ADMIN, other),
        maya=maya,
        noah=noah,
    )
    # Creating the staff queued the team managers' notices of new access to case data; tests of
    # the outbox start from an empty one.
    Notification.objects.all().delete()
    return people
