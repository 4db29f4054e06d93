"""Forms of the assessment pages. The answer fields are built from the assessment's own
instrument version."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from cse_portal.accounts.models import Agency
from cse_portal.fields import REASON_MAX_LENGTH
from cse_portal.young_people.models import RiskLevel

from .instrument import LEVEL_ORDER, Definition
from .models import Assessment

ITEM_PREFIX = "item_"

JUDGEMENT_CHOICES = [("", "No, use the calculated level")] + [
    (level, RiskLevel(level).label) for level in LEVEL_ORDER
]


class AssessmentForm(forms.Form):
    """Every item of the instrument as radios (unanswered allowed while a draft), and the
    assessor's professional judgement."""

    judgement_level = forms.ChoiceField(
        label="Professional judgement: a different level",
        choices=JUDGEMENT_CHOICES,
        required=False,
        help_text="Only if your judgement differs from the calculated level. Lowering it needs "
        "the team manager's approval.",
    )
    judgement_rationale = forms.CharField(
        label="Rationale for the professional judgement",
        widget=forms.Textarea,
        required=False,
        max_length=REASON_MAX_LENGTH,
    )

    def __init__(self, *args: Any, definition: Definition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.sections: list[tuple[str, list[str]]] = []
        for section in definition.sections:
            names = []
            for item in section.items:
                name = f"{ITEM_PREFIX}{item.code}"
                self.fields[name] = forms.ChoiceField(
                    label=item.text,
                    help_text=item.guidance,
                    choices=[(o.value, o.label) for o in item.options],
                    widget=forms.RadioSelect,
                    required=False,
                )
                names.append(name)
            self.sections.append((section.title, names))

    @classmethod
    def initial_for(cls, assessment: Assessment) -> dict[str, Any]:
        initial = {f"{ITEM_PREFIX}{code}": value for code, value in assessment.answers.items()}
        initial["judgement_level"] = assessment.judgement_level
        initial["judgement_rationale"] = assessment.judgement_rationale
        return initial

    def section_fields(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.sections]

    def answers(self) -> dict[str, str]:
        return {
            code: self.cleaned_data.get(f"{ITEM_PREFIX}{code}", "")
            for code in self.definition.items
        }

    def item_field(self, code: str) -> str:
        return f"{ITEM_PREFIX}{code}"


class Decision:
    APPROVE = "approve"
    RETURN = "return"


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[
            (Decision.APPROVE, "Approve the assessment"),
            (Decision.RETURN, "Return it to the assessor with comments"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to approve or return the assessment"},
    )
    comments = forms.CharField(
        label="Comments",
        widget=forms.Textarea,
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text="Required when you return the assessment: say what needs to change.",
    )

    def __init__(self, *args: Any, assessment: Assessment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.assessment = assessment
        level = assessment.level
        if level in {RiskLevel.MEDIUM, RiskLevel.LOW}:
            self.fields["partner_agency"] = forms.ModelChoiceField(
                label="Partner agency to offer preventative work to",
                queryset=Agency.objects.filter(is_active=True, offers_preventative_work=True),
                required=False,
                empty_label="Choose an agency",
            )
        if level == RiskLevel.NO_APPARENT_RISK:
            self.fields["universal_information"] = forms.CharField(
                label="Universal information given",
                widget=forms.Textarea,
                required=False,
                max_length=REASON_MAX_LENGTH,
                initial=settings.ASSESSMENT_UNIVERSAL_INFORMATION,
            )
        if assessment.judgement_lowers:
            self.fields["approve_lowering"] = forms.BooleanField(
                label="I approve lowering the calculated level by professional judgement",
                required=False,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("decision") == Decision.RETURN and not data.get("comments", "").strip():
            self.add_error("comments", "Say what needs to change")
        if data.get("decision") == Decision.APPROVE:
            if "partner_agency" in self.fields and not data.get("partner_agency"):
                self.add_error(
                    "partner_agency", "Choose the partner agency to offer preventative work to"
                )
            if "approve_lowering" in self.fields and not data.get("approve_lowering"):
                self.add_error(
                    "approve_lowering",
                    "Confirm that you approve lowering the calculated level",
                )
        return data
