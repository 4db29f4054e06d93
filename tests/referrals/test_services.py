from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from assessments.models import AssessmentRequest
from cse_portal.audit.models import AuditEntry
from cse_portal.notifications import services as outbox
from cse_portal.notifications.models import Notification
from cse_portal.young_people.models import ChronologyEntry, PartnerAgencyOffer, YoungPerson
from cse_portal.young_people.permissions import can_view_young_person
from referrals import selectors, services
from referrals.models import (
    Consent,
    Decision,
    Referral,
    ReferralKind,
    ReferralStatus,
)
from tests.factories import make_young_person

from .conftest import community_concern, offer_to_partner, referral_fields, self_referral, submit

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


# --- Drafts and submission -----------------------------------------------------------------------


def test_a_draft_may_be_saved_with_almost_nothing(people):
    draft = services.referral_save_draft(referred_by=people.frank, given_name="Skye")
    assert draft.status == ReferralStatus.DRAFT
    assert draft.young_person is None


def test_submitting_an_incomplete_referral_names_each_missing_field(people):
    draft = services.referral_save_draft(referred_by=people.frank, given_name="Skye")
    with pytest.raises(ValidationError) as error:
        services.referral_submit(referred_by=people.frank, referral=draft)
    assert set(error.value.message_dict) == {
        "family_name",
        "date_of_birth",
        "concerns",
        "immediate_danger",
        "consent",
    }


def test_sharing_without_consent_needs_its_basis(people):
    with pytest.raises(ValidationError) as error:
        submit(people.frank, consent=Consent.REFUSED, sharing_basis="")
    assert "sharing_basis" in error.value.message_dict


def test_the_database_refuses_a_submitted_referral_without_a_sharing_basis(people):
    referral = submit(people.frank, consent=Consent.NOT_SOUGHT, sharing_basis="Risk of harm")
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(sharing_basis="")


def test_unknown_indicator_codes_are_refused(people):
    with pytest.raises(ValidationError) as error:
        submit(people.frank, indicators=["not_an_indicator"])
    assert "indicators" in error.value.message_dict


def test_someone_else_cannot_change_a_draft(people):
    draft = services.referral_save_draft(referred_by=people.frank, given_name="Skye")
    with pytest.raises(PermissionDenied):
        services.referral_save_draft(referred_by=people.fiona, referral=draft, concerns="x")


def test_a_referral_about_a_new_young_person_creates_the_record_at_once(people):
    referral = submit(people.frank)
    assert referral.status == ReferralStatus.SUBMITTED
    assert referral.created_young_person
    assert referral.young_person.full_name == "Skye Thornton"
    assert ChronologyEntry.objects.filter(
        young_person=referral.young_person, object_id=str(referral.pk)
    ).exists()


def test_submission_is_audited_against_the_young_person(people):
    referral = submit(people.frank)
    entry = AuditEntry.objects.filter(object_id=str(referral.pk), action="collect").get()
    assert entry.subject_id == str(referral.young_person_id)


def test_the_same_names_and_date_of_birth_link_silently(people):
    maya = people.maya
    referral = submit(
        people.frank,
        given_name=maya.given_name,
        family_name=maya.family_name,
        date_of_birth=maya.date_of_birth,
    )
    assert referral.young_person == maya
    assert not referral.created_young_person
    assert YoungPerson.objects.count() == 2


def test_case_accents_and_spacing_do_not_stop_an_exact_link(people):
    zoe = make_young_person(people.manager, given_name="Zoë", family_name="De Souza")
    referral = submit(
        people.frank,
        given_name="  ZOE ",
        family_name="de  souza",
        date_of_birth=zoe.date_of_birth,
    )
    assert referral.young_person == zoe
    assert not referral.created_young_person


def test_a_similar_name_with_the_same_birthday_and_postcode_is_a_new_record(people):
    liam = make_young_person(people.manager, given_name="Liam", family_name="Carter")
    referral = submit(
        people.frank,
        given_name="Liam",
        family_name="Carver",
        date_of_birth=liam.date_of_birth,
        postcode=liam.postcode,
    )
    assert referral.young_person != liam
    assert referral.created_young_person
    assert not ChronologyEntry.objects.filter(young_person=liam, object_id=str(referral.pk))
    # ... and the team manager is offered Liam Carter's record at triage, to link if it is him.
    assert liam in [m.record for m in selectors.possible_records(referral)]


