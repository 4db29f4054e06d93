"""Who intelligence tells, through the core's outbox: each recipient of a dissemination (a named
user, or the users of a recipient agency), and the analysts of a high-priority submission. The
emails hold a reference and a link, never the intelligence."""

from __future__ import annotations

import pytest
from django.core import mail

from cse_portal.accounts import services as account_services
from cse_portal.notifications import services as outbox
from cse_portal.notifications.models import Notification
from intelligence import services

from .conftest import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def emails(people):
    for user in people.all_staff().values():
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    return people


def _shared(people, **grading):
    item = submit(people.frank, subjects=[], **grading)
    return services.item_sanitise(actor=people.ana, item=item, sanitised_content="A car, a girl.")


def test_a_named_recipient_is_told_with_a_link_and_no_content(
    emails, django_capture_on_commit_callbacks
):
    people = emails
    item = _shared(people)
    with django_capture_on_commit_callbacks(execute=True):
        services.item_disseminate(
            actor=people.ana, item=item, recipients=[people.alice], purpose="Safeguarding"
        )
    (message,) = mail.outbox
    assert message.to == ["alice@example.org"]
    assert item.reference in message.subject
    assert f"/intelligence/shared/{item.pk}/" in message.body
    for secret in ("A car, a girl", "Patel", "Kebab King", "B2"):
        assert secret not in message.body + message.subject
    assert Notification.objects.get(key__startswith="intelligence:shared:").sent_at


def test_an_agency_recipient_tells_its_staff_who_may_receive_intelligence(
    emails, django_capture_on_commit_callbacks
):
    people = emails
    item = _shared(people)
    with django_capture_on_commit_callbacks(execute=True):
        services.item_disseminate(
            actor=people.ana,
            item=item,
            recipient_agencies=[people.social_care],
            purpose="Safeguarding",
        )
    (message,) = mail.outbox
    assert sorted(message.to) == ["alice@example.org", "manager@example.org"]


def test_a_notice_is_addressed_when_sent_so_a_withdrawn_recipient_is_not_written_to(
    emails, django_capture_on_commit_callbacks
):
    people = emails
    item = _shared(people)
    services.item_disseminate(
        actor=people.ana, item=item, recipients=[people.alice], purpose="Safeguarding"
    )
    # Not yet sent (the broker was down, say) when the analyst regrades it to code 5.
    services.item_regrade(
        actor=people.ana,
        item=item,
        source_evaluation="B",
        intelligence_evaluation="2",
        handling_code="5",
        handling_conditions="Refer to the originator",
        reason="The source is at risk",
    )
    assert outbox.notifications_send_pending() == 1
    assert mail.outbox == []


def test_a_deactivated_recipient_is_not_written_to(emails):
    people = emails
    item = _shared(people)
    services.item_disseminate(
        actor=people.ana, item=item, recipients=[people.alice], purpose="Safeguarding"
    )
    account_services.user_deactivate(user=people.alice, changed_by=None)
    outbox.notifications_send_pending()
    assert mail.outbox == []


def test_a_conditions_item_says_they_must_be_accepted(emails, django_capture_on_commit_callbacks):
    people = emails
    item = _shared(
        people,
        scheme="3x5x2",
        source_evaluation="2",
        intelligence_evaluation="B",
        handling_code="C",
        handling_conditions="Not to be shared with the family",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.item_disseminate(
            actor=people.ana, item=item, recipients=[people.bob], purpose="Safeguarding"
        )
    (message,) = mail.outbox
    assert "accepted before it can be read" in message.body
    assert "family" not in message.body


def test_a_high_priority_submission_emails_the_analysts_once(
    emails, django_capture_on_commit_callbacks
):
    people = emails
    with django_capture_on_commit_callbacks(execute=True):
        item = submit(people.frank, priority="high")
        submit(people.frank, priority="medium")
    (message,) = mail.outbox
    assert message.to == ["ana@example.org"]
    assert f"/intelligence/desk/{item.pk}/" in message.body
    assert "Jade" not in message.body and "Kebab" not in message.body
    assert Notification.objects.filter(key=f"intelligence:{item.pk}:high").count() == 1


def test_an_unknown_audience_key_reaches_nobody(emails):
    notification = Notification.objects.create(
        key="intelligence:shared:not-a-number",
        recipient_role="intelligence_recipient",
        subject="x",
        body="y",
    )
    assert outbox.notification_emails(notification) == []
