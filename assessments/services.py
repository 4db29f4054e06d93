"""Every write to assessments: keyword-only functions, one transaction each, that check the rule,
write, and record the audit and chronology entries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Required, TypedDict, Unpack

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from cse_portal.accounts.models import Agency, User
from cse_portal.audit.models import AuditAction
from cse_portal.audit.services import audit_record
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
    AssessmentRequestReason,
    AssessmentStatus,
    Instrument,
    InstrumentStatus,
    RequestStatus,
)

SOURCE_APP = "assessments"


def _source(source_object: models.Model | None) -> tuple[str, str]:
    if source_object is None:
        return "", ""
    return source_object._meta.label_lower, str(source_object.pk)


def _open_request_locked(young_person: YoungPerson) -> AssessmentRequest | None:
    """The young person's open request, locked until the caller's transaction ends (an approval
    that marks it done meanwhile is waited for, and then it is no longer open)."""
    return (
        AssessmentRequest.objects.select_for_update()
        .filter(young_person=young_person, status=RequestStatus.OPEN)
        .first()
    )


@transaction.atomic
def assessment_request(
    *,
    young_person: YoungPerson,
    requested_by: User | None,
    reason: str,
    source_app: str,
    source_object: models.Model | None = None,
    suggested_indicators: Sequence[str] = (),
) -> AssessmentRequest:
    """Ask the team for a CSE risk assessment of ``young_person`` (referral triage, a missing
    return...). The request shows in the team's list of assessments to do until an assessment of
    the young person is approved.

    A young person has one open request at a time: asked again while one is open, the reason,
    the indicators, the source, who asked and when are added to it (``AssessmentRequestReason``)
    and the open request is returned; after an approved assessment a new request is made. The
    database's partial unique index (``asmt_req_one_open``) refuses a second open request, so of
    two requests made at once the second waits for the first and then adds to it.

    ``suggested_indicators`` are instrument item codes the requester saw (the indicators ticked on
    a referral): the assessment shows them as suggestions to confirm, never as answers.

    A request or reason given while a draft assessment of the young person is under way (started
    from the request or not) reaches the draft: its indicators join the draft's suggestions and
    the draft's page lists it (``_drafts_reached``); a request opened then is linked to the
    oldest draft, as starting from it would have. A submitted assessment never changes."""
    reason = reason.strip()
    indicators = list(dict.fromkeys(suggested_indicators))
    source_type, source_id = _source(source_object)
    existing = _open_request_locked(young_person)
    if existing is None:
        drafts = _drafts_locked(young_person)
        request = AssessmentRequest(
            young_person=young_person,
            requested_by=requested_by,
            reason=reason,
            suggested_indicators=indicators,
            source_app=source_app,
            source_object_type=source_type,
            source_object_id=source_id,
            # A draft already under way (started without a request) answers this one.
            assessment=drafts[0] if drafts else None,
        )
        # The open-request constraint is the database's to check: a Python check would not
        # see a request another transaction is inserting at the same moment. The young person
        # and the requester are in hand and the id is new: checking them again costs queries.
        request.full_clean(
            exclude=["id", "young_person", "requested_by", "assessment"],
            validate_constraints=False,
        )
        try:
            with transaction.atomic():
                request.save(force_insert=True)
        except IntegrityError:
            existing = _open_request_locked(young_person)
            if existing is None:
                raise
        else:
            _record_request(
                request,
                requested_by,
                source_app,
                source_type,
                source_id,
                extra=_drafts_reached(drafts, request.pk, indicators),
            )
            return request
    existing.young_person = young_person
    return _add_reason(
        existing,
        requested_by=requested_by,
        reason=reason,
        indicators=indicators,
        source_app=source_app,
        source_type=source_type,
        source_id=source_id,
    )


def _drafts_locked(young_person: YoungPerson) -> list[Assessment]:
    """The young person's drafts, oldest first, locked until the caller's transaction ends. A
    submission under way is waited for, and then the assessment is no longer a draft: a reason
    never changes what was submitted."""
    return list(
        Assessment.objects.select_for_update(of=("self",))
        .filter(young_person=young_person, status=AssessmentStatus.DRAFT)
        .select_related("instrument")
        .order_by("created_at", "id")
    )


def _drafts_reached(
    drafts: list[Assessment], reason_id: Any, indicators: list[str]
) -> dict[str, Any]:
    """A reason given while drafts of the young person are under way reaches each of them: its
    indicators join the draft's suggestions (in the instrument's order; codes the draft's
    instrument does not know are dropped) and the draft keeps the reason's id, so its page lists
    what came since it was started. What reached which draft goes into the request's audit
    entry (returned as its detail)."""
    if not drafts:
        return {}
    reached: dict[str, list[str]] = {}
    for draft in drafts:
        items = draft.instrument.parsed.items
        added = [c for c in indicators if c in items and c not in draft.suggested_items]
        wanted = {*draft.suggested_items, *added}
        draft.suggested_items = [code for code in items if code in wanted]
        draft.later_reasons = [*draft.later_reasons, str(reason_id)]
        draft.save(update_fields=["suggested_items", "later_reasons"])
        reached[str(draft.pk)] = added
    return {"assessments_in_progress": reached}


def _record_request(
    request: AssessmentRequest,
    requested_by: User | None,
    source_app: str,
    source_type: str,
    source_id: str,
    *,
    summary: str = "CSE risk assessment requested",
    title: str = "CSE risk assessment requested",
    reason: str | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """The audit entry and the chronology line of a request, or of a reason added to one."""
    reason = request.reason if reason is None else reason
    detail: dict[str, Any] = {"source_app": source_app, **(extra or {})}
    if source_type:
        detail["source"] = f"{source_type}:{source_id}"
    audit_record(
        actor=requested_by,
        action=AuditAction.ALTER,
        obj=request,
        subject_id=request.young_person_id,
        summary=summary,
        justification=reason,
        detail=detail,
    )
    chronology_add(
        young_person=request.young_person,
        title=title,
        detail=reason,
        source_app=source_app,
        obj=request,
        recorded_by=requested_by,
    )


def _add_reason(
    request: AssessmentRequest,
    *,
    requested_by: User | None,
    reason: str,
    indicators: list[str],
    source_app: str,
    source_type: str,
    source_id: str,
) -> AssessmentRequest:
    """Add a further reason to the (locked) open request, its indicators to the request's."""
    further = AssessmentRequestReason(
        request=request,
        requested_by=requested_by,
        reason=reason,
        suggested_indicators=indicators,
        source_app=source_app,
        source_object_type=source_type,
        source_object_id=source_id,
    )
    # Its one constraint (a reason) is the field's own check, the request is locked in hand, the
    # requester given and the id new; the database holds them all anyway.
    further.full_clean(exclude=["id", "request", "requested_by"], validate_constraints=False)
    further.save(force_insert=True)
    drafts = _drafts_locked(request.young_person)
    changed = []
    added = [code for code in indicators if code not in request.suggested_indicators]
    if added:
        request.suggested_indicators = [*request.suggested_indicators, *added]
        changed.append("suggested_indicators")
    if request.assessment_id is None and drafts:
        # The draft was started without naming the request: it answers it all the same.
        request.assessment = drafts[0]
        changed.append("assessment")
    if changed:
        request.save(update_fields=changed)
    extra: dict[str, Any] = {"reason_id": str(further.pk)}
    if added:
        extra["indicators_added"] = added
    extra.update(_drafts_reached(drafts, further.pk, indicators))
    _record_request(
        request,
        requested_by,
        source_app,
        source_type,
        source_id,
        summary="Further reason added to the open CSE risk assessment request",
        title="CSE risk assessment requested again (added to the open request)",
        reason=reason,
        extra=extra,
    )
    return request


