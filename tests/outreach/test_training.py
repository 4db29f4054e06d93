"""Training sessions, the train-the-trainer cascade and the e-learning import."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cse_portal.accounts.models import User
from outreach import selectors, services, tasks
from outreach.models import ElearningCompletion, ElearningImport, ImportStatus

from .conftest import train

pytestmark = pytest.mark.django_db


def test_a_trainer_records_their_own_session(people, yasmin, courses):
    session = train(yasmin, courses["cse-awareness"], attendees=[people.frank])
    assert session.trainer == yasmin
    assert list(session.attendees.all()) == [people.frank]


def test_only_the_team_manager_records_someone_elses_training(people, yasmin, courses):
    with pytest.raises(ValidationError) as error:
        train(yasmin, courses["cse-awareness"], trainer=people.alice)
    assert error.value.message_dict["trainer"] == [
        "Record only the training you delivered yourself"
    ]
    assert (
        train(people.manager, courses["cse-awareness"], trainer=people.alice).trainer
        == people.alice
    )


def test_the_lscb_does_not_record_training(people, courses):
    with pytest.raises(PermissionDenied):
        train(people.lucy, courses["cse-awareness"])


def test_attendance_counts_everyone_named(people, yasmin, courses):
    with pytest.raises(ValidationError) as error:
        train(yasmin, courses["cse-awareness"], count=1, attendees=[people.frank, people.fiona])
    assert "attendance_count" in error.value.message_dict


def _three_generations(people, yasmin, courses):
    """The manager trains yasmin (8 people); yasmin trains frank (15); frank trains 25."""
    train(people.manager, courses["train-the-trainer"], count=8, days_ago=90, attendees=[yasmin])
    train(yasmin, courses["cse-awareness"], count=15, days_ago=60, attendees=[people.frank])
    train(people.frank, courses["cse-awareness"], count=25, days_ago=20)


def test_the_cascade_counts_generations_and_people_reached(people, yasmin, courses):
    _three_generations(people, yasmin, courses)
    reach = selectors.cascade_reach([people.manager.pk, yasmin.pk, people.frank.pk])
    assert reach[people.manager.pk] == selectors.Reach(generations=3, sessions=3, people=48)
    assert reach[yasmin.pk] == selectors.Reach(generations=2, sessions=2, people=40)
    assert reach[people.frank.pk] == selectors.Reach(generations=1, sessions=1, people=25)


def test_a_loop_in_the_records_does_not_count_forever(people, yasmin, courses):
    _three_generations(people, yasmin, courses)
    # Frank later trains the manager: the cascade must not come back round.
    train(people.frank, courses["cse-awareness"], count=5, days_ago=5, attendees=[people.manager])
    reach = selectors.cascade_reach([people.manager.pk])[people.manager.pk]
    assert reach == selectors.Reach(generations=3, sessions=4, people=53)


def test_the_cascade_measure_counts_training_by_trainers_trained_here(people, yasmin, courses):
    _three_generations(people, yasmin, courses)
    today = timezone.localdate()
    measure = selectors.cascade_measure(today - dt.timedelta(days=365), today)
    assert measure == {"sessions": 3, "people": 48, "cascade_sessions": 2, "cascade_people": 40}


def _cascade(session) -> bool:
    session.refresh_from_db()
    return session.cascade


def test_the_cascade_follows_the_training_recorded_after_and_its_corrections(
    people, yasmin, courses
):
    """A session is in the cascade when its trainer attended one here before it: kept on the
    session when training is recorded or corrected, in whatever order it is recorded."""
    course = courses["cse-awareness"]
    given = train(yasmin, course, count=12, days_ago=10)
    assert not _cascade(given)  # Yasmin has not been trained here
    # Her own training, ten days before, is recorded afterwards: her session joins the cascade.
    hers = train(people.manager, course, count=8, days_ago=20, attendees=[yasmin])
    assert _cascade(given) and not _cascade(hers)
    # Corrected to the day after the session she gave: it no longer came first.
    fields = {
        "course": course,
        "attendance_count": 8,
        "trainer": people.manager,
        "attendees": [yasmin],
    }
    after = timezone.localdate() - dt.timedelta(days=9)
    services.training_session_edit(actor=people.manager, session=hers, delivered_on=after, **fields)
    assert not _cascade(given)
    # Back to its date, then Yasmin taken off the attendees: out again.
    before = timezone.localdate() - dt.timedelta(days=20)
    services.training_session_edit(
        actor=people.manager, session=hers, delivered_on=before, **fields
    )
    assert _cascade(given)
    services.training_session_edit(
        actor=people.manager, session=hers, delivered_on=before, **{**fields, "attendees": []}
    )
    assert not _cascade(given)


CSV = """email,module,completed_on,score
alice@example.org,el-cse-intro,2026-01-10,90
ALICE@example.org,el-cse-intro,10/01/2026,90
bob@example.org,el-online-grooming,2026-02-01,
nobody@example.org,el-cse-intro,2026-01-10,80
alice@example.org,el-no-such-module,2026-01-10,80
bob@example.org,el-cse-intro,yesterday,101
"""


@pytest.fixture
def emails(people) -> None:
    for user in (people.alice, people.bob):
        User.objects.filter(pk=user.pk).update(email=f"{user.username}@example.org")


def _import(people, content: str = CSV) -> ElearningImport:
    record = services.elearning_import_start(
        actor=people.manager, filename="export.csv", content=content
    )
    return services.elearning_import_run(import_id=record.pk)


def test_the_import_keeps_good_rows_and_names_each_bad_one(people, emails, courses):
    record = _import(people)
    assert (record.status, record.rows_total, record.progress) == (ImportStatus.DONE, 6, 100)
    assert (record.rows_added, record.rows_already, record.rows_failed) == (2, 1, 3)
    assert record.errors == [
        {"row": 5, "errors": ["email: no staff user has the email nobody@example.org"]},
        {
            "row": 6,
            "errors": ["module: el-no-such-module is not an e-learning module of the portal"],
        },
        {
            "row": 7,
            "errors": [
                "completed_on: give the date as YYYY-MM-DD or DD/MM/YYYY",
                "score: give a whole number from 0 to 100",
            ],
        },
    ]
    assert ElearningCompletion.objects.filter(user=people.alice).get().score == 90


def test_importing_the_same_export_twice_adds_nothing_twice(people, emails, courses):
    _import(people)
    second = _import(people)
    assert (second.rows_added, second.rows_already, second.rows_failed) == (0, 3, 3)
    assert ElearningCompletion.objects.count() == 2


def test_running_a_finished_import_again_changes_nothing(people, emails, courses):
    record = _import(people)
    again = services.elearning_import_run(import_id=record.pk)
    assert (again.rows_added, again.finished_at) == (2, record.finished_at)


def test_a_file_without_the_columns_is_refused_at_once(people, courses):
    with pytest.raises(ValidationError) as error:
        services.elearning_import_start(
            actor=people.manager, filename="x.csv", content="name,course\nA,B\n"
        )
    assert error.value.message_dict["file"] == [
        "The file must have the columns email, module, completed_on "
        "(missing: email, module, completed_on)"
    ]


def test_only_the_team_manager_imports(people, courses):
    with pytest.raises(PermissionDenied):
        services.elearning_import_start(actor=people.alice, filename="x.csv", content=CSV)


def test_the_upload_queues_the_import_task_once_committed(
    people, emails, courses, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from cse_portal.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            record = services.elearning_import_start(
                actor=people.manager, filename="export.csv", content=CSV
            )
    finally:  # as it was: later tests in this process rely on the suite's setting
        app.conf.task_always_eager = before
    record.refresh_from_db()
    assert (record.status, record.rows_added) == (ImportStatus.DONE, 2)


def test_the_task_marks_the_upload_failed_when_it_cannot_finish(people, courses, monkeypatch):
    record = services.elearning_import_start(actor=people.manager, filename="x.csv", content=CSV)

    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "elearning_import_run", broken)
    with pytest.raises(RuntimeError):
        tasks.elearning_import.apply(args=[str(record.pk)], throw=True)
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED


def test_an_upload_holding_a_nul_character_is_refused_on_the_page(people, client_for, courses):
    upload = SimpleUploadedFile(
        "export.csv", b"email,module,completed_on\nalice@example.org,el-cse-intro,2026-01-01\x00\n"
    )
    response = client_for(people.manager).post(reverse("outreach:imports"), {"file": upload})
    assert response.status_code == 400
    assert "it holds a NUL character" in response.content.decode()
    assert not ElearningImport.objects.exists()


def test_an_error_names_the_line_of_the_file_past_blank_lines_and_empty_rows(
    people, emails, courses
):
    content = (
        "email,module,completed_on\n"
        "\n"
        "alice@example.org,el-cse-intro,2026-03-01\n"
        ",,\n"
        "nobody@example.org,el-cse-intro,2026-03-01\n"
    )
    record = _import(people, content)
    # The blank line and the row of empty cells are no rows, and the bad row is named by its line.
    assert (record.rows_total, record.rows_added, record.rows_failed) == (2, 1, 1)
    assert record.errors == [
        {"row": 5, "errors": ["email: no staff user has the email nobody@example.org"]}
    ]
