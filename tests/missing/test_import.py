"""The police import: validated row by row, idempotent by police reference, matched to records
(exact linked, ambiguous queued, none created), resumable, streamed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cse_portal.notifications.models import Notification
from cse_portal.young_people.models import FlagKind, YoungPerson
from missing import importing, services
from missing.models import (
    ImportMatch,
    ImportStatus,
    MissingEpisode,
    ReturnInterview,
    TriggerFiring,
)
from tests.factories import make_young_person

pytestmark = pytest.mark.django_db

HEADER = (
    "police_reference,given_name,family_name,date_of_birth,missing_since,returned_at,"
    "risk_grade,last_seen\n"
)


def csv_file(*rows: str, header: str = HEADER) -> SimpleUploadedFile:
    return SimpleUploadedFile("reports.csv", (header + "".join(r + "\n" for r in rows)).encode())


def run(people, upload, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        police_import = importing.import_create(uploaded_by=people.manager, upload=upload)
    police_import.refresh_from_db()
    return police_import


@pytest.fixture
def rows(people):
    """Maya (exact), two Jade Hallams born the same day (ambiguous), a new child, a duplicate
    reference, and malformed rows."""
    born = people.maya.date_of_birth.isoformat()
    for _ in range(2):
        make_young_person(
            people.manager,
            given_name="Jade",
            family_name="Hallam",
            date_of_birth=dt.date(2011, 5, 17),
        )
    return [
        f"SY-1,Maya,Whitfield,{born},2026-01-10 21:00,2026-01-11 09:00,medium,Meadowhall",
        "SY-2,Jade,Hallam,2011-05-17,2026-02-01 18:00,,high,Town centre",
        "SY-3,Ruby,Stannington,2010-09-09,2025-12-24 20:00,2025-12-25 10:00,absent,",
        f"SY-1,Maya,Whitfield,{born},2026-01-10 21:00,2026-01-11 09:00,high,Meadowhall",
        "SY-4,Noname,,2010-01-01,2026-01-01 10:00,,low,",
        "SY-5,Ivy,Dearne,17th May,2026-01-01 10:00,,low,",
        "SY-6,Ivy,Dearne,2010-01-01,2026-01-01 10:00,2025-12-31 10:00,low,",
        "SY-7,Ivy,Dearne,2010-01-01,2026-01-01 10:00,,very high,",
        "SY-8,only,three",
    ]


def test_an_import_links_exact_matches_queues_ambiguous_ones_and_creates_new_records(
    people, rows, django_capture_on_commit_callbacks
):
    police_import = run(people, csv_file(*rows), django_capture_on_commit_callbacks)
    assert police_import.status == ImportStatus.DONE
    assert police_import.progress == 100
    assert MissingEpisode.objects.get(police_reference="SY-1").young_person == people.maya
    assert ImportMatch.objects.get(police_reference="SY-2").status == "waiting"
    assert len(ImportMatch.objects.get(police_reference="SY-2").candidate_ids) == 2
    ruby = MissingEpisode.objects.get(police_reference="SY-3")
    assert ruby.young_person.family_name == "Stannington"
    assert ruby.risk_grade == "absent"
    assert (
        police_import.created,
        police_import.records_created,
        police_import.queued_for_match,
    ) == (2, 1, 1)


def test_every_rejected_row_is_listed_with_its_line_and_reason(
    people, rows, django_capture_on_commit_callbacks
):
    police_import = run(people, csv_file(*rows), django_capture_on_commit_callbacks)
    reasons = {e["line"]: e["reason"] for e in police_import.errors}
    assert police_import.rejected == 6
    assert "earlier line of this file" in reasons[5]
    assert "given_name and family_name" in reasons[6]
    assert "date_of_birth is not a date" in reasons[7]
    assert "returned_at is before missing_since" in reasons[8]
    assert "risk_grade is not one of" in reasons[9]
    assert "Expected 8 columns, found 3" in reasons[10]


def test_a_second_import_updates_and_never_duplicates(
    people, rows, django_capture_on_commit_callbacks
):
    run(people, csv_file(*rows), django_capture_on_commit_callbacks)
    episodes = MissingEpisode.objects.count()
    records = YoungPerson.objects.count()
    changed = [rows[0].replace(",medium,", ",high,"), *rows[1:3]]
    second = run(people, csv_file(*changed), django_capture_on_commit_callbacks)
    assert MissingEpisode.objects.count() == episodes
    assert YoungPerson.objects.count() == records
    assert ImportMatch.objects.filter(status="waiting").count() == 1
    # SY-1's grade changed; the next row is as it was; the last still waits for its match.
    assert (
        second.created,
        second.updated,
        second.unchanged,
        second.queued_for_match,
        second.rejected,
    ) == (0, 1, 1, 1, 0)
    episode = MissingEpisode.objects.get(police_reference="SY-1")
    assert episode.risk_grade == "high"
    assert list(episode.grade_changes.values_list("grade", flat=True)) == ["medium", "high"]
    # The police's new grade is judged like one changed on the page.
    assert list(TriggerFiring.objects.values_list("episode__police_reference", "rule")) == [
        ("SY-1", "high_risk")
    ]


def test_the_team_manager_resolves_a_queued_row(people, rows, django_capture_on_commit_callbacks):
    run(people, csv_file(*rows), django_capture_on_commit_callbacks)
    match = ImportMatch.objects.get(police_reference="SY-2")
    chosen = YoungPerson.objects.get(pk=match.candidate_ids[1])
    episode = importing.match_resolve(match=match, resolved_by=people.manager, young_person=chosen)
    assert episode.young_person == chosen
    assert episode.is_open
    with pytest.raises(ValidationError):
        importing.match_resolve(match=match, resolved_by=people.manager, young_person=None)


def test_an_interrupted_import_resumes_where_it_stopped(
    people, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(importing, "BATCH_ROWS", 2)
    names = ["Amara", "Bethan", "Callum", "Dylan", "Esme", "Finley", "Grace"]
    lines = [
        f"SY-{n},{name},{name}son,2010-0{n + 1}-1{n},2026-01-01 10:00,,low,"
        for n, name in enumerate(names)
    ]
    calls = {"n": 0}
    original = importing._import_row

    def dies_on_the_fifth(*args):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("worker lost")
        return original(*args)

    monkeypatch.setattr(importing, "_import_row", dies_on_the_fifth)
    with pytest.raises(RuntimeError):
        run(people, csv_file(*lines), django_capture_on_commit_callbacks)
    police_import = importing.PoliceImport.objects.get()
    assert police_import.status == ImportStatus.RUNNING
    assert police_import.created == 4
    assert 0 < police_import.progress < 100
    importing.import_run(import_id=police_import.pk)
    police_import.refresh_from_db()
    assert police_import.status == ImportStatus.DONE
    assert police_import.created == 7
    assert MissingEpisode.objects.count() == 7


def test_a_file_without_the_needed_columns_is_refused_at_once(people):
    with pytest.raises(ValidationError) as error:
        importing.import_create(uploaded_by=people.manager, upload=csv_file(header="ref,name\n"))
    assert "police_reference" in error.value.message_dict["file"][0]


def test_only_the_team_manager_imports(people):
    with pytest.raises(PermissionDenied):
        importing.import_create(uploaded_by=people.alice, upload=csv_file())


def test_a_large_file_is_streamed_not_loaded(
    people, tmp_path, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """The reader holds one line at a time and the import one batch of rows: a 5,000-row file
    is read with the memory of a batch (tracemalloc's peak stays far below the file's size, here
    with batches of 100 rows so that the file is 50 of them); the rows are rejected cheaply here,
    so the test measures the reading, not the writing."""
    import tracemalloc

    monkeypatch.setattr(importing, "BATCH_ROWS", 100)

    lines = [
        f"SY-{n},Child,Family,notadate,2026-01-01 10:00,,low,{'x' * 200}" for n in range(5_000)
    ]
    upload = csv_file(*lines)
    size = upload.size
    settings.MISSING_IMPORT_MAX_ERRORS = 10
    # A small file first, untraced: what the first import in a process loads once (modules,
    # caches) is not the reading being measured, and made the test fail when it ran alone.
    run(people, csv_file(*lines[:3]), django_capture_on_commit_callbacks)
    tracemalloc.start()
    police_import = run(people, upload, django_capture_on_commit_callbacks)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert police_import.rejected == 5_000
    assert len(police_import.errors) == 10
    assert peak < size / 4


# --- Returns carried by imported rows ---------------------------------------------------------


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def maya_row(people, reference: str, since: dt.datetime, back: dt.datetime | None, grade="low"):
    born = people.maya.date_of_birth.isoformat()
    returned = _when(back) if back else ""
    return f"{reference},Maya,Whitfield,{born},{_when(since)},{returned},{grade},Meadowhall"


def test_an_imported_return_goes_through_the_return_service(
    people, django_capture_on_commit_callbacks
):
    """The interview falls due 72 hours after the police's return time, the chronology says the
    child came back, and the rules run (a return after 30 hours is a long episode)."""
    now = timezone.now().replace(second=0, microsecond=0)
    back = now - dt.timedelta(hours=2)
    row = maya_row(people, "SY-10", back - dt.timedelta(hours=30), back)
    police_import = run(people, csv_file(row), django_capture_on_commit_callbacks)
    assert police_import.created == 1
    episode = MissingEpisode.objects.get(police_reference="SY-10")
    assert (episode.status, episode.source, episode.returned_at) == ("returned", "imported", back)
    interview = episode.interview
    assert interview.due_at == back + dt.timedelta(hours=72)
    assert interview.shown_status == "due"
    titles = list(people.maya.chronology.values_list("title", flat=True))
    assert "Missing episode (police report SY-10)" in titles
    assert "Returned after being missing 30 hours" in titles
    assert list(episode.firings.values_list("rule", flat=True)) == ["long"]
    assert people.maya.flags.filter(kind=FlagKind.REPEAT_MISSING, removed_at=None).exists()
    # The run tells the team managers once, in its summary, not once an episode.
    assert not Notification.objects.filter(key__startswith=f"missing:{episode.pk}:").exists()
    assert Notification.objects.get().key == f"missing-import:{police_import.pk}"


def test_a_historic_return_makes_an_interview_already_overdue(
    people, django_capture_on_commit_callbacks
):
    """Documented choice: the deadline is the return plus 72 hours whatever the import's date,
    so a return the police report late shows at once among the overdue interviews."""
    back = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(days=40)
    row = maya_row(people, "SY-11", back - dt.timedelta(hours=5), back)
    run(people, csv_file(row), django_capture_on_commit_callbacks)
    interview = ReturnInterview.objects.get(episode__police_reference="SY-11")
    assert interview.due_at == back + dt.timedelta(hours=72)
    assert interview.shown_status == "overdue"


def test_importing_a_return_twice_makes_one_interview_and_one_notification(
    people, django_capture_on_commit_callbacks
):
    back = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=3)
    row = maya_row(people, "SY-12", back - dt.timedelta(hours=6), back, grade="high")
    first = run(people, csv_file(row), django_capture_on_commit_callbacks)
    chronology = people.maya.chronology.count()
    second = run(people, csv_file(row), django_capture_on_commit_callbacks)
    # The same row again tells the episode nothing new: counted as such, not as an update.
    assert (second.created, second.updated, second.unchanged, second.rejected) == (0, 0, 1, 0)
    assert ReturnInterview.objects.filter(episode__police_reference="SY-12").count() == 1
    # The first run's summary only: the second run's episode fired nothing new.
    assert list(Notification.objects.values_list("key", flat=True)) == [
        f"missing-import:{first.pk}"
    ]
    assert TriggerFiring.objects.count() == 1
    assert people.maya.chronology.count() == chronology


def test_a_later_file_returns_an_episode_a_first_file_left_open(
    people, django_capture_on_commit_callbacks
):
    since = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=8)
    run(
        people, csv_file(maya_row(people, "SY-13", since, None)), django_capture_on_commit_callbacks
    )
    episode = MissingEpisode.objects.get(police_reference="SY-13")
    assert episode.is_open
    assert not ReturnInterview.objects.exists()
    back = since + dt.timedelta(hours=5)
    run(
        people, csv_file(maya_row(people, "SY-13", since, back)), django_capture_on_commit_callbacks
    )
    episode.refresh_from_db()
    assert (episode.status, episode.returned_at) == ("returned", back)
    assert episode.interview.due_at == back + dt.timedelta(hours=72)
    # A later file without the return never reopens it.
    run(
        people, csv_file(maya_row(people, "SY-13", since, None)), django_capture_on_commit_callbacks
    )
    episode.refresh_from_db()
    assert (episode.status, episode.returned_at) == ("returned", back)
    assert ReturnInterview.objects.count() == 1


def test_a_corrected_return_time_moves_a_due_interview_only(
    people, django_capture_on_commit_callbacks
):
    since = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=10)
    back = since + dt.timedelta(hours=2)
    run(
        people, csv_file(maya_row(people, "SY-14", since, back)), django_capture_on_commit_callbacks
    )
    later = back + dt.timedelta(hours=3)
    run(
        people,
        csv_file(maya_row(people, "SY-14", since, later)),
        django_capture_on_commit_callbacks,
    )
    interview = ReturnInterview.objects.get(episode__police_reference="SY-14")
    assert interview.episode.returned_at == later
    assert interview.due_at == later + dt.timedelta(hours=72)
    assert ReturnInterview.objects.count() == 1
    services.interview_decline(
        interview=interview,
        recorded_by=people.manager,
        declined_at=timezone.now(),
        reason="Did not want to talk",
        carers_offered=True,
    )
    run(
        people, csv_file(maya_row(people, "SY-14", since, back)), django_capture_on_commit_callbacks
    )
    interview.refresh_from_db()
    assert interview.episode.returned_at == back
    assert interview.due_at == later + dt.timedelta(hours=72)  # its record stands


def test_a_return_in_the_future_is_rejected(people, django_capture_on_commit_callbacks):
    since = timezone.now() - dt.timedelta(hours=1)
    row = maya_row(people, "SY-15", since, timezone.now() + dt.timedelta(days=1))
    police_import = run(people, csv_file(row), django_capture_on_commit_callbacks)
    assert police_import.errors == [{"line": 2, "reason": "returned_at is in the future"}]
    assert not MissingEpisode.objects.exists()


def test_a_queued_row_with_a_return_makes_its_interview_when_matched(
    people, rows, django_capture_on_commit_callbacks
):
    returned = rows[1].replace(",2026-02-01 18:00,,", ",2026-02-01 18:00,2026-02-02 08:00,")
    run(people, csv_file(returned), django_capture_on_commit_callbacks)
    match = ImportMatch.objects.get(police_reference="SY-2")
    chosen = YoungPerson.objects.get(pk=match.candidate_ids[0])
    episode = importing.match_resolve(match=match, resolved_by=people.manager, young_person=chosen)
    assert episode.status == "returned"
    assert episode.interview.shown_status == "overdue"
    assert list(episode.firings.values_list("rule", flat=True)) == ["high_risk"]
    # Matched on the page after the run: told as a reported episode is, once for the episode.
    assert episode.firings.get().police_import is None
    assert Notification.objects.filter(key__startswith=f"missing:{episode.pk}:").count() == 1


def test_an_open_imported_episode_marks_the_record_currently_missing_as_a_report_does(
    people, django_capture_on_commit_callbacks
):
    """The same flag, through the same service, as an episode reported on the page; the
    police's later return takes it down."""
    since = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=6)
    missing_now = people.maya.flags.filter(kind=FlagKind.CURRENTLY_MISSING, removed_at=None)
    assert not missing_now.exists()
    run(
        people, csv_file(maya_row(people, "SY-16", since, None)), django_capture_on_commit_callbacks
    )
    flag = missing_now.get()
    assert flag.reason == f"Missing since {timezone.localtime(since):%d %b %Y %H:%M}"
    run(
        people,
        csv_file(maya_row(people, "SY-16", since, since + dt.timedelta(hours=2))),
        django_capture_on_commit_callbacks,
    )
    assert not missing_now.exists()


