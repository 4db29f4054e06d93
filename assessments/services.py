"""Every write to assessments: keyword-only functions, one transaction each, that check the rule,
write, and record the audit and chronology entries."""

from __future__ import annotations

from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from cse_portal.accounts.models import Agency, User
from cse_portal.audit.models import AuditAction
from cse_portal.audit.services import audit_list_read, audit_record
from cse_portal.young_people.models import FlagKind, RiskLevel, YoungPerson
from cse_portal.young_people.services import (
    chronology_add,
    flag_raise,
    involvement_open,
    partner_offer_make,
    young_person_set_risk_level,
)

from . import permissions
from .instrument import LEVEL_ORDER, level_rank
from .models import (
    ActionKind,
    Assessment,
    AssessmentAction,
    AssessmentRequest,
    AssessmentStatus,
    Instrument,
    InstrumentStatus,
    RequestStatus,
)

SOURCE_APP = "assessments"


@transaction.atomic
def assessment_request(
    *,
    young_person: YoungPerson,
    requested_by: User | None,
    reason: str,
    source_app: str,
    source_object: models.Model | None = None,
) -> AssessmentRequest:
    """Ask the team for a CSE risk assessment of ``young_person`` (referral triage, a missing
    return...). The request shows in the team's list of assessments to do until an assessment of
    the young person is approved."""
    request = AssessmentRequest(
        young_person=young_person,
        requested_by=requested_by,
        reason=reason.strip(),
        source_app=source_app,
        source_object_type=source_object._meta.label_lower if source_object is not None else "",
        source_object_id=str(source_object.pk) if source_object is not None else "",
    )
    request.full_clean()
    request.save()
    detail: dict[str, Any] = {"source_app": source_app}
    if source_object is not None:
        detail["source"] = f"{request.source_object_type}:{request.source_object_id}"
    audit_record(
        actor=requested_by,
        action=AuditAction.ALTER,
        obj=request,
        subject_id=young_person.pk,
        summary="CSE risk assessment requested",
        justification=request.reason,
        detail=detail,
    )
    chronology_add(
        young_person=young_person,
        title="CSE risk assessment requested",
        detail=request.reason,
        source_app=source_app,
        obj=request,
        recorded_by=requested_by,
    )
    return request


# --- Instruments ---------------------------------------------------------------------------------


@transaction.atomic
def instrument_publish(*, instrument: Instrument, published_by: User) -> Instrument:
    """Publish a draft version: from now on new assessments use it. Older assessments keep the
    version they were made with; a published version is never changed."""
    if not permissions.can_publish_instrument(published_by):
        raise PermissionDenied
    if instrument.is_published:
        raise ValidationError("This version is already published.")
    instrument.full_clean()
    instrument.status = InstrumentStatus.PUBLISHED
    instrument.published_at = timezone.now()
    instrument.published_by = published_by
    instrument.save(update_fields=["status", "published_at", "published_by"])
    audit_record(
        actor=published_by,
        action=AuditAction.ALTER,
        obj=instrument,
        summary=f"Risk assessment instrument published: {instrument}",
    )
    return instrument


# --- Assessments ---------------------------------------------------------------------------------


def _check_answers(instrument: Instrument, answers: dict[str, str]) -> dict[str, str]:
    items = instrument.parsed.items
    errors = []
    clean: dict[str, str] = {}
    for code, value in answers.items():
        item = items.get(code)
        if item is None:
            errors.append(f"{code} is not an item of this instrument")
        elif value in (None, ""):
            continue
        elif item.option(str(value)) is None:
            errors.append(f"{code}: {value!r} is not one of its answer options")
        else:
            clean[code] = str(value)
    if errors:
        raise ValidationError({"answers": errors})
    return clean


def _score(assessment: Assessment) -> None:
    """Score with the assessment's own instrument and its recorded age and learning disability."""
    result = assessment.instrument.parsed.score(
        assessment.answers,
        age=assessment.age_at_assessment,
        learning_disability=assessment.learning_disability,
    )
    assessment.score = result.score
    assessment.calculated_level = result.calculated_level
    assessment.floor_applied = result.floor_applied
    assessment.social_care_referral = result.social_care_referral
    if assessment.judgement_level == assessment.calculated_level:
        # The judgement now agrees with the score: nothing left to justify.
        assessment.judgement_level = ""
        assessment.judgement_rationale = ""
    assessment.level = assessment.judgement_level or assessment.calculated_level


