"""Forms of the picture pages: the analysis's filters, the hot spots' period and closing an alert.
They check the shape of what was typed; who may do what is the services' and the funnel's."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from cse_portal.fields import REASON_MAX_LENGTH
from cse_portal.forms import GovukDateField

from .models import AlertOutcome
from .network import DEFAULT_PER_KIND, GROUP_HEADING, GROUP_NAMES, Filters

#: A postcode district, the first half of a postcode: S1, M14, SW1A, B3.
DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")
#: The longest period one analysis covers: the statement's cost follows the items in it.
MAX_PERIOD_DAYS = 5 * 366


def clean_district(value: str) -> str:
    district = (value or "").strip().upper()
    if district and not DISTRICT.match(district):
        raise forms.ValidationError(
            "Enter a postcode district, the first half of a postcode, like S1 or M14"
        )
    return district


def check_period(since: date | None, until: date | None) -> list[str]:
    if since and until and since > until:
        return ["The start of the period must be on or before its end"]
    if since and until and (until - since).days > MAX_PERIOD_DAYS:
        return ["The period can be at most 5 years"]
    return []


class PictureFilterForm(forms.Form):
    """The analysis page's filters (GET): everything optional, the last 90 days by default."""

    since = GovukDateField(label="From", required=False, past_only=True)
    until = GovukDateField(label="To", required=False)
    district = forms.CharField(
        label="Postcode district",
        required=False,
        max_length=4,
        help_text="The first half of a postcode, like S1. Leave empty for the whole area.",
    )
    kind = forms.MultipleChoiceField(
        label="Show",
        required=False,
        choices=[(group, GROUP_HEADING[group]) for group in GROUP_NAMES],
        widget=forms.CheckboxSelectMultiple,
    )
    min_links = forms.IntegerField(
        label="Linked to at least this many young people",
        required=False,
        min_value=1,
        max_value=100,
        error_messages={
            "invalid": "Enter a whole number of young people, like 2",
            "min_value": "Enter 1 or more young people",
            "max_value": "Enter 100 or fewer young people",
        },
    )

    def clean_district(self) -> str:
        return clean_district(self.cleaned_data.get("district", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for message in check_period(data.get("since"), data.get("until")):
            self.add_error("since", message)
        return data

    def filters(self) -> Filters:
        """The filters asked for (call after ``is_valid``); defaults for what was left empty."""
        data = self.cleaned_data
        today = timezone.localdate()
        until = data.get("until") or today
        since = data.get("since") or (until - timedelta(days=90))
        return Filters(
            since=since,
            until=until,
            district=data.get("district", ""),
            groups=tuple(g for g in GROUP_NAMES if g in (data.get("kind") or GROUP_NAMES)),
            min_links=data.get("min_links") or 1,
            per_kind=DEFAULT_PER_KIND,
        )


#: The hot spots' periods, in days (0: all time).
HOT_SPOT_PERIODS = [
    ("30", "Last 30 days"),
    ("90", "Last 90 days"),
    ("365", "Last year"),
    ("0", "All time"),
]


class HotSpotsForm(forms.Form):
    period = forms.ChoiceField(
        label="Period", choices=HOT_SPOT_PERIODS, required=False, widget=forms.RadioSelect
    )

    def since(self) -> Any:
        days = int(self.cleaned_data.get("period") or "90")
        return timezone.now() - timedelta(days=days) if days else None


class AlertCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=AlertOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome of the alert"},
    )
    reason = forms.CharField(
        label="Reason",
        help_text="What was done, or why nothing more will be: the next analyst reads this.",
        widget=forms.Textarea,
        max_length=REASON_MAX_LENGTH,
        error_messages={"required": "Give the reason for closing the alert"},
    )

    def __init__(self, *args: Any, outcomes: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if outcomes is not None:
            self.fields["outcome"].choices = [
                (value, label) for value, label in AlertOutcome.choices if value in outcomes
            ]
