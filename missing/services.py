"""Every write to missing episodes, return home interviews, Philomena profiles and imports:
keyword-only functions, one transaction each, that check the rule, write, record the audit and
chronology entries, and queue work after commit.

Other apps are used only through their services: young_people (records, flags, chronology),
assessments (a CSE risk assessment requested), intelligence (locations, and an interview's
findings submitted as a return-interview debrief), and the core's notification outbox."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from assessments.selectors import valid_indicator_codes
from assessments.services import assessment_request
from cse_portal.accounts.models import Agency, User
from cse_portal.accounts.roles import Role
from cse_portal.audit.models import AuditAction
from cse_portal.audit.services import audit_record
from cse_portal.notifications.models import Notification
from cse_portal.notifications.services import notification_queue
from cse_portal.young_people import services as yp_services
from cse_portal.young_people.models import FlagKind, YoungPerson
from cse_portal.young_people.selectors import young_people_with_identity
from cse_portal.young_people.validators import normalise_postcode
from intelligence import services as intelligence_services
from intelligence.models import Origin, Scheme, SourceKind

from . import permissions, tally
from .models import (
    GRADES_GIVEN,
    AttemptMethod,
    AttemptOutcome,
    EpisodeStatus,
    InterviewAttempt,
    InterviewStatus,
    MissingEpisode,
    PhilomenaProfile,
    PoliceImport,
    ReturnInterview,
    ReturnMethod,
    RiskGrade,
    RiskGradeChange,
    TriggerFiring,
    TriggerRule,
)

SOURCE_APP = "missing"
#: How far in the future a typed time may be (clocks differ by a few minutes).
CLOCK_SLACK = timedelta(minutes=5)


def _now() -> datetime:
    return timezone.now()


def _check_past(value: datetime | None, field: str, label: str) -> None:
    if value is None:
        raise ValidationError({field: f"Enter {label}"})
    if timezone.is_naive(value):
        raise ValidationError({field: f"Enter {label} with its time zone"})
    if value > _now() + CLOCK_SLACK:
        raise ValidationError({field: f"{label[0].upper()}{label[1:]} cannot be in the future"})


def _check_indicators(codes: Iterable[str], field: str = "cse_indicators") -> list[str]:
    codes = list(dict.fromkeys(str(c) for c in codes or []))
    if not codes:
        return codes
    unknown = sorted(set(codes) - valid_indicator_codes())
    if unknown:
        raise ValidationError({field: f"Not indicators of the instrument: {', '.join(unknown)}"})
    return codes


def _site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} hours" if hours >= 1 else f"{delta.total_seconds() / 60:.0f} minutes"


# --- Reporting ------------------------------------------------------------------------------------


def _resolve_young_person(
    reported_by: User, details: dict[str, Any], *, confirmed_new: bool
) -> YoungPerson:
    """As referrals do: the one record with exactly this identity, silently (a reporter does not
    see it, the team does), or a new record. Anything fuzzier is never guessed."""
    given = (details.get("given_name") or "").strip()
    family = (details.get("family_name") or "").strip()
    born = details.get("date_of_birth")
    age = details.get("estimated_age")
    errors: dict[str, str] = {}
    if not given:
        errors["given_name"] = "Enter the young person's first name"
    if not family:
        errors["family_name"] = "Enter the young person's last name"
    if born is None and age in (None, ""):
        errors["date_of_birth"] = "Enter the date of birth, or an estimated age"
    if errors:
        raise ValidationError(errors)
    same = young_people_with_identity(given_name=given, family_name=family, date_of_birth=born)
    if confirmed_new:
        seen = set(
            permissions.young_people_to_report(reported_by)
            .filter(pk__in=[r.pk for r in same])
            .values_list("pk", flat=True)
        )
        same = [r for r in same if r.pk not in seen]
    if len(same) == 1:
        return same[0]
    return yp_services.young_person_create(
        created_by=reported_by,
        given_name=given,
        family_name=family,
        date_of_birth=born,
        estimated_age=None if born else age,
        postcode=normalise_postcode(details.get("postcode") or ""),
        looked_after=bool(details.get("looked_after")),
        source_app=SOURCE_APP,
    )


@transaction.atomic
def episode_report(
    *,
    reported_by: User,
    young_person: YoungPerson | None = None,
    young_person_details: dict[str, Any] | None = None,
    confirmed_new: bool = False,
    missing_since: datetime | None,
    last_seen: str,
    risk_grade: str,
    circumstances: str = "",
    clothing: str = "",
    reported_to_police_by: str = "",
    police_reference: str = "",
    looked_after: bool | None = None,
) -> MissingEpisode:
    """Report a child missing. The young person is a record the reporter may see (or cares for),
    or details from which the record is found or made. Raises "currently missing" on the record,
    writes the chronology, and runs the rules. The same report sent again by the same reporter
    (the young person, missing since the same moment, still open) returns the episode it made
    and writes nothing."""
    if not permissions.can_report(reported_by):
        raise PermissionDenied
    if (
        young_person is not None
        and not permissions.young_people_to_report(reported_by).filter(pk=young_person.pk).exists()
    ):
        raise ValidationError({"young_person": "Select a young person whose record you can see"})
    errors: dict[str, Any] = {}
    try:
        _check_past(missing_since, "missing_since", "when the young person went missing")
    except ValidationError as error:
        errors.update(error.message_dict)
    if not (last_seen or "").strip():
        errors["last_seen"] = ["Say where the young person was last seen"]
    if risk_grade not in GRADES_GIVEN:
        errors["risk_grade"] = [
            "Choose the police risk grade: no apparent risk, low, medium or high"
        ]
    if young_person is None and not young_person_details:
        errors["young_person"] = ["Choose the young person, or give their details"]
    if errors:
        raise ValidationError(errors)
    if young_person is None:
        young_person = _resolve_young_person(
            reported_by, young_person_details or {}, confirmed_new=confirmed_new
        )
    again = _same_report_open(reported_by, young_person, missing_since)
    if again is not None:
        return again  # the same report sent again (a double click, Back and send): one episode
    episode = MissingEpisode(
        young_person=young_person,
        missing_since=missing_since,
        last_seen=last_seen.strip(),
        circumstances=(circumstances or "").strip(),
        clothing=(clothing or "").strip(),
        reported_to_police_by=(reported_to_police_by or "").strip(),
        police_reference=(police_reference or "").strip().upper(),
        looked_after=young_person.looked_after if looked_after is None else looked_after,
        risk_grade=risk_grade,
        reported_by=reported_by,
    )
    episode.full_clean(exclude=MissingEpisode.REFERENCES)
    with tally.kept(young_person.pk):
        episode.save()
    RiskGradeChange.objects.create(
        episode=episode, grade=risk_grade, changed_by=reported_by, reason="Grade when reported"
    )
    audit_record(
        actor=reported_by,
        action=AuditAction.COLLECT,
        obj=episode,
        subject_id=young_person.pk,
        summary="Missing episode reported",
        detail={"risk_grade": risk_grade, "police_reference": episode.police_reference},
    )
    agency = reported_by.agency.name if reported_by.agency else "a professional"
    yp_services.chronology_add(
        young_person=young_person,
        title=f"Reported missing by {agency} ({episode.get_risk_grade_display()} risk)",
        detail=f"Last seen: {episode.last_seen}",
        source_app=SOURCE_APP,
        obj=episode,
        occurred_at=missing_since,
        recorded_by=reported_by,
    )
    currently_missing_raise(episode=episode, raised_by=reported_by)
    rules_apply(episode=episode, actor=reported_by)
    return episode


def _same_report_open(
    reporter: User, young_person: YoungPerson, missing_since: datetime | None
) -> MissingEpisode | None:
    """The reporter's own open episode of the young person missing since the same moment: the
    report sent again, not a new episode. The record is locked first, so of two copies sent at
    once the second waits for the first and then finds it."""
    YoungPerson.objects.select_for_update().filter(pk=young_person.pk).values_list("pk").first()
    return (
        MissingEpisode.objects.filter(
            young_person=young_person,
            reported_by=reporter,
            missing_since=missing_since,
            status=EpisodeStatus.MISSING,
        )
        .order_by("reported_at", "id")
        .first()
    )


def currently_missing_raise(*, episode: MissingEpisode, raised_by: User) -> None:
    """An open episode raises "currently missing" on the record (young_people's service; kept
    while any episode is open, taken down by the last return): whether it was reported on the
    page or through the API, or came open from the police import."""
    yp_services.flag_raise(
        young_person=episode.young_person,
        kind=FlagKind.CURRENTLY_MISSING,
        reason=f"Missing since {timezone.localtime(episode.missing_since):%d %b %Y %H:%M}",
        raised_by=raised_by,
        by_rule="missing: an open episode",
    )


@transaction.atomic
def episode_set_risk_grade(
    *, episode: MissingEpisode, grade: str, changed_by: User, reason: str = ""
) -> MissingEpisode:
    """Record the police's new risk grade, with who and when; the rules run again."""
    if not permissions.can_change_grade(changed_by, episode):
        raise PermissionDenied
    if grade not in GRADES_GIVEN:
        raise ValidationError(
            {"risk_grade": "Choose the police risk grade: no apparent risk, low, medium or high"}
        )
    if grade == episode.risk_grade:
        raise ValidationError({"risk_grade": "The episode already has this grade"})
    previous = episode.risk_grade
    episode.risk_grade = grade
    episode.full_clean(exclude=MissingEpisode.REFERENCES)
    episode.save(update_fields=["risk_grade"])
    change = RiskGradeChange(
        episode=episode,
        grade=grade,
        previous_grade=previous,
        reason=(reason or "").strip(),
        changed_by=changed_by,
    )
    change.full_clean()
    change.save()
    audit_record(
        actor=changed_by,
        action=AuditAction.ALTER,
        obj=episode,
        subject_id=episode.young_person_id,
        summary=f"Missing episode risk grade changed to {episode.get_risk_grade_display()}",
        justification=change.reason,
        detail={"from": previous, "to": grade},
    )
    yp_services.chronology_add(
        young_person=episode.young_person,
        title=f"Missing: risk grade changed to {episode.get_risk_grade_display()}",
        detail=change.reason,
        source_app=SOURCE_APP,
        obj=episode,
        recorded_by=changed_by,
    )
    rules_apply(episode=episode, actor=changed_by)
    return episode


