"""Forms of the picture pages: the analysis's filters, the hot spots' period and closing an alert.
They check the shape of what was typed; who may do what is the services' and the funnel's."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from cse_portal.dates import EARLIEST
from cse_portal.fields import REASON_MAX_LENGTH
from cse_portal.forms import GovukDateField

from .models import GRADING_LEVELS, AlertOutcome
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


def _minimum_choices(field: str, anything: str) -> list[tuple[str, str]]:
    """The minimum grading's choices: each level but the least reliable (which keeps everything),
    with the codes of both schemes it keeps (``models.GRADING_LEVELS``)."""
    levels = GRADING_LEVELS[field]
    choices = [("", anything)]
    for position, (level, label, _codes) in enumerate(levels[:-1]):
        kept = levels[: position + 1]
        five = ", ".join(code for _l, _n, codes in kept for code in codes["5x5x5"])
        three = ", ".join(code for _l, _n, codes in kept for code in codes["3x5x2"])
        wording = f"{label} only" if position == 0 else f"{label}, or better"
        choices.append((level, f"{wording} (5x5x5 {five}; 3x5x2 {three})"))
    return choices


MIN_SOURCE_CHOICES = _minimum_choices("source_evaluation", "Any source")
MIN_INTELLIGENCE_CHOICES = _minimum_choices("intelligence_evaluation", "Any intelligence")
MIN_SOURCE_HINT = (
    "Only items whose source is at least this reliable, as the analyst re-graded it, or as "
    "submitted. Both schemes are read on the 3x5x2 scale: 5x5x5 A (always reliable) and B "
    "(mostly reliable) count as reliable; C (sometimes reliable) and E (untested) as untested; "
    "D (unreliable) as not reliable."
)
MIN_INTELLIGENCE_HINT = (
    "Only items whose information is at least this sound, as the analyst re-graded it, or as "
    "submitted. Both schemes are read on the 3x5x2 scale: 5x5x5 1 (known to be true) and 2 "
    "(known personally to the source) count as known directly; 3 (corroborated) as known "
    "indirectly and corroborated; 4 (cannot be judged) as not known to the source; 5 as "
    "suspected false."
)


def min_source_field() -> forms.ChoiceField:
    """The minimum source evaluation, the same on the analysis page and hot spots."""
    return forms.ChoiceField(
        label="Source at least",
        required=False,
        choices=MIN_SOURCE_CHOICES,
        help_text=MIN_SOURCE_HINT,
        error_messages={"invalid_choice": "Choose a minimum source evaluation from the list"},
    )


def min_intelligence_field() -> forms.ChoiceField:
    """The minimum intelligence evaluation, the same on the analysis page and hot spots."""
    return forms.ChoiceField(
        label="Intelligence at least",
        required=False,
        choices=MIN_INTELLIGENCE_CHOICES,
        help_text=MIN_INTELLIGENCE_HINT,
        error_messages={"invalid_choice": "Choose a minimum intelligence evaluation from the list"},
    )


def check_period(since: date | None, until: date | None) -> list[str]:
    for day in (since, until):
        if day and not (EARLIEST <= day <= date(2100, 12, 31)):
            return ["Give dates from 1900 to 2100"]
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
    min_source = min_source_field()
    min_intelligence = min_intelligence_field()

    def clean_district(self) -> str:
        return clean_district(self.cleaned_data.get("district", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for message in check_period(data.get("since"), data.get("until")):
            self.add_error("since", message)
        return data

    def grading_asked(self) -> list[str]:
        """The minimum grading asked, in words, for the line above the tables."""
        asked = []
        for name, choices, what in (
            ("min_source", MIN_SOURCE_CHOICES, "source"),
            ("min_intelligence", MIN_INTELLIGENCE_CHOICES, "intelligence"),
        ):
            value = self.cleaned_data.get(name)
            if value:
                asked.append(f"{what}: {dict(choices)[value]}")
        return asked

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
            min_source=data.get("min_source") or "",
            min_intelligence=data.get("min_intelligence") or "",
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
        label="Period",
        choices=HOT_SPOT_PERIODS,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose a period from the list"},
    )
    min_source = min_source_field()
    min_intelligence = min_intelligence_field()

    def since(self) -> Any:
        """The start of the period asked (the last 90 days when none or a bad one was given)."""
        days = int(self.cleaned_data.get("period") or "90")
        return timezone.now() - timedelta(days=days) if days else None

    def minimums(self) -> dict[str, str]:
        """The minimum grading asked (none where a bad one was given: its error is shown)."""
        return {
            name: self.cleaned_data.get(name) or "" for name in ("min_source", "min_intelligence")
        }


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