def test_a_returned_imported_episode_leaves_the_record_not_missing(
    people, django_capture_on_commit_callbacks
):
    since = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=6)
    row = maya_row(people, "SY-17", since, since + dt.timedelta(hours=1))
    run(people, csv_file(row), django_capture_on_commit_callbacks)
    assert not people.maya.flags.filter(kind=FlagKind.CURRENTLY_MISSING).exists()


def test_a_file_firing_rules_for_many_episodes_makes_one_request_a_child_and_one_email(
    people, django_capture_on_commit_callbacks
):
    """A historic file: four of Maya's episodes and two of a new child's fire the rules. Each
    episode still fires (its own firing rows), each child has one open request holding every
    reason, and the team managers get one summary for the run, with no personal details."""
    from assessments.models import AssessmentRequest, RequestStatus

    start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(days=400)
    maya = [
        maya_row(
            people,
            f"SY-3{n}",
            start + dt.timedelta(days=n),
            start + dt.timedelta(days=n, hours=2),
            "high",
        )
        for n in range(4)
    ]
    ruby = [
        f"SY-4{n},Ruby,Stannington,2010-09-09,{_when(start + dt.timedelta(days=n))},"
        f"{_when(start + dt.timedelta(days=n, hours=1))},high,Town centre"
        for n in range(2)
    ]
    police_import = run(people, csv_file(*maya, *ruby), django_capture_on_commit_callbacks)
    assert police_import.created == 6
    # High risk on each episode, and the repeat rule on Maya's third and fourth.
    assert TriggerFiring.objects.filter(police_import=police_import).count() == 6 + 2
    requests = AssessmentRequest.objects.filter(status=RequestStatus.OPEN)
    assert sorted(r.young_person.given_name for r in requests) == ["Maya", "Ruby"]
    maya_request = requests.get(young_person=people.maya)
    reasons = [maya_request.reason, *maya_request.further_reasons.values_list("reason", flat=True)]
    assert len(reasons) == 4
    assert all(reason.startswith("Missing from home or care: ") for reason in reasons)
    assert "3 missing episodes in 90 days" in reasons[2]
    sources = list(maya_request.further_reasons.values_list("source_object_id", flat=True))
    assert sources == [
        str(MissingEpisode.objects.get(police_reference=f"SY-3{n}").pk) for n in (1, 2, 3)
    ]
    notification = Notification.objects.get()
    assert notification.key == f"missing-import:{police_import.pk}"
    assert "6 episodes in this import met the rules for 2 young people" in notification.body
    assert f"/missing/imports/{police_import.pk}/" in notification.body
    for name in ("Maya", "Whitfield", "Ruby", "Stannington", "SY-3"):
        assert name not in notification.body and name not in notification.subject