def test_the_same_name_with_another_date_of_birth_is_a_new_record(people):
    maya = people.maya
    referral = submit(
        people.frank,
        given_name=maya.given_name,
        family_name=maya.family_name,
        date_of_birth=maya.date_of_birth - dt.timedelta(days=1),
    )
    assert referral.created_young_person
    assert maya in [m.record for m in selectors.possible_records(referral)]


def test_two_records_with_the_same_identity_are_not_guessed_between(people):
    twin = make_young_person(
        people.manager, given_name="Maya", family_name="Whitfield", postcode="S2 4QQ"
    )
    referral = submit(
        people.frank,
        given_name="Maya",
        family_name="Whitfield",
        date_of_birth=people.maya.date_of_birth,
    )
    assert referral.young_person not in (people.maya, twin)
    assert {people.maya, twin} <= {m.record for m in selectors.possible_records(referral)}


def test_a_weak_match_does_not_link(people):
    referral = submit(people.frank, given_name="Maya", family_name="Whitfield")
    assert referral.young_person != people.maya
    assert referral.created_young_person


def test_a_match_the_referrer_saw_and_rejected_is_not_linked(people):
    maya = people.maya
    referral = submit(
        people.alice,
        given_name=maya.given_name,
        family_name=maya.family_name,
        date_of_birth=maya.date_of_birth,
        confirmed_new=True,
    )
    assert referral.young_person != maya


def test_a_referrer_may_name_only_a_record_it_can_see(people):
    with pytest.raises(ValidationError) as error:
        services.referral_submit(
            referred_by=people.frank,
            young_person=people.maya,
            **referral_fields(given_name="", family_name=""),
        )
    assert "young_person" in error.value.message_dict


