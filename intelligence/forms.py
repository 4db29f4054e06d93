"""Forms of the intelligence pages. They check the shape of what was typed; the rules (what a
submitted report must say, what the handling code allows) are the services'."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.utils import timezone

from cse_portal.fields import NARRATIVE_MAX_LENGTH, REASON_MAX_LENGTH, SHORT_TEXT_MAX_LENGTH
from cse_portal.forms import GovukDateField

from .models import (
    GRADING_CODES,
    PERSON_ROLES,
    EntityKind,
    IntelligenceItem,
    Priority,
    Scheme,
    SourceKind,
    VenueKind,
)

#: The content's prompts: the national intelligence report's 5WH.
FIVE_WH = [
    ("who", "Who", "Who was involved or seen: names, ages, descriptions."),
    ("what", "What", "What happened, or what you were told."),
    ("where", "Where", "The place: address, venue, area."),
    ("when", "When", "When it happened, if not when you found out."),
    ("why", "Why", "Why it matters, or why you think it happened."),
    ("how", "How", "How it happened, and how you came to know it."),
]
_HEADING = re.compile(r"^(Who|What|Where|When|Why|How):\n", re.MULTILINE)

SCHEME_FIELDS = {
    Scheme.FIVE_BY_FIVE: ("s5_source", "s5_intelligence", "s5_handling"),
    Scheme.THREE_BY_FIVE: ("s3_source", "s3_intelligence", "s3_handling"),
}
GRADING_NAMES = ("source_evaluation", "intelligence_evaluation", "handling_code")


def content_from(parts: dict[str, str]) -> str:
    """The 5WH answers as one text, each under its heading (blank ones left out)."""
    return "\n\n".join(
        f"{title}:\n{parts[name].strip()}"
        for name, title, _hint in FIVE_WH
        if (parts.get(name) or "").strip()
    )


def content_parts(content: str) -> dict[str, str]:
    """The 5WH answers back out of a text written by ``content_from``; anything else is "what"."""
    pieces = _HEADING.split(content or "")
    if len(pieces) < 3:
        return {"what": content or ""}
    parts = {"what": pieces[0].strip()} if pieces[0].strip() else {}
    for title, text in zip(pieces[1::2], pieces[2::2], strict=False):
        parts[title.lower()] = text.strip()
    return parts


def _choices(scheme: str, name: str) -> list[tuple[str, str]]:
    return [(code, code) for code in GRADING_CODES[scheme][name]]


class ItemForm(forms.Form):
    """The report itself. Everything optional so a draft saves anything; ``services.item_submit``
    says what a submitted report must contain, and its errors land on these fields."""

    obtained_on = GovukDateField(
        label="When was the information obtained?",
        past_only=True,
        required=False,
        help_text="For example, 27 3 2026",
    )
    obtained_time = forms.CharField(
        label="Time (optional)",
        required=False,
        max_length=5,
        help_text="24-hour clock, for example 21:30",
    )
    source_kind = forms.ChoiceField(
        label="Where did the information come from?",
        choices=SourceKind.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    source_description = forms.CharField(
        label="Who told whom (optional)",
        help_text="Only you and the analyst ever see this: it is never shared.",
        widget=forms.Textarea,
        required=False,
        max_length=REASON_MAX_LENGTH,
    )
    scheme = forms.ChoiceField(
        label="Grading scheme",
        choices=Scheme.choices,
        widget=forms.RadioSelect,
        required=False,
        initial=Scheme.FIVE_BY_FIVE,
    )
    s5_source = forms.ChoiceField(
        label="Source evaluation",
        choices=_choices(Scheme.FIVE_BY_FIVE, "source_evaluation"),
        required=False,
    )
    s5_intelligence = forms.ChoiceField(
        label="Intelligence evaluation",
        choices=_choices(Scheme.FIVE_BY_FIVE, "intelligence_evaluation"),
        required=False,
    )
    s5_handling = forms.ChoiceField(
        label="Handling code",
        choices=_choices(Scheme.FIVE_BY_FIVE, "handling_code"),
        required=False,
    )
    s3_source = forms.ChoiceField(
        label="Source evaluation",
        choices=_choices(Scheme.THREE_BY_FIVE, "source_evaluation"),
        required=False,
    )
    s3_intelligence = forms.ChoiceField(
        label="Intelligence evaluation",
        choices=_choices(Scheme.THREE_BY_FIVE, "intelligence_evaluation"),
        required=False,
    )
    s3_handling = forms.ChoiceField(
        label="Handling code",
        choices=_choices(Scheme.THREE_BY_FIVE, "handling_code"),
        required=False,
    )
    handling_conditions = forms.CharField(
        label="Handling conditions",
        help_text="Required for 5x5x5 handling code 5 and 3x5x2 handling code C: who may see it "
        "and on what conditions, in plain words.",
        widget=forms.Textarea,
        required=False,
        max_length=REASON_MAX_LENGTH,
    )
    priority = forms.ChoiceField(
        label="Priority",
        choices=Priority.choices,
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, title, hint in FIVE_WH:
            self.fields[name] = forms.CharField(
                label=title,
                help_text=hint,
                widget=forms.Textarea,
                required=False,
                max_length=NARRATIVE_MAX_LENGTH // 6,
            )

    def clean_obtained_time(self) -> time | None:
        text = (self.cleaned_data.get("obtained_time") or "").strip()
        if not text:
            return None
        match = re.fullmatch(r"([01]?\d|2[0-3])[:.]([0-5]\d)", text)
        if not match:
            raise forms.ValidationError("Enter a time like 21:30")
        return time(int(match.group(1)), int(match.group(2)))

    def grading_rows(self) -> list[dict[str, Any]]:
        """Each scheme's three code fields with the plain-words meaning of every code."""
        rows = []
        for scheme, names in SCHEME_FIELDS.items():
            rows.append(
                {
                    "scheme": scheme,
                    "fields": [
                        {"field": self[field], "codes": GRADING_CODES[scheme][name].items()}
                        for field, name in zip(names, GRADING_NAMES, strict=True)
                    ],
                }
            )
        return rows

    def item_fields(self) -> dict[str, Any]:
        """What the service takes, from the cleaned data."""
        data = self.cleaned_data
        scheme = data.get("scheme") or Scheme.FIVE_BY_FIVE
        codes = {
            name: data.get(field) or ""
            for field, name in zip(SCHEME_FIELDS[scheme], GRADING_NAMES, strict=True)
        }
        obtained = data.get("obtained_on")
        obtained_at = None
        if isinstance(obtained, date):
            obtained_at = timezone.make_aware(
                datetime.combine(obtained, data.get("obtained_time") or time(12, 0))
            )
        return {
            "scheme": scheme,
            **codes,
            "handling_conditions": data.get("handling_conditions") or "",
            "priority": data.get("priority") or "",
            "obtained_at": obtained_at,
            "content": content_from({name: data.get(name) or "" for name, _t, _h in FIVE_WH}),
            "source_kind": data.get("source_kind") or "",
            "source_description": data.get("source_description") or "",
        }

    @classmethod
    def initial_from(cls, item: IntelligenceItem) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "scheme": item.scheme,
            "handling_conditions": item.handling_conditions,
            "priority": item.priority,
            "source_kind": item.source_kind,
            "source_description": item.source_description,
            **content_parts(item.content),
        }
        for field, name in zip(SCHEME_FIELDS[item.scheme], GRADING_NAMES, strict=True):
            initial[field] = getattr(item, name)
        if item.obtained_at:
            local = timezone.localtime(item.obtained_at)
            initial["obtained_on"] = local.date()
            initial["obtained_time"] = local.strftime("%H:%M")
        return initial


