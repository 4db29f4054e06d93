"""A regrading that forbids a recipient withdraws the item from them: handling code 5 is never
disseminated, not even by a dissemination made under an earlier code."""

from __future__ import annotations

import pytest

from cse_portal.audit.models import AuditEntry
from intelligence import permissions, services
from intelligence.models import DisseminationRecipient

from .conftest import submit

pytestmark = pytest.mark.django_db


def _regrade(people, item, code, conditions=""):
    return services.item_regrade(
        actor=people.ana,
        item=item,
        source_evaluation="B",
        intelligence_evaluation="2",
        handling_code=code,
        handling_conditions=conditions,
        reason="New information about the source",
    )


@pytest.fixture
def shared(people):
    item = submit(people.fiona, subjects=[])  # police, code 1
    services.item_sanitise(actor=people.ana, item=item, sanitised_content="A car, a girl.")
    services.item_disseminate(
        actor=people.ana,
        item=item,
        recipients=[people.alice, people.bob],
        recipient_agencies=[people.health],
        purpose="Safeguarding",
    )
    return item


def test_regrading_to_code_5_withdraws_every_recipient(people, shared, client_for):
    _regrade(people, shared, "5", "Refer to the originator")
    assert not permissions.received_items(people.alice).exists()
    assert not permissions.received_items(people.frank).exists()  # health, by agency
    assert client_for(people.alice).get(f"/intelligence/shared/{shared.pk}/").status_code == 404
    rows = DisseminationRecipient.objects.filter(dissemination__item=shared)
    assert all(row.withdrawn_at and "code 5" in row.withdrawn_reason for row in rows)
    entry = AuditEntry.objects.get(summary__contains="dissemination withdrawn")
    assert sorted(entry.recipients) == ["agency:Test Health Trust", "user:alice", "user:bob"]


def test_regrading_to_code_4_keeps_only_the_originating_agency(people, shared):
    _regrade(people, shared, "4")
    assert permissions.received_items(people.bob).filter(pk=shared.pk).exists()  # police
    assert not permissions.received_items(people.alice).exists()
    assert not permissions.received_items(people.frank).exists()


def test_a_regrading_the_recipients_still_allow_withdraws_nothing(people, shared):
    _regrade(people, shared, "1")
    assert not DisseminationRecipient.objects.filter(withdrawn_at__isnull=False).exists()
    assert not AuditEntry.objects.filter(summary__contains="withdrawn").exists()
    assert permissions.received_items(people.alice).filter(pk=shared.pk).exists()


def test_code_5_in_force_is_never_in_a_recipients_view_even_without_withdrawal(people, shared):
    # The second lock: were a row ever left live, the item's code 5 still hides it.
    from intelligence.models import IntelligenceItem

    IntelligenceItem.objects.filter(pk=shared.pk).update(
        analyst_handling_code="5", analyst_handling_conditions="Refer"
    )
    assert not permissions.received_items(people.alice).exists()
