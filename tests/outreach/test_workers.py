"""The workers with a portal account taking part in a session: chosen on the plan, change and
record pages and through the API among the active outreach staff of the agencies taking part,
checked by the session's services with an error for each wrong choice (nothing typed lost),
audited with who they were and are, and a named worker sees and records the session."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cse_portal.accounts.models import AgencyKind
from cse_portal.accounts.roles import Role
from cse_portal.audit.models import AuditAction, AuditEntry
from outreach import services
from outreach.models import OutreachSession, SessionStatus
from tests.factories import AgencyFactory, make_user

from .conftest import hot_spot, plan

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/outreach-sessions/"
NOBODY = "6f1c1f5e-0000-4000-8000-000000000000"


@pytest.fixture
def vera(people) -> Any:
    """A frontline worker of the youth charity (the voluntary sector): goes out on outreach."""
    return make_user("vera", Role.FRONTLINE, people.vcs)


@pytest.fixture
def closed(people) -> Any:
    """A youth charity worker whose account has been closed."""
    user = make_user("carl", Role.FRONTLINE, people.vcs)
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


def _entries(session: OutreachSession, action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_id=str(session.pk), action=action).order_by("id"))


def _later(days: int = 3, hour: int = 19) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _ids(users: list[Any]) -> list[str]:
    return sorted(str(u.pk) for u in users)


# --- The service ---------------------------------------------------------------------------------


def test_the_planner_alone_goes_when_nobody_is_named(people, yasmin):
    session = plan(yasmin, hot_spot(people))
    assert list(session.workers.all()) == [yasmin]
    (entry,) = _entries(session, AuditAction.COLLECT)
    assert entry.detail["workers"] == [str(yasmin.pk)]


def test_workers_of_the_agencies_taking_part_are_named(people, yasmin, vera):
    session = plan(yasmin, hot_spot(people), agencies=[people.vcs], workers=[yasmin, vera])
    assert set(session.workers.all()) == {yasmin, vera}
    (entry,) = _entries(session, AuditAction.COLLECT)
    assert entry.detail["workers"] == _ids([yasmin, vera])


def test_the_planner_may_send_others_without_going(people, yasmin, vera):
    session = plan(people.manager, hot_spot(people), agencies=[people.vcs], workers=[vera])
    assert list(session.workers.all()) == [vera]


def _refused(actor: Any, place: Any, **values: Any) -> list[str]:
    with pytest.raises(ValidationError) as error:
        plan(actor, place, **values)
    return error.value.message_dict["workers"]


def test_a_worker_of_an_agency_not_taking_part_is_refused(people, yasmin, vera):
    place = hot_spot(people)
    (message,) = _refused(yasmin, place, workers=[yasmin, vera])
    assert message == (
        "Vera Tester is of Test Youth Charity, which is not taking part: choose the agency too, "
        "or untick Vera Tester"
    )
    assert not OutreachSession.objects.exists()


def test_a_closed_account_is_refused(people, yasmin, closed):
    (message,) = _refused(yasmin, hot_spot(people), agencies=[people.vcs], workers=[closed])
    assert message.startswith("Carl Tester's account is closed")


@pytest.mark.parametrize("who", ["adam", "lucy", "ana", "fiona", "frank"])
def test_a_role_that_does_no_outreach_is_refused(people, who):
    """Admin, the LSCB manager, the analyst, and frontline staff outside youth services and the
    voluntary sector are never named, even with their agency taking part."""
    user = getattr(people, who)
    agencies = [people.other, people.police, people.health]
    (message,) = _refused(people.manager, hot_spot(people), agencies=agencies, workers=[user])
    assert message.startswith(f"{user} ({user.role_label}) cannot be named")


def test_every_wrong_worker_is_named_at_once_with_the_plan_s_other_errors(
    people, yasmin, vera, closed
):
    with pytest.raises(ValidationError) as error:
        plan(
            yasmin,
            hot_spot(people),
            starts_at=_later(hour=20),
            ends_at=_later(hour=19),
            workers=[vera, closed, people.adam],
        )
    errors = error.value.message_dict
    assert errors["ends_at"] == ["The session must end after it starts"]
    assert len(errors["workers"]) == 3


@pytest.mark.parametrize("kind", ["nobody", "agency", "young person", "not an id"])
def test_an_id_that_names_no_account_is_refused(people, kind):
    value = {
        "nobody": NOBODY,
        "agency": str(people.vcs.pk),
        "young person": str(people.maya.pk),
        "not an id": "alice",
    }[kind]
    with pytest.raises(ValidationError) as error:
        services.named_workers([value])
    (message,) = error.value.message_dict["workers"]
    assert message == f"No staff account has the id {value}: choose workers from the list"


def test_named_workers_are_found_in_the_order_given(people, yasmin, vera):
    assert services.named_workers([str(vera.pk), yasmin.pk, str(vera.pk)]) == [vera, yasmin]


def _edit(session: OutreachSession, actor: Any, **overrides: Any) -> list[str]:
    values = {
        "place": session.place,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "agencies": list(session.agencies.all()),
        "other_workers": session.other_workers,
    }
    values.update(overrides)
    return services.session_plan_edit(actor=actor, session=session, **values)


def test_a_change_of_workers_is_audited_with_who_they_were_and_are(people, yasmin, vera):
    session = plan(
        yasmin, hot_spot(people), agencies=[people.vcs], starts_at=_later(), ends_at=None
    )
    assert _edit(session, yasmin, workers=[vera]) == ["workers"]
    assert list(session.workers.all()) == [vera]
    (entry,) = _entries(session, AuditAction.ALTER)
    assert entry.detail == {
        "changed": ["workers"],
        "was_workers": [str(yasmin.pk)],
        "now_workers": [str(vera.pk)],
    }


def test_the_same_workers_in_another_order_change_nothing(people, yasmin, vera):
    session = plan(
        yasmin, hot_spot(people), agencies=[people.vcs], workers=[yasmin, vera], ends_at=None
    )
    assert _edit(session, yasmin, workers=[vera, yasmin, vera]) == []
    assert _edit(session, yasmin) == []  # workers left out keep those named
    assert _entries(session, AuditAction.ALTER) == []


def test_a_wrong_worker_on_a_change_is_refused_and_nothing_changes(people, yasmin, vera):
    session = plan(yasmin, hot_spot(people), ends_at=None)
    with pytest.raises(ValidationError) as error:
        _edit(session, yasmin, workers=[vera], other_workers="Sam")
    assert "Vera Tester is of Test Youth Charity" in error.value.message_dict["workers"][0]
    session.refresh_from_db()
    assert (list(session.workers.all()), session.other_workers) == ([yasmin], "")
    assert _entries(session, AuditAction.ALTER) == []


def test_taking_an_agency_out_takes_its_workers_out_too(people, yasmin, vera):
    session = plan(yasmin, hot_spot(people), agencies=[people.vcs], workers=[yasmin, vera])
    agencies = [a for a in session.agencies.all() if a != people.vcs]
    with pytest.raises(ValidationError) as error:
        _edit(session, yasmin, agencies=agencies)
    assert error.value.message_dict["workers"][0].startswith("Vera Tester is of Test Youth")
    assert _edit(session, yasmin, agencies=agencies, workers=[yasmin]) == ["agencies", "workers"]


def test_a_worker_named_before_their_account_closed_stays_on_a_change(people, yasmin, vera):
    session = plan(yasmin, hot_spot(people), agencies=[people.vcs], workers=[yasmin, vera])
    vera.is_active = False
    vera.save(update_fields=["is_active"])
    assert _edit(session, yasmin, other_workers="Sam") == ["other_workers"]
    assert set(session.workers.all()) == {yasmin, vera}


def test_recording_names_who_went_and_audits_the_change(people, yasmin, vera):
    session = plan(yasmin, hot_spot(people), agencies=[people.vcs])
    services.session_record(
        actor=yasmin, session=session, young_people_count=3, workers=[yasmin, vera]
    )
    assert set(session.workers.all()) == {yasmin, vera}
    (entry,) = _entries(session, AuditAction.COLLECT)[1:]
    assert entry.detail["was_workers"] == [str(yasmin.pk)]
    assert entry.detail["now_workers"] == _ids([yasmin, vera])
    # Recorded again with the workers left out: those named stay, and no change is audited.
    services.session_record(actor=yasmin, session=session, young_people_count=4)
    assert set(session.workers.all()) == {yasmin, vera}
    (again,) = _entries(session, AuditAction.ALTER)
    assert "now_workers" not in again.detail


def test_recording_refuses_a_worker_of_an_agency_not_taking_part(people, yasmin, vera):
    session = plan(yasmin, hot_spot(people))
    with pytest.raises(ValidationError) as error:
        services.session_record(actor=yasmin, session=session, young_people_count=3, workers=[vera])
    assert "workers" in error.value.message_dict
    session.refresh_from_db()
    assert session.status == SessionStatus.PLANNED


# --- Access --------------------------------------------------------------------------------------


def test_a_named_worker_sees_the_session_in_their_list_and_records_it(
    people, client_for, yasmin, vera
):
    session = plan(people.manager, hot_spot(people), agencies=[people.vcs], workers=[vera])
    client = client_for(vera)
    listed = client.get(reverse("outreach:sessions")).content.decode()
    assert reverse("outreach:session", args=[session.pk]) in listed
    response = client.post(
        reverse("outreach:session_record", args=[session.pk]),
        {"young_people_count": "2", "workers": [str(vera.pk)]},
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.status, session.recorded_by) == (SessionStatus.RECORDED, vera)
    # A youth worker neither named nor of an agency taking part: a 404, the same as no session.
    assert client_for(yasmin).get(reverse("outreach:session", args=[session.pk])).status_code == (
        404
    )
    assert (
        client_for(yasmin)
        .post(reverse("outreach:session_record", args=[session.pk]), {"young_people_count": "1"})
        .status_code
        == 404
    )


# --- The pages -----------------------------------------------------------------------------------


def _plan_post(place: Any, **overrides: Any) -> dict[str, Any]:
    day = timezone.localdate() + dt.timedelta(days=2)
    data = {
        "place": str(place.pk),
        "day_0": str(day.day),
        "day_1": str(day.month),
        "day_2": str(day.year),
        "start_time": "19:00",
        "end_time": "21:00",
    }
    data.update(overrides)
    return data


def test_the_plan_page_offers_outreach_staff_by_agency_with_the_planner_ticked(
    people, client_for, yasmin, vera, closed
):
    text = client_for(yasmin).get(reverse("outreach:session_new")).content.decode()
    assert "Workers with a portal account taking part" in text
    assert f'value="{yasmin.pk}" checked' in text
    assert f'value="{vera.pk}"' in text and f'value="{vera.pk}" checked' not in text
    for user in (people.manager, people.alice, people.bob):
        assert f'value="{user.pk}"' in text
    for user in (people.adam, people.lucy, people.ana, people.fiona, people.frank, closed):
        assert f'value="{user.pk}"' not in text
    assert ">Workers of Test Youth Charity</legend>" in text
    # The planner's own agency is open; an agency with nobody ticked is folded away.
    assert '<details class="govuk-details govuk-!-margin-bottom-3" open>' in text
    assert "Test Youth Charity: 1 worker</span>" in text


def test_workers_ticked_on_the_plan_page_are_saved(people, client_for, yasmin, vera):
    place = hot_spot(people)
    response = client_for(yasmin).post(
        reverse("outreach:session_new"),
        _plan_post(place, agencies=[str(people.vcs.pk)], workers=[str(yasmin.pk), str(vera.pk)]),
    )
    assert response.status_code == 302
    session = OutreachSession.objects.get()
    assert set(session.workers.all()) == {yasmin, vera}
    page = client_for(vera).get(response["Location"]).content.decode()
    assert "Vera Tester (Test Youth Charity)" in page
    assert "Yasmin Tester (Test Youth Service)" in page


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("vera_without_agency", "Vera Tester is of Test Youth Charity, which is not taking part"),
        ("closed", "Carl Tester&#x27;s account is closed"),
        ("adam", "Adam Tester (System administrator) cannot be named"),
        ("lucy", "Lucy Tester (LSCB manager) cannot be named"),
        ("nobody", f"No staff account has the id {NOBODY}"),
        ("maya", "No staff account has the id"),
        ("not an id", "Choose workers from the list"),
    ],
)
def test_a_wrong_worker_on_the_plan_page_is_an_error_that_keeps_what_was_typed(
    people, client_for, yasmin, vera, closed, who, message
):
    worker = {
        "vera_without_agency": str(vera.pk),
        "closed": str(closed.pk),
        "adam": str(people.adam.pk),
        "lucy": str(people.lucy.pk),
        "nobody": NOBODY,
        "maya": str(people.maya.pk),
        "not an id": "<script>",
    }[who]
    agencies = [] if who == "vera_without_agency" else [str(people.vcs.pk), str(people.other.pk)]
    response = client_for(yasmin).post(
        reverse("outreach:session_new"),
        _plan_post(
            hot_spot(people),
            agencies=agencies,
            workers=[str(yasmin.pk), worker],
            other_workers="PCSO on patrol",
            start_time="19:45",
        ),
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "govuk-error-summary" in text and message in text
    assert 'href="#id_workers_0"' in text
    assert 'value="PCSO on patrol"' in text and 'value="19:45"' in text
    assert f'value="{yasmin.pk}" checked' in text
    if who in ("vera_without_agency", "closed", "adam", "lucy"):
        # The account ticked stays ticked, to be unticked.
        assert f'value="{worker}" checked' in text
    assert not OutreachSession.objects.exists()


def test_the_change_page_ticks_the_workers_and_saves_a_change(people, client_for, yasmin, vera):
    session = plan(
        yasmin, hot_spot(people), agencies=[people.vcs], starts_at=_later(), ends_at=None
    )
    url = reverse("outreach:session_edit", args=[session.pk])
    text = client_for(yasmin).get(url).content.decode()
    assert f'value="{yasmin.pk}" checked' in text and f'value="{vera.pk}" checked' not in text
    starts = timezone.localtime(session.starts_at)
    response = client_for(yasmin).post(
        url,
        {
            "place": str(session.place_id),
            "day_0": str(starts.day),
            "day_1": str(starts.month),
            "day_2": str(starts.year),
            "start_time": f"{starts:%H:%M}",
            "agencies": [str(a.pk) for a in session.agencies.all()],
            "workers": [str(vera.pk)],
        },
    )
    assert response.status_code == 302
    assert list(session.workers.all()) == [vera]
    (entry,) = _entries(session, AuditAction.ALTER)
    assert entry.detail["changed"] == ["workers"]


def test_the_record_page_offers_the_agencies_taking_part_and_saves_who_went(
    people, client_for, yasmin, vera
):
    session = plan(yasmin, hot_spot(people), agencies=[people.vcs])
    url = reverse("outreach:session_record", args=[session.pk])
    text = client_for(yasmin).get(url).content.decode()
    assert "Workers with a portal account who went" in text
    assert f'value="{yasmin.pk}" checked' in text and f'value="{vera.pk}"' in text
    assert f'value="{people.alice.pk}"' not in text  # social care is not taking part
    bad = client_for(yasmin).post(
        url,
        {"young_people_count": "4", "what_seen": "Cars", "workers": [str(people.alice.pk)]},
    )
    assert bad.status_code == 200
    assert "Alice Tester is of Test Children&#x27;s Social Care" in bad.content.decode()
    assert f'value="{people.alice.pk}" checked' in bad.content.decode()
    good = client_for(yasmin).post(
        url, {"young_people_count": "4", "workers": [str(yasmin.pk), str(vera.pk)]}
    )
    assert good.status_code == 302
    assert set(session.workers.all()) == {yasmin, vera}


# --- The API -------------------------------------------------------------------------------------


def test_the_api_plans_with_workers_and_shows_them(people, api_client_for, yasmin, vera):
    place = hot_spot(people)
    client = api_client_for(yasmin)
    response = client.post(
        SESSIONS,
        {
            "place": str(place.pk),
            "starts_at": _later().isoformat(),
            "agencies": [str(people.vcs.pk)],
            "workers": [str(vera.pk)],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["workers"] == [str(vera.pk)]
    listed = client.get(SESSIONS).json()["results"]
    assert listed[0]["workers"] == [str(vera.pk)]


def test_the_api_plans_with_the_planner_when_workers_are_left_out(people, api_client_for, yasmin):
    response = api_client_for(yasmin).post(
        SESSIONS,
        {"place": str(hot_spot(people).pk), "starts_at": _later().isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["workers"] == [str(yasmin.pk)]


def test_a_patch_changes_the_workers_and_an_unchanged_one_writes_nothing(
    people, api_client_for, yasmin, vera
):
    session = plan(yasmin, hot_spot(people), agencies=[people.vcs])
    client = api_client_for(yasmin)
    url = f"{SESSIONS}{session.pk}/"
    response = client.patch(url, {"workers": [str(vera.pk), str(yasmin.pk)]}, format="json")
    assert response.status_code == 200, response.json()
    assert sorted(response.json()["workers"]) == _ids([yasmin, vera])
    (entry,) = _entries(session, AuditAction.ALTER)
    assert entry.detail["now_workers"] == _ids([yasmin, vera])
    same = client.patch(url, {"workers": [str(yasmin.pk), str(vera.pk)]}, format="json")
    assert same.status_code == 200
    assert client.patch(url, {"other_workers": ""}, format="json").status_code == 200
    assert len(_entries(session, AuditAction.ALTER)) == 1


def test_the_api_records_who_went(people, api_client_for, yasmin, vera):
    session = plan(yasmin, hot_spot(people), agencies=[people.vcs])
    response = api_client_for(yasmin).post(
        f"{SESSIONS}{session.pk}/record/",
        {"young_people_count": 2, "workers": [str(vera.pk)]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["workers"] == [str(vera.pk)]


@pytest.mark.parametrize(
    ("worker", "message"),
    [
        ("vera", "is of Test Youth Charity, which is not taking part"),
        ("closed", "account is closed"),
        ("adam", "(System administrator) cannot be named"),
        ("lucy", "(LSCB manager) cannot be named"),
        ("nobody", "No staff account has the id"),
        ("agency", "No staff account has the id"),
        ("garbage", "Must be a valid UUID."),
    ],
)
@pytest.mark.parametrize("how", ["post", "patch", "record"])
def test_a_wrong_worker_through_the_api_is_a_400_naming_the_field(
    people, api_client_for, yasmin, vera, closed, worker, message, how
):
    value = {
        "vera": str(vera.pk),
        "closed": str(closed.pk),
        "adam": str(people.adam.pk),
        "lucy": str(people.lucy.pk),
        "nobody": NOBODY,
        "agency": str(people.police.pk),
        "garbage": "not-an-id",
    }[worker]
    place = hot_spot(people)
    # Vera's agency takes part in none of these but "vera"'s own case is about that.
    agencies = [str(people.other.pk)]
    session = plan(yasmin, place, agencies=[people.other])
    client = api_client_for(yasmin)
    if how == "post":
        body = {"place": str(place.pk), "starts_at": _later().isoformat(), "agencies": agencies}
        response = client.post(SESSIONS, {**body, "workers": [value]}, format="json")
    elif how == "patch":
        response = client.patch(f"{SESSIONS}{session.pk}/", {"workers": [value]}, format="json")
    else:
        response = client.post(
            f"{SESSIONS}{session.pk}/record/",
            {"young_people_count": 1, "workers": [value]},
            format="json",
        )
    assert response.status_code == 400, response.content
    errors = response.json()["workers"]
    assert message in str(errors)
    assert OutreachSession.objects.count() == 1
    session.refresh_from_db()
    assert list(session.workers.all()) == [yasmin]
    assert session.status == SessionStatus.PLANNED
    assert _entries(session, AuditAction.ALTER) == []


def test_the_api_refuses_more_workers_than_a_session_takes(people, api_client_for, yasmin):
    session = plan(yasmin, hot_spot(people))
    response = api_client_for(yasmin).patch(
        f"{SESSIONS}{session.pk}/",
        {"workers": [NOBODY] * (services.MAX_WORKERS + 1)},
        format="json",
    )
    assert response.status_code == 400
    assert "workers" in response.json()


def test_another_agency_s_youth_worker_is_offered_only_when_outreach_staff(people, client_for):
    """A frontline worker of a youth service is offered; one of a school is not."""
    school = AgencyFactory(name="Test School", kind=AgencyKind.EDUCATION)
    teacher = make_user("tess", Role.FRONTLINE, school)
    club = AgencyFactory(name="Test Youth Club", kind=AgencyKind.YOUTH_SERVICE)
    youth = make_user("yuri", Role.FRONTLINE, club)
    text = client_for(people.alice).get(reverse("outreach:session_new")).content.decode()
    assert f'value="{youth.pk}"' in text
    assert f'value="{teacher.pk}"' not in text


def test_an_account_with_an_admin_or_lscb_role_is_never_offered_even_with_a_second_role(people):
    from django.contrib.auth.models import Group

    from outreach.permissions import outreach_workers

    both = make_user("pat", Role.PRACTITIONER, people.vcs)
    assert both in outreach_workers()
    for role in (Role.ADMIN, Role.LSCB_MANAGER):
        both.groups.set([Group.objects.get(name=Role.PRACTITIONER), Group.objects.get(name=role)])
        assert both not in outreach_workers()
    assert set(outreach_workers()) == {people.manager, people.alice, people.bob}
