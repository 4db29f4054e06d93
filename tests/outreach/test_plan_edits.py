"""A planned outreach session's plan changed after it was planned: when, where, the agencies and
workers taking part; by whoever plans outreach and may see the session, under the rules of
planning, audited only when something changed, nothing typed lost on an error; a session recorded,
or one the user may not see, is a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cse_portal.audit.models import AuditAction, AuditEntry
from outreach import services
from outreach.models import OutreachSession
from tests.factories import AgencyFactory

from .conftest import hot_spot, plan, recorded

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/outreach-sessions/"


def _alterations(session: OutreachSession) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(object_id=str(session.pk), action=AuditAction.ALTER).order_by(
            "id"
        )
    )


def _edit(session: OutreachSession, actor, **overrides):
    values = {
        "place": session.place,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "agencies": list(session.agencies.all()),
        "other_workers": session.other_workers,
    }
    values.update(overrides)
    return services.session_plan_edit(actor=actor, session=session, **values)


def _later(days: int = 3, hour: int = 19) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


# --- The service ---------------------------------------------------------------------------------


def test_the_plan_is_changed_and_audited_with_what_it_was(people):
    place = hot_spot(people)
    other = hot_spot(people, name="Bus Station", postcode="S1 4BS")
    session = plan(people.alice, place)
    was_start = session.starts_at
    changed = _edit(
        session,
        people.alice,
        place=other,
        starts_at=_later(),
        ends_at=_later(hour=21),
        agencies=[people.social_care, people.vcs],
        other_workers="Sam from the youth club",
    )
    assert changed == ["place", "starts_at", "ends_at", "agencies", "other_workers"]
    session.refresh_from_db()
    assert session.place == other
    assert session.starts_at == _later()
    assert set(session.agencies.all()) == {people.social_care, people.vcs}
    assert session.other_workers == "Sam from the youth club"
    (entry,) = _alterations(session)
    assert entry.detail["changed"] == changed
    assert entry.detail["was_place"] == str(place.pk)
    assert entry.detail["was_starts_at"] == was_start.astimezone(dt.UTC).isoformat()


def test_saving_the_plan_unchanged_writes_nothing(people):
    session = plan(people.alice, hot_spot(people), other_workers="Sam")
    # The same instant given in another zone is no change.
    local = timezone.localtime(session.starts_at, timezone=dt.timezone(dt.timedelta(hours=5)))
    assert _edit(session, people.alice, starts_at=local) == []
    assert _alterations(session) == []


def test_a_changed_plan_keeps_the_rules_of_planning(people):
    session = plan(people.alice, hot_spot(people))
    with pytest.raises(ValidationError) as error:
        _edit(session, people.alice, starts_at=_later(hour=20), ends_at=_later(hour=19))
    assert error.value.message_dict == {"ends_at": ["The session must end after it starts"]}
    with pytest.raises(ValidationError) as error:
        _edit(session, people.alice, place=None)
    assert "place" in error.value.message_dict
    assert _alterations(session) == []


def test_a_session_answering_an_alert_stays_at_the_alert_s_place(people):
    from intelligence.models import Alert

    place = hot_spot(people)
    alert = Alert.objects.create(entity=place)
    session = plan(people.alice, place, alert=alert)
    with pytest.raises(ValidationError) as error:
        _edit(session, people.alice, place=hot_spot(people, name="Elsewhere", postcode="S2 1AA"))
    assert "another place" in error.value.message_dict["place"][0]
    assert _edit(session, people.alice, other_workers="Sam") == ["other_workers"]


def test_who_may_change_a_plan(people, yasmin):
    """The ladder: practitioners and the team manager change any planned session; a youth worker
    those they see; nobody else; nobody a session already recorded."""
    place = hot_spot(people)
    alices = plan(people.alice, place)
    yasmins = plan(yasmin, place)
    assert _edit(alices, people.manager, other_workers="A") == ["other_workers"]
    assert _edit(yasmins, people.alice, other_workers="B") == ["other_workers"]
    assert _edit(yasmins, yasmin, other_workers="C") == ["other_workers"]
    for who in (yasmin, people.frank, people.fiona, people.ana, people.lucy, people.adam):
        with pytest.raises(PermissionDenied):
            _edit(alices, who, other_workers="X")
    done = recorded(people.alice, place)
    with pytest.raises(PermissionDenied):
        _edit(done, people.alice, other_workers="Y")


# --- The page ------------------------------------------------------------------------------------


def _post(session: OutreachSession, **overrides) -> dict[str, object]:
    starts = timezone.localtime(session.starts_at)
    data = {
        "place": str(session.place_id),
        "day_0": str(starts.day),
        "day_1": str(starts.month),
        "day_2": str(starts.year),
        "start_time": f"{starts:%H:%M}",
        "end_time": f"{timezone.localtime(session.ends_at):%H:%M}" if session.ends_at else "",
        "agencies": [str(a.pk) for a in session.agencies.all()],
        "workers": [str(w.pk) for w in session.workers.all()],
        "other_workers": session.other_workers,
    }
    data.update(overrides)
    return data


def test_the_change_page_shows_the_plan(people, client_for):
    session = plan(people.alice, hot_spot(people), starts_at=_later(), ends_at=_later(hour=21))
    response = client_for(people.alice).get(reverse("outreach:session_edit", args=[session.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Change the plan" in text
    assert 'value="19:00"' in text and 'value="21:00"' in text
    assert f'value="{session.place_id}" checked' in text


def test_the_session_page_offers_the_change_only_to_who_may_make_it(people, client_for, yasmin):
    session = plan(people.alice, hot_spot(people), starts_at=_later(), ends_at=None)
    url = reverse("outreach:session", args=[session.pk])
    edit = reverse("outreach:session_edit", args=[session.pk])
    assert edit in client_for(people.alice).get(url).content.decode()
    done = recorded(people.alice, session.place)
    done_edit = reverse("outreach:session_edit", args=[done.pk])
    page = client_for(people.alice).get(reverse("outreach:session", args=[done.pk]))
    assert done_edit not in page.content.decode()


def test_a_change_on_the_page_is_saved(people, client_for):
    session = plan(people.alice, hot_spot(people), starts_at=_later(), ends_at=_later(hour=21))
    other = hot_spot(people, name="Bus Station", postcode="S1 4BS")
    client = client_for(people.alice)
    response = client.post(
        reverse("outreach:session_edit", args=[session.pk]),
        _post(
            session,
            place=str(other.pk),
            start_time="18:30",
            agencies=[str(people.vcs.pk)],
            workers=[],
        ),
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.place == other
    assert f"{timezone.localtime(session.starts_at):%H:%M}" == "18:30"
    assert list(session.agencies.all()) == [people.vcs]
    assert "Plan of outreach session" in client.get(response["Location"]).content.decode()
    assert len(_alterations(session)) == 1


def test_saving_the_page_unchanged_says_nothing_changed(people, client_for):
    session = plan(people.alice, hot_spot(people), starts_at=_later(), ends_at=_later(hour=21))
    response = client_for(people.alice).post(
        reverse("outreach:session_edit", args=[session.pk]), _post(session), follow=True
    )
    assert "Nothing changed" in response.content.decode()
    assert _alterations(session) == []


def test_an_error_on_the_page_keeps_what_was_typed(people, client_for):
    session = plan(people.alice, hot_spot(people), starts_at=_later(), ends_at=_later(hour=21))
    response = client_for(people.alice).post(
        reverse("outreach:session_edit", args=[session.pk]),
        _post(session, start_time="22:00", end_time="20:15", other_workers="Sam and Jo"),
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "The session must end after it starts" in text
    assert 'value="22:00"' in text and 'value="20:15"' in text
    assert 'value="Sam and Jo"' in text
    assert "govuk-error-summary" in text
    session.refresh_from_db()
    assert session.other_workers == ""


def test_a_bad_time_on_the_page_names_the_field(people, client_for):
    session = plan(people.alice, hot_spot(people), starts_at=_later(), ends_at=None)
    response = client_for(people.alice).post(
        reverse("outreach:session_edit", args=[session.pk]), _post(session, start_time="7pm")
    )
    assert response.status_code == 400
    assert "Enter the start time as hours and minutes" in response.content.decode()


def test_the_change_page_ladder(people, client_for, yasmin):
    place = hot_spot(people)
    alices = plan(people.alice, place, starts_at=_later(), ends_at=None)
    yasmins = plan(yasmin, place, starts_at=_later(), ends_at=None)
    done = recorded(people.alice, place)

    def status(who, session) -> int:
        return client_for(who).get(reverse("outreach:session_edit", args=[session.pk])).status_code

    assert status(people.manager, alices) == 200
    assert status(people.alice, yasmins) == 200
    assert status(yasmin, yasmins) == 200
    # A session the youth worker may not see, a role that does no outreach, one recorded: 404.
    assert status(yasmin, alices) == 404
    for who in (people.frank, people.fiona, people.ana, people.lucy, people.adam):
        assert status(who, alices) == 404
    assert status(people.alice, done) == 404
    posted = client_for(yasmin).post(
        reverse("outreach:session_edit", args=[alices.pk]), _post(alices, other_workers="X")
    )
    assert posted.status_code == 404
    alices.refresh_from_db()
    assert alices.other_workers == ""


# --- The API -------------------------------------------------------------------------------------


def test_the_api_changes_the_plan(people, api_client_for):
    session = plan(people.alice, hot_spot(people))
    other = hot_spot(people, name="Bus Station", postcode="S1 4BS")
    client = api_client_for(people.alice)
    url = f"{SESSIONS}{session.pk}/"
    response = client.patch(
        url,
        {
            "place": str(other.pk),
            "starts_at": "2027-01-05T18:00:00Z",
            "ends_at": None,
            "agencies": [str(people.vcs.pk)],
            "workers": [],
            "other_workers": "Sam",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["place_label"] == other.label
    assert body["starts_at"].startswith("2027-01-05T18:00:00")
    assert body["ends_at"] is None
    assert body["agencies"] == [str(people.vcs.pk)]
    (entry,) = _alterations(session)
    assert entry.detail["changed"] == [
        "place",
        "starts_at",
        "ends_at",
        "agencies",
        "workers",
        "other_workers",
    ]


def test_a_patch_that_changes_nothing_writes_nothing(people, api_client_for):
    session = plan(people.alice, hot_spot(people))
    client = api_client_for(people.alice)
    url = f"{SESSIONS}{session.pk}/"
    assert client.patch(url, {}, format="json").status_code == 200
    same = client.patch(
        url,
        {"starts_at": session.starts_at.isoformat(), "place": str(session.place_id)},
        format="json",
    )
    assert same.status_code == 200
    assert _alterations(session) == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"place": "not-an-id"}, "place"),
        ({"place": "6f1c1f5e-0000-4000-8000-000000000000"}, "place"),
        ({"agencies": ["6f1c1f5e-0000-4000-8000-000000000000"]}, "agencies"),
        ({"agencies": "everyone"}, "agencies"),
        ({"starts_at": "tomorrow evening"}, "starts_at"),
        ({"starts_at": None}, "starts_at"),
        ({"ends_at": "2000-01-01T00:00:00Z"}, "ends_at"),
        ({"alert": "6f1c1f5e-0000-4000-8000-000000000000"}, "alert"),
        ({"other_workers": "x" * 301}, "other_workers"),
    ],
)
def test_a_bad_patch_is_a_400_naming_the_field(people, api_client_for, payload, field):
    session = plan(people.alice, hot_spot(people))
    response = api_client_for(people.alice).patch(
        f"{SESSIONS}{session.pk}/", payload, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert _alterations(session) == []


@pytest.mark.parametrize(
    ("other_workers", "status"),
    [("Sam\x00Jones", 400), ("x" * 1_000_000, 413)],
)
def test_a_nul_byte_or_a_megabyte_is_refused_before_the_plan_is_touched(
    people, api_client_for, other_workers, status
):
    session = plan(people.alice, hot_spot(people))
    response = api_client_for(people.alice).patch(
        f"{SESSIONS}{session.pk}/", {"other_workers": other_workers}, format="json"
    )
    assert response.status_code == status, response.content
    assert response.json()["detail"]
    assert _alterations(session) == []


def test_a_closed_agency_already_taking_part_stays_on_a_patch(people, api_client_for):
    closing = AgencyFactory(name="Closing Project")
    session = plan(people.alice, hot_spot(people), agencies=[closing])
    closing.is_active = False
    closing.save()
    response = api_client_for(people.alice).patch(
        f"{SESSIONS}{session.pk}/",
        {"agencies": [str(closing.pk), str(people.social_care.pk)], "other_workers": "Sam"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert closing.pk in set(session.agencies.values_list("pk", flat=True))


def test_the_api_ladder(people, api_client_for, yasmin):
    place = hot_spot(people)
    alices = plan(people.alice, place)
    yasmins = plan(yasmin, place)
    done = recorded(people.alice, place)

    def status(who, session) -> int:
        return (
            api_client_for(who)
            .patch(f"{SESSIONS}{session.pk}/", {"other_workers": who.username}, format="json")
            .status_code
        )

    assert status(people.manager, alices) == 200
    assert status(people.alice, yasmins) == 200
    assert status(yasmin, yasmins) == 200
    assert status(yasmin, alices) == 404
    for who in (people.frank, people.fiona, people.ana, people.lucy, people.adam):
        assert status(who, alices) == 404
    assert status(people.alice, done) == 404
    assert api_client_for(people.alice).patch(f"{SESSIONS}nonsense/", {}).status_code == 404
    alices.refresh_from_db()
    assert alices.other_workers == "manager"
