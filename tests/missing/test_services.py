"""Episodes, returns, the rules, interviews, carers, profiles and photos, through the services."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assessments.models import AssessmentRequest
from cse_portal.audit.models import AuditAction, AuditEntry
from cse_portal.notifications.models import Notification
from cse_portal.young_people import permissions as yp_permissions
from cse_portal.young_people.models import ChronologyEntry, FlagKind
from intelligence.models import Entity, IntelligenceItem, Origin
from missing import permissions, services
from missing.models import (
    EpisodeStatus,
    InterviewStatus,
    MissingEpisode,
    ReturnInterview,
    RiskGradeChange,
    TriggerFiring,
)

from .conftest import hours_ago, jpeg_bytes, png_bytes

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo("Europe/London")


def active_flag(young_person, kind):
    return young_person.flags.filter(kind=kind, removed_at__isnull=True).first()


# --- Reporting ------------------------------------------------------------------------------------


def test_a_report_raises_currently_missing_and_writes_the_chronology(people, report):
    episode = report()
    assert episode.status == EpisodeStatus.MISSING
    assert active_flag(people.maya, FlagKind.CURRENTLY_MISSING) is not None
    assert ChronologyEntry.objects.filter(
        object_id=str(episode.pk), title__startswith="Reported missing"
    ).exists()
    assert AuditEntry.objects.filter(object_id=str(episode.pk), action=AuditAction.COLLECT).exists()
    assert RiskGradeChange.objects.get(episode=episode).grade == "medium"


def test_the_same_report_sent_again_is_the_same_episode_and_writes_nothing(people, report):
    since = hours_ago(5)
    first = report(missing_since=since)
    audited = AuditEntry.objects.count()
    chronology = ChronologyEntry.objects.count()
    again = report(missing_since=since)
    assert again.pk == first.pk
    assert MissingEpisode.objects.filter(young_person=people.maya).count() == 1
    assert (AuditEntry.objects.count(), ChronologyEntry.objects.count()) == (audited, chronology)
    # Another reporter's report, or another time, is a report of its own.
    assert report(missing_since=since, by=people.manager).pk != first.pk
    assert report(missing_since=hours_ago(4)).pk != first.pk


def test_a_frontline_reporter_with_details_gets_the_exact_record_linked(people):
    episode = services.episode_report(
        reported_by=people.frank,
        young_person_details={
            "given_name": "maya",
            "family_name": "WHITFIELD",
            "date_of_birth": people.maya.date_of_birth,
        },
        missing_since=hours_ago(1),
        last_seen="Bus station",
        risk_grade="low",
    )
    assert episode.young_person == people.maya


def test_a_frontline_reporter_cannot_pick_a_record_they_cannot_see(people, report):
    with pytest.raises(ValidationError) as error:
        report(by=people.frank, young_person=people.noah)
    assert "young_person" in error.value.message_dict


def test_lscb_and_admin_cannot_report(people, report):
    for user in (people.lucy, people.adam):
        with pytest.raises(PermissionDenied):
            report(by=user)


def test_a_report_in_the_future_or_without_grade_is_refused_with_field_errors(people, report):
    with pytest.raises(ValidationError) as error:
        report(missing_since=timezone.now() + dt.timedelta(hours=2), risk_grade="absent")
    assert {"missing_since", "risk_grade"} <= set(error.value.message_dict)


def test_the_police_reference_is_unique(people, report):
    report(police_reference="SY-123")
    with pytest.raises(ValidationError) as error:
        report(young_person=people.noah, by=people.manager, police_reference="sy-123")
    assert "police_reference" in error.value.message_dict


# --- Return ---------------------------------------------------------------------------------------


def test_the_return_computes_the_duration_and_makes_an_interview_due_in_72_hours(
    people, report, returned
):
    episode = returned(
        report(hours=10), ago=4, found_location={"name": "McDonald's", "postcode": "S1 2AB"}
    )
    assert episode.status == EpisodeStatus.RETURNED
    assert episode.duration_hours == pytest.approx(6, abs=0.01)
    assert episode.interview.due_at == episode.returned_at + dt.timedelta(hours=72)
    assert episode.found_location.kind == "location"
    assert active_flag(people.maya, FlagKind.CURRENTLY_MISSING) is None


def test_the_found_location_is_the_same_entity_intelligence_uses(people, report, returned):
    first = returned(
        report(hours=10), found_location={"name": "Park Hill flats", "postcode": "S2 5PX"}
    )
    second = returned(
        report(young_person=people.noah, by=people.manager, hours=8),
        by=people.manager,
        found_location={"name": "park hill flats", "postcode": "s25px"},
    )
    assert first.found_location_id == second.found_location_id
    assert Entity.objects.filter(kind="location").count() == 1


def test_a_return_recorded_meanwhile_is_refused_not_recorded_twice(people, report, returned):
    episode = report(hours=5)
    stale = MissingEpisode.objects.get(pk=episode.pk)  # read before the other return
    returned(episode, ago=1)
    with pytest.raises(ValidationError) as refused:
        returned(stale, ago=0.5)
    assert "already been recorded" in str(refused.value)
    assert ReturnInterview.objects.filter(episode=episode).count() == 1


def test_a_return_before_the_child_went_missing_is_refused(people, report, returned):
    episode = report(hours=2)
    with pytest.raises(ValidationError) as error:
        returned(episode, ago=3)
    assert "returned_at" in error.value.message_dict


@pytest.mark.parametrize(
    ("returned_local", "due_local"),
    [
        # Spring forward (29 March 2026, 01:00 GMT -> 02:00 BST): 72 elapsed hours end at 13:00.
        (dt.datetime(2026, 3, 27, 12, 0), dt.datetime(2026, 3, 30, 13, 0)),
        # Fall back (25 October 2026, 02:00 BST -> 01:00 GMT): 72 elapsed hours end at 11:00.
        (dt.datetime(2026, 10, 23, 12, 0), dt.datetime(2026, 10, 26, 11, 0)),
        # No change in between: the same clock time three days later.
        (dt.datetime(2026, 6, 10, 9, 30), dt.datetime(2026, 6, 13, 9, 30)),
    ],
)
def test_the_72_hours_are_elapsed_hours_across_the_clock_change(returned_local, due_local):
    returned_at = returned_local.replace(tzinfo=LONDON)
    due = services.interview_due_at(returned_at)
    assert due - returned_at == dt.timedelta(hours=72)
    assert due.astimezone(LONDON).replace(tzinfo=None) == due_local


def test_the_interview_setting_changes_the_deadline(settings, people, report, returned):
    settings.MISSING_INTERVIEW_HOURS = 48
    episode = returned(report(hours=3))
    assert episode.interview.due_at - episode.returned_at == dt.timedelta(hours=48)


# --- The rules ------------------------------------------------------------------------------------


def fired(episode) -> set[str]:
    return set(TriggerFiring.objects.filter(episode=episode).values_list("rule", flat=True))


@pytest.fixture
def only_repeat(settings) -> None:
    """Earlier episodes are reported late here: only the repeat rule is on."""
    settings.MISSING_RULE_LONG_HOURS = 0


@pytest.mark.usefixtures("only_repeat")
def test_two_episodes_in_90_days_do_not_fire_the_repeat_rule(people, report, returned):
    returned(report(hours=24 * 30, grade="low"), ago=24 * 30 - 2)
    second = report(hours=2, grade="low")
    assert "repeat" not in fired(second)
    assert active_flag(people.maya, FlagKind.REPEAT_MISSING) is None


@pytest.mark.usefixtures("only_repeat")
def test_the_third_episode_in_90_days_fires_the_repeat_rule(people, report, returned):
    returned(report(hours=24 * 60, grade="low"), ago=24 * 60 - 2)
    returned(report(hours=24 * 30, grade="low"), ago=24 * 30 - 2)
    third = report(hours=2, grade="low")
    assert fired(third) == {"repeat"}
    flag = active_flag(people.maya, FlagKind.REPEAT_MISSING)
    assert "3 missing episodes in 90 days" in flag.reason
    request = AssessmentRequest.objects.get(young_person=people.maya)
    assert request.source_app == "missing"
    assert Notification.objects.filter(key__startswith=f"missing:{third.pk}:").count() == 1


@pytest.mark.usefixtures("only_repeat")
def test_an_episode_outside_the_90_days_does_not_count(people, report, returned):
    returned(report(hours=24 * 91, grade="low"), ago=24 * 91 - 2)
    returned(report(hours=24 * 30, grade="low"), ago=24 * 30 - 2)
    third = report(hours=2, grade="low")
    assert "repeat" not in fired(third)


@pytest.mark.usefixtures("only_repeat")
def test_the_repeat_rule_reads_its_settings(settings, people, report, returned):
    settings.MISSING_RULE_REPEAT_COUNT = 2
    returned(report(hours=24 * 10, grade="low"), ago=24 * 10 - 2)
    assert fired(report(hours=2, grade="low")) == {"repeat"}


def test_a_high_grade_fires_at_once_and_a_medium_does_not(people, report):
    assert fired(report(grade="medium")) == set()
    high = report(young_person=people.noah, by=people.manager, grade="high")
    assert fired(high) == {"high_risk"}
    assert (
        active_flag(people.noah, FlagKind.REPEAT_MISSING).reason == "Graded high risk by the police"
    )


def test_a_grade_raised_to_high_fires_and_is_kept_with_who_and_when(people, report):
    episode = report(grade="low")
    services.episode_set_risk_grade(
        episode=episode,
        grade="high",
        changed_by=people.bob if False else people.alice,
        reason="Seen in a car",
    )
    assert fired(episode) == {"high_risk"}
    grades = list(episode.grade_changes.values_list("grade", "previous_grade", "changed_by"))
    assert grades == [("low", "", people.alice.pk), ("high", "low", people.alice.pk)]


def test_cse_indicators_at_the_return_fire_and_none_do_not(people, report, returned):
    plain = returned(report(hours=3, grade="low"))
    assert "cse_indicators" not in fired(plain)
    seen = returned(
        report(young_person=people.noah, by=people.manager, hours=3, grade="low"),
        by=people.manager,
        cse_indicators=["groom_cars"],
    )
    assert fired(seen) == {"cse_indicators"}
    request = AssessmentRequest.objects.get(young_person=people.noah)
    assert request.suggested_indicators == ["groom_cars"]


def test_indicators_seen_after_an_assessment_was_started_reach_the_draft(people, report, returned):
    from assessments.services import assessment_start

    first = report(young_person=people.noah, by=people.manager, grade="high")
    assert fired(first) == {"high_risk"}
    draft = assessment_start(young_person=people.noah, assessor=people.manager)
    assert draft.suggested_items == []
    returned(first, by=people.manager, cse_indicators=["groom_cars"])
    draft.refresh_from_db()
    assert draft.suggested_items == ["groom_cars"]
    assert len(draft.later_reasons) == 1
    request = AssessmentRequest.objects.get(young_person=people.noah)
    assert request.assessment_id == draft.pk


def test_unknown_indicators_are_refused(people, report, returned):
    with pytest.raises(ValidationError) as error:
        returned(report(), cse_indicators=["not_a_code"])
    assert "cse_indicators" in error.value.message_dict


def test_24_hours_missing_fires_and_23_does_not(people, report, returned):
    short = returned(report(hours=23.5, grade="low"))
    assert "long" not in fired(short)
    long = returned(
        report(young_person=people.noah, by=people.manager, hours=24, grade="low"),
        by=people.manager,
    )
    assert fired(long) == {"long"}


def test_beat_fires_the_long_rule_for_an_open_episode(people, report):
    episode = report(hours=25, grade="low")
    # Reported 25 hours late: the rule fired at the report already.
    assert fired(episode) == {"long"}
    recent = report(young_person=people.noah, by=people.manager, hours=2, grade="low")
    assert services.long_episodes_check(now=timezone.now() + dt.timedelta(hours=23)) == 1
    assert fired(recent) == {"long"}
    assert services.long_episodes_check(now=timezone.now() + dt.timedelta(hours=30)) == 0


def test_a_rule_fires_once_per_episode(people, report):
    episode = report(grade="high")
    services.episode_set_risk_grade(episode=episode, grade="medium", changed_by=people.alice)
    services.episode_set_risk_grade(episode=episode, grade="high", changed_by=people.alice)
    assert TriggerFiring.objects.filter(episode=episode).count() == 1
    request = AssessmentRequest.objects.get(young_person=people.maya)
    assert request.reason == "Missing from home or care: Graded high risk by the police"
    assert not request.further_reasons.exists()


def test_rules_fired_by_two_reported_episodes_add_to_one_request_and_email_each(people, report):
    """Reported on the page, each episode keeps its own email; the child has one request."""
    first = report(grade="high")
    second = report(hours=30, grade="low")
    request = AssessmentRequest.objects.get(young_person=people.maya)
    assert request.source_object_id == str(first.pk)
    further = request.further_reasons.get()
    assert further.source_object_id == str(second.pk)
    assert further.reason.startswith("Missing from home or care: Missing over 24 hours")
    for episode in (first, second):
        assert Notification.objects.filter(key__startswith=f"missing:{episode.pk}:").count() == 1


def test_the_rule_raises_the_flag_even_when_a_carer_reported(people, report):
    profile = services.carer_name(
        young_person=people.maya, carer=people.fiona, named_by=people.alice
    )
    assert profile.young_person == people.maya
    episode = report(by=people.fiona, grade="high")
    assert fired(episode) == {"high_risk"}
    flag = active_flag(people.maya, FlagKind.REPEAT_MISSING)
    entry = AuditEntry.objects.filter(object_id=str(flag.pk)).first()
    assert entry.detail["rule"].startswith("missing:")


def test_the_notification_waits_in_the_outbox_until_commit(
    people, report, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        episode = report(grade="high")
    notification = Notification.objects.get(key__startswith=f"missing:{episode.pk}")
    assert notification.sent_at is None
    assert "no personal details" in notification.body
    assert people.maya.family_name not in notification.body
    assert callbacks


# --- Interviews -----------------------------------------------------------------------------------


@pytest.fixture
def interview(people, report, returned):
    return returned(report(hours=10), ago=2).interview


def test_the_team_manager_chooses_an_independent_interviewer(people, interview):
    services.interview_assign(
        interview=interview,
        assigned_by=people.manager,
        agency=people.police,
        interviewer=people.fiona,
    )
    assert interview.interviewer == people.fiona
    assert permissions.can_record_interview(people.fiona, interview)
    assert permissions.get_interview_for_user(people.fiona, interview.pk) == interview


def test_choosing_the_same_interviewer_again_writes_and_audits_nothing(people, interview):
    from cse_portal.audit.models import AuditEntry
    from cse_portal.young_people.models import ChronologyEntry

    choice = {"agency": people.police, "interviewer": people.fiona}
    assert services.interview_assign(interview=interview, assigned_by=people.manager, **choice)
    audited = AuditEntry.objects.filter(object_id=str(interview.pk)).count()
    chronology = ChronologyEntry.objects.filter(young_person=interview.young_person).count()
    again = services.interview_assign(interview=interview, assigned_by=people.manager, **choice)
    assert again is False
    assert AuditEntry.objects.filter(object_id=str(interview.pk)).count() == audited
    assert ChronologyEntry.objects.filter(young_person=interview.young_person).count() == chronology


def test_the_same_attempt_sent_again_is_recorded_once(people, interview):
    services.interview_assign(
        interview=interview,
        assigned_by=people.manager,
        agency=people.police,
        interviewer=people.fiona,
    )
    attempt = {
        "interview": interview,
        "recorded_by": people.fiona,
        "attempted_at": hours_ago(1),
        "method": "phone",
        "outcome": "no_answer",
    }
    first = services.interview_attempt_add(**attempt)
    audited = AuditEntry.objects.filter(object_id=str(interview.pk)).count()
    assert services.interview_attempt_add(**attempt).pk == first.pk
    assert interview.attempts.count() == 1
    assert AuditEntry.objects.filter(object_id=str(interview.pk)).count() == audited
    services.interview_attempt_add(**{**attempt, "outcome": "declined"})
    assert interview.attempts.count() == 2


def test_the_allocated_practitioner_needs_a_reason_to_interview(people, interview):
    with pytest.raises(ValidationError) as error:
        services.interview_assign(
            interview=interview,
            assigned_by=people.manager,
            agency=people.social_care,
            interviewer=people.alice,
        )
    assert "independence_note" in error.value.message_dict
    assert people.alice not in permissions.interviewer_choices(people.social_care, people.maya)


def test_an_interviewer_outside_the_chosen_agency_is_refused(people, interview):
    with pytest.raises(ValidationError) as error:
        services.interview_assign(
            interview=interview,
            assigned_by=people.manager,
            agency=people.health,
            interviewer=people.fiona,
        )
    assert "interviewer" in error.value.message_dict


def test_an_interview_held_in_time_is_done_within_72_hours(people, interview):
    services.interview_assign(
        interview=interview,
        assigned_by=people.manager,
        agency=people.police,
        interviewer=people.fiona,
    )
    services.interview_attempt_add(
        interview=interview,
        recorded_by=people.fiona,
        attempted_at=hours_ago(1),
        method="phone",
        outcome="no_answer",
    )
    services.interview_complete(
        interview=interview,
        recorded_by=people.fiona,
        held_at=hours_ago(0.5),
        location_held="School",
        where_been="A flat in Page Hall",
        with_whom="Older men, one called Taz",
        child_words="I just wanted to be away",
    )
    assert interview.status == InterviewStatus.DONE
    assert interview.within_72_hours is True
    assert interview.attempts.count() == 1


def test_an_interview_after_the_deadline_is_not_within_72_hours(people, report, returned):
    interview = returned(report(hours=100), ago=90).interview
    services.interview_complete(
        interview=interview,
        recorded_by=people.manager,
        held_at=hours_ago(1),
        location_held="Home",
        where_been="Not said",
    )
    assert interview.within_72_hours is False


def test_a_declined_interview_records_that_the_carers_were_offered(people, interview):
    with pytest.raises(ValidationError) as error:
        services.interview_decline(
            interview=interview,
            recorded_by=people.manager,
            declined_at=hours_ago(1),
            reason="Did not want to",
            carers_offered=False,
        )
    assert "carers_offered" in error.value.message_dict
    services.interview_decline(
        interview=interview,
        recorded_by=people.manager,
        declined_at=hours_ago(1),
        reason="Did not want to",
        carers_offered=True,
    )
    assert interview.status == InterviewStatus.DECLINED


def test_someone_else_cannot_record_the_interview(people, interview):
    with pytest.raises(PermissionDenied):
        services.interview_attempt_add(
            interview=interview,
            recorded_by=people.frank,
            attempted_at=hours_ago(1),
            method="phone",
            outcome="no_answer",
        )


def test_indicators_found_at_interview_fire_the_cse_rule(people, interview):
    services.interview_complete(
        interview=interview,
        recorded_by=people.manager,
        held_at=hours_ago(1),
        location_held="Home",
        where_been="Car park",
        cse_indicators=["groom_cars"],
    )
    assert "cse_indicators" in fired(interview.episode)


def test_the_findings_become_intelligence_in_one_action(people, interview):
    services.interview_complete(
        interview=interview,
        recorded_by=people.manager,
        held_at=hours_ago(1),
        location_held="Home",
        where_been="Page Hall",
    )
    item = services.interview_share_findings(
        interview=interview,
        shared_by=people.manager,
        content="Taken to a flat in Page Hall in a silver Astra",
        subjects=[
            {"kind": "location", "name": "Flat above the takeaway", "postcode": "S4 8AA"},
            {"kind": "vehicle", "registration": "YX19 ABC", "make": "Vauxhall Astra"},
            {"kind": "phone", "number": "07700 900123"},
            {"kind": "person", "role": "associate", "name": "Taz"},
        ],
    )
    item = IntelligenceItem.objects.get(pk=item.pk)
    assert item.origin == Origin.RETURN_INTERVIEW
    assert item.young_person == people.maya
    assert item.status == "received"
    kinds = set(item.mentions.values_list("entity__kind", flat=True))
    assert {"location", "vehicle", "phone", "person"} <= kinds
    with pytest.raises(ValidationError, match="already been shared"):
        services.interview_share_findings(
            interview=interview, shared_by=people.manager, content="Again", subjects=[]
        )


def test_an_interview_recorded_or_shared_meanwhile_is_not_recorded_or_shared_twice(
    people, interview
):
    held = {"held_at": hours_ago(1), "location_held": "Home", "where_been": "Page Hall"}
    stale = ReturnInterview.objects.get(pk=interview.pk)  # read before the other submission
    services.interview_complete(interview=interview, recorded_by=people.manager, **held)
    with pytest.raises(ValidationError, match="already been recorded"):
        services.interview_complete(interview=stale, recorded_by=people.manager, **held)
    stale = ReturnInterview.objects.get(pk=interview.pk)
    services.interview_share_findings(
        interview=interview, shared_by=people.manager, content="Page Hall", subjects=[]
    )
    with pytest.raises(ValidationError, match="already been shared"):
        services.interview_share_findings(
            interview=stale, shared_by=people.manager, content="Page Hall", subjects=[]
        )
    assert IntelligenceItem.objects.filter(origin=Origin.RETURN_INTERVIEW).count() == 1
    held_entries = AuditEntry.objects.filter(
        object_id=str(interview.pk), summary="Return home interview held"
    )
    assert held_entries.count() == 1


# --- Carers, profiles and photos ------------------------------------------------------------------


def test_a_carer_keeps_the_profile_and_sees_nothing_else_of_the_record(people):
    profile = services.carer_name(
        young_person=people.maya, carer=people.fiona, named_by=people.alice
    )
    assert permissions.get_profile_for_user(people.fiona, profile.pk) == profile
    assert not yp_permissions.can_view_young_person(people.fiona, people.maya)
    assert permissions.get_young_person_to_report(people.fiona, people.maya.pk) == people.maya
    assert AuditEntry.objects.filter(
        action=AuditAction.PERMISSION_CHANGE, object_id=str(profile.pk)
    ).exists()


def test_only_a_frontline_user_may_be_carer_and_only_the_team_names_one(people):
    with pytest.raises(ValidationError):
        services.carer_name(young_person=people.maya, carer=people.bob, named_by=people.alice)
    with pytest.raises(PermissionDenied):
        services.carer_name(young_person=people.noah, carer=people.fiona, named_by=people.alice)


def test_a_revoked_carer_loses_the_profile(people):
    from django.http import Http404

    profile = services.carer_name(
        young_person=people.maya, carer=people.fiona, named_by=people.alice
    )
    services.carer_revoke(
        profile=profile, carer=people.fiona, revoked_by=people.manager, reason="Moved placement"
    )
    with pytest.raises(Http404):
        permissions.get_profile_for_user(people.fiona, profile.pk)


@pytest.fixture
def profile(people):
    return services.carer_name(young_person=people.maya, carer=people.fiona, named_by=people.alice)


def test_a_renamed_executable_is_refused_by_its_content(people, profile):
    upload = SimpleUploadedFile(
        "photo.jpg", b"MZ\x90\x00\x03" + b"\x00" * 200, content_type="image/jpeg"
    )
    with pytest.raises(ValidationError) as error:
        services.profile_photo_set(profile=profile, uploaded_by=people.fiona, upload=upload)
    assert error.value.message_dict["photo"] == ["The photo must be a JPG or PNG"]
    assert not profile.photo_file


def test_a_gif_is_refused_even_though_it_is_an_image(people, profile):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    with pytest.raises(ValidationError):
        services.profile_photo_set(
            profile=profile,
            uploaded_by=people.fiona,
            upload=SimpleUploadedFile("a.png", out.getvalue()),
        )


def test_an_oversized_photo_is_refused(settings, people, profile):
    settings.MISSING_PHOTO_MAX_BYTES = 1_000
    upload = SimpleUploadedFile("big.jpg", jpeg_bytes(size=(400, 400)) + b"\x00" * 2_000)
    with pytest.raises(ValidationError) as error:
        services.profile_photo_set(profile=profile, uploaded_by=people.fiona, upload=upload)
    assert "smaller than" in error.value.message_dict["photo"][0]


def test_gps_metadata_is_stripped_and_the_file_kept_outside_the_web_root(settings, people, profile):
    from PIL import Image

    original = jpeg_bytes(gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825)
    services.profile_photo_set(
        profile=profile, uploaded_by=people.fiona, upload=SimpleUploadedFile("me.jpg", original)
    )
    path = services.photo_path(profile)
    assert path.is_relative_to(settings.MISSING_PRIVATE_DIR)
    assert not path.is_relative_to(settings.STATIC_ROOT) and not path.is_relative_to(
        settings.MEDIA_ROOT
    )
    stored = Image.open(path)
    assert stored.format == "JPEG"
    assert not stored.getexif()
    assert b"TestCam" not in path.read_bytes()


def test_png_text_chunks_are_stripped(people, profile):
    services.profile_photo_set(
        profile=profile, uploaded_by=people.fiona, upload=SimpleUploadedFile("me.png", png_bytes())
    )
    data = services.photo_path(profile).read_bytes()
    assert data.startswith(b"\x89PNG")
    assert b"Secret Street" not in data


def test_sending_to_police_records_the_disclosure(people, profile):
    pdf = services.profile_send_to_police(
        profile=profile,
        sent_by=people.fiona,
        recipient="PC 123 Smith",
        police_reference="sy-1",
        render=lambda: b"%PDF-1.7",
    )
    assert pdf.startswith(b"%PDF")
    entry = AuditEntry.objects.get(action=AuditAction.DISCLOSE, object_id=str(profile.pk))
    assert entry.recipients == ["PC 123 Smith"]
    assert entry.detail["police_reference"] == "SY-1"


def test_sending_needs_a_recipient_and_a_reference(people, profile):
    with pytest.raises(ValidationError) as error:
        services.profile_send_to_police(
            profile=profile,
            sent_by=people.fiona,
            recipient="",
            police_reference="",
            render=lambda: b"",
        )
    assert {"recipient", "police_reference"} <= set(error.value.message_dict)


def test_episodes_move_with_a_merge(people, report):
    from cse_portal.young_people import services as yp_services

    episode = report(young_person=people.noah, by=people.manager)
    yp_services.young_person_merge(
        survivor=people.maya, duplicate=people.noah, merged_by=people.manager, reason="Same child"
    )
    assert MissingEpisode.objects.get(pk=episode.pk).young_person == people.maya