# --- Subjects: one repeatable group per kind, added without JavaScript ---------------------------


class SubjectForm(forms.Form):
    kind: str = ""

    def subject(self) -> dict[str, Any] | None:
        """The subject as the service takes it, or None when nothing was typed."""
        values = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        if not values or set(values) <= {"role", "venue_kind"}:
            return None
        return {"kind": self.kind, **self.cleaned_data}


class PersonForm(SubjectForm):
    kind = EntityKind.PERSON
    name = forms.CharField(label="Name", max_length=200, required=False)
    alias = forms.CharField(label="Alias or nickname", max_length=200, required=False)
    date_of_birth = GovukDateField(label="Date of birth", past_only=True, required=False)
    age = forms.IntegerField(
        label="Age, if the date of birth is not known",
        min_value=0,
        max_value=120,
        required=False,
    )
    description = forms.CharField(
        label="Description",
        widget=forms.Textarea,
        max_length=SHORT_TEXT_MAX_LENGTH,
        required=False,
    )
    role = forms.ChoiceField(
        label="Role",
        choices=[("", "Choose a role"), *[(r.value, r.label) for r in PERSON_ROLES]],
        required=False,
    )


class LocationForm(SubjectForm):
    kind = EntityKind.LOCATION
    name = forms.CharField(label="Venue name", max_length=200, required=False)
    address = forms.CharField(
        label="Address", widget=forms.Textarea, max_length=SHORT_TEXT_MAX_LENGTH, required=False
    )
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)
    venue_kind = forms.ChoiceField(
        label="Kind of place", choices=[("", "Not known"), *VenueKind.choices], required=False
    )


