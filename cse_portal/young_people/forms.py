from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from cse_portal.accounts.selectors import colocated_practitioners
from cse_portal.fields import NARRATIVE_MAX_LENGTH, REASON_MAX_LENGTH, SHORT_TEXT_MAX_LENGTH
from cse_portal.forms import GovukDateField

from .models import Alias, Ethnicity, FlagKind, Gender
from .validators import (
    NAME_SEARCH_LENGTH,
    NHS_NUMBER_EXAMPLE,
    normalise_nhs_number,
    validate_date_of_birth_or_age,
    validate_name_search,
    validate_nhs_number,
    validate_postcode,
)


class SearchForm(forms.Form):
    name = forms.CharField(
        label="Name",
        required=False,
        max_length=NAME_SEARCH_LENGTH,
        validators=[validate_name_search],
        help_text="Any part of a given name, family name, known-as name or alias",
    )
    date_of_birth = GovukDateField(
        label="Date of birth", required=False, past_only=True, help_text="For example, 27 3 2010"
    )
    nhs_number = forms.CharField(
        label="NHS number",
        required=False,
        max_length=14,
        validators=[validate_nhs_number],
        help_text=f"10 digits, for example {NHS_NUMBER_EXAMPLE}",
    )
    postcode = forms.CharField(
        label="Postcode", required=False, max_length=10, validators=[validate_postcode]
    )

    def criteria(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "text": data.get("name", ""),
            "date_of_birth": data.get("date_of_birth"),
            "nhs_number": data.get("nhs_number", ""),
            "postcode": data.get("postcode", ""),
        }


class YoungPersonForm(forms.Form):
    given_name = forms.CharField(
        label="Given name",
        max_length=100,
        error_messages={"required": "Enter the young person's given name"},
    )
    family_name = forms.CharField(
        label="Family name",
        max_length=100,
        error_messages={"required": "Enter the young person's family name"},
    )
    other_names = forms.CharField(
        label="Known-as names and aliases",
        required=False,
        widget=forms.Textarea,
        help_text="One per line: nicknames, street names, previous names, social media names",
        max_length=SHORT_TEXT_MAX_LENGTH,
    )
    date_of_birth = GovukDateField(
        label="Date of birth", required=False, past_only=True, help_text="For example, 27 3 2010"
    )
    estimated_age = forms.IntegerField(
        label="Estimated age in years",
        required=False,
        min_value=0,
        max_value=25,
        help_text="Only if the date of birth is not known",
        error_messages={
            "min_value": "Estimated age must be 0 or more",
            "max_value": "Estimated age must be 25 or less",
            "invalid": "Estimated age must be a whole number, like 14",
        },
    )
    gender = forms.ChoiceField(
        label="Gender", choices=Gender.choices, widget=forms.RadioSelect, initial=Gender.NOT_KNOWN
    )
    ethnicity = forms.ChoiceField(
        label="Ethnicity", choices=Ethnicity.choices, initial=Ethnicity.NOT_KNOWN
    )
    nhs_number = forms.CharField(
        label="NHS number",
        required=False,
        max_length=14,
        validators=[validate_nhs_number],
        help_text=f"10 digits, for example {NHS_NUMBER_EXAMPLE}",
    )
    address = forms.CharField(
        label="Address", required=False, widget=forms.Textarea, max_length=SHORT_TEXT_MAX_LENGTH
    )
    postcode = forms.CharField(
        label="Postcode", required=False, max_length=10, validators=[validate_postcode]
    )
    school = forms.CharField(label="School or college", required=False, max_length=200)
    first_language = forms.CharField(label="First language", required=False, max_length=60)
    looked_after = forms.BooleanField(
        label="Looked after (in the care of the local authority)", required=False
    )
    learning_disability = forms.BooleanField(label="Has a learning disability", required=False)

    def clean_nhs_number(self) -> str:
        return normalise_nhs_number(self.cleaned_data["nhs_number"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "date_of_birth" not in self.errors:
            try:
                validate_date_of_birth_or_age(data.get("date_of_birth"), data.get("estimated_age"))
            except ValidationError as error:
                self.add_error(None, error)
        return data

    def identity(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("other_names", None)
        return data

    def aliases(self) -> list[tuple[str, str]]:
        lines = self.cleaned_data.get("other_names", "").splitlines()
        return [(line.strip(), Alias.Kind.ALIAS) for line in lines if line.strip()]


class AllocateForm(forms.Form):
    practitioners = forms.ModelMultipleChoiceField(
        label="Practitioners",
        queryset=colocated_practitioners(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one practitioner"},
        help_text="Practitioners of the co-located team. Each will be able to open this record.",
    )
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea, required=False, max_length=REASON_MAX_LENGTH
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["practitioners"]
        field.label_from_instance = lambda u: f"{u.get_full_name() or u.username} ({u.agency})"


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea,
        error_messages={"required": "Enter a reason"},
        max_length=REASON_MAX_LENGTH,
    )


class FlagForm(forms.Form):
    kind = forms.ChoiceField(label="Flag", choices=FlagKind.choices)
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea,
        error_messages={"required": "Enter why you are raising this flag"},
        max_length=REASON_MAX_LENGTH,
    )


class MergeForm(forms.Form):
    """The reason, and for each identity field the two records know differently, which value to
    keep (radios: no JavaScript needed). Fields only one record knows keep the known value."""

    duplicate = forms.UUIDField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Why are these the same young person?",
        widget=forms.Textarea,
        error_messages={"required": "Enter why these records are the same young person"},
        max_length=REASON_MAX_LENGTH,
    )

    def __init__(self, *args: Any, comparison: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_names = []
        for row in comparison:
            if not row.differs:
                continue
            name = f"keep_{row.name}"
            self.fields[name] = forms.ChoiceField(
                label=f"Which {row.label.lower()} is right?",
                choices=[
                    ("survivor", f"{row.survivor} (this record)"),
                    ("duplicate", f"{row.duplicate} (the duplicate)"),
                ],
                widget=forms.RadioSelect,
                error_messages={"required": f"Choose which {row.label.lower()} to keep"},
                # A name not kept stays as a previous name, so this record's is a safe default.
                required=not row.is_name,
                initial="survivor" if row.is_name else None,
            )
            self.choice_names.append(name)

    def choice_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.choice_names]

    def keep(self) -> dict[str, str]:
        """``{identity field: "survivor" | "duplicate"}`` for the service."""
        return {
            name.removeprefix("keep_"): self.cleaned_data[name]
            for name in self.choice_names
            if self.cleaned_data.get(name)
        }


class NoteForm(forms.Form):
    title = forms.CharField(
        label="What happened", max_length=200, error_messages={"required": "Enter what happened"}
    )
    occurred_on = GovukDateField(
        label="Date", past_only=True, error_messages={"required": "Enter the date"}
    )
    detail = forms.CharField(
        label="Details", widget=forms.Textarea, required=False, max_length=NARRATIVE_MAX_LENGTH
    )
    managers_only = forms.BooleanField(
        label="Only team managers may see this entry",
        required=False,
    )