def _request_reasons(request: AssessmentRequest) -> list[tuple[Any, list[str]]]:
    """An open request's reasons, oldest first, each as its id and the indicators it suggested
    (the request's own reason with every indicator the request holds)."""
    return [
        (request.pk, list(request.suggested_indicators)),
        *(
            (reason.pk, list(reason.suggested_indicators))
            for reason in request.further_reasons.order_by("requested_at", "id")
        ),
    ]


def request_fold(*, request: AssessmentRequest, into: AssessmentRequest) -> None:
    """Fold one open request into another open one of the same young person (two records
    merged): its own reason and its further reasons become further reasons of ``into``, in the
    order they were given, and it is deleted. Its reason keeps its id, so whatever named the
    request (a referral's outcome) still finds the reason."""
    reasons = [
        AssessmentRequestReason(
            id=request.pk,
            request=into,
            requested_at=request.requested_at,
            requested_by_id=request.requested_by_id,
            reason=request.reason,
            suggested_indicators=request.suggested_indicators,
            source_app=request.source_app,
            source_object_type=request.source_object_type,
            source_object_id=request.source_object_id,
        )
    ]
    AssessmentRequestReason.objects.bulk_create(reasons)
    AssessmentRequestReason.objects.filter(request=request).update(request=into)
    added = [c for c in request.suggested_indicators if c not in into.suggested_indicators]
    into.suggested_indicators = [*into.suggested_indicators, *added]
    if into.assessment_id is None and request.assessment_id is not None:
        into.assessment_id = request.assessment_id
    into.save(update_fields=["suggested_indicators", "assessment"])
    request.delete()


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