def _check_judgement(assessment: Assessment) -> None:
    definition = assessment.instrument.parsed
    floored = definition.floor_applies(
        age=assessment.age_at_assessment, learning_disability=assessment.learning_disability
    )
    if (
        assessment.judgement_level
        and floored
        and level_rank(assessment.judgement_level) < level_rank(definition.floor.minimum_level)
    ):
        minimum = RiskLevel(definition.floor.minimum_level).label.lower()
        raise ValidationError(
            {
                "judgement_level": "A child under 13 or with a learning disability is never rated "
                f"below {minimum}"
            }
        )


@transaction.atomic
def assessment_start(
    *,
    young_person: YoungPerson,
    assessor: User,
    request: AssessmentRequest | None = None,
) -> Assessment:
    """Start a draft with the current published instrument. The young person's age and learning
    disability are recorded with it: the floor is judged as things stood when assessed."""
    if not permissions.can_assess(assessor, young_person):
        raise PermissionDenied
    instrument = Instrument.objects.current()
    if instrument is None:
        raise ValidationError("No risk assessment instrument has been published.")
    assessment = Assessment(
        young_person=young_person,
        instrument=instrument,
        assessor=assessor,
        age_at_assessment=young_person.age,
        learning_disability=young_person.learning_disability,
    )
    _score(assessment)
    assessment.full_clean()
    assessment.save()
    if request is not None and request.young_person_id == young_person.pk:
        AssessmentRequest.objects.filter(pk=request.pk, assessment__isnull=True).update(
            assessment=assessment
        )
    audit_record(
        actor=assessor,
        action=AuditAction.COLLECT,
        obj=assessment,
        subject_id=young_person.pk,
        summary="CSE risk assessment started",
        detail={"instrument_version": instrument.version},
    )
    chronology_add(
        young_person=young_person,
        title="CSE risk assessment started",
        detail=f"{instrument.name}, version {instrument.version}",
        source_app=SOURCE_APP,
        obj=assessment,
        recorded_by=assessor,
    )
    return assessment


@transaction.atomic
def assessment_save(
    *,
    assessment: Assessment,
    user: User,
    answers: dict[str, str],
    judgement_level: str = "",
    judgement_rationale: str = "",
) -> Assessment:
    """Save the assessor's answers so far (a draft is saved as the assessor goes) and re-score.

    ``answers`` maps item codes to option values; an empty value clears the answer."""
    if not permissions.can_edit_assessment(user, assessment):
        raise PermissionDenied
    clean = _check_answers(assessment.instrument, answers)
    merged = {
        code: value
        for code, value in {**assessment.answers, **clean}.items()
        if answers.get(code, value) not in (None, "")
    }
    if judgement_level and judgement_level not in LEVEL_ORDER:
        raise ValidationError({"judgement_level": "Choose a risk level"})
    assessment.answers = merged
    assessment.judgement_level = judgement_level or ""
    assessment.judgement_rationale = judgement_rationale.strip() if judgement_level else ""
    _score(assessment)
    if assessment.judgement_level:
        _check_judgement(assessment)
    if assessment.judgement_level and not assessment.judgement_rationale:
        raise ValidationError(
            {"judgement_rationale": "Give the rationale for the professional judgement"}
        )
    assessment.full_clean()
    assessment.save()
    audit_record(
        actor=user,
        action=AuditAction.ALTER,
        obj=assessment,
        subject_id=assessment.young_person_id,
        summary="CSE risk assessment saved",
        detail={"answered": len(merged), "score": assessment.score},
    )
    return assessment


def unanswered_items(assessment: Assessment) -> list[str]:
    return [code for code in assessment.instrument.parsed.items if code not in assessment.answers]


@transaction.atomic
def assessment_submit(*, assessment: Assessment, user: User) -> Assessment:
    """Send a complete assessment to the team manager for approval."""
    if not permissions.can_edit_assessment(user, assessment):
        raise PermissionDenied
    missing = unanswered_items(assessment)
    if missing:
        raise ValidationError(
            {"answers": f"Answer every item before submitting ({len(missing)} not answered)"}
        )
    _score(assessment)
    _check_judgement(assessment)
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.submitted_at = timezone.now()
    assessment.full_clean()
    assessment.save()
    audit_record(
        actor=user,
        action=AuditAction.ALTER,
        obj=assessment,
        subject_id=assessment.young_person_id,
        summary="CSE risk assessment submitted for approval",
        detail={"score": assessment.score, "level": assessment.level},
    )
    chronology_add(
        young_person=assessment.young_person,
        title="CSE risk assessment submitted for approval",
        detail=_level_sentence(assessment),
        source_app=SOURCE_APP,
        obj=assessment,
        recorded_by=user,
    )
    return assessment


def _level_sentence(assessment: Assessment) -> str:
    sentence = (
        f"Score {assessment.score}; calculated level "
        f"{assessment.get_calculated_level_display().lower()}"
    )
    if assessment.judgement_level:
        sentence += (
            f"; professional judgement {assessment.get_judgement_level_display().lower()}"
            f" ({assessment.judgement_rationale})"
        )
    return sentence + "."


