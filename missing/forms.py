"""The pages' forms: parse and check what was typed; the rules are the services'."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone

from assessments.selectors import indicator_choices
from cse_portal.accounts.models import Agency
from cse_portal.fields import (
    NARRATIVE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    SHORT_TEXT_MAX_LENGTH,
)
from cse_portal.forms import GovukDateField
from intelligence.models import GRADING_CODES, Priority, Scheme

from .models import GRADES_GIVEN, AttemptMethod, AttemptOutcome, ReturnMethod

GRADE_CHOICES = [(g.value, g.label) for g in GRADES_GIVEN]
TIME_PATTERN = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")


GRADE_REQUIRED = "Choose the police risk grade: no apparent risk, low, medium or high"


def _indicator_choices() -> list[tuple[str, str]]:
    return [(code, text) for _section, items in indicator_choices() for code, text in items]


class WhenMixin(forms.Form):
    """A date and a time typed as two fields (the GOV.UK date input and "21:30"), combined into
    an aware datetime in UK time by ``when(prefix)``."""

    WHEN: tuple[tuple[str, str], ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for prefix, label in self.WHEN:
            self.fields[f"{prefix}_date"] = GovukDateField(
                label=f"Date {label}",
                past_only=True,
                help_text="For example, 27 3 2026",
                error_messages={"required": f"Enter the date {label}"},
            )
            self.fields[f"{prefix}_time"] = forms.CharField(
                label=f"Time {label}",
                help_text="24-hour clock, for example 21:30",
                max_length=5,
                error_messages={"required": f"Enter the time {label}, like 21:30"},
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for prefix, _label in self.WHEN:
            text = (data.get(f"{prefix}_time") or "").strip()
            if text and not TIME_PATTERN.fullmatch(text):
                self.add_error(f"{prefix}_time", "Enter a time like 21:30")
        return data

    def when(self, prefix: str) -> datetime | None:
        day = self.cleaned_data.get(f"{prefix}_date")
        match = TIME_PATTERN.fullmatch((self.cleaned_data.get(f"{prefix}_time") or "").strip())
        if day is None or match is None:
            return None
        return timezone.make_aware(
            datetime.combine(day, time(int(match.group(1)), int(match.group(2))))
        )


class EpisodeReportForm(WhenMixin):
    WHEN = (("missing", "last seen"),)

    given_name = forms.CharField(label="First name", max_length=100, required=False)
    family_name = forms.CharField(label="Last name", max_length=100, required=False)
    date_of_birth = GovukDateField(
        label="Date of birth", past_only=True, required=False, help_text="For example, 17 5 2011"
    )
    estimated_age = forms.IntegerField(
        label="Estimated age, if the date of birth is not known",
        min_value=0,
        max_value=25,
        required=False,
    )
    postcode = forms.CharField(max_length=8, required=False)
    looked_after = forms.BooleanField(
        label="The young person is looked after (in care)", required=False
    )
    last_seen = forms.CharField(
        label="Where were they last seen, and with whom?",
        widget=forms.Textarea,
        max_length=SHORT_TEXT_MAX_LENGTH,
        error_messages={"required": "Say where the young person was last seen"},
    )
    circumstances = forms.CharField(
        label="Circumstances",
        widget=forms.Textarea,
        max_length=NARRATIVE_MAX_LENGTH,
        required=False,
    )
    clothing = forms.CharField(
        label="What were they wearing?",
        widget=forms.Textarea,
        max_length=SHORT_TEXT_MAX_LENGTH,
        required=False,
    )
    reported_to_police_by = forms.CharField(
        label="Who reported it to the police?", max_length=200, required=False
    )
    police_reference = forms.CharField(label="Police reference", max_length=40, required=False)
    risk_grade = forms.ChoiceField(
        label="Police risk grade",
        choices=GRADE_CHOICES,
        widget=forms.RadioSelect,
        help_text="As the police gave it",
        error_messages={"required": GRADE_REQUIRED},
    )


class ReturnForm(WhenMixin):
    WHEN = (("returned", "they came back or were found"),)

    found_name = forms.CharField(
        label="Where were they found? (place name)", max_length=200, required=False
    )
    found_address = forms.CharField(
        label="Address", max_length=SHORT_TEXT_MAX_LENGTH, required=False
    )
    found_postcode = forms.CharField(label="Postcode", max_length=8, required=False)
    found_with = forms.CharField(
        label="Who were they with?",
        widget=forms.Textarea,
        max_length=SHORT_TEXT_MAX_LENGTH,
        required=False,
    )
    return_method = forms.ChoiceField(
        label="How did they come back?",
        choices=ReturnMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the young person came back"},
    )
    cse_indicators = forms.MultipleChoiceField(
        label="CSE indicators seen",
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cse_indicators"].choices = _indicator_choices()


class RiskGradeForm(forms.Form):
    risk_grade = forms.ChoiceField(
        label="New police risk grade",
        choices=GRADE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": GRADE_REQUIRED},
    )
    reason = forms.CharField(
        label="Why has it changed?",
        widget=forms.Textarea,
        max_length=REASON_MAX_LENGTH,
        required=False,
    )


class AssignForm(forms.Form):
    agency = forms.ModelChoiceField(
        label="Agency offering the interview",
        queryset=Agency.objects.none(),
        empty_label="Choose",
        error_messages={"required": "Choose the agency offering the interview"},
    )
    interviewer = forms.ChoiceField(
        label="Interviewer",
        choices=(),
        error_messages={"required": "Choose who will offer the interview"},
    )
    independence_note = forms.CharField(
        label="If they are allocated to the young person, why should they interview?",
        widget=forms.Textarea,
        max_length=REASON_MAX_LENGTH,
        required=False,
    )

    def __init__(self, *args: Any, interviewers: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(is_active=True).order_by("name")
        self.fields["interviewer"].choices = [("", "Choose")] + [
            (str(u.pk), f"{u.get_full_name() or u.username} ({u.username})") for u in interviewers
        ]


class AttemptForm(WhenMixin):
    WHEN = (("attempted", "you tried"),)

    method = forms.ChoiceField(
        label="How?",
        choices=AttemptMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you tried to reach the young person"},
    )
    outcome = forms.ChoiceField(
        label="What happened?",
        choices=AttemptOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happened"},
    )
    note = forms.CharField(
        label="Note", widget=forms.Textarea, max_length=REASON_MAX_LENGTH, required=False
    )


def _narrative(label: str, required: str = "") -> forms.CharField:
    """A long answer; ``required`` is the message when it is left empty (optional if none)."""
    return forms.CharField(
        label=label,
        widget=forms.Textarea,
        max_length=NARRATIVE_MAX_LENGTH,
        required=bool(required),
        error_messages={"required": required} if required else None,
    )


class InterviewForm(WhenMixin):
    WHEN = (("held", "the interview was held"),)

    location_held = forms.CharField(
        label="Where was the interview held?",
        max_length=200,
        error_messages={"required": "Say where the interview was held"},
    )
    where_been = _narrative(
        "Where had the young person been?",
        required="Say where the young person had been, or that they did not say",
    )
    with_whom = _narrative("Who were they with?")
    travel = _narrative("How did they get there and back?")
    push_factors = _narrative("Push factors (what made them leave)")
    pull_factors = _narrative("Pull factors (what drew them away)")
    harm_disclosed = _narrative("Harm disclosed")
    cse_indicators = forms.MultipleChoiceField(
        label="CSE indicators",
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply",
    )
    child_wishes = _narrative("What does the young person want to happen?")
    child_words = _narrative("The young person's own words")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cse_indicators"].choices = _indicator_choices()


class DeclineForm(WhenMixin):
    WHEN = (("declined", "they declined"),)

    declined_reason = forms.CharField(
        label="What did the young person say?",
        widget=forms.Textarea,
        max_length=REASON_MAX_LENGTH,
        error_messages={"required": "Say what the young person said, or why it was declined"},
    )
    carers_offered = forms.BooleanField(
        label="The parents or carers were offered the chance to give information", required=False
    )
    carers_information = _narrative("What the parents or carers said")


def _codes(name: str) -> list[tuple[str, str]]:
    return [
        (code, f"{code}: {text}") for code, text in GRADING_CODES[Scheme.FIVE_BY_FIVE][name].items()
    ]


SUBJECT_ROWS = 3


class FindingsForm(forms.Form):
    """The interview's findings as intelligence: graded 5x5x5, with the places, people, vehicles
    and phones it mentions (three of each; send again from the intelligence pages for more)."""

    content = forms.CharField(
        label="What the interview found",
        widget=forms.Textarea,
        max_length=NARRATIVE_MAX_LENGTH,
        error_messages={"required": "Say what the interview found"},
    )
    source_evaluation = forms.ChoiceField(
        label="Source evaluation", choices=_codes("source_evaluation"), initial="C"
    )
    intelligence_evaluation = forms.ChoiceField(
        label="Intelligence evaluation", choices=_codes("intelligence_evaluation"), initial="2"
    )
    handling_code = forms.ChoiceField(
        label="Handling code", choices=_codes("handling_code"), initial="2"
    )
    handling_conditions = forms.CharField(
        label="Handling conditions (for code 5)", max_length=REASON_MAX_LENGTH, required=False
    )
    priority = forms.ChoiceField(
        label="Priority",
        choices=Priority.choices,
        initial=Priority.MEDIUM,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, SUBJECT_ROWS + 1):
            self.fields[f"place_{n}_name"] = forms.CharField(
                label=f"Place {n}: name", max_length=200, required=False
            )
            self.fields[f"place_{n}_postcode"] = forms.CharField(
                label=f"Place {n}: postcode", max_length=8, required=False
            )
            self.fields[f"person_{n}_name"] = forms.CharField(
                label=f"Person {n}: name or nickname", max_length=200, required=False
            )
            self.fields[f"person_{n}_description"] = forms.CharField(
                label=f"Person {n}: description", max_length=500, required=False
            )
            self.fields[f"vehicle_{n}_registration"] = forms.CharField(
                label=f"Vehicle {n}: registration", max_length=12, required=False
            )
            self.fields[f"vehicle_{n}_description"] = forms.CharField(
                label=f"Vehicle {n}: make and colour", max_length=120, required=False
            )
            self.fields[f"phone_{n}_number"] = forms.CharField(
                label=f"Phone {n}: number", max_length=30, required=False
            )

    def subject_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "n": n,
                "fields": [
                    self[f"place_{n}_name"],
                    self[f"place_{n}_postcode"],
                    self[f"person_{n}_name"],
                    self[f"person_{n}_description"],
                    self[f"vehicle_{n}_registration"],
                    self[f"vehicle_{n}_description"],
                    self[f"phone_{n}_number"],
                ],
            }
            for n in range(1, SUBJECT_ROWS + 1)
        ]

    def subjects(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        found: list[dict[str, Any]] = []
        for n in range(1, SUBJECT_ROWS + 1):
            if data.get(f"place_{n}_name") or data.get(f"place_{n}_postcode"):
                found.append(
                    {
                        "kind": "location",
                        "name": data.get(f"place_{n}_name", ""),
                        "postcode": data.get(f"place_{n}_postcode", ""),
                    }
                )
            if data.get(f"person_{n}_name") or data.get(f"person_{n}_description"):
                found.append(
                    {
                        "kind": "person",
                        "role": "associate",
                        "name": data.get(f"person_{n}_name", ""),
                        "description": data.get(f"person_{n}_description", ""),
                    }
                )
            if data.get(f"vehicle_{n}_registration") or data.get(f"vehicle_{n}_description"):
                found.append(
                    {
                        "kind": "vehicle",
                        "registration": data.get(f"vehicle_{n}_registration", ""),
                        "make": data.get(f"vehicle_{n}_description", ""),
                    }
                )
            if data.get(f"phone_{n}_number"):
                found.append({"kind": "phone", "number": data[f"phone_{n}_number"]})
        return found


class ProfileForm(forms.Form):
    physical_description = forms.CharField(
        label="Physical description",
        help_text="Height, build, hair, eyes, marks, scars, tattoos, how they usually dress",
        widget=forms.Textarea,
        max_length=SHORT_TEXT_MAX_LENGTH,
        required=False,
    )
    friends_associates = forms.CharField(
        label="Friends and associates",
        widget=forms.Textarea,
        max_length=SHORT_TEXT_MAX_LENGTH,
        required=False,
    )
    places_frequented = forms.CharField(
        label="Places they go",
        widget=forms.Textarea,
        max_length=SHORT_TEXT_MAX_LENGTH,
        required=False,
    )
    phones_social_media = forms.CharField(
        label="Phone numbers and social media",
        widget=forms.Textarea,
        max_length=SHORT_TEXT_MAX_LENGTH,
        required=False,
    )
    vehicles_seen = forms.CharField(
        label="Vehicles seen with them",
        widget=forms.Textarea,
        max_length=SHORT_TEXT_MAX_LENGTH,
        required=False,
    )
    medical_needs = forms.CharField(
        label="Medical needs",
        widget=forms.Textarea,
        max_length=SHORT_TEXT_MAX_LENGTH,
        required=False,
    )
    medication = forms.CharField(
        label="Medication", widget=forms.Textarea, max_length=SHORT_TEXT_MAX_LENGTH, required=False
    )
    review_date = GovukDateField(label="Review date", future_only=True, required=False)


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label="Upload a recent photo",
        help_text="A JPG or PNG, up to 5 MB",
        error_messages={
            "required": "Choose a JPG or PNG photo to upload",
            "empty": "The selected file is empty",
        },
    )
    photo_taken_on = GovukDateField(label="When was it taken?", past_only=True, required=False)


class SendToPoliceForm(forms.Form):
    recipient = forms.CharField(
        label="Who is it going to?",
        help_text="The officer's name and collar number, or the team",
        max_length=200,
        error_messages={"required": "Say who it is going to: the officer or the police team"},
    )
    police_reference = forms.CharField(
        label="Police reference",
        max_length=40,
        error_messages={"required": "Enter the police reference of the missing report"},
    )


class CarerForm(forms.Form):
    carer = forms.ChoiceField(
        label="Carer", choices=(), error_messages={"required": "Choose the carer to name"}
    )

    def __init__(self, *args: Any, carers: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["carer"].choices = [("", "Choose")] + [
            (
                str(u.pk),
                f"{u.get_full_name() or u.username} ({u.username}, {u.agency or 'no agency'})",
            )
            for u in carers
        ]


class CarerRevokeForm(forms.Form):
    carer = forms.UUIDField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Why?",
        max_length=REASON_MAX_LENGTH,
        error_messages={"required": "Say why they are no longer the carer"},
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Police missing-person reports (CSV)",
        help_text=(
            "Columns: police_reference, given_name, family_name, date_of_birth, missing_since, "
            "risk_grade; optionally returned_at, last_seen, circumstances, postcode, looked_after"
        ),
        error_messages={
            "required": "Choose the police's CSV file to import",
            "empty": "The selected file is empty",
        },
    )


class MatchForm(forms.Form):
    record = forms.ChoiceField(
        label="Which record is it?",
        choices=(),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the record it is, or someone new"},
    )

    def __init__(self, *args: Any, candidates: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["record"].choices = [(str(r.pk), candidate_label(r)) for r in candidates] + [
            ("new", "None of these: someone new (a record is made)")
        ]


def candidate_label(record: Any) -> str:
    """A candidate as the team manager must tell it from the others: two records of one name
    and date of birth are exactly what the queue holds, so the postcode, whether the child is
    looked after and when the record was made come with the name."""
    born = f", born {record.date_of_birth:%d %B %Y}" if record.date_of_birth else ""
    details = [
        f"postcode {record.postcode}" if record.postcode else "no postcode",
        "looked after" if record.looked_after else "not looked after",
        f"record made {timezone.localtime(record.created_at):%d %B %Y}",
    ]
    return f"{record.full_name}{born} ({'; '.join(details)})"