# What scoring sets: saved with the answers and again on submission.
SCORED_FIELDS = [
    "score",
    "calculated_level",
    "floor_applied",
    "social_care_referral",
    "judgement_level",
    "judgement_rationale",
    "level",
]


def _lock(assessment: Assessment) -> None:
    """Re-read ``assessment`` under a row lock. Answers saved as they are ticked can arrive while
    the same assessment is being submitted; each write starts from the other's result, so a late
    save never turns a submitted assessment back into a draft or drops an answer."""
    assessment.refresh_from_db(from_queryset=Assessment.objects.select_for_update())


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


def _judgement_errors(assessment: Assessment) -> dict[str, str]:
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
        return {
            "judgement_level": "A child under 13 or with a learning disability is never rated "
            f"below {minimum}"
        }
    return {}


def _suggestions_for(young_person: YoungPerson, instrument: Instrument) -> list[str]:
    """The item codes that open requests for an assessment of ``young_person`` suggest, in the
    instrument's order; codes the instrument does not know are dropped."""
    # Locked: a reason being added to the open request meanwhile is waited for, and then its
    # indicators are read here (the reason, committed first, could not see this draft).
    suggested = {
        code
        for codes in AssessmentRequest.objects.select_for_update()
        .filter(young_person=young_person, status=RequestStatus.OPEN)
        .values_list("suggested_indicators", flat=True)
        for code in codes
    }
    return [code for code in instrument.parsed.items if code in suggested]