class VehicleForm(SubjectForm):
    kind = EntityKind.VEHICLE
    registration = forms.CharField(label="Registration", max_length=12, required=False)
    make = forms.CharField(label="Make", max_length=60, required=False)
    model = forms.CharField(label="Model", max_length=60, required=False)
    colour = forms.CharField(label="Colour", max_length=40, required=False)


class PhoneForm(SubjectForm):
    kind = EntityKind.PHONE
    number = forms.CharField(label="Phone number", max_length=30, required=False)


class AccountForm(SubjectForm):
    kind = EntityKind.ACCOUNT
    platform = forms.CharField(
        label="Platform", max_length=60, required=False, help_text="For example, Snapchat"
    )
    handle = forms.CharField(label="Account name or handle", max_length=100, required=False)


#: (prefix, title, the button's words, form)
SUBJECT_GROUPS = [
    ("person", "People", "Add another person", PersonForm),
    ("location", "Places", "Add another place", LocationForm),
    ("vehicle", "Vehicles", "Add another vehicle", VehicleForm),
    ("phone", "Phone numbers", "Add another phone number", PhoneForm),
    ("account", "Online accounts", "Add another online account", AccountForm),
]
MAX_SUBJECTS_PER_KIND = 20


def subject_formsets(
    data: Any = None, *, subjects: list[dict[str, Any]] | None = None, add: str = ""
) -> list[dict[str, Any]]:
    """One formset per kind of subject. ``add`` (a prefix) gives that group one more blank row:
    the "Add another" buttons are ordinary submit buttons, so no JavaScript is needed."""
    groups = []
    for prefix, title, button, form_class in SUBJECT_GROUPS:
        formset_class = forms.formset_factory(
            form_class, extra=0, max_num=MAX_SUBJECTS_PER_KIND, validate_max=True
        )
        if data is not None:
            mutable = data.copy()
            total_key = f"{prefix}-TOTAL_FORMS"
            try:
                total = int(mutable.get(total_key, 1))
            except ValueError:
                total = 1
            total = max(1, min(total, MAX_SUBJECTS_PER_KIND))
            if add == prefix and total < MAX_SUBJECTS_PER_KIND:
                total += 1
            mutable[total_key] = str(total)
            mutable.setdefault(f"{prefix}-INITIAL_FORMS", "0")
            formset = formset_class(mutable, prefix=prefix)
        else:
            initial = [
                {k: v for k, v in s.items() if k != "kind"}
                for s in (subjects or [])
                if s.get("kind") == form_class.kind
            ]
            formset = formset_class(initial=initial or None, prefix=prefix)
            if not initial:
                formset.extra = 1
        groups.append({"prefix": prefix, "title": title, "button": button, "formset": formset})
    return groups