def test_running_a_finished_import_again_queues_no_second_summary(
    people, django_capture_on_commit_callbacks
):
    from missing.tasks import police_import_run

    back = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(days=3)
    row = maya_row(people, "SY-50", back - dt.timedelta(hours=5), back, grade="high")
    police_import = run(people, csv_file(row), django_capture_on_commit_callbacks)
    assert Notification.objects.count() == 1
    # The task redelivered (acks_late), and the summary asked for again: one message still.
    with django_capture_on_commit_callbacks(execute=True):
        police_import_run(str(police_import.pk))
        services.import_rules_summary_queue(police_import=police_import)
    assert Notification.objects.count() == 1
    # The same file imported again: nothing new fires, so no summary at all.
    again = run(people, csv_file(row), django_capture_on_commit_callbacks)
    assert (again.updated, again.unchanged) == (0, 1)
    assert Notification.objects.count() == 1


def test_a_run_resumed_after_a_lost_worker_counts_the_whole_file_in_one_summary(
    people, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(importing, "BATCH_ROWS", 2)
    start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(days=50)
    rows = [
        maya_row(people, f"SY-6{n}", start + dt.timedelta(days=n), None, "high") for n in range(4)
    ]
    with django_capture_on_commit_callbacks(execute=False):
        police_import = importing.import_create(uploaded_by=people.manager, upload=csv_file(*rows))
    batches = importing._import_batch

    def lost_after_first_batch(*args):
        batches(*args)
        raise OSError("worker lost")

    monkeypatch.setattr(importing, "_import_batch", lost_after_first_batch)
    with pytest.raises(OSError):
        importing.import_run(import_id=police_import.pk)
    assert not Notification.objects.exists()
    monkeypatch.setattr(importing, "_import_batch", batches)
    with django_capture_on_commit_callbacks(execute=True):
        importing.import_run(import_id=police_import.pk)
    notification = Notification.objects.get()
    assert "4 episodes in this import met the rules for 1 young person" in notification.body


#: One row of an existing child's returned episode, no rule met: the row's savepoint (and its
#: release); the episode inserted; its grade's history; its audit entry (one INSERT, no savepoint
#: of its own) and chronology line; the return: its savepoint (and release), whether the importer
#: may record it, the episode updated, the interview inserted, the audit entry and chronology
#: line, the "currently missing" flag looked for; the rules: the firings already made, the
#: episodes in the 90 days before. The episodes, waiting rows and records the row needs are read
#: once a batch, not once a row; the new episode's and interview's ids are not looked up (new
#: random UUIDs), and the CSE-indicator rule reads the interview the return just made from memory.
QUERIES_A_RETURNED_ROW = 16
#: The episode tally kept with the new episode: the child's episodes read before and after, the
#: tally's rows inserted, and in PostgreSQL the child's lock taken first.
QUERIES_A_TALLY = 3


def _tally_queries() -> int:
    from django.db import connection

    return QUERIES_A_TALLY + (connection.vendor == "postgresql")


def test_a_row_costs_the_same_number_of_queries_however_many_the_file_has(
    people, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    start = timezone.now() - dt.timedelta(days=1500)

    def queries_to_import(first: int, count: int) -> int:
        # 100 days apart and two hours long, graded low: no rule is met.
        rows = [
            maya_row(
                people,
                f"PIN-{n}",
                start + dt.timedelta(days=100 * n),
                start + dt.timedelta(days=100 * n, hours=2),
            )
            for n in range(first, first + count)
        ]
        with CaptureQueriesContext(connection) as context:
            police_import = run(people, csv_file(*rows), django_capture_on_commit_callbacks)
        assert (police_import.created, police_import.rejected) == (count, 0)
        return len(context.captured_queries)

    five = queries_to_import(0, 5)
    ten = queries_to_import(5, 10)
    assert not TriggerFiring.objects.exists()
    assert (ten - five) / 5 == QUERIES_A_RETURNED_ROW + _tally_queries()