@transaction.atomic
def assessment_start(
    *,
    young_person: YoungPerson,
    assessor: User,
    request: AssessmentRequest | None = None,
) -> Assessment:
    """Start a draft with the current published instrument. The young person's age and learning
    disability are recorded with it: the floor is judged as things stood when assessed. The
    indicators open requests suggest (a referral's ticked indicators) come with it as
    suggestions, not answers."""
    if not permissions.can_assess(assessor, young_person):
        raise PermissionDenied
    instrument = Instrument.objects.current()
    if instrument is None:
        raise ValidationError("No risk assessment instrument has been published.")
    # The suggestions are read (and the open request locked) before the draft takes its start
    # time: a reason given after that time reached this draft, one before it is among these.
    suggested_items = _suggestions_for(young_person, instrument)
    assessment = Assessment(
        young_person=young_person,
        instrument=instrument,
        assessor=assessor,
        age_at_assessment=young_person.age,
        learning_disability=young_person.learning_disability,
        suggested_items=suggested_items,
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
def _answers_save(
    *,
    assessment: Assessment,
    user: User,
    answers: dict[str, str],
    judgement_level: str | None,
    judgement_rationale: str,
) -> None:
    _lock(assessment)
    if not permissions.can_edit_assessment(user, assessment):
        raise PermissionDenied
    clean = _check_answers(assessment.instrument, answers)
    merged = {
        code: value
        for code, value in {**assessment.answers, **clean}.items()
        if answers.get(code, value) not in (None, "")
    }
    if judgement_level is None:
        judgement_level = assessment.judgement_level
        judgement_rationale = assessment.judgement_rationale
    if judgement_level and judgement_level not in LEVEL_ORDER:
        raise ValidationError({"judgement_level": "Choose a risk level"})
    assessment.answers = merged
    assessment.judgement_level = judgement_level
    assessment.judgement_rationale = judgement_rationale.strip() if judgement_level else ""
    _score(assessment)
    errors = _judgement_errors(assessment)
    if assessment.judgement_level and not assessment.judgement_rationale:
        errors["judgement_rationale"] = "Give the rationale for the professional judgement"
    if errors:
        raise ValidationError(errors)
    assessment.full_clean()
    assessment.save(update_fields=["answers", *SCORED_FIELDS, "updated_at"])
    audit_record(
        actor=user,
        action=AuditAction.ALTER,
        obj=assessment,
        subject_id=assessment.young_person_id,
        summary="CSE risk assessment saved",
        detail={"answered": len(merged), "score": assessment.score},
    )


def assessment_save(
    *,
    assessment: Assessment,
    user: User,
    answers: dict[str, str],
    judgement_level: str | None = None,
    judgement_rationale: str = "",
    submit: bool = False,
) -> Assessment:
    """Save the assessor's answers so far and re-score; with ``submit``, then send the assessment
    to the team manager. The page and the API both save and submit through here.

    ``answers`` maps item codes to option values; an empty value clears the answer. A
    ``judgement_level`` of None keeps the recorded judgement (saving answers as they are ticked).
    The answers are committed before the submission is tried, so an assessment that cannot be
    submitted yet keeps them; inside a caller's transaction (``assessment_create``) a refused
    submission undoes everything."""
    _answers_save(
        assessment=assessment,
        user=user,
        answers=answers,
        judgement_level=judgement_level,
        judgement_rationale=judgement_rationale,
    )
    if submit:
        assessment_submit(assessment=assessment, user=user)
    return assessment


class Answering(TypedDict, total=False):
    """What ``assessment_save`` takes besides the assessment and the user."""

    answers: Required[dict[str, str]]
    judgement_level: str
    judgement_rationale: str
    submit: bool


@transaction.atomic
def assessment_create(
    *, young_person: YoungPerson, assessor: User, **answering: Unpack[Answering]
) -> Assessment:
    """Start, answer and (with ``submit``) submit an assessment in one go, as the API does: all
    of it or nothing."""
    assessment = assessment_start(young_person=young_person, assessor=assessor)
    return assessment_save(assessment=assessment, user=assessor, **answering)


def unanswered_items(assessment: Assessment) -> list[str]:
    return [code for code in assessment.instrument.parsed.items if code not in assessment.answers]


@transaction.atomic
def assessment_submit(*, assessment: Assessment, user: User) -> Assessment:
    """Send a complete assessment to the team manager for approval. Every unanswered item is
    named under its own code, so a page can show each error beside its question."""
    _lock(assessment)
    if not permissions.can_edit_assessment(user, assessment):
        raise PermissionDenied
    _score(assessment)
    errors: dict[str, Any] = _judgement_errors(assessment)
    missing = unanswered_items(assessment)
    if missing:
        items = assessment.instrument.parsed.items
        errors["answers"] = f"Answer every item before submitting ({len(missing)} not answered)"
        errors.update({code: f"Select an answer for: {items[code].text}" for code in missing})
    if errors:
        raise ValidationError(errors)
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.submitted_at = timezone.now()
    assessment.full_clean()
    assessment.save(update_fields=[*SCORED_FIELDS, "status", "submitted_at", "updated_at"])
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


# --- Approval: one small function per level's action ---------------------------------------------

# Medium and low risk lead to preventative work by a partner agency, which the manager chooses.
PREVENTATIVE_WORK_LEVELS = frozenset({RiskLevel.MEDIUM, RiskLevel.LOW})


@dataclass(frozen=True)
class Approval:
    """What the team manager decided, as each level's action needs it."""

    assessment: Assessment
    approved_by: User
    partner_agency: Agency | None
    universal_information: str

    @property
    def level_label(self) -> str:
        return RiskLevel(self.assessment.level).label.lower()

    @property
    def reason(self) -> str:
        return f"CSE risk assessment approved: {self.level_label}"


def _keep_open_and_hold_strategy_discussion(approval: Approval) -> None:
    assessment, by = approval.assessment, approval.approved_by
    involvement_open(young_person=assessment.young_person, opened_by=by, reason=approval.reason)
    _record_action(
        assessment,
        ActionKind.KEEP_OPEN,
        "Open to the co-located CSE team because the assessed risk is high.",
        by,
    )
    flag_raise(
        young_person=assessment.young_person,
        kind=FlagKind.STRATEGY_DISCUSSION,
        reason="High CSE risk: hold a strategy discussion",
        raised_by=by,
    )
    _record_action(
        assessment,
        ActionKind.STRATEGY_DISCUSSION,
        "A strategy discussion is to be held (flag raised on the record).",
        by,
    )


def _offer_preventative_work(approval: Approval) -> None:
    assessment, by = approval.assessment, approval.approved_by
    offer = partner_offer_make(
        young_person=assessment.young_person,
        agency=approval.partner_agency,
        offered_by=by,
        reason=f"Preventative work after a CSE risk assessment ({approval.level_label} risk)",
        source_app=SOURCE_APP,
        source_object=assessment,
    )
    _record_action(
        assessment,
        ActionKind.PREVENTATIVE_WORK,
        f"Preventative work offered to {approval.partner_agency}.",
        by,
        partner_offer_id=offer.pk,
    )


def _give_universal_information(approval: Approval) -> None:
    information = (
        approval.universal_information.strip() or settings.ASSESSMENT_UNIVERSAL_INFORMATION
    )
    _record_action(
        approval.assessment,
        ActionKind.UNIVERSAL_INFORMATION,
        information,
        approval.approved_by,
        chronology_title="Universal information given",
    )


LEVEL_ACTIONS: dict[str, Callable[[Approval], None]] = {
    RiskLevel.HIGH: _keep_open_and_hold_strategy_discussion,
    RiskLevel.MEDIUM: _offer_preventative_work,
    RiskLevel.LOW: _offer_preventative_work,
    RiskLevel.NO_APPARENT_RISK: _give_universal_information,
}


def _prompt_social_care_referral(approval: Approval) -> None:
    """A child under 13 or with a learning disability prompts a referral whatever the level."""
    assessment = approval.assessment
    floor = assessment.instrument.parsed.floor
    reasons = []
    age = assessment.age_at_assessment
    if floor.under_age is not None and age is not None and age < floor.under_age:
        reasons.append(f"aged {age}")
    if floor.learning_disability and assessment.learning_disability:
        reasons.append("with a learning disability")
    why = " and ".join(reasons)
    _record_action(
        assessment,
        ActionKind.SOCIAL_CARE_REFERRAL,
        f"The young person was assessed {why}: make a referral to children's social care.",
        approval.approved_by,
        chronology_title="Referral to children's social care prompted by the CSE risk assessment",
    )


def _approval_errors(
    assessment: Assessment, *, partner_agency: Agency | None, approve_lowering: bool
) -> dict[str, str]:
    """Everything the manager still has to give, all at once."""
    errors = {}
    if assessment.judgement_lowers and not approve_lowering:
        errors["approve_lowering"] = (
            "Confirm that you approve lowering the calculated level by professional judgement"
        )
    if assessment.level in PREVENTATIVE_WORK_LEVELS and partner_agency is None:
        errors["partner_agency"] = "Choose the partner agency to offer preventative work to"
    return errors


def _record_approval(approval: Approval) -> None:
    assessment = approval.assessment
    audit_record(
        actor=approval.approved_by,
        action=AuditAction.ALTER,
        obj=assessment,
        subject_id=assessment.young_person_id,
        summary=approval.reason,
        justification=assessment.manager_comments,
        detail={
            "score": assessment.score,
            "calculated_level": assessment.calculated_level,
            "level": assessment.level,
            "review_due": assessment.review_due,
        },
    )
    review = f" Review due {assessment.review_due:%d %B %Y}." if assessment.review_due else ""
    chronology_add(
        young_person=assessment.young_person,
        title=f"CSE risk assessment approved: {RiskLevel(assessment.level).label}",
        detail=_level_sentence(assessment) + review,
        source_app=SOURCE_APP,
        obj=assessment,
        recorded_by=approval.approved_by,
    )


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
    flag), the review is scheduled by level, the level's action (``LEVEL_ACTIONS``) is taken and
    recorded, and any request for an assessment of the young person is done.

    High keeps the young person open to the co-located team and records a strategy discussion to
    hold; medium and low offer preventative work to ``partner_agency``; no apparent risk records
    the universal information given. A child under 13 or with a learning disability also prompts
    a referral to children's social care."""
    if not permissions.can_decide_assessment(approved_by, assessment):
        raise PermissionDenied
    errors = _approval_errors(
        assessment, partner_agency=partner_agency, approve_lowering=approve_lowering
    )
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    assessment.status = AssessmentStatus.APPROVED
    assessment.decided_at = now
    assessment.decided_by = approved_by
    assessment.manager_comments = comments.strip()
    assessment.review_due = review_due_for(assessment.level, timezone.localdate(now))
    assessment.full_clean()
    assessment.save()
    approval = Approval(assessment, approved_by, partner_agency, universal_information)
    young_person_set_risk_level(
        young_person=assessment.young_person,
        level=assessment.level,
        set_by=approved_by,
        source_app=SOURCE_APP,
        obj=assessment,
        reason=approval.reason,
    )
    LEVEL_ACTIONS[assessment.level](approval)
    if assessment.social_care_referral:
        _prompt_social_care_referral(approval)
    AssessmentRequest.objects.filter(
        young_person_id=assessment.young_person_id, status=RequestStatus.OPEN
    ).update(status=RequestStatus.DONE, done_at=now, assessment=assessment)
    _record_approval(approval)
    return assessment


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
    approval applies), so a merge never hides a higher level decided on the duplicate. If both
    have an open request, the duplicate's is folded into the survivor's (``request_fold``): one
    open request a young person.

    A draft under way on one record never saw the other record's open request: each of that
    request's reasons reaches it now as it would have had the records been one all along
    (``_drafts_reached``: its indicators join the draft's suggestions, the draft's page lists
    the reason), and the open request left unanswered is answered by the oldest draft."""
    open_requests = {
        request.young_person_id: request
        for request in AssessmentRequest.objects.select_for_update().filter(
            young_person__in=[survivor, duplicate], status=RequestStatus.OPEN
        )
    }
    drafts = {record.pk: _drafts_locked(record) for record in (survivor, duplicate)}
    reasons = {record_id: _request_reasons(request) for record_id, request in open_requests.items()}
    if survivor.pk in open_requests and duplicate.pk in open_requests:
        request_fold(request=open_requests[duplicate.pk], into=open_requests[survivor.pk])
    moved = {
        model._meta.label_lower: model.objects.filter(young_person=duplicate).update(
            young_person=survivor
        )
        for model in (Assessment, AssessmentRequest)
    }
    for record_id, other_id in ((survivor.pk, duplicate.pk), (duplicate.pk, survivor.pk)):
        for reason_id, indicators in reasons.get(other_id, []):
            _drafts_reached(drafts[record_id], reason_id, indicators)
    oldest = sorted(
        [*drafts[survivor.pk], *drafts[duplicate.pk]], key=lambda d: (d.created_at, str(d.pk))
    )
    if oldest:
        AssessmentRequest.objects.filter(
            young_person=survivor, status=RequestStatus.OPEN, assessment__isnull=True
        ).update(assessment=oldest[0])
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
