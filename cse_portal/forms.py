"""Form parts shared by every app: the GOV.UK date input and a form base whose errors render in
the error summary pattern."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from .dates import EARLIEST


class GovukDateWidget(forms.MultiWidget):
    """Day, month and year as three inputs, as the GOV.UK date input component asks."""

    parts = ("day", "month", "year")

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        # A list (not a dict) so the inputs are named <field>_0, _1 and _2.
        widgets = [forms.TextInput(attrs={"inputmode": "numeric"}) for _ in self.parts]
        super().__init__(widgets, attrs)

    def decompress(self, value: date | None) -> list[Any]:
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovukDateField(forms.MultiValueField):
    widget = GovukDateWidget

    def __init__(
        self, *, past_only: bool = False, future_only: bool = False, **kwargs: Any
    ) -> None:
        self.past_only = past_only
        self.future_only = future_only
        fields = (
            forms.CharField(required=False),
            forms.CharField(required=False),
            forms.CharField(required=False),
        )
        super().__init__(fields, require_all_fields=False, **kwargs)
        if "required" not in (kwargs.get("error_messages") or {}):
            # ``MultiValueField.clean`` refuses three empty boxes itself, before ``compress``:
            # say what to enter there too, not "This field is required".
            self.error_messages["required"] = f"Enter {self._label_lower()}"

    def compress(self, data_list: list[Any]) -> date | None:
        if not data_list or not any(data_list):
            if self.required:
                raise forms.ValidationError(f"Enter {self._label_lower()}", code="required")
            return None
        day, month, year = (str(v or "").strip() for v in data_list)
        missing = [
            name
            for name, value in zip(("a day", "a month", "a year"), (day, month, year), strict=True)
            if not value
        ]
        if missing:
            raise forms.ValidationError(
                f"{self._label_sentence()} must include {' and '.join(missing)}", code="incomplete"
            )
        try:
            value = date(int(year), int(month), int(day))
        except ValueError:
            raise forms.ValidationError(
                f"{self._label_sentence()} must be a real date", code="invalid"
            ) from None
        if len(year) != 4:
            raise forms.ValidationError("Year must include 4 numbers", code="invalid_year")
        if value < EARLIEST:
            raise forms.ValidationError(
                f"{self._label_sentence()} must be in 1900 or later", code="before_1900"
            )
        today = timezone.localdate()
        if self.past_only and value > today:
            raise forms.ValidationError(
                f"{self._label_sentence()} must be today or in the past", code="future"
            )
        if self.future_only and value < today:
            raise forms.ValidationError(
                f"{self._label_sentence()} must be today or in the future", code="past"
            )
        return value

    def _label_lower(self) -> str:
        label = str(self.label or "the date")
        return label[0].lower() + label[1:]

    def _label_sentence(self) -> str:
        label = str(self.label or "The date")
        return label[0].upper() + label[1:]
