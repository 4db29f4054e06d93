"""The analyst's work on an item: regrading (both kept), sanitising, disseminating as the handling
code allows, and the recipient's acceptance of conditions."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cse_portal.audit.models import AuditEntry
from intelligence import permissions, selectors, services
from intelligence.models import AuthorisedRecipient, GradingChange, ItemStatus

from .conftest import submit

pytestmark = pytest.mark.django_db


def sanitised(item, text="A girl of about 14 got into a silver car."):
    return services.item_sanitise(actor=item._ana, item=item, sanitised_content=text)


@pytest.fixture
def prepare(people):
    def make(submitter="frank", **grading):
        item = submit(getattr(people, submitter), subjects=[], **grading)
        item._ana = people.ana
        return sanitised(item)

    return make


def disseminate(people, item, users=(), agencies=(), purpose="Safeguarding", authority=""):
    return services.item_disseminate(
        actor=people.ana,
        item=item,
        recipients=users,
        recipient_agencies=agencies,
        purpose=purpose,
        authority=authority,
    )


def test_regrading_keeps_the_submitted_grading_and_audits_the_reason(people):
    item = submit(people.frank)
    item = services.item_regrade(
        actor=people.ana,
        item=item,
        source_evaluation="C",
        intelligence_evaluation="3",
        handling_code="2",
        reason="Corroborated by a second report",
    )
    assert (item.submitted_grading, item.grading) == ("B2 1", "C3 2")
    assert item.status == ItemStatus.BEING_ASSESSED
    change = GradingChange.objects.get(item=item)
    assert change.previous["handling_code"] == "1"
    entry = AuditEntry.objects.get(object_id=str(item.pk), summary__contains="regraded")
    assert entry.justification == "Corroborated by a second report"


def test_regrading_needs_a_reason_and_codes_of_the_items_scheme(people):
    item = submit(people.frank)
    with pytest.raises(ValidationError) as caught:
        services.item_regrade(
            actor=people.ana,
            item=item,
            source_evaluation="1",
            intelligence_evaluation="2",
            handling_code="5",
            reason="",
        )
    assert set(caught.value.message_dict) == {
        "source_evaluation",
        "handling_conditions",
        "reason",
    }


@pytest.mark.parametrize("user", ["frank", "manager", "alice"])
def test_only_the_analyst_regrades_sanitises_and_disseminates(people, user):
    item = submit(people.frank)
    actor = getattr(people, user)
    with pytest.raises(PermissionDenied):
        services.item_sanitise(actor=actor, item=item, sanitised_content="x")
    with pytest.raises(PermissionDenied):
        services.item_disseminate(actor=actor, item=item, recipients=[people.bob], purpose="x")


def test_nothing_is_disseminated_before_the_sanitised_version(people):
    item = submit(people.frank)
    with pytest.raises(ValidationError, match="sanitised"):
        disseminate(people, item, users=[people.bob])


def test_code_1_goes_to_police_and_partners_with_a_purpose(people, prepare):
    item = prepare()
    with pytest.raises(ValidationError, match="purpose"):
        disseminate(people, item, users=[people.bob], purpose="")
    with pytest.raises(ValidationError, match="only police and partner"):
        disseminate(people, item, agencies=[people.other])
    dissemination = disseminate(people, item, users=[people.bob], agencies=[people.vcs])
    assert dissemination.recipients.count() == 2
    entry = AuditEntry.objects.get(object_id=str(item.pk), action="disclose")
    assert entry.recipients == ["user:bob", "agency:Test Youth Charity"]
    assert permissions.received_items(people.bob).get() == item


def test_lscb_and_admin_never_receive(people, prepare):
    item = prepare()
    for user in (people.lucy, people.adam):
        with pytest.raises(ValidationError, match="role"):
            disseminate(people, item, users=[user])


def test_code_4_stays_in_the_originating_agency(people, prepare):
    item = prepare(submitter="fiona", handling_code="4")  # fiona is police
    with pytest.raises(ValidationError, match="originating agency"):
        disseminate(people, item, users=[people.alice])
    disseminate(people, item, users=[people.bob])  # bob is police


def test_code_5_is_never_disseminated(people, prepare):
    item = prepare(handling_code="5", handling_conditions="Refer to me")
    with pytest.raises(ValidationError, match="code 5"):
        disseminate(people, item, users=[people.bob])


def test_code_2_only_to_recipients_recorded_with_the_authority(people, prepare):
    item = prepare(handling_code="2")
    with pytest.raises(ValidationError, match="authority"):
        disseminate(people, item, users=[people.alice], authority="ISA 12")
    AuthorisedRecipient.objects.create(agency=people.social_care, authority="ISA 12")
    with pytest.raises(ValidationError, match="record the authority"):
        disseminate(people, item, users=[people.alice], authority="")
    disseminate(people, item, users=[people.alice], authority="ISA 12")


def test_the_analysts_grading_is_the_one_enforced(people, prepare):
    item = prepare()
    services.item_regrade(
        actor=people.ana,
        item=item,
        source_evaluation="B",
        intelligence_evaluation="2",
        handling_code="5",
        handling_conditions="Refer to the analyst",
        reason="The source is at risk",
    )
    with pytest.raises(ValidationError, match="code 5"):
        disseminate(people, item, users=[people.bob])


def test_code_c_is_read_only_after_the_recipient_accepts_the_conditions(people, prepare):
    item = prepare(
        scheme="3x5x2",
        source_evaluation="2",
        intelligence_evaluation="B",
        handling_code="C",
        handling_conditions="Not to be shared with the family",
    )
    disseminate(people, item, users=[people.alice])
    assert item.conditions_need_acknowledgement
    with pytest.raises(PermissionDenied):
        services.conditions_acknowledge(actor=people.bob, item=item)
    acknowledgement = services.conditions_acknowledge(actor=people.alice, item=item)
    assert acknowledgement.conditions == "Not to be shared with the family"


def test_conditions_changed_by_a_regrading_are_accepted_again_before_the_text(
    people, prepare, api_client_for
):
    item = prepare(
        scheme="3x5x2",
        source_evaluation="2",
        intelligence_evaluation="B",
        handling_code="C",
        handling_conditions="Not to be shared with the family",
    )
    disseminate(people, item, users=[people.alice])
    services.conditions_acknowledge(actor=people.alice, item=item)
    item = services.item_regrade(
        actor=people.ana,
        item=item,
        source_evaluation="2",
        intelligence_evaluation="B",
        handling_code="C",
        handling_conditions="Not to be shared with the family nor used in court",
        reason="The source asked that it never reach a court",
    )
    assert not selectors.acknowledged(people.alice, item)
    body = api_client_for(people.alice).get(f"/api/v1/intelligence/{item.pk}/").json()
    assert body["sanitised_content"] is None
    assert body["conditions_acknowledged"] is False
    assert body["handling_conditions"] == "Not to be shared with the family nor used in court"

    acknowledgement = services.conditions_acknowledge(actor=people.alice, item=item)
    assert acknowledgement.conditions == "Not to be shared with the family nor used in court"
    assert selectors.acknowledged(people.alice, item)
    accepted = AuditEntry.objects.filter(
        object_id=str(item.pk), summary__contains="conditions accepted"
    )
    assert accepted.count() == 2
    # Accepting the same conditions again records nothing more.
    services.conditions_acknowledge(actor=people.alice, item=item)
    assert accepted.count() == 2


def _writes(item):
    return (
        GradingChange.objects.filter(item=item).count(),
        AuditEntry.objects.filter(object_id=str(item.pk)).exclude(action="consult").count(),
    )


def test_the_analysts_grading_given_again_writes_and_audits_nothing(people, prepare):
    item = prepare()
    grading = {"source_evaluation": "C", "intelligence_evaluation": "3", "handling_code": "1"}
    item = services.item_regrade(actor=people.ana, item=item, reason="Corroborated", **grading)
    before, graded_at, updated = _writes(item), item.graded_at, item.updated_at
    again = services.item_regrade(
        actor=people.ana,
        item=item,
        source_evaluation="c",
        intelligence_evaluation="3",
        handling_code="1",
        handling_conditions="",
        reason="Looked again",
    )
    assert _writes(item) == before
    again.refresh_from_db()
    assert (again.graded_at, again.updated_at) == (graded_at, updated)


def test_the_analyst_confirming_the_submitted_grading_is_recorded_once(people, prepare):
    item = prepare()
    for _ in range(2):
        services.item_regrade(
            actor=people.ana,
            item=item,
            source_evaluation="B",
            intelligence_evaluation="2",
            handling_code="1",
            reason="The grading stands",
        )
    assert GradingChange.objects.filter(item=item).count() == 1


def test_the_same_sanitised_text_again_writes_and_audits_nothing(people, prepare):
    item = prepare()
    before, sanitised_at = _writes(item), item.sanitised_at
    text = "  A girl of about 14 got into a silver car. "
    services.item_sanitise(actor=people.ana, item=item, sanitised_content=text)
    item.refresh_from_db()
    assert _writes(item) == before
    assert item.sanitised_at == sanitised_at


def test_a_new_sanitised_version_after_dissemination_is_a_disclosure_to_its_recipients(
    people, prepare
):
    item = prepare()
    disseminate(people, item, users=[people.alice, people.bob])
    disclosures = AuditEntry.objects.filter(object_id=str(item.pk), action="disclose")
    assert disclosures.count() == 1
    services.item_sanitise(actor=people.ana, item=item, sanitised_content="A girl got in a car.")
    assert disclosures.count() == 2
    latest = disclosures.order_by("-id").first()
    assert latest.recipients == ["user:alice", "user:bob"]
    assert "new sanitised version" in latest.summary


def test_accepting_conditions_of_an_item_without_any_records_nothing(
    people, prepare, api_client_for
):
    from intelligence.models import ConditionsAcknowledgement

    item = prepare()
    disseminate(people, item, users=[people.alice])
    response = api_client_for(people.alice).post(f"/api/v1/intelligence/{item.pk}/acknowledge/")
    assert response.status_code == 200 and response.json()["sanitised_content"]
    assert not ConditionsAcknowledgement.objects.exists()
    assert not AuditEntry.objects.filter(summary__contains="conditions accepted").exists()
