"""An outreach session's record corrected after it was first recorded: a save that changes
nothing writes and audits nothing, a link or a visit recorded in error can be taken off, and
what the worker cannot see stays as it was."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cse_portal.audit.models import AuditAction, AuditEntry
from cse_portal.young_people.models import ChronologyEntry
from outreach import services
from outreach.models import OutreachSession, PremisesVisit, SessionEngagement, VisitOutcome
from tests.forms import form_fields

from .conftest import hot_spot, premises, recorded

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/outreach-sessions/"


def _entries(session: OutreachSession) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_id=str(session.pk), action__in=[AuditAction.COLLECT, AuditAction.ALTER]
        ).order_by("id")
    )


def _again(session: OutreachSession, actor, **overrides) -> list[str]:
    """Record ``session`` again with what it holds, but for ``overrides``."""
    values = {
        "young_people_count": session.young_people_count,
        "young_people": [e.young_person for e in session.engagements.all()],
        "materials_given": session.materials_given,
        "what_seen": session.what_seen,
        "visits": [(v.premises, v.outcome) for v in session.premises_visits.all()],
        "workers": list(session.workers.all()),
    }
    values.update(overrides)
    return services.session_record(actor=actor, session=session, **values)


# --- The service ---------------------------------------------------------------------------------


def test_recording_again_unchanged_writes_and_audits_nothing(people):
    hotel = premises(people.manager)
    session = recorded(
        people.manager,
        hot_spot(people),
        young_people=[people.maya],
        visits=[(hotel, VisitOutcome.ENGAGED)],
    )
    session.refresh_from_db()
    stamp = session.recorded_at
    entries = _entries(session)
    chronology = ChronologyEntry.objects.count()
    assert _again(session, people.manager) == []
    session.refresh_from_db()
    assert session.recorded_at == stamp
    assert _entries(session) == entries
    assert ChronologyEntry.objects.count() == chronology


def test_a_correction_is_audited_with_what_it_was_and_is(people):
    session = recorded(people.manager, hot_spot(people), what_seen="Two cars")
    assert _again(session, people.manager, what_seen="Two cars and a van") == ["what_seen"]
    entry = _entries(session)[-1]
    assert entry.action == AuditAction.ALTER
    assert entry.summary == f"Outreach session {session.reference} record corrected"
    assert entry.detail["was_what_seen"] == "Two cars"
    assert entry.detail["now_what_seen"] == "Two cars and a van"


def test_a_young_person_linked_in_error_is_unlinked_and_the_chronology_says_so(people):
    session = recorded(people.manager, hot_spot(people), young_people=[people.maya, people.noah])
    assert _again(session, people.manager, young_people=[people.maya]) == ["linked"]
    assert list(session.engagements.values_list("young_person", flat=True)) == [people.maya.pk]
    titles = list(
        ChronologyEntry.objects.filter(young_person=people.noah, source_app="outreach")
        .order_by("id")
        .values_list("title", flat=True)
    )
    assert titles[0].startswith("Engaged during outreach at")
    assert titles[-1].endswith("taken off (recorded in error)")
    assert _entries(session)[-1].detail["unlinked"] == [str(people.noah.pk)]


def test_links_the_worker_cannot_see_stay_and_count(people, yasmin):
    session = recorded(people.manager, hot_spot(people), young_people=[people.maya])
    session.workers.add(yasmin)
    # Yasmin sees no case files: her list of links is empty, Maya's link is not hers to take off.
    assert _again(session, yasmin, young_people=[], what_seen="Quiet night") == ["what_seen"]
    assert list(session.engagements.values_list("young_person", flat=True)) == [people.maya.pk]
    with pytest.raises(ValidationError) as error:
        _again(session, yasmin, young_people=[], young_people_count=0)
    assert error.value.message_dict["young_people_count"] == [
        "The number engaged cannot be less than the young people you linked and the 1 others "
        "linked to it"
    ]


def test_links_left_out_altogether_stay(people):
    session = recorded(people.manager, hot_spot(people), young_people=[people.maya])
    assert _again(session, people.manager, young_people=None, young_people_count=9) == [
        "young_people_count"
    ]
    assert session.engagements.count() == 1


def test_a_visit_recorded_in_error_is_taken_off_and_others_kept(people):
    hotel, shop = premises(people.manager), premises(people.manager, name="Corner Shop")
    session = recorded(
        people.manager,
        hot_spot(people),
        visits=[(hotel, VisitOutcome.ENGAGED), (shop, VisitOutcome.MATERIALS_LEFT)],
    )
    assert _again(session, people.manager, visits=[(hotel, "")]) == ["visits"]
    assert list(PremisesVisit.objects.values_list("premises", flat=True)) == [shop.pk]
    # Named twice, the last word stands, and the visit is written once.
    _again(
        session,
        people.manager,
        visits=[(hotel, VisitOutcome.ENGAGED), (hotel, VisitOutcome.TRAINING_AGREED)],
    )
    assert PremisesVisit.objects.get(premises=hotel).outcome == VisitOutcome.TRAINING_AGREED


# --- The page ------------------------------------------------------------------------------------


def _record_page(client, session: OutreachSession):
    return client.get(reverse("outreach:session_record", kwargs={"pk": session.pk}))


def test_saving_the_record_page_as_shown_says_nothing_changed(people, client_for):
    hotel = premises(people.manager)
    session = recorded(
        people.manager,
        hot_spot(people),
        young_people=[people.maya],
        visits=[(hotel, VisitOutcome.ENGAGED)],
        materials_given="Leaflets\nand cards",
    )
    client = client_for(people.manager)
    entries = _entries(session)
    data = form_fields(_record_page(client, session).content.decode(), "young_people_count")
    assert data["young_people"] == [str(people.maya.pk)]
    assert data[f"visit_{hotel.pk}"] == [VisitOutcome.ENGAGED]
    url = reverse("outreach:session_record", kwargs={"pk": session.pk})
    response = client.post(url, data, follow=True)
    assert "Nothing changed" in response.content.decode()
    assert _entries(session) == entries


def test_unticking_on_the_record_page_unlinks_and_untakes_the_visit(people, client_for):
    hotel = premises(people.manager)
    session = recorded(
        people.manager,
        hot_spot(people),
        young_people=[people.maya],
        visits=[(hotel, VisitOutcome.ENGAGED)],
    )
    client = client_for(people.manager)
    data = form_fields(_record_page(client, session).content.decode(), "young_people_count")
    del data["young_people"]
    data[f"visit_{hotel.pk}"] = [""]
    url = reverse("outreach:session_record", kwargs={"pk": session.pk})
    response = client.post(url, data, follow=True)
    assert f"Outreach session {session.reference} recorded" in response.content.decode()
    assert not SessionEngagement.objects.exists()
    assert not PremisesVisit.objects.exists()


# --- The API -------------------------------------------------------------------------------------


def test_the_api_records_again_unchanged_without_a_write(people, api_client_for):
    session = recorded(people.manager, hot_spot(people), young_people=[people.maya])
    entries = _entries(session)
    response = api_client_for(people.manager).post(
        f"{SESSIONS}{session.pk}/record/",
        {
            "young_people_count": session.young_people_count,
            "materials_given": session.materials_given,
            "what_seen": session.what_seen,
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert _entries(session) == entries
    assert session.engagements.count() == 1


def test_the_api_takes_a_visit_off_with_an_empty_outcome(people, api_client_for):
    hotel = premises(people.manager)
    session = recorded(people.manager, hot_spot(people), visits=[(hotel, VisitOutcome.ENGAGED)])
    client = api_client_for(people.manager)
    url = f"{SESSIONS}{session.pk}/record/"
    values = {"young_people_count": 5, "what_seen": session.what_seen}
    wrong = client.post(
        url, {**values, "visits": [{"premises": str(hotel.pk), "outcome": "x"}]}, format="json"
    )
    assert wrong.status_code == 400
    assert "visits" in wrong.json()
    unknown = client.post(
        url,
        {**values, "visits": [{"premises": "6f1c1f5e-0000-4000-8000-000000000000", "outcome": ""}]},
        format="json",
    )
    assert unknown.json() == {"visits": ["No such premises in the register"]}
    done = client.post(
        url, {**values, "visits": [{"premises": str(hotel.pk), "outcome": ""}]}, format="json"
    )
    assert done.status_code == 200, done.json()
    assert not PremisesVisit.objects.exists()


# --- A session still to come ---------------------------------------------------------------------


def test_a_session_still_to_come_is_not_recorded(people, api_client_for):
    from .conftest import plan

    soon = timezone.now() + dt.timedelta(days=6)
    session = plan(people.manager, hot_spot(people), starts_at=soon, ends_at=None)
    hotel = premises(people.manager)
    with pytest.raises(ValidationError) as error:
        services.session_record(
            actor=people.manager,
            session=session,
            young_people_count=2,
            visits=[(hotel, VisitOutcome.ENGAGED)],
        )
    assert "record it once it has started" in error.value.message_dict["__all__"][0]
    response = api_client_for(people.manager).post(
        f"{SESSIONS}{session.pk}/record/", {"young_people_count": 2}, format="json"
    )
    assert response.status_code == 400
    assert "record it once it has started" in str(response.json())
    assert not PremisesVisit.objects.exists()
    session.refresh_from_db()
    assert session.status == "planned"


# --- What the pages show, audited --------------------------------------------------------------


def test_the_session_page_names_the_young_people_it_shows_in_its_audit_entry(
    people, client_for, yasmin
):
    session = recorded(people.manager, hot_spot(people), young_people=[people.maya])
    session.workers.add(yasmin)
    for user, shown in ((people.manager, [str(people.maya.pk)]), (yasmin, [])):
        client_for(user).get(reverse("outreach:session", kwargs={"pk": session.pk}))
        entry = AuditEntry.objects.filter(
            object_id=str(session.pk), action=AuditAction.CONSULT, actor=user
        ).latest("id")
        assert entry.detail["subjects"] == shown


def test_the_team_training_and_cascade_pages_are_audited(people, client_for, courses):
    from .conftest import train

    train(people.manager, courses["cse-awareness"], attendees=[people.alice])
    client = client_for(people.manager)
    for name, channel in (("team_training", "team training"), ("cascade", "training cascade")):
        assert client.get(reverse(f"outreach:{name}")).status_code == 200
        entry = AuditEntry.objects.filter(actor=people.manager, action=AuditAction.SEARCH).latest(
            "id"
        )
        assert entry.detail["channel"] == channel


def test_the_hot_spot_list_gives_the_last_session_held_not_one_to_come(people, client_for):
    from .conftest import plan

    place = hot_spot(people)
    held = recorded(people.manager, place)
    coming = plan(
        people.manager, place, starts_at=timezone.now() + dt.timedelta(days=4), ends_at=None
    )
    page = client_for(people.manager).get(reverse("outreach:hot_spots")).content.decode()
    assert f"{timezone.localtime(held.starts_at):%-d %b %Y}" in page
    assert f"{timezone.localtime(coming.starts_at):%-d %b %Y}" not in page
