"""``{% triage_rows rows %}``: the rows of the triage queue's table.

The queue is read many times a day by the whole team, and the template engine spent most of its
render on these rows (each a dozen variables through branches and filters). The same markup is
written here once a row, every value escaped by ``format_html``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince

from cse_portal.templatetags.dates import date
from cse_portal.templatetags.links import cached_reverse

register = template.Library()

_ROW = (
    '<tr class="govuk-table__row">'
    '<td class="govuk-table__cell"><a class="govuk-link" href="{}">{}</a>{}</td>'
    '<td class="govuk-table__cell">{}</td>'
    '<td class="govuk-table__cell">{}</td>'
    '<td class="govuk-table__cell">{}</td>'
    '<td class="govuk-table__cell">{}{}</td>'
    "</tr>\n"
)
_URGENT = mark_safe(' <strong class="govuk-tag govuk-tag--red">Urgent</strong>')
_HELD = mark_safe(
    ' <strong class="govuk-tag govuk-tag--grey">Held</strong> <span class="govuk-body-s">over the'
    " hourly limit of its connection; nobody was notified</span>"
)
_OVERDUE = mark_safe('<strong class="govuk-tag govuk-tag--red">Overdue</strong> ')


def _source(referral: Any) -> SafeString:
    if referral.kind == "professional":
        referrer = referral.referred_by
        if referrer is None:  # a referral made before its referrer was recorded
            return mark_safe("Referrer not recorded")
        return format_html("{}, {}", referrer, referrer.agency or "no agency")
    if referral.kind == "self":
        return mark_safe('<strong class="govuk-tag govuk-tag--purple">Self-referral</strong>')
    return format_html(
        '<strong class="govuk-tag govuk-tag--yellow">Community information</strong> {}',
        referral.community_concern.get_reporter_sector_display(),
    )


def _about(referral: Any) -> SafeString:
    if referral.young_person:
        return format_html("{}", referral.young_person.full_name)
    if referral.kind == "self":
        details = referral.self_referral
        return format_html("{}, {}", details.display_name, details.age)
    if referral.kind == "community":
        return format_html("{}", referral.community_concern.place)
    return mark_safe("")


@register.simple_tag
def triage_rows(rows: Iterable[Any]) -> SafeString:
    """One ``<tr>`` a referral waiting: its reference (linked to triage) with its urgent and held
    tags, who it is from, who or what it is about, how long it has waited and when it is due."""
    written = []
    for row in rows:
        referral = row.referral
        tags = (_URGENT if referral.urgent else "") + (_HELD if referral.held else "")
        written.append(
            format_html(
                _ROW,
                cached_reverse("referrals:triage", referral.pk),
                referral.reference,
                mark_safe(tags),  # noqa: S308 (the constant tags above)
                _source(referral),
                _about(referral),
                timesince(referral.submitted_at) if referral.submitted_at else "",
                _OVERDUE if row.overdue else "",
                date(timezone.localtime(row.due_at), "j M, H:i"),
            )
        )
    return mark_safe("".join(written))  # noqa: S308 (each row built by format_html above)