@transaction.atomic
def assessment_return(*, assessment: Assessment, returned_by: User, comments: str) -> Assessment:
    """The team manager sends a submitted assessment back to the assessor with comments."""
    if not permissions.can_decide_assessment(returned_by, assessment):
        raise PermissionDenied
    if not comments.strip():
        raise ValidationError({"comments": "Say what needs to change"})
    assessment.status = AssessmentStatus.RETURNED
    assessment.manager_comments = comments.strip()
    assessment.decided_at = timezone.now()
    assessment.decided_by = returned_by
    assessment.full_clean()
    assessment.save()
    audit_record(
        actor=returned_by,
        action=AuditAction.ALTER,
        obj=assessment,
        subject_id=assessment.young_person_id,
        summary="CSE risk assessment returned to the assessor",
        justification=assessment.manager_comments,
    )
    chronology_add(
        young_person=assessment.young_person,
        title="CSE risk assessment returned for changes",
        detail=assessment.manager_comments,
        source_app=SOURCE_APP,
        obj=assessment,
        recorded_by=returned_by,
    )
    return assessment


def review_due_for(level: str, approved_on: date) -> date | None:
    """The review date for ``level`` (``settings.ASSESSMENT_REVIEW_INTERVALS``)."""
    interval = settings.ASSESSMENT_REVIEW_INTERVALS.get(level)
    if not interval:
        return None
    return approved_on + relativedelta(**interval)


def _record_action(
    assessment: Assessment,
    kind: str,
    detail: str,
    by: User,
    *,
    chronology_title: str = "",
    **extra: Any,
) -> AssessmentAction:
    """Record what the assessment's outcome led to; with ``chronology_title`` the young person's
    chronology says so too."""
    action = AssessmentAction(
        assessment=assessment, kind=kind, detail=detail, recorded_by=by, **extra
    )
    action.full_clean()
    action.save()
    if chronology_title:
        chronology_add(
            young_person=assessment.young_person,
            title=chronology_title,
            detail=detail,
            source_app=SOURCE_APP,
            obj=assessment,
            recorded_by=by,
        )
    return action


