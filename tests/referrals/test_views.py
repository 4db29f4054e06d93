"""The staff pages of referrals: the ladder (``tests/ladder.py``) over the table of pages, then
each page's behaviour."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from cse_portal.young_people.models import PartnerOfferStatus
from cse_portal.young_people.permissions import can_view_young_person
from referrals import services
from referrals.models import Decision, Referral, ReferralStatus
from tests.factories import make_young_person
from tests.ladder import Ladder, Page
from tests.personas import People

from .conftest import offer_to_partner, self_referral, submit

pytestmark = pytest.mark.django_db

STAFF = ["manager", "alice", "bob", "frank", "fiona", "ana", "lucy", "adam"]


def _franks(name: str, make: Callable[[People], Referral]) -> Callable[[People], str]:
    return lambda p: reverse(f"referrals:{name}", kwargs={"pk": make(p).pk})


def _draft(people: People) -> Referral:
    return services.referral_save_draft(referred_by=people.frank, given_name="Skye")


def _submitted(people: People) -> Referral:
    return submit(people.frank)


def _offer_response(people: People) -> str:
    outcome = offer_to_partner(people)
    return reverse(
        "referrals:offer_response", kwargs={"pk": outcome.referral_id, "decision_pk": outcome.pk}
    )


# Every staff role may refer and list its own referrals: those pages refuse nobody signed in.
PAGES = [
    Page("new", lambda p: reverse("referrals:new"), "frank", "", 0, "Make a referral"),
    Page("mine", lambda p: reverse("referrals:mine"), "frank", "", 0, "My referrals"),
    Page("detail", _franks("detail", _submitted), "frank", "fiona", 404, "Awaiting triage"),
    Page("edit", _franks("edit", _draft), "frank", "fiona", 404, 'value="Skye"'),
    Page("queue", lambda p: reverse("referrals:queue"), "manager", "alice", 403, "Triage"),
    Page("triage", _franks("triage", _submitted), "manager", "alice", 404, "Decision"),
    Page(
        "offer_response",
        _offer_response,
        "manager",
        "frank",
        404,
        "",
        method="post",
        data={"status": "accepted"},
    ),
]


class TestLadder(Ladder):
    PAGES = PAGES
    HOME = "/referrals/"


# --- Make a referral -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", STAFF)
def test_every_staff_role_may_refer(people, client_for, persona):
    response = client_for(getattr(people, persona)).get(reverse("referrals:new"))
    assert response.status_code == 200
    assert "Make a referral to the CSE team" in response.text


def test_the_indicators_are_the_assessment_items_grouped_by_section(people, client_for):
    response = client_for(people.frank).get(reverse("referrals:new"))
    assert 'value="groom_older_partner"' in response.text
    assert "Grooming and relationships" in response.text


def test_every_error_is_summarised_and_nothing_typed_is_lost(people, client_for):
    response = client_for(people.frank).post(
        reverse("referrals:new"),
        {"action": "submit", "given_name": "Skye", "consent": "refused", "other_agencies": "CAMHS"},
    )
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert 'href="#id_family_name"' in response.text
    assert 'href="#id_sharing_basis"' in response.text
    assert 'value="Skye"' in response.text
    assert "CAMHS</textarea>" in response.text
    assert response.context["form"].data["consent"] == "refused"
    assert not Referral.objects.exists()


def test_format_errors_and_what_is_missing_are_shown_in_one_round(people, client_for):
    response = client_for(people.frank).post(
        reverse("referrals:new"),
        {
            "action": "submit",
            "given_name": "Skye",
            "family_name": "Thornton",
            "date_of_birth_0": "31",
            "date_of_birth_1": "2",
            "date_of_birth_2": "2011",
            "postcode": "not a postcode",
            "consent": "refused",
        },
    )
    for field_id in ("date_of_birth_0", "postcode", "concerns", "immediate_danger_0"):
        assert f'href="#id_{field_id}"' in response.text
    assert "Enter why you are sharing this information without consent" in response.text
    assert not Referral.objects.exists()


def test_a_draft_is_saved_and_shown_again(people, client_for):
    client = client_for(people.frank)
    response = client.post(
        reverse("referrals:new"),
        {
            "action": "draft",
            "given_name": "Skye",
            "concerns": "Half written",
            "indicators": ["groom_cars"],
        },
    )
    draft = Referral.objects.get()
    assert draft.status == ReferralStatus.DRAFT
    assert response["Location"] == reverse("referrals:edit", kwargs={"pk": draft.pk})
    page = client.get(response["Location"])
    assert "Half written</textarea>" in page.text
    assert 'value="groom_cars" checked' in page.text


def test_a_draft_is_submitted_from_its_page(people, client_for):
    client = client_for(people.frank)
    draft = services.referral_save_draft(referred_by=people.frank, given_name="Skye")
    response = client.post(
        reverse("referrals:edit", kwargs={"pk": draft.pk}),
        {
            "action": "submit",
            "given_name": "Skye",
            "family_name": "Thornton",
            "date_of_birth_0": "3",
            "date_of_birth_1": "4",
            "date_of_birth_2": "2011",
            "concerns": "Older men, cars",
            "immediate_danger": "no",
            "consent": "given",
        },
    )
    assert response["Location"] == reverse("referrals:detail", kwargs={"pk": draft.pk})
    draft.refresh_from_db()
    assert draft.status == ReferralStatus.SUBMITTED


def test_another_users_draft_is_not_found(people, client_for):
    draft = services.referral_save_draft(referred_by=people.frank, given_name="Skye")
    response = client_for(people.fiona).get(reverse("referrals:edit", kwargs={"pk": draft.pk}))
    assert response.status_code == 404


def _maya_post(people) -> dict[str, str]:
    dob = people.maya.date_of_birth
    return {
        "action": "submit",
        "given_name": "Maya",
        "family_name": "Whitfield",
        "date_of_birth_0": str(dob.day),
        "date_of_birth_1": str(dob.month),
        "date_of_birth_2": str(dob.year),
        "concerns": "Older boyfriend",
        "immediate_danger": "no",
        "consent": "given",
    }


def test_a_frontline_referrer_learns_nothing_of_an_existing_record(people, client_for):
    form = client_for(people.frank).get(reverse("referrals:new"))
    assert "We will check for an existing record" in form.text
    response = client_for(people.frank).post(reverse("referrals:new"), _maya_post(people))
    referral = Referral.objects.get()
    assert referral.young_person == people.maya  # linked silently
    page = client_for(people.frank).get(response["Location"])
    assert reverse("young_people:detail", kwargs={"pk": people.maya.pk}) not in page.text
    assert str(people.maya.pk) not in page.text


def test_a_practitioner_confirms_a_match_it_may_see(people, client_for):
    client = client_for(people.alice)
    response = client.post(reverse("referrals:new"), _maya_post(people))
    assert response.status_code == 200
    assert f'value="{people.maya.pk}"' in response.text
    assert not Referral.objects.exists()
    response = client.post(
        reverse("referrals:new"), {**_maya_post(people), "existing_record": str(people.maya.pk)}
    )
    assert response.status_code == 302
    assert Referral.objects.get().young_person == people.maya


def test_saying_yes_to_immediate_danger_tells_the_referrer_to_call_999(people, client_for):
    client = client_for(people.frank)
    said = "You said the young person is in immediate danger"
    assert said not in client.get(reverse("referrals:new")).text
    response = client.post(
        reverse("referrals:new"), {"action": "submit", "immediate_danger": "yes"}
    )
    assert said in response.text
    response = client.post(
        reverse("referrals:new"), {**_maya_post(people), "immediate_danger": "yes"}, follow=True
    )
    assert "call 999 now" in response.text
    assert Referral.objects.get().urgent


# --- My referrals and the referrer's page --------------------------------------------------------


def test_my_referrals_lists_only_mine_with_status_and_outcome(people, client_for):
    mine = submit(people.frank)
    theirs = submit(people.fiona, given_name="Ruby")
    services.referral_triage(
        referral=mine, decided_by=people.manager, decision=Decision.SIGNPOST, reason="GP"
    )
    response = client_for(people.frank).get(reverse("referrals:mine"))
    assert mine.reference in response.text
    assert theirs.reference not in response.text
    assert "Signposted to other services" in response.text


def test_the_referrer_sees_the_outcome_but_never_the_case_file(people, client_for):
    referral = submit(people.frank)
    services.referral_triage(
        referral=referral,
        decided_by=people.manager,
        decision=Decision.ALLOCATE,
        practitioners=[people.alice],
        reason="Reason kept from the referrer",
    )
    response = client_for(people.frank).get(reverse("referrals:detail", kwargs={"pk": referral.pk}))
    assert response.status_code == 200
    assert "Allocated to the CSE team" in response.text
    assert "Reason kept from the referrer" not in response.text
    assert "/young-people/" not in response.text


@pytest.mark.parametrize("persona", ["fiona", "alice", "manager"])
def test_someone_elses_referral_page_is_not_found(people, client_for, persona):
    referral = submit(people.frank)
    response = client_for(getattr(people, persona)).get(
        reverse("referrals:detail", kwargs={"pk": referral.pk})
    )
    assert response.status_code == 404


# --- Triage --------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["alice", "frank", "ana", "lucy", "adam"])
def test_only_the_team_manager_sees_the_queue(people, client_for, persona):
    assert client_for(getattr(people, persona)).get(reverse("referrals:queue")).status_code == 403


def test_the_queue_puts_urgent_first_then_oldest_and_marks_overdue(people, client_for):
    import datetime as dt

    old = submit(people.frank)
    Referral.objects.filter(pk=old.pk).update(submitted_at=old.submitted_at - dt.timedelta(days=7))
    urgent = submit(people.fiona, given_name="Ruby", immediate_danger=True)
    concern = self_referral()
    response = client_for(people.manager).get(reverse("referrals:queue"))
    order = [row.referral.pk for row in response.context["rows"]]
    assert order == [urgent.pk, old.pk, concern.pk]
    assert [row.overdue for row in response.context["rows"]] == [False, True, False]
    assert "Overdue" in response.text
    assert "Self-referral" in response.text


@pytest.mark.parametrize("persona", ["alice", "frank"])
def test_the_triage_page_is_not_found_for_others(people, client_for, persona):
    referral = submit(people.frank)
    response = client_for(getattr(people, persona)).get(
        reverse("referrals:triage", kwargs={"pk": referral.pk})
    )
    assert response.status_code == 404


def test_triage_offers_the_similar_record_a_referral_was_not_linked_to(people, client_for):
    liam = make_young_person(people.manager, given_name="Liam", family_name="Carter")
    referral = submit(
        people.frank,
        given_name="Liam",
        family_name="Carver",
        date_of_birth=liam.date_of_birth,
        postcode=liam.postcode,
    )
    url = reverse("referrals:triage", kwargs={"pk": referral.pk})
    page = client_for(people.manager).get(url)
    assert reverse("young_people:detail", kwargs={"pk": liam.pk}) in page.text
    linking = client_for(people.manager).get(url, {"decision": "link"})
    assert f'value="{liam.pk}"' in linking.text
    assert "Liam Carter</a>, born" in page.text


def test_opening_a_referral_for_triage_is_audited(people, client_for):
    from cse_portal.audit.models import AuditEntry

    referral = submit(people.frank)
    response = client_for(people.manager).get(
        reverse("referrals:triage", kwargs={"pk": referral.pk})
    )
    assert response.status_code == 200
    assert referral.concerns in response.text
    assert AuditEntry.objects.filter(
        action="consult", object_id=str(referral.pk), subject_id=str(referral.young_person_id)
    ).exists()


def _triage_url(referral: Referral) -> str:
    return reverse("referrals:triage", kwargs={"pk": referral.pk})


def test_the_triage_page_first_asks_for_the_decision_and_offers_linking_once(people, client_for):
    response = client_for(people.manager).get(_triage_url(submit(people.frank)))
    assert 'name="decision"' in response.text
    assert "textarea" not in response.text
    assert response.text.count("Link to a young person") == 1


def test_continuing_without_a_decision_asks_for_one(people, client_for):
    response = client_for(people.manager).get(_triage_url(submit(people.frank)), {"choose": "1"})
    assert 'href="#id_decision_0"' in response.text
    assert "Select a decision" in response.text


# Each decision's form shows its own fields and no other decision's.
DECISION_FIELDS = ["practitioners", "partner_agency", "duplicate_of", "young_person"]


@pytest.mark.parametrize(
    ("decision", "shown"),
    [
        (Decision.ALLOCATE, {"practitioners"}),
        (Decision.ASSESS, set()),
        (Decision.PARTNER_AGENCY, {"partner_agency"}),
        (Decision.SIGNPOST, set()),
        (Decision.NO_FURTHER_ACTION, set()),
        (Decision.DUPLICATE, {"duplicate_of"}),
        (Decision.LINK, {"young_person"}),
    ],
)
def test_each_decision_shows_only_what_it_needs(people, client_for, decision, shown):
    # A referral naming Noah lists his record as a possible match to link.
    response = client_for(people.manager).get(
        _triage_url(submit(people.frank, given_name="Noah", family_name="Ellison")),
        {"decision": decision},
    )
    present = {name for name in DECISION_FIELDS if f'name="{decision}-{name}"' in response.text}
    assert present == shown
    assert f'name="{decision}-reason"' in response.text


def test_the_team_manager_allocates_from_the_triage_page(people, client_for):
    referral = submit(people.frank)
    response = client_for(people.manager).post(
        _triage_url(referral),
        {
            "decision": "allocate",
            "allocate-practitioners": [str(people.bob.pk)],
            "allocate-reason": "High risk",
        },
    )
    assert response["Location"] == reverse("referrals:queue")
    assert can_view_young_person(people.bob, referral.young_person)


def test_every_triage_error_is_summarised_at_once(people, client_for):
    response = client_for(people.manager).post(
        _triage_url(self_referral()), {"decision": "partner_agency"}
    )
    assert response.status_code == 200
    for field_id in ("partner_agency-partner_agency", "partner_agency-reason"):
        assert f'href="#id_{field_id}"' in response.text
    assert "Link this referral to a young person" in response.text


def test_a_record_the_manager_cannot_link_is_named_on_the_form(people, client_for):
    merged_away = people.noah
    merged_away.merged_into = people.maya
    merged_away.save(update_fields=["merged_into"])
    response = client_for(people.manager).post(
        _triage_url(self_referral()),
        {"decision": "link", "link-young_person": str(merged_away.pk), "link-reason": "Known"},
    )
    assert 'href="#id_link-young_person"' in response.text
    assert Referral.objects.get().young_person is None


def test_the_team_manager_links_a_self_referral_found_by_name(people, client_for):
    referral = self_referral()
    client = client_for(people.manager)
    page = client.get(_triage_url(referral), {"decision": "link", "find": "Noah"})
    assert f'value="{people.noah.pk}"' in page.text
    client.post(
        _triage_url(referral),
        {"decision": "link", "link-young_person": str(people.noah.pk), "link-reason": "Known"},
    )
    referral.refresh_from_db()
    assert referral.young_person == people.noah


def test_the_partner_agencys_reply_is_recorded(people, client_for):
    outcome = offer_to_partner(people)
    url = reverse(
        "referrals:offer_response", kwargs={"pk": outcome.referral_id, "decision_pk": outcome.pk}
    )
    assert client_for(people.frank).post(url, {"status": "accepted"}).status_code == 404
    client_for(people.manager).post(url, {"status": "accepted"})
    outcome.partner_offer.refresh_from_db()
    assert outcome.partner_offer.status == PartnerOfferStatus.ACCEPTED