ALREADY_RETURNED = "The return has already been recorded"
RETURN_FIELDS = (
    "status",
    "returned_at",
    "found_location",
    "found_with",
    "return_method",
    "cse_indicators",
    "returned_recorded_by",
)


@transaction.atomic
def episode_return(
    *,
    episode: MissingEpisode,
    returned_by: User,
    returned_at: datetime | None,
    found_location: dict[str, Any] | None = None,
    found_with: str = "",
    return_method: str = "",
    cse_indicators: Iterable[str] = (),
    police_import: PoliceImport | None = None,
) -> MissingEpisode:
    """The child is found or has come back: where (a location, the entity intelligence uses),
    with whom, how, and the CSE indicators seen. The duration is computed. A return home
    interview falls due ``MISSING_INTERVIEW_HOURS`` after the return; the rules run (during the
    run of ``police_import``, its summary tells the team managers: see ``rules_apply``).

    The episode is written only if it is still open in the database: a return already recorded
    (the form sent twice, two people at once) is refused with a message, never recorded twice."""
    if not permissions.can_record_return(returned_by, episode):
        raise PermissionDenied
    errors: dict[str, Any] = {}
    try:
        _check_past(returned_at, "returned_at", "when the young person came back")
    except ValidationError as error:
        errors.update(error.message_dict)
    if returned_at is not None and returned_at < episode.missing_since:
        errors["returned_at"] = ["The return cannot be before the young person went missing"]
    if return_method and return_method not in ReturnMethod.values:
        errors["return_method"] = ["Choose how the young person came back"]
    try:
        indicators = _check_indicators(cse_indicators)
    except ValidationError as error:
        errors.update(error.message_dict)
    location = None
    if found_location and any(str(v or "").strip() for v in found_location.values()):
        try:
            location = intelligence_services.location_find_or_create(
                actor=returned_by,
                name=found_location.get("name") or "",
                address=found_location.get("address") or "",
                postcode=found_location.get("postcode") or "",
            )
        except ValidationError as error:
            errors.update({f"found_{k}": v for k, v in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    episode.status = EpisodeStatus.RETURNED
    episode.returned_at = returned_at
    episode.found_location = location
    episode.found_with = (found_with or "").strip()
    episode.return_method = return_method or ReturnMethod.NOT_KNOWN
    episode.cse_indicators = indicators
    episode.returned_recorded_by = returned_by
    # The constraints a return touches are the checks above (a return time, not before the
    # episode began, with the status returned): each constraint checked again is a query, and
    # the database holds them all anyway.
    episode.full_clean(exclude=MissingEpisode.REFERENCES, validate_constraints=False)
    # One conditional UPDATE: a second return waits for the first's row lock, then finds the
    # episode no longer open and writes nothing.
    written = MissingEpisode.objects.filter(pk=episode.pk, status=EpisodeStatus.MISSING).update(
        **{name: getattr(episode, name) for name in RETURN_FIELDS}
    )
    if not written:
        raise ValidationError(ALREADY_RETURNED)
    interview = ReturnInterview(
        episode=episode,
        young_person=episode.young_person,
        due_at=interview_due_at(returned_at),
    )
    # The episode and record are in hand, an open episode has no interview yet (its return
    # makes the one it has), and a new interview is due, which is all its constraints ask; its
    # id is a new random UUID (looking it up first would be a query a return).
    interview.full_clean(exclude=["id", "episode", "young_person"], validate_constraints=False)
    interview.save()
    audit_record(
        actor=returned_by,
        action=AuditAction.ALTER,
        obj=episode,
        subject_id=episode.young_person_id,
        summary="Return from missing recorded",
        detail={"duration_hours": episode.duration_hours, "cse_indicators": indicators},
    )
    found = f" Found at {location.label}." if location else ""
    yp_services.chronology_add(
        young_person=episode.young_person,
        title=f"Returned after being missing {_hours(episode.duration)}",
        detail=f"{episode.get_return_method_display()}.{found}",
        source_app=SOURCE_APP,
        obj=episode,
        occurred_at=returned_at,
        recorded_by=returned_by,
    )
    flag = episode.young_person.flags.filter(
        kind=FlagKind.CURRENTLY_MISSING, removed_at__isnull=True
    ).first()
    still_missing = (
        flag is not None
        and MissingEpisode.objects.filter(
            young_person=episode.young_person, status=EpisodeStatus.MISSING
        ).exists()
    )
    if flag is not None and not still_missing:
        yp_services.flag_remove(
            flag=flag,
            removed_by=returned_by,
            reason="Returned from missing",
            by_rule="missing: no open episode",
        )
    rules_apply(episode=episode, actor=returned_by, police_import=police_import)
    return episode


@transaction.atomic
def episode_return_time_correct(
    *,
    episode: MissingEpisode,
    returned_at: datetime,
    corrected_by: User,
    reason: str,
    police_import: PoliceImport | None = None,
) -> MissingEpisode:
    """The time of a recorded return corrected (the police's later report of it): the duration
    follows, and an interview still due moves its deadline with it; one already held or declined
    keeps its record. The rules run again (the episode may now be long)."""
    if not permissions.can_change_grade(corrected_by, episode):
        raise PermissionDenied
    if episode.is_open:
        raise ValidationError({"returned_at": "The young person has not been recorded as back"})
    _check_past(returned_at, "returned_at", "when the young person came back")
    if returned_at < episode.missing_since:
        raise ValidationError(
            {"returned_at": "The return cannot be before the young person went missing"}
        )
    previous = episode.returned_at
    episode.returned_at = returned_at
    episode.full_clean(exclude=MissingEpisode.REFERENCES)
    episode.save(update_fields=["returned_at"])
    interview = ReturnInterview.objects.filter(episode=episode, status=InterviewStatus.DUE).first()
    if interview is not None:
        interview.due_at = interview_due_at(returned_at)
        interview.save(update_fields=["due_at"])
    audit_record(
        actor=corrected_by,
        action=AuditAction.ALTER,
        obj=episode,
        subject_id=episode.young_person_id,
        summary="Return time corrected",
        justification=reason,
        detail={
            "from": previous.isoformat() if previous else None,
            "to": returned_at.isoformat(),
            "interview_due_moved": interview is not None,
        },
    )
    yp_services.chronology_add(
        young_person=episode.young_person,
        title=f"Return time corrected: missing {_hours(episode.duration)}",
        detail=reason,
        source_app=SOURCE_APP,
        obj=episode,
        occurred_at=returned_at,
        recorded_by=corrected_by,
    )
    rules_apply(episode=episode, actor=corrected_by, police_import=police_import)
    return episode


def interview_due_at(returned_at: datetime) -> datetime:
    """``MISSING_INTERVIEW_HOURS`` elapsed hours after the return: aware arithmetic, so a clock
    change in between neither gains nor loses the child an hour."""
    return returned_at.astimezone(UTC) + timedelta(hours=settings.MISSING_INTERVIEW_HOURS)


# --- The rules ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fired:
    rule: str
    reason: str


def _repeat(episode: MissingEpisode, now: datetime) -> str | None:
    count, days = settings.MISSING_RULE_REPEAT_COUNT, settings.MISSING_RULE_REPEAT_DAYS
    if not count:
        return None
    window_start = episode.missing_since - timedelta(days=days)
    recent = MissingEpisode.objects.filter(
        young_person=episode.young_person_id,
        missing_since__gte=window_start,
        missing_since__lte=episode.missing_since,
    ).count()
    if recent >= count:
        return f"{recent} missing episodes in {days} days (the rule is {count})"
    return None


def _interview_of(episode: MissingEpisode) -> ReturnInterview | None:
    """The episode's return home interview, if it has one. Through the one-to-one accessor, so
    the interview a return has just made (or the one being completed) is read from memory, not
    queried again: once a return, and once more when a rule fires."""
    try:
        return episode.interview
    except ReturnInterview.DoesNotExist:
        return None


def _cse_indicators(episode: MissingEpisode, now: datetime) -> str | None:
    if not settings.MISSING_RULE_CSE_INDICATORS:
        return None
    codes = list(episode.cse_indicators)
    interview = _interview_of(episode)
    if interview is not None:
        codes += [c for c in interview.cse_indicators if c not in codes]
    if codes:
        return f"CSE indicators seen: {', '.join(codes)}"
    return None


def _high_risk(episode: MissingEpisode, now: datetime) -> str | None:
    if settings.MISSING_RULE_HIGH_RISK and episode.risk_grade == RiskGrade.HIGH:
        return "Graded high risk by the police"
    return None


def _long(episode: MissingEpisode, now: datetime) -> str | None:
    hours = settings.MISSING_RULE_LONG_HOURS
    duration = (episode.returned_at or now).astimezone(UTC) - episode.missing_since.astimezone(UTC)
    if hours and duration >= timedelta(hours=hours):
        state = "was" if episode.returned_at else "has been"
        return f"Missing over {hours} hours ({state} missing {_hours(duration)})"
    return None


RULES = {
    TriggerRule.REPEAT: _repeat,
    TriggerRule.CSE_INDICATORS: _cse_indicators,
    TriggerRule.HIGH_RISK: _high_risk,
    TriggerRule.LONG: _long,
}


def rules_due(episode: MissingEpisode, now: datetime | None = None) -> list[Fired]:
    """The rules that hold for ``episode`` now (whether or not they already fired)."""
    fired = []
    for rule, check in RULES.items():
        reason = check(episode, now or _now())
        if reason:
            fired.append(Fired(rule=rule, reason=reason))
    return fired


def rules_apply(
    *,
    episode: MissingEpisode,
    actor: User | None,
    now: datetime | None = None,
    police_import: PoliceImport | None = None,
) -> list[Fired]:
    """Fire each rule that holds and has not fired for this episode: the "repeat missing" flag
    with the reasons, a CSE risk assessment requested (added to the young person's open request
    if there is one), and the team managers told through the outbox (sent by Celery after
    commit; nothing is lost if the broker is down). Imported episodes are judged like reported
    ones, however long ago they were: a return from the police is a return.

    During the run of ``police_import`` the firings are marked with it and no email is queued for
    the episode: the run queues one summary at its end (``import_rules_summary_queue``), so a
    historic file does not send the team managers an email an episode."""
    already = set(TriggerFiring.objects.filter(episode=episode).values_list("rule", flat=True))
    new = [f for f in rules_due(episode, now) if f.rule not in already]
    if not new:
        return []
    for fired in new:
        TriggerFiring.objects.create(
            episode=episode, rule=fired.rule, reason=fired.reason, police_import=police_import
        )
    reasons = "; ".join(f.reason for f in new)
    rule_names = ", ".join(TriggerRule(f.rule).label.lower() for f in new)
    young_person = episode.young_person
    yp_services.flag_raise(
        young_person=young_person,
        kind=FlagKind.REPEAT_MISSING,
        reason=reasons,
        raised_by=actor,
        by_rule=f"missing: {rule_names}",
    )
    interview = _interview_of(episode)
    seen = list(episode.cse_indicators) + (list(interview.cse_indicators) if interview else [])
    signed_in = actor is not None and getattr(actor, "is_authenticated", False)
    assessment_request(
        young_person=young_person,
        requested_by=actor if signed_in else None,
        reason=f"Missing from home or care: {reasons}",
        source_app=SOURCE_APP,
        source_object=episode,
        suggested_indicators=seen,
    )
    if police_import is not None:
        return new
    link = _site_url(reverse("missing:episode", kwargs={"pk": episode.pk}))
    notification_queue(
        key=f"missing:{episode.pk}:{'+'.join(sorted(f.rule for f in new))}",
        recipient_role=Role.TEAM_MANAGER,
        subject=f"Missing episode: {rule_names}",
        body=(
            f"A missing episode meets the rules for {rule_names}. The repeat missing flag is "
            "raised and a CSE risk assessment has been requested.\n\n"
            f"Open it in the CSE portal: {link}\n\n"
            "This email holds no personal details. Sign in to read the episode."
        ),
    )
    return new


def import_rules_summary_queue(*, police_import: PoliceImport) -> Notification | None:
    """At the end of an import's run: one email to the team managers saying how many of the
    run's episodes met the rules, for how many young people, with a link to the import (no
    personal details). Keyed by the import, so a retried run queues nothing more; a run whose
    episodes met no rule queues nothing."""
    firings = TriggerFiring.objects.filter(police_import=police_import)
    episodes = firings.values("episode").distinct().count()
    if not episodes:
        return None
    young_people = firings.values("episode__young_person").distinct().count()
    link = _site_url(reverse("missing:import", kwargs={"pk": police_import.pk}))
    episode_words = "episode" if episodes == 1 else "episodes"
    people_words = "young person" if young_people == 1 else "young people"
    return notification_queue(
        key=f"missing-import:{police_import.pk}",
        recipient_role=Role.TEAM_MANAGER,
        subject=f"Police import: {episodes} missing {episode_words} met the rules",
        body=(
            f"{episodes} {episode_words} in this import met the rules for {young_people} "
            f"{people_words}. The repeat missing flag is raised and a CSE risk assessment is "
            "requested for each young person (one open request each, with every reason).\n\n"
            f"Open the import in the CSE portal: {link}\n\n"
            "This email holds no personal details. Sign in to read the episodes."
        ),
    )


def long_episodes_check(*, now: datetime | None = None) -> int:
    """Celery beat: open episodes that have passed the long-episode rule fire it without waiting
    for the return. Returns how many fired."""
    hours = settings.MISSING_RULE_LONG_HOURS
    if not hours:
        return 0
    now = now or _now()
    cutoff = now - timedelta(hours=hours)
    fired = 0
    open_long = MissingEpisode.objects.filter(
        status=EpisodeStatus.MISSING, missing_since__lte=cutoff
    ).exclude(firings__rule=TriggerRule.LONG)
    for pk in open_long.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            episode = MissingEpisode.objects.select_related("young_person").get(pk=pk)
            fired += bool(rules_apply(episode=episode, actor=None, now=now))
    return fired


# --- Return home interviews -----------------------------------------------------------------------


@transaction.atomic
def interview_assign(
    *,
    interview: ReturnInterview,
    assigned_by: User,
    agency: Agency,
    interviewer: User,
    independence_note: str = "",
) -> bool:
    """Choose the independent person: a user of the chosen agency. A practitioner allocated to
    the young person is not independent; choosing one needs the reason written down. Whether
    anything changed is returned: the same choice again writes and audits nothing."""
    if not permissions.can_assign_interview(assigned_by):
        raise PermissionDenied
    if interview.status != InterviewStatus.DUE:
        raise ValidationError("This interview has already been recorded")
    if interviewer.agency_id != agency.pk or not interviewer.is_active:
        raise ValidationError({"interviewer": "Choose someone who works for the chosen agency"})
    if not interviewer.has_role(*permissions.INTERVIEWER_ROLES):
        raise ValidationError({"interviewer": "Choose someone whose role includes interviewing"})
    independent = permissions.interviewer_choices(agency, interview.young_person)
    note = (independence_note or "").strip()
    if not independent.filter(pk=interviewer.pk).exists() and not note:
        raise ValidationError(
            {
                "independence_note": (
                    "This person is allocated to the young person, so not independent: say why "
                    "they should interview"
                )
            }
        )
    if (interview.agency_id, interview.interviewer_id, interview.independence_note) == (
        agency.pk,
        interviewer.pk,
        note,
    ):
        return False  # chosen already (a second click, a form sent again): nothing to record
    interview.agency = agency
    interview.interviewer = interviewer
    interview.independence_note = note
    interview.full_clean()
    interview.save(update_fields=["agency", "interviewer", "independence_note"])
    audit_record(
        actor=assigned_by,
        action=AuditAction.PERMISSION_CHANGE,
        obj=interview,
        subject_id=interview.young_person_id,
        summary=f"Return home interview given to {interviewer.get_username()}",
        justification=note,
        detail={"agency": agency.name, "interviewer": interviewer.get_username()},
    )
    yp_services.chronology_add(
        young_person=interview.young_person,
        title=f"Return home interview to be offered by {agency.name}",
        source_app=SOURCE_APP,
        obj=interview,
        recorded_by=assigned_by,
    )
    return True


ALREADY_RECORDED = "The return home interview has already been recorded"
ALREADY_SHARED = "The findings have already been shared as intelligence"


def _lock_interview(interview: ReturnInterview) -> None:
    """Lock the interview until the transaction ends and read again what says whether it may
    still be recorded or shared: of two submissions at once (a double click, two people) the
    second waits for the first and then finds it done."""
    fresh = (
        ReturnInterview.objects.select_for_update(of=("self",))
        .filter(pk=interview.pk)
        .values("status", "intelligence_item_id")
        .first()
    )
    if fresh is not None:
        interview.status = fresh["status"]
        interview.intelligence_item_id = fresh["intelligence_item_id"]


def _check_may_record(user: User, interview: ReturnInterview) -> None:
    _lock_interview(interview)
    if interview.status != InterviewStatus.DUE:
        raise ValidationError(ALREADY_RECORDED)
    if not permissions.can_record_interview(user, interview):
        raise PermissionDenied


@transaction.atomic
def interview_attempt_add(
    *,
    interview: ReturnInterview,
    recorded_by: User,
    attempted_at: datetime | None,
    method: str,
    outcome: str,
    note: str = "",
) -> InterviewAttempt:
    """One try at reaching the child: when, how and what happened. The same attempt sent again
    by the same person (a double click, Back and send) is the one already recorded: nothing is
    written or audited twice (the interview is locked, so two copies at once are one too)."""
    _check_may_record(recorded_by, interview)
    errors: dict[str, Any] = {}
    try:
        _check_past(attempted_at, "attempted_at", "when you tried")
    except ValidationError as error:
        errors.update(error.message_dict)
    if method not in AttemptMethod.values:
        errors["method"] = ["Choose how you tried to reach the young person"]
    if outcome not in AttemptOutcome.values:
        errors["outcome"] = ["Choose what happened"]
    if errors:
        raise ValidationError(errors)
    note = (note or "").strip()
    again = InterviewAttempt.objects.filter(
        interview=interview,
        recorded_by=recorded_by,
        attempted_at=attempted_at,
        method=method,
        outcome=outcome,
        note=note,
    ).first()
    if again is not None:
        return again
    attempt = InterviewAttempt(
        interview=interview,
        attempted_at=attempted_at,
        method=method,
        outcome=outcome,
        note=note,
        recorded_by=recorded_by,
    )
    attempt.full_clean()
    attempt.save()
    audit_record(
        actor=recorded_by,
        action=AuditAction.ALTER,
        obj=interview,
        subject_id=interview.young_person_id,
        summary=f"Interview attempt: {attempt.get_outcome_display()}",
    )
    return attempt


INTERVIEW_FIELDS = (
    "location_held",
    "where_been",
    "with_whom",
    "travel",
    "push_factors",
    "pull_factors",
    "harm_disclosed",
    "child_wishes",
    "child_words",
)


def _finish(interview: ReturnInterview, user: User, at: datetime, summary: str) -> None:
    interview.completed_at = at
    interview.completed_by = user
    interview.full_clean()
    interview.save()
    audit_record(
        actor=user,
        action=AuditAction.ALTER,
        obj=interview,
        subject_id=interview.young_person_id,
        summary=summary,
        detail={"within_72_hours": interview.within_72_hours},
    )
    in_time = "within" if interview.within_72_hours else "after"
    yp_services.chronology_add(
        young_person=interview.young_person,
        title=f"{summary} ({in_time} {settings.MISSING_INTERVIEW_HOURS} hours)",
        source_app=SOURCE_APP,
        obj=interview,
        occurred_at=at,
        recorded_by=user,
    )


@transaction.atomic
def interview_complete(
    *,
    interview: ReturnInterview,
    recorded_by: User,
    held_at: datetime | None,
    cse_indicators: Iterable[str] = (),
    **fields: str,
) -> ReturnInterview:
    """The interview as held: where, where the child had been, with whom, how they got there and
    back, push and pull factors, harm disclosed, CSE indicators, what the child wants and their
    own words. CSE indicators run the rules."""
    _check_may_record(recorded_by, interview)
    unknown = set(fields) - set(INTERVIEW_FIELDS)
    if unknown:
        raise TypeError(f"unknown interview fields: {sorted(unknown)}")
    errors: dict[str, Any] = {}
    try:
        _check_past(held_at, "held_at", "when the interview was held")
    except ValidationError as error:
        errors.update(error.message_dict)
    returned_at = interview.episode.returned_at
    if held_at is not None and returned_at is not None and held_at < returned_at:
        errors["held_at"] = ["The interview cannot be before the young person came back"]
    values = {name: (fields.get(name) or "").strip() for name in INTERVIEW_FIELDS}
    if not values["location_held"]:
        errors["location_held"] = ["Say where the interview was held"]
    if not values["where_been"]:
        errors["where_been"] = ["Say where the young person had been, or that they did not say"]
    try:
        indicators = _check_indicators(cse_indicators)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    for name, value in values.items():
        setattr(interview, name, value)
    interview.cse_indicators = indicators
    interview.held_at = held_at
    interview.status = InterviewStatus.DONE
    _finish(interview, recorded_by, held_at, "Return home interview held")
    rules_apply(episode=interview.episode, actor=recorded_by)
    return interview


@transaction.atomic
def interview_decline(
    *,
    interview: ReturnInterview,
    recorded_by: User,
    declined_at: datetime | None,
    reason: str,
    carers_offered: bool,
    carers_information: str = "",
) -> ReturnInterview:
    """The child declined: the carers must have been offered the chance to give information."""
    _check_may_record(recorded_by, interview)
    errors: dict[str, Any] = {}
    try:
        _check_past(declined_at, "declined_at", "when the young person declined")
    except ValidationError as error:
        errors.update(error.message_dict)
    if not (reason or "").strip():
        errors["declined_reason"] = ["Say what the young person said, or why it was declined"]
    if not carers_offered:
        errors["carers_offered"] = [
            "Offer the parents or carers the chance to give information, then record it"
        ]
    if errors:
        raise ValidationError(errors)
    interview.status = InterviewStatus.DECLINED
    interview.declined_reason = reason.strip()
    interview.carers_offered = True
    interview.carers_information = (carers_information or "").strip()
    _finish(interview, recorded_by, declined_at, "Return home interview declined")
    return interview


@transaction.atomic
def interview_share_findings(
    *,
    interview: ReturnInterview,
    shared_by: User,
    content: str,
    subjects: list[dict[str, Any]],
    source_evaluation: str = "C",
    intelligence_evaluation: str = "2",
    handling_code: str = "2",
    handling_conditions: str = "",
    priority: str = "medium",
) -> Any:
    """What the interview found about places, people, vehicles and phones becomes intelligence in
    one action: a graded return-interview debrief linked to the young person, on the analyst's
    desk, its subjects found or created as entities (so the VOL picture and the pattern alerts
    see them). Once per interview."""
    _lock_interview(interview)
    if interview.intelligence_item_id is not None:
        raise ValidationError(ALREADY_SHARED)
    if not permissions.can_share_findings(shared_by, interview):
        raise PermissionDenied
    young_person = interview.young_person
    child = {"kind": "person", "role": "young_person_at_risk", "young_person": young_person}
    item = intelligence_services.item_submit(
        actor=shared_by,
        scheme=Scheme.FIVE_BY_FIVE,
        source_evaluation=source_evaluation,
        intelligence_evaluation=intelligence_evaluation,
        handling_code=handling_code,
        handling_conditions=handling_conditions,
        priority=priority,
        obtained_at=interview.held_at,
        content=content,
        source_kind=SourceKind.NAMED_THIRD_PARTY,
        source_description="The young person, at a return home interview",
        subjects=[child, *subjects],
        origin=Origin.RETURN_INTERVIEW,
        origin_reference=str(interview.pk),
        young_person=young_person,
    )
    interview.intelligence_item = item
    interview.save(update_fields=["intelligence_item"])
    audit_record(
        actor=shared_by,
        action=AuditAction.ALTER,
        obj=interview,
        subject_id=young_person.pk,
        summary=f"Return interview findings shared as intelligence {item.reference}",
    )
    return item


# --- Carers and Philomena profiles ----------------------------------------------------------------


def _profile_of(young_person: YoungPerson) -> PhilomenaProfile:
    profile, _ = PhilomenaProfile.objects.get_or_create(young_person=young_person)
    return profile


@transaction.atomic
def profile_start(*, young_person: YoungPerson, started_by: User) -> PhilomenaProfile:
    """The young person's profile (made empty when there is none)."""
    if not permissions.can_name_carer(started_by, young_person):
        raise PermissionDenied
    return _profile_of(young_person)


@transaction.atomic
def carer_name(*, young_person: YoungPerson, carer: User, named_by: User) -> PhilomenaProfile:
    """Name ``carer`` (a frontline user) carer of one young person: they keep the profile and may
    report the child missing, and see nothing else of the record."""
    if not permissions.can_name_carer(named_by, young_person):
        raise PermissionDenied
    if not permissions.can_be_carer(carer):
        raise ValidationError({"carer": "A carer is an active frontline user"})
    profile = _profile_of(young_person)
    if permissions.carers_of(profile).filter(pk=carer.pk).exists():
        return profile
    permissions.grant_carer(carer, profile)
    audit_record(
        actor=named_by,
        action=AuditAction.PERMISSION_CHANGE,
        obj=profile,
        subject_id=young_person.pk,
        summary=f"{carer.get_username()} named carer (Philomena profile)",
        detail={"carer": carer.get_username()},
    )
    yp_services.chronology_add(
        young_person=young_person,
        title=f"{carer.get_full_name() or carer.get_username()} named carer",
        source_app=SOURCE_APP,
        obj=profile,
        recorded_by=named_by,
    )
    return profile


@transaction.atomic
def carer_revoke(*, profile: PhilomenaProfile, carer: User, revoked_by: User, reason: str) -> None:
    if not permissions.can_name_carer(revoked_by, profile.young_person):
        raise PermissionDenied
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why this carer no longer keeps the profile"})
    permissions.revoke_carer(carer, profile)
    audit_record(
        actor=revoked_by,
        action=AuditAction.PERMISSION_CHANGE,
        obj=profile,
        subject_id=profile.young_person_id,
        summary=f"{carer.get_username()} no longer carer (Philomena profile)",
        justification=reason.strip(),
        detail={"carer": carer.get_username()},
    )
    yp_services.chronology_add(
        young_person=profile.young_person,
        title=f"{carer.get_full_name() or carer.get_username()} no longer named carer",
        detail=reason.strip(),
        source_app=SOURCE_APP,
        obj=profile,
        recorded_by=revoked_by,
    )


PROFILE_FIELDS = (
    "physical_description",
    "friends_associates",
    "places_frequented",
    "phones_social_media",
    "vehicles_seen",
    "medical_needs",
    "medication",
    "review_date",
)


@transaction.atomic
def profile_update(*, profile: PhilomenaProfile, updated_by: User, **fields: Any) -> list[str]:
    """Change the profile's details; the names of the fields that changed are returned. A save
    that changes nothing writes nothing and audits nothing (an empty list: "Nothing changed")."""
    if not permissions.can_edit_profile(updated_by, profile):
        raise PermissionDenied
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown profile fields: {sorted(unknown)}")
    values = {
        name: value.strip() if isinstance(value, str) else value for name, value in fields.items()
    }
    changed = [
        name for name in PROFILE_FIELDS if name in values and values[name] != getattr(profile, name)
    ]
    if not changed:
        return []
    for name in changed:
        setattr(profile, name, values[name])
    review = values.get("review_date")
    if isinstance(review, date) and review < timezone.localdate():
        raise ValidationError({"review_date": "The review date must be today or later"})
    profile.updated_at = _now()
    profile.updated_by = updated_by
    profile.full_clean()
    profile.save()
    audit_record(
        actor=updated_by,
        action=AuditAction.ALTER,
        obj=profile,
        subject_id=profile.young_person_id,
        summary="Philomena profile updated",
        detail={"fields": changed},
    )
    return changed


def photo_dir() -> Path:
    return Path(settings.MISSING_PRIVATE_DIR) / "photos"


def photo_path(profile: PhilomenaProfile) -> Path | None:
    return photo_dir() / profile.photo_file if profile.photo_file else None


def _clean_photo(upload: Any) -> tuple[bytes, str]:
    """The photo re-encoded from its pixels (so no metadata, EXIF location included, survives),
    if its content is a JPEG or PNG within the size limit; else a ``ValidationError``."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    limit = settings.MISSING_PHOTO_MAX_BYTES
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError({"photo": f"The photo must be smaller than {limit // 1_000_000} MB"})
    if not data:
        raise ValidationError({"photo": "The selected file is empty"})
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()
        if kind not in {"JPEG", "PNG"}:
            raise ValidationError({"photo": "The photo must be a JPG or PNG"})
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > settings.MISSING_PHOTO_MAX_PIXELS:
            raise ValidationError({"photo": "The photo has too many pixels: make it smaller"})
        image.load()
        image = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError({"photo": "The photo must be a JPG or PNG"}) from None
    out = io.BytesIO()
    if kind == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=90)
        return out.getvalue(), "image/jpeg"
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    clean.save(out, "PNG")
    return out.getvalue(), "image/png"


@transaction.atomic
def profile_photo_set(
    *, profile: PhilomenaProfile, uploaded_by: User, upload: Any, taken_on: date | None = None
) -> PhilomenaProfile:
    """A recent photo: JPEG or PNG by content (not name), size-limited, its metadata stripped,
    stored outside the web root and served only through the access funnel."""
    if not permissions.can_edit_profile(uploaded_by, profile):
        raise PermissionDenied
    if taken_on is not None and taken_on > timezone.localdate():
        raise ValidationError(
            {"photo_taken_on": "The date the photo was taken must be in the past"}
        )
    data, content_type = _clean_photo(upload)
    old = photo_path(profile)
    name = f"{uuid.uuid4().hex}.{'jpg' if content_type == 'image/jpeg' else 'png'}"
    folder = photo_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    transaction.on_commit(lambda: old.unlink(missing_ok=True) if old else None)
    profile.photo_file = name
    profile.photo_content_type = content_type
    profile.photo_taken_on = taken_on
    profile.photo_uploaded_at = _now()
    profile.updated_at = profile.photo_uploaded_at
    profile.updated_by = uploaded_by
    profile.save()
    audit_record(
        actor=uploaded_by,
        action=AuditAction.ALTER,
        obj=profile,
        subject_id=profile.young_person_id,
        summary="Philomena profile photo replaced" if old else "Philomena profile photo added",
    )
    return profile


@transaction.atomic
def profile_send_to_police(
    *,
    profile: PhilomenaProfile,
    sent_by: User,
    recipient: str,
    police_reference: str,
    render: Any,
) -> bytes:
    """The one-page PDF for the police, rendered by ``render()`` (``missing.pdf``), its
    disclosure recorded with the recipient and the police reference."""
    if not permissions.can_edit_profile(sent_by, profile):
        raise PermissionDenied
    errors = {}
    if not (recipient or "").strip():
        errors["recipient"] = "Say who it is going to: the officer or the police team"
    if not (police_reference or "").strip():
        errors["police_reference"] = "Enter the police reference of the missing report"
    if errors:
        raise ValidationError(errors)
    pdf = render()
    audit_record(
        actor=sent_by,
        action=AuditAction.DISCLOSE,
        obj=profile,
        subject_id=profile.young_person_id,
        summary="Philomena profile sent to police",
        recipients=[recipient.strip()],
        detail={"police_reference": police_reference.strip().upper()},
    )
    yp_services.chronology_add(
        young_person=profile.young_person,
        title="Philomena profile sent to police",
        detail=f"To {recipient.strip()}, reference {police_reference.strip().upper()}",
        source_app=SOURCE_APP,
        obj=profile,
        recorded_by=sent_by,
    )
    return pdf


# --- Merging records ------------------------------------------------------------------------------


def young_person_merged(
    *, survivor: YoungPerson, duplicate: YoungPerson, merged_by: User
) -> dict[str, int]:
    """Merge hook: episodes and interviews move; a profile moves unless the survivor has one (two
    carers' profiles are never silently combined: the merge is refused until one is chosen)."""
    with tally.kept(survivor.pk, duplicate.pk):
        episodes_moved = MissingEpisode.objects.filter(young_person=duplicate).update(
            young_person=survivor
        )
    moved = {
        MissingEpisode._meta.label_lower: episodes_moved,
        ReturnInterview._meta.label_lower: ReturnInterview.objects.filter(
            young_person=duplicate
        ).update(young_person=survivor),
    }
    duplicate_profile = PhilomenaProfile.objects.filter(young_person=duplicate).first()
    if duplicate_profile is not None:
        if PhilomenaProfile.objects.filter(young_person=survivor).exists():
            raise ValidationError(
                "Both records have a Philomena profile: ask the carers which is current and "
                "remove the other's details before merging"
            )
        duplicate_profile.young_person = survivor
        duplicate_profile.save(update_fields=["young_person"])
        moved[PhilomenaProfile._meta.label_lower] = 1
    return moved
