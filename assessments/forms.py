"""Forms of the assessment pages. The answer fields are built from the assessment's own
instrument version."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django import forms
from django.conf import settings

from cse_portal.accounts.models import Agency
from cse_portal.fields import REASON_MAX_LENGTH
from cse_portal.young_people.models import RiskLevel

from .instrument import LEVEL_ORDER, Definition
from .models import Assessment
from .services import PREVENTATIVE_WORK_LEVELS

ITEM_PREFIX = "item_"
SUGGESTED_HINT = "Suggested by a request for this assessment: choose an answer to confirm it."
JUDGEMENT_ANCHOR = "judgement"

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

    def __init__(
        self,
        *args: Any,
        definition: Definition,
        suggested: Collection[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.sections: list[tuple[str, list[str]]] = []
        for section in definition.sections:
            names = []
            for item in section.items:
                name = f"{ITEM_PREFIX}{item.code}"
                hint = item.guidance
                if item.code in suggested:
                    hint = f"{SUGGESTED_HINT} {hint}".strip()
                self.fields[name] = forms.ChoiceField(
                    label=item.text,
                    help_text=hint,
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

    def given_answers(self) -> dict[str, str]:
        """Only the items answered in this request: a partial save never clears an answer."""
        return {code: value for code, value in self.answers().items() if value}

    def item_fields(self) -> dict[str, str]:
        """The service names an item by its code; the form's field for it."""
        return {code: f"{ITEM_PREFIX}{code}" for code in self.definition.items}

    def continue_to(self, anchor: str) -> str:
        """The section a "Save and continue" button leads to, if it names one of this form's."""
        anchors = {f"section-{number}" for number in range(2, len(self.sections) + 1)}
        return anchor if anchor in anchors | {JUDGEMENT_ANCHOR} else ""


class Decision:
    APPROVE = "approve"
    RETURN = "return"


class DecisionForm(forms.Form):
    """Parses the manager's decision; what a decision needs is the services' rule, and their
    errors are shown on these fields."""

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
        if level in PREVENTATIVE_WORK_LEVELS:
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
