"""Training sessions and participation activities corrected after they were recorded: by whoever
recorded them or the team manager, under the rules of recording, audited only when something
changed, and nothing typed lost on an error."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cse_portal.audit.models import AuditAction, AuditEntry
from outreach import services
from outreach.models import ParticipationActivity, TrainingSession

from .conftest import activity, premises, train

pytestmark = pytest.mark.django_db


def _alterations(record) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(object_id=str(record.pk), action=AuditAction.ALTER).order_by("id")
    )


def _edit_training(session: TrainingSession, actor, **overrides):
    values = {
        "course": session.course,
        "delivered_on": session.delivered_on,
        "attendance_count": session.attendance_count,
        "trainer": session.trainer,
        "trainer_name": session.trainer_name,
        "audience_sectors": [a.sector for a in session.audience_sectors.all()],
        "audience_agencies": list(session.audience_agencies.all()),
        "attendees": list(session.attendees.all()),
    }
    values.update(overrides)
    return services.training_session_edit(actor=actor, session=session, **values)


# --- Training: the service -----------------------------------------------------------------------


def test_a_trainer_corrects_their_own_session_and_it_is_audited(people, courses):
    session = train(people.alice, courses["cse-awareness"], count=10, audience_sectors=["taxi"])
    changed = _edit_training(
        session,
        people.alice,
        attendance_count=12,
        attendees=[people.bob],
        audience_sectors=["taxi", "hotel"],
    )
    assert changed == ["attendance_count", "attendees", "audience_sectors"]
    session.refresh_from_db()
    assert session.attendance_count == 12
    assert list(session.attendees.all()) == [people.bob]
    assert sorted(session.audience_sectors.values_list("sector", flat=True)) == ["hotel", "taxi"]
    (entry,) = _alterations(session)
    assert entry.detail["changed"] == changed
    assert entry.detail["was_attendance_count"] == 10


def test_saving_training_unchanged_writes_nothing(people, courses):
    session = train(people.manager, courses["cse-awareness"], attendees=[people.alice])
    assert _edit_training(session, people.manager) == []
    assert _alterations(session) == []


def test_a_correction_keeps_the_rules_of_recording(people, courses):
    session = train(people.alice, courses["cse-awareness"], count=2)
    with pytest.raises(ValidationError) as error:
        _edit_training(
            session,
            people.alice,
            attendance_count=1,
            attendees=[people.bob, people.manager],
            delivered_on=timezone.localdate() + dt.timedelta(days=1),
        )
    assert set(error.value.message_dict) == {"attendance_count", "delivered_on"}
    with pytest.raises(ValidationError) as error:
        _edit_training(session, people.alice, trainer=people.bob)
    assert error.value.message_dict == {
        "trainer": ["Record only the training you delivered yourself"]
    }
    session.refresh_from_db()
    assert session.attendance_count == 2
    assert _alterations(session) == []


def test_only_who_recorded_it_or_the_manager_corrects_training(people, courses):
    session = train(people.manager, courses["cse-awareness"], attendees=[people.alice])
    with pytest.raises(PermissionDenied):
        _edit_training(session, people.alice, attendance_count=11)
    assert _edit_training(session, people.manager, attendance_count=11) == ["attendance_count"]
    own = train(people.alice, courses["cse-awareness"])
    assert _edit_training(own, people.manager, attendance_count=3) == ["attendance_count"]


# --- Training: the page --------------------------------------------------------------------------


def _training_post(session: TrainingSession, **overrides) -> dict[str, object]:
    data = {
        "course": str(session.course_id),
        "delivered_on_0": str(session.delivered_on.day),
        "delivered_on_1": str(session.delivered_on.month),
        "delivered_on_2": str(session.delivered_on.year),
        "trainer_username": session.trainer.username if session.trainer else "",
        "trainer_name": session.trainer_name,
        "attendance_count": str(session.attendance_count),
        "attendees": "\n".join(u.username for u in session.attendees.all()),
        "audience_sectors": [a.sector for a in session.audience_sectors.all()],
    }
    data.update(overrides)
    return data


def test_the_edit_page_shows_the_session_as_recorded(people, client_for, courses):
    session = train(people.manager, courses["cse-awareness"], attendees=[people.alice])
    body = client_for(people.manager).get(reverse("outreach:training_edit", args=[session.pk]))
    assert body.status_code == 200
    text = body.content.decode()
    assert "Correct training" in text
    assert ">alice</textarea>" in text
    assert 'value="10"' in text


def test_the_training_page_offers_the_correction_only_to_who_may_make_it(
    people, client_for, courses
):
    session = train(people.manager, courses["cse-awareness"], attendees=[people.alice])
    url = reverse("outreach:training_session", args=[session.pk])
    edit = reverse("outreach:training_edit", args=[session.pk])
    assert edit in client_for(people.manager).get(url).content.decode()
    assert edit not in client_for(people.alice).get(url).content.decode()


def test_a_correction_on_the_page_is_saved(people, client_for, courses):
    session = train(people.manager, courses["cse-awareness"], attendees=[people.alice])
    url = reverse("outreach:training_edit", args=[session.pk])
    client = client_for(people.manager)
    response = client.post(url, _training_post(session, attendance_count="15"))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.attendance_count == 15
    assert "Training corrected" in client.get(response["Location"]).content.decode()


def test_saving_the_page_unchanged_says_nothing_changed(people, client_for, courses):
    session = train(people.manager, courses["cse-awareness"], attendees=[people.alice])
    client = client_for(people.manager)
    url = reverse("outreach:training_edit", args=[session.pk])
    response = client.post(url, _training_post(session), follow=True)
    assert "Nothing changed" in response.content.decode()
    assert _alterations(session) == []


def test_an_error_on_the_page_keeps_what_was_typed(people, client_for, courses):
    session = train(people.manager, courses["cse-awareness"], count=3, attendees=[people.alice])
    url = reverse("outreach:training_edit", args=[session.pk])
    response = client_for(people.manager).post(
        url,
        _training_post(session, attendance_count="0", attendees="alice\nbob", trainer_name="Jo"),
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Enter how many people attended" in text or "greater than or equal" in text
    assert "alice\nbob</textarea>" in text
    assert 'value="Jo"' in text
    session.refresh_from_db()
    assert session.attendance_count == 3


def test_a_service_error_on_the_page_names_the_field(people, client_for, courses):
    session = train(people.manager, courses["cse-awareness"], count=3, attendees=[people.alice])
    url = reverse("outreach:training_edit", args=[session.pk])
    response = client_for(people.manager).post(
        url, _training_post(session, attendance_count="1", attendees="alice\nbob")
    )
    assert response.status_code == 400
    assert "The number attending cannot be less than those named" in response.content.decode()
    assert "alice\nbob</textarea>" in response.content.decode()


# --- Participation activities --------------------------------------------------------------------


def _activity_post(record: ParticipationActivity, **overrides) -> dict[str, object]:
    data = {
        "kind": record.kind,
        "title": record.title,
        "held_on_0": str(record.held_on.day),
        "held_on_1": str(record.held_on.month),
        "held_on_2": str(record.held_on.year),
        "young_people_count": str(record.young_people_count),
        "families_count": str(record.families_count),
        "summary": record.summary,
        "what_changed": record.what_changed,
    }
    data.update(overrides)
    return data


def test_an_activity_is_corrected_with_what_changed_as_a_result(people, client_for):
    record = activity(people.alice)
    url = reverse("outreach:activity_edit", args=[record.pk])
    response = client_for(people.alice).post(
        url, _activity_post(record, what_changed="The drop-in now stays open until 9pm.")
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.what_changed == "The drop-in now stays open until 9pm."
    (entry,) = _alterations(record)
    assert entry.detail == {"changed": ["what_changed"]}


def test_an_activity_saved_unchanged_writes_nothing(people, client_for):
    record = activity(people.alice)
    url = reverse("outreach:activity_edit", args=[record.pk])
    response = client_for(people.alice).post(url, _activity_post(record), follow=True)
    assert "Nothing changed" in response.content.decode()
    assert _alterations(record) == []


def test_an_activity_error_keeps_what_was_typed(people, client_for):
    record = activity(people.alice)
    url = reverse("outreach:activity_edit", args=[record.pk])
    response = client_for(people.alice).post(
        url, _activity_post(record, title="", summary="Changed my mind about this")
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Enter a title" in text
    assert "Changed my mind about this" in text
    record.refresh_from_db()
    assert record.title == "Youth forum"


def test_an_activity_in_the_future_is_refused_on_correction(people):
    record = activity(people.alice)
    with pytest.raises(ValidationError) as error:
        services.activity_edit(
            actor=people.alice,
            activity=record,
            held_on=timezone.localdate() + dt.timedelta(days=2),
        )
    assert "held_on" in error.value.message_dict


def test_only_who_recorded_an_activity_or_the_manager_corrects_it(people, client_for):
    record = activity(people.alice)
    with pytest.raises(PermissionDenied):
        services.activity_edit(actor=people.bob, activity=record, title="Mine now")
    assert services.activity_edit(actor=people.manager, activity=record, title="Forum") == ["title"]
    page = reverse("outreach:participation")
    edit = reverse("outreach:activity_edit", args=[record.pk])
    assert edit in client_for(people.alice).get(page).content.decode()
    assert edit not in client_for(people.bob).get(page).content.decode()


def test_an_attendee_whose_account_closed_is_kept_on_correction(
    people, client_for, api_client_for, courses
):
    session = train(people.manager, courses["cse-awareness"], attendees=[people.alice])
    people.alice.is_active = False
    people.alice.save(update_fields=["is_active"])
    url = reverse("outreach:training_edit", args=[session.pk])
    response = client_for(people.manager).post(url, _training_post(session, attendance_count="9"))
    assert response.status_code == 302
    api = api_client_for(people.manager).patch(
        f"/api/v1/training-sessions/{session.pk}/", {"attendance_count": 8}, format="json"
    )
    assert api.status_code == 200, api.json()
    session.refresh_from_db()
    assert session.attendance_count == 8
    assert list(session.attendees.all()) == [people.alice]


# --- Premises: corrected only when something changed -------------------------------------------


def _premises_post(record) -> dict[str, str]:
    form = {name: getattr(record, name) for name in services.PREMISES_FIELDS}
    form["materials_displayed"] = "on" if record.materials_displayed else ""
    return form


def test_a_premises_saved_unchanged_writes_nothing(people, client_for):
    record = premises(people.alice, postcode="s1 2hh", contact_name="Ann Lee")
    response = client_for(people.alice).post(
        reverse("outreach:premises_edit", args=[record.pk]), _premises_post(record), follow=True
    )
    assert "Nothing changed" in response.content.decode()
    assert _alterations(record) == []


def test_a_premises_correction_is_audited_with_what_changed(people, client_for):
    record = premises(people.alice)
    form = _premises_post(record) | {"contact_name": " Ann Lee ", "postcode": "s1 2hh"}
    response = client_for(people.alice).post(
        reverse("outreach:premises_edit", args=[record.pk]), form, follow=True
    )
    assert "Station Hotel saved" in response.content.decode()
    record.refresh_from_db()
    assert record.contact_name == "Ann Lee"
    assert [entry.detail["changed"] for entry in _alterations(record)] == [["contact_name"]]


def test_the_premises_service_changes_nothing_when_given_the_same_values(people):
    record = premises(people.alice)
    assert services.premises_edit(actor=people.alice, premises=record, name=" Station Hotel ") == []
    assert _alterations(record) == []


def test_an_attendee_is_named_by_an_email_address_in_any_case(people, client_for, courses):
    User = type(people.alice)
    User.objects.filter(pk=people.alice.pk).update(email="alice@example.org")
    session = train(people.manager, courses["cse-awareness"], count=5)
    response = client_for(people.manager).post(
        reverse("outreach:training_edit", args=[session.pk]),
        _training_post(session, attendees="Alice@Example.ORG"),
        follow=True,
    )
    assert "Training corrected" in response.content.decode()
    assert list(TrainingSession.objects.get(pk=session.pk).attendees.all()) == [people.alice]


def test_an_unknown_attendee_is_named_as_it_was_typed(people, client_for, courses):
    session = train(people.manager, courses["cse-awareness"], count=5)
    response = client_for(people.manager).post(
        reverse("outreach:training_edit", args=[session.pk]),
        _training_post(session, attendees=f"{people.alice.username}\nNo_Such_Person"),
    )
    assert response.status_code == 400
    assert "No staff user is known as: No_Such_Person" in response.content.decode()