def test_immediate_danger_makes_the_referral_urgent_and_emails_the_managers(
    people, managers_with_email, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = submit(people.frank, immediate_danger=True)
    assert referral.urgent
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == managers_with_email
    assert f"/referrals/triage/{referral.pk}/" in message.body
    assert "Skye" not in message.body + message.subject
    assert "Thornton" not in message.body + message.subject
    assert Notification.objects.get(key__startswith=f"referrals:{referral.pk}:").sent_at is not None


def test_a_non_urgent_referral_sends_no_email(
    people, managers_with_email, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(people.frank)
    assert mail.outbox == []


# --- Public doors --------------------------------------------------------------------------------


def test_a_self_referral_may_be_anonymous_and_notifies_the_team(
    people, managers_with_email, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = self_referral(name="")
    assert referral.kind == ReferralKind.SELF
    assert referral.self_referral.display_name == "Anonymous"
    assert [m.to for m in mail.outbox] == [managers_with_email]
    assert "07700" not in mail.outbox[0].body


def test_a_self_referral_with_a_contact_method_needs_the_details(people):
    with pytest.raises(ValidationError):
        self_referral(contact_method="phone", contact_details="")


def test_a_community_concern_needs_a_place(people):
    with pytest.raises(ValidationError):
        community_concern(venue="", address="", postcode="")


def test_the_rate_limit_holds_then_refuses_and_stores_only_a_keyed_hash(settings, people):
    from referrals.models import PublicAdmission, PublicSubmission

    settings.REFERRALS_PUBLIC_RATE_LIMIT = 1
    settings.REFERRALS_PUBLIC_RATE_CEILING = 2
    admit = services.public_submission_admit
    assert admit(address="203.0.113.9") == PublicAdmission.ACCEPT
    assert admit(address="203.0.113.9") == PublicAdmission.HOLD
    assert admit(address="203.0.113.9") == PublicAdmission.REFUSE
    assert admit(address="203.0.113.10") == PublicAdmission.ACCEPT
    assert PublicSubmission.objects.count() == 3  # the refused one is not counted

    stored = set(PublicSubmission.objects.values_list("address_hash", flat=True))
    assert services.public_address_hash("203.0.113.9") in stored
    assert not any("203.0.113" in value for value in stored)


def test_the_address_hash_is_keyed_on_the_secret(settings):
    before = services.public_address_hash("203.0.113.9")
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert services.public_address_hash("203.0.113.9") != before


# --- Triage --------------------------------------------------------------------------------------


def test_allocation_opens_the_involvement_and_grants_the_practitioner(people):
    referral = submit(people.frank)
    services.referral_triage(
        referral=referral,
        decided_by=people.manager,
        decision=Decision.ALLOCATE,
        practitioners=[people.bob],
        reason="Significant indicators",
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.TRIAGED
    assert referral.outcome == Decision.ALLOCATE.label
    assert can_view_young_person(people.bob, referral.young_person)
    assert referral.young_person.involvements.filter(closed_at__isnull=True).exists()


def test_every_decision_is_audited_and_in_the_chronology(people):
    referral = submit(people.frank)
    services.referral_triage(
        referral=referral,
        decided_by=people.manager,
        decision=Decision.NO_FURTHER_ACTION,
        reason="Already known and safe",
    )
    assert AuditEntry.objects.filter(
        object_id=str(referral.pk),
        summary__startswith="Triage:",
        subject_id=str(referral.young_person_id),
        justification="Already known and safe",
    ).exists()
    assert ChronologyEntry.objects.filter(
        young_person=referral.young_person, title__contains="No further action"
    ).exists()


def test_a_decision_needs_a_reason(people):
    referral = submit(people.frank)
    with pytest.raises(ValidationError) as error:
        services.referral_triage(
            referral=referral, decided_by=people.manager, decision=Decision.SIGNPOST, reason=" "
        )
    assert "reason" in error.value.message_dict


def test_every_decision_has_its_rule():
    assert set(services.TRIAGE_RULES) == set(Decision.values)


@pytest.mark.parametrize(
    ("decision", "missing"),
    [
        (Decision.ALLOCATE, {"decision", "practitioners", "reason"}),
        (Decision.PARTNER_AGENCY, {"decision", "partner_agency", "reason"}),
        (Decision.ASSESS, {"decision", "reason"}),
        (Decision.LINK, {"young_person", "reason"}),
        (Decision.DUPLICATE, {"duplicate_of", "reason"}),
    ],
)
def test_every_missing_piece_of_a_decision_is_reported_at_once(people, decision, missing):
    referral = self_referral()
    with pytest.raises(ValidationError) as error:
        services.referral_triage(
            referral=referral, decided_by=people.manager, decision=decision, reason=" "
        )
    assert set(error.value.message_dict) == missing


@pytest.mark.parametrize("persona", ["alice", "frank", "ana"])
def test_only_the_team_manager_triages(people, persona):
    referral = submit(people.frank)
    with pytest.raises(PermissionDenied):
        services.referral_triage(
            referral=referral,
            decided_by=getattr(people, persona),
            decision=Decision.SIGNPOST,
            reason="x",
        )


def test_a_referral_is_decided_once(people):
    referral = submit(people.frank)
    services.referral_triage(
        referral=referral, decided_by=people.manager, decision=Decision.SIGNPOST, reason="GP"
    )
    with pytest.raises(ValidationError):
        services.referral_triage(
            referral=referral,
            decided_by=people.manager,
            decision=Decision.NO_FURTHER_ACTION,
            reason="again",
        )


def test_requesting_an_assessment_goes_through_the_assessments_service(people):
    referral = submit(people.frank)
    outcome = services.referral_triage(
        referral=referral,
        decided_by=people.manager,
        decision=Decision.ASSESS,
        reason="Screen for CSE risk",
    )
    request = AssessmentRequest.objects.get(pk=outcome.assessment_request_id)
    assert request.young_person == referral.young_person
    assert request.source_app == "referrals"
    assert request.reason == "Screen for CSE risk"


def test_triage_adds_its_reason_to_a_request_already_open_for_the_child(people):
    from assessments.services import assessment_request

    referral = submit(people.frank, indicators=["groom_cars"])
    waiting = assessment_request(
        young_person=referral.young_person,
        requested_by=None,
        reason="Missing from home or care: graded high risk",
        source_app="missing",
    )
    outcome = services.referral_triage(
        referral=referral,
        decided_by=people.manager,
        decision=Decision.ASSESS,
        reason="Screen for CSE risk",
    )
    assert outcome.assessment_request_id == str(waiting.pk)
    request = AssessmentRequest.objects.get(young_person=referral.young_person)
    further = request.further_reasons.get()
    assert (further.reason, further.source_app, further.requested_by) == (
        "Screen for CSE risk",
        "referrals",
        people.manager,
    )
    assert further.source_object_id == str(referral.pk)
    assert request.suggested_indicators == ["groom_cars"]


def test_a_partner_agency_offer_is_kept_in_the_record(people):
    outcome = offer_to_partner(people)
    offer = PartnerAgencyOffer.objects.get(young_person=outcome.referral.young_person)
    assert outcome.partner_offer == offer
    assert offer.agency == people.vcs


def test_a_partner_agency_decision_needs_the_agency(people):
    referral = submit(people.frank)
    with pytest.raises(ValidationError) as error:
        services.referral_triage(
            referral=referral,
            decided_by=people.manager,
            decision=Decision.PARTNER_AGENCY,
            reason="x",
        )
    assert "partner_agency" in error.value.message_dict


def test_linking_merges_the_record_the_referral_created(people):
    referral = submit(people.frank, given_name="Maya", family_name="Whitfeld")
    created = referral.young_person
    services.referral_triage(
        referral=referral,
        decided_by=people.manager,
        decision=Decision.LINK,
        young_person=people.maya,
        reason="Same girl: misspelt surname",
    )
    referral.refresh_from_db()
    created.refresh_from_db()
    assert referral.young_person == people.maya
    assert created.merged_into == people.maya
    assert referral.status == ReferralStatus.SUBMITTED  # still waiting for its decision


def test_a_self_referral_needs_a_record_before_allocation(people):
    referral = self_referral()
    with pytest.raises(ValidationError) as error:
        services.referral_triage(
            referral=referral,
            decided_by=people.manager,
            decision=Decision.ALLOCATE,
            practitioners=[people.alice],
            reason="x",
        )
    assert "decision" in error.value.message_dict
    services.referral_triage(
        referral=referral,
        decided_by=people.manager,
        decision=Decision.LINK,
        young_person=people.noah,
        reason="Known to us",
    )
    services.referral_triage(
        referral=referral,
        decided_by=people.manager,
        decision=Decision.ALLOCATE,
        practitioners=[people.alice],
        reason="Allocate",
    )
    assert can_view_young_person(people.alice, people.noah)


def test_marking_a_duplicate_names_the_original(people):
    original = submit(people.frank)
    second = submit(people.fiona)
    with pytest.raises(ValidationError):
        services.referral_triage(
            referral=second, decided_by=people.manager, decision=Decision.DUPLICATE, reason="x"
        )
    services.referral_triage(
        referral=second,
        decided_by=people.manager,
        decision=Decision.DUPLICATE,
        duplicate_of=original,
        reason="Same concern reported twice",
    )
    second.refresh_from_db()
    assert second.duplicate_of == original


# --- Targets, summary and outbox -----------------------------------------------------------------


def test_urgent_triage_is_due_within_the_hour(settings):
    submitted = dt.datetime(2026, 3, 4, 10, 0, tzinfo=LONDON)
    assert services.triage_due_at(submitted, urgent=True) == submitted + dt.timedelta(hours=1)
    settings.REFERRALS_TRIAGE_URGENT_MINUTES = 30
    assert services.triage_due_at(submitted, urgent=True) == submitted + dt.timedelta(minutes=30)


def test_other_triage_is_due_in_one_working_day():
    wednesday = dt.datetime(2026, 3, 4, 10, 0, tzinfo=LONDON)
    friday = dt.datetime(2026, 3, 6, 15, 0, tzinfo=LONDON)
    saturday = dt.datetime(2026, 3, 7, 11, 0, tzinfo=LONDON)
    assert services.triage_due_at(wednesday, urgent=False) == wednesday + dt.timedelta(days=1)
    assert services.triage_due_at(friday, urgent=False) == friday + dt.timedelta(days=3)
    assert services.triage_due_at(saturday, urgent=False) == dt.datetime(
        2026, 3, 10, 0, 0, tzinfo=LONDON
    )


def test_the_daily_summary_lists_overdue_referrals_without_personal_data(
    people, managers_with_email
):
    old = submit(people.frank)
    Referral.objects.filter(pk=old.pk).update(submitted_at=old.submitted_at - dt.timedelta(days=10))
    fresh = submit(people.fiona, given_name="Ruby")
    assert services.overdue_triage_summary_send() == 1
    body = mail.outbox[0].body
    assert old.reference in body
    assert fresh.reference not in body
    assert "Skye" not in body


def test_pending_notifications_are_sent_once(people, managers_with_email):
    referral = self_referral()  # on_commit never runs here: the row stays pending
    notification = Notification.objects.get(key__startswith=f"referrals:{referral.pk}:")
    assert notification.sent_at is None
    assert outbox.notifications_send_pending() == 1
    assert outbox.notifications_send_pending() == 0
    assert len(mail.outbox) == 1


def test_a_failed_send_leaves_the_notification_pending(people, managers_with_email, settings):
    settings.EMAIL_BACKEND = "tests.referrals.failing_backend.FailingBackend"
    referral = self_referral()
    assert outbox.notifications_send_pending() == 0
    assert Notification.objects.get(key__startswith=f"referrals:{referral.pk}:").sent_at is None
