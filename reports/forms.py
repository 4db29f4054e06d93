"""The reports pages' forms: each hands clean values to a service, which checks the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from cse_portal.fields import NARRATIVE_MAX_LENGTH, REASON_MAX_LENGTH

from .models import Frequency, ReportKind, ReportRun


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label="Report", choices=ReportKind.choices, widget=forms.RadioSelect)
    period = forms.CharField(
        label="Period",
        max_length=10,
        help_text="A quarter (2026-Q3) for the quarterly summary, a year (2026) for the annual "
        "review; a month, quarter or year for a problem profile.",
    )
    area = forms.CharField(
        label="Area (problem profiles only, optional)",
        max_length=8,
        required=False,
        help_text="A postcode area or district, such as S1. Leave blank for everywhere.",
    )

    def __init__(self, *args: Any, kinds: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds


class CommentaryForm(forms.Form):
    def __init__(self, *args: Any, run: ReportRun, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label, text in run.commentary_sections:
            self.fields[key] = forms.CharField(
                label=label,
                required=False,
                max_length=NARRATIVE_MAX_LENGTH,
                initial=text,
                widget=forms.Textarea,
            )


class ShareForm(forms.Form):
    recipients = forms.ModelMultipleChoiceField(
        label="Share with", queryset=None, widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(
        label="Why they need it", max_length=REASON_MAX_LENGTH, widget=forms.Textarea
    )

    def __init__(self, *args: Any, choices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipients"].queryset = choices
        self.fields["recipients"].label_from_instance = lambda user: (
            f"{user.get_full_name() or user.username} ({user.agency or 'no agency'})"
        )


class SubscriptionForm(forms.Form):
    kind = forms.ChoiceField(label="Report", choices=ReportKind.choices, widget=forms.RadioSelect)
    frequency = forms.ChoiceField(
        label="How often", choices=Frequency.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, kinds: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
