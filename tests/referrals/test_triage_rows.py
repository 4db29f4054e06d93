"""The triage queue's rows written by ``{% triage_rows %}`` are the markup the template wrote,
value for value and escaped the same, for every kind of referral."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.utils import timezone

from cse_portal.accounts.models import User
from referrals import selectors
from referrals.models import Referral

from .conftest import community_concern, self_referral, submit

pytestmark = pytest.mark.django_db

#: The rows as the queue's template wrote them before the tag.
TEMPLATE_ROWS = Template(
    "{% for row in rows %}{% with r=row.referral %}"
    '<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" '
    "href=\"{% cached_url 'referrals:triage' r.pk %}\">{{ r.reference }}</a>"
    '{% if r.urgent %} <strong class="govuk-tag govuk-tag--red">Urgent</strong>{% endif %}'
    '{% if r.held %} <strong class="govuk-tag govuk-tag--grey">Held</strong> '
    '<span class="govuk-body-s">over the hourly limit of its connection; nobody was notified'
    "</span>{% endif %}</td>"
    '<td class="govuk-table__cell">{% if r.kind == "professional" %}{{ r.referred_by }}, '
    '{{ r.referred_by.agency|default:"no agency" }}{% elif r.kind == "self" %}'
    '<strong class="govuk-tag govuk-tag--purple">Self-referral</strong>{% else %}'
    '<strong class="govuk-tag govuk-tag--yellow">Community information</strong> '
    "{{ r.community_concern.get_reporter_sector_display }}{% endif %}</td>"
    '<td class="govuk-table__cell">{% if r.young_person %}{{ r.young_person.full_name }}'
    '{% elif r.kind == "self" %}{{ r.self_referral.display_name }}, {{ r.self_referral.age }}'
    '{% elif r.kind == "community" %}{{ r.community_concern.place }}{% endif %}</td>'
    '<td class="govuk-table__cell">{{ r.submitted_at|timesince }}</td>'
    '<td class="govuk-table__cell">{% if row.overdue %}'
    '<strong class="govuk-tag govuk-tag--red">Overdue</strong> {% endif %}'
    '{{ row.due_at|date:"j M, H:i" }}</td></tr>\n'
    "{% endwith %}{% endfor %}"
)
TAG_ROWS = Template("{% load triage_rows %}{% triage_rows rows %}")


def test_the_rows_are_the_templates_rows(people):
    submit(people.frank, given_name="Amy <b>", family_name="O'Neil & Co", immediate_danger=True)
    submit(people.fiona)
    self_referral(name="Jo <i>")
    self_referral()
    community_concern(venue="Hotel <Riverside> & Spa")
    # One waiting for days: overdue; one held over its connection's hourly limit.
    first = Referral.objects.order_by("submitted_at").first()
    Referral.objects.filter(pk=first.pk).update(
        submitted_at=timezone.now() - dt.timedelta(days=9), held=True
    )
    # A referrer with no agency (an account before it was given one).
    User.objects.filter(pk=people.frank.pk).update(agency=None)
    queue = list(selectors.triage_queue(people.manager))
    rows = selectors.with_waiting_times(queue)
    assert len(rows) == 5
    context = Context({"rows": rows})
    written = TAG_ROWS.render(context)
    assert written == TEMPLATE_ROWS.render(context)
    for seen in ("Urgent", "Held", "Overdue", "Self-referral", "Community information"):
        assert seen in written
    assert "no agency" in written and people.fiona.agency.name in written
    assert "O&#x27;NEIL &amp; CO" in written or "O&#x27;Neil &amp; Co" in written
    assert "&lt;Riverside&gt;" in written and "<i>" not in written and "<b>" not in written
    assert re.search(r"\d+\xa0days", written)


def test_a_professional_referral_without_its_referrer_says_so(people):
    submit(people.frank)
    Referral.objects.update(referred_by=None)
    rows = selectors.with_waiting_times(selectors.triage_queue(people.manager))
    assert "Referrer not recorded" in TAG_ROWS.render(Context({"rows": rows}))