def subjects_from(groups: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """Every subject typed, or None when a row has an error (shown on the row)."""
    subjects = []
    for group in groups:
        formset = group["formset"]
        if not formset.is_valid():
            return None
        for form in formset.forms:
            subject = form.subject()
            if subject is not None:
                subjects.append(subject)
    return subjects


# --- The analyst's forms -------------------------------------------------------------------------


class RegradeForm(forms.Form):
    source_evaluation = forms.ChoiceField(label="Source evaluation", choices=[])
    intelligence_evaluation = forms.ChoiceField(label="Intelligence evaluation", choices=[])
    handling_code = forms.ChoiceField(label="Handling code", choices=[])
    handling_conditions = forms.CharField(
        label="Handling conditions",
        widget=forms.Textarea,
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text="Required for 5x5x5 handling code 5 and 3x5x2 handling code C.",
    )
    reason = forms.CharField(
        label="Reason for the new grading",
        widget=forms.Textarea,
        max_length=REASON_MAX_LENGTH,
        error_messages={"required": "Give the reason for the new grading"},
    )

    def __init__(self, *args: Any, scheme: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        for name in GRADING_NAMES:
            self.fields[name].choices = _choices(scheme, name)

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"field": self[name], "codes": GRADING_CODES[self.scheme][name].items()}
            for name in GRADING_NAMES
        ]


class SanitiseForm(forms.Form):
    sanitised_content = forms.CharField(
        label="Sanitised version",
        help_text="What may be shared: take out anything that would identify the source and, "
        "where needed, third parties. The original is kept.",
        widget=forms.Textarea,
        max_length=NARRATIVE_MAX_LENGTH,
        error_messages={"required": "Write the sanitised version"},
    )


class CoordinatesForm(forms.Form):
    """Where a place is, typed or picked on the map: both coordinates, or neither to clear them.
    The service checks the numbers."""

    latitude = forms.CharField(
        label="Latitude",
        required=False,
        max_length=20,
        help_text="Degrees north, like 53.4302",
    )
    longitude = forms.CharField(
        label="Longitude",
        required=False,
        max_length=20,
        help_text="Degrees east (west is negative), like -1.3566",
    )


class DisseminateForm(forms.Form):
    recipients = forms.MultipleChoiceField(
        label="People", choices=[], required=False, widget=forms.CheckboxSelectMultiple
    )
    recipient_agencies = forms.MultipleChoiceField(
        label="Agencies", choices=[], required=False, widget=forms.CheckboxSelectMultiple
    )
    purpose = forms.CharField(
        label="Purpose of sharing",
        widget=forms.Textarea,
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text="Required for handling codes 1, P and C.",
    )
    authority = forms.CharField(
        label="Authority for sharing",
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text="Required for handling code 2: the agreement or authorisation relied on.",
    )

    def __init__(self, *args: Any, users: Any, agencies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipients"].choices = [
            (str(u.pk), f"{u.get_full_name() or u.username} ({u.agency or 'no agency'})")
            for u in users
        ]
        self.fields["recipient_agencies"].choices = [(str(a.pk), a.name) for a in agencies]


class LinkRecordForm(forms.Form):
    entity = forms.UUIDField(widget=forms.HiddenInput)
    young_person = forms.UUIDField(widget=forms.HiddenInput)


class MergeForm(forms.Form):
    duplicate = forms.UUIDField(widget=forms.HiddenInput)