@transaction.atomic
def assessment_approve(
    *,
    assessment: Assessment,
    approved_by: User,
    comments: str = "",
    partner_agency: Agency | None = None,
    approve_lowering: bool = False,
    universal_information: str = "",
) -> Assessment:
    """Approve a submitted assessment: its level becomes the young person's current level (and
    flag), the review is scheduled by level, the level's action is taken and recorded, and any
    request for an assessment of the young person is done.

    High keeps the young person open to the co-located team and records a strategy discussion to
    hold; medium and low offer preventative work to ``partner_agency``; no apparent risk records
    the universal information given. A child under 13 or with a learning disability also prompts
    a referral to children's social care."""
    if not permissions.can_decide_assessment(approved_by, assessment):
        raise PermissionDenied
    if assessment.judgement_lowers and not approve_lowering:
        raise ValidationError(
            {
                "approve_lowering": "Confirm that you approve lowering the calculated level by "
                "professional judgement"
            }
        )
    level = assessment.level
    if level in {RiskLevel.MEDIUM, RiskLevel.LOW} and partner_agency is None:
        raise ValidationError(
            {"partner_agency": "Choose the partner agency to offer preventative work to"}
        )
    young_person = assessment.young_person
    now = timezone.now()
    assessment.status = AssessmentStatus.APPROVED
    assessment.decided_at = now
    assessment.decided_by = approved_by
    assessment.manager_comments = comments.strip()
    assessment.review_due = review_due_for(level, timezone.localdate(now))
    assessment.full_clean()
    assessment.save()
    level_label = RiskLevel(level).label.lower()
    reason = f"CSE risk assessment approved: {level_label}"
    young_person_set_risk_level(
        young_person=young_person,
        level=level,
        set_by=approved_by,
        source_app=SOURCE_APP,
        obj=assessment,
        reason=reason,
    )
    if level == RiskLevel.HIGH:
        involvement_open(young_person=young_person, opened_by=approved_by, reason=reason)
        _record_action(
            assessment,
            ActionKind.KEEP_OPEN,
            "Open to the co-located CSE team because the assessed risk is high.",
            approved_by,
        )
        flag_raise(
            young_person=young_person,
            kind=FlagKind.STRATEGY_DISCUSSION,
            reason="High CSE risk: hold a strategy discussion",
            raised_by=approved_by,
        )
        _record_action(
            assessment,
            ActionKind.STRATEGY_DISCUSSION,
            "A strategy discussion is to be held (flag raised on the record).",
            approved_by,
        )
    elif level in {RiskLevel.MEDIUM, RiskLevel.LOW}:
        offer = partner_offer_make(
            young_person=young_person,
            agency=partner_agency,
            offered_by=approved_by,
            reason=f"Preventative work after a CSE risk assessment ({level_label} risk)",
            source_app=SOURCE_APP,
            source_object=assessment,
        )
        _record_action(
            assessment,
            ActionKind.PREVENTATIVE_WORK,
            f"Preventative work offered to {partner_agency}.",
            approved_by,
            partner_offer_id=offer.pk,
        )
    else:
        information = universal_information.strip() or settings.ASSESSMENT_UNIVERSAL_INFORMATION
        _record_action(
            assessment,
            ActionKind.UNIVERSAL_INFORMATION,
            information,
            approved_by,
            chronology_title="Universal information given",
        )
    if assessment.social_care_referral:
        floor = assessment.instrument.parsed.floor
        reasons = []
        age = assessment.age_at_assessment
        if floor.under_age is not None and age is not None and age < floor.under_age:
            reasons.append(f"aged {age}")
        if floor.learning_disability and assessment.learning_disability:
            reasons.append("with a learning disability")
        why = " and ".join(reasons)
        detail = f"The young person was assessed {why}: make a referral to children's social care."
        _record_action(
            assessment,
            ActionKind.SOCIAL_CARE_REFERRAL,
            detail,
            approved_by,
            chronology_title=(
                "Referral to children's social care prompted by the CSE risk assessment"
            ),
        )
    AssessmentRequest.objects.filter(young_person=young_person, status=RequestStatus.OPEN).update(
        status=RequestStatus.DONE, done_at=now, assessment=assessment
    )
    audit_record(
        actor=approved_by,
        action=AuditAction.ALTER,
        obj=assessment,
        subject_id=young_person.pk,
        summary=f"CSE risk assessment approved: {level_label}",
        justification=assessment.manager_comments,
        detail={
            "score": assessment.score,
            "calculated_level": assessment.calculated_level,
            "level": level,
            "review_due": assessment.review_due,
        },
    )
    chronology_add(
        young_person=young_person,
        title=f"CSE risk assessment approved: {RiskLevel(level).label}",
        detail=_level_sentence(assessment)
        + (f" Review due {assessment.review_due:%d %B %Y}." if assessment.review_due else ""),
        source_app=SOURCE_APP,
        obj=assessment,
        recorded_by=approved_by,
    )
    return assessment


@transaction.atomic
def assessments_list_record(*, user: User, channel: str, result_count: int) -> None:
    """Record that ``user`` listed assessments (the team's lists, the API list)."""
    audit_list_read(
        actor=user,
        object_type="assessments.assessment",
        label="CSE risk assessments",
        channel=channel,
        result_count=result_count,
    )


@transaction.atomic
def assessment_consult(*, assessment: Assessment, user: User, channel: str) -> None:
    """Record that ``user`` read the assessment (page, API)."""
    audit_record(
        actor=user,
        action=AuditAction.CONSULT,
        obj=assessment,
        subject_id=assessment.young_person_id,
        summary=f"CSE risk assessment viewed ({channel})",
        detail={"channel": channel},
    )


@transaction.atomic
def assessment_printed(*, assessment: Assessment, user: User) -> None:
    """Record that ``user`` printed the assessment to PDF: a disclosure outside the portal."""
    audit_record(
        actor=user,
        action=AuditAction.PRINT,
        obj=assessment,
        subject_id=assessment.young_person_id,
        summary="CSE risk assessment printed (PDF)",
    )


def young_person_merged(
    *, survivor: YoungPerson, duplicate: YoungPerson, merged_by: User
) -> dict[str, int]:
    """Merge hook: the duplicate's assessments and requests move to the survivor, whose current
    risk level then follows the most recently approved assessment of either record (the rule an
    approval applies), so a merge never hides a higher level decided on the duplicate."""
    moved = {
        model._meta.label_lower: model.objects.filter(young_person=duplicate).update(
            young_person=survivor
        )
        for model in (Assessment, AssessmentRequest)
    }
    latest = (
        Assessment.objects.filter(young_person=survivor, status=AssessmentStatus.APPROVED)
        .order_by("-decided_at")
        .first()
    )
    if latest is not None and latest.level != survivor.current_risk_level:
        young_person_set_risk_level(
            young_person=survivor,
            level=latest.level,
            set_by=merged_by,
            source_app=SOURCE_APP,
            obj=latest,
            reason="Records merged: the most recently approved assessment sets the level",
        )
    return moved
