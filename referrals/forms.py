"""Forms of the referral pages. They check the shape of what was typed; the rules (what a
submitted referral must say, who may decide what) are the services'."""

from __future__ import annotations

from typing import Any

from django import forms

from assessments.selectors import indicator_choices
from cse_portal.accounts.models import Agency
from cse_portal.accounts.selectors import colocated_practitioners
from cse_portal.fields import NARRATIVE_MAX_LENGTH, REASON_MAX_LENGTH, SHORT_TEXT_MAX_LENGTH
from cse_portal.forms import GovukDateField
from cse_portal.young_people.validators import validate_postcode

from .models import (
    ChildIdentifiable,
    Consent,
    ContactMethod,
    Decision,
    ReporterSector,
    SelfReferralWorry,
)
from .services import REFERRAL_FIELDS

YES_NO = [("yes", "Yes"), ("no", "No")]

#: The decisions as the team manager takes them (``Decision`` labels are the outcomes shown).
DECISION_ACTIONS = [
    (Decision.ALLOCATE, "Allocate to practitioners of the co-located team"),
    (Decision.ASSESS, "Request a CSE risk assessment"),
    (Decision.PARTNER_AGENCY, "Refer to a partner agency for preventative work"),
    (Decision.SIGNPOST, "Signpost to other services"),
    (Decision.NO_FURTHER_ACTION, "No further action"),
    (Decision.DUPLICATE, "Mark as a duplicate of another referral"),
    (Decision.LINK, "Link to a young person's record (the referral stays in the queue)"),
]


def _yes_no(value: Any) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class HoneypotMixin(forms.Form):
    """A field people never see or fill in; robots fill in every field."""

    website = forms.CharField(required=False, label="Leave this empty")

    def is_robot(self) -> bool:
        return bool(self.data.get("website", "").strip())


class ReferralForm(forms.Form):
    """A professional referral. Every field is optional here so that a draft can be saved with
    anything; ``services.referral_submit`` says what a submitted referral must contain."""

    given_name = forms.CharField(label="First name", max_length=100, required=False)
    family_name = forms.CharField(label="Last name", max_length=100, required=False)
    date_of_birth = GovukDateField(
        label="Date of birth", required=False, past_only=True, help_text="For example, 27 3 2010"
    )
    estimated_age = forms.IntegerField(
        label="Age, if you do not know their date of birth",
        required=False,
        min_value=0,
        max_value=25,
        error_messages={
            "invalid": "Enter the age as a number, like 14",
            "min_value": "Age must be 0 or more",
            "max_value": "Age must be 25 or less",
        },
    )
    postcode = forms.CharField(
        label="Postcode", max_length=10, required=False, validators=[validate_postcode]
    )
    indicators = forms.MultipleChoiceField(
        label="Which of these have you noticed?",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply. These are the indicators of the CSE risk assessment.",
    )
    concerns = forms.CharField(
        label="Describe your concerns",
        required=False,
        widget=forms.Textarea,
        help_text="What you saw or were told, when, and by whom. Include names of adults involved.",
        max_length=NARRATIVE_MAX_LENGTH,
    )
    immediate_danger = forms.ChoiceField(
        label="Is the young person in immediate danger?",
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
        help_text="Someone is at risk of serious harm now, or may be very soon.",
    )
    young_person_knows = forms.CharField(
        label="What does the young person know about this referral?",
        required=False,
        widget=forms.Textarea,
        max_length=REASON_MAX_LENGTH,
    )
    consent = forms.ChoiceField(
        label="Has the young person agreed to this referral?",
        choices=Consent.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    sharing_basis = forms.CharField(
        label="If not, why are you sharing this without consent?",
        required=False,
        widget=forms.Textarea,
        help_text="For example, the young person is at risk of significant harm.",
        max_length=REASON_MAX_LENGTH,
    )
    other_agencies = forms.CharField(
        label="Other agencies involved",
        required=False,
        widget=forms.Textarea,
        help_text="Agencies and workers already involved with the young person, if you know.",
        max_length=SHORT_TEXT_MAX_LENGTH,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.groups = indicator_choices()
        self.fields["indicators"].choices = [c for _, items in self.groups for c in items]

    def indicator_groups(self) -> list[dict[str, Any]]:
        """The indicators grouped by the assessment's sections, for grouped tick boxes."""
        field = self["indicators"]
        value = field.value() or []
        selected = {str(v) for v in value}
        groups, index = [], 0
        for title, items in self.groups:
            rows = []
            for code, text in items:
                rows.append(
                    {
                        "id": f"{field.auto_id}_{index}",
                        "code": code,
                        "text": text,
                        "checked": code in selected,
                    }
                )
                index += 1
            groups.append({"title": title, "items": rows})
        return groups

    def referral_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["immediate_danger"] = _yes_no(data.get("immediate_danger"))
        data["postcode"] = data.get("postcode") or ""
        return data

    @staticmethod
    def initial_from(referral: Any) -> dict[str, Any]:
        # Immediate danger is a yes/no radio here, a nullable boolean on the referral.
        initial = {
            name: getattr(referral, name) for name in REFERRAL_FIELDS if name != "immediate_danger"
        }
        if referral.immediate_danger is not None:
            initial["immediate_danger"] = "yes" if referral.immediate_danger else "no"
        return initial


class SelfReferralForm(HoneypotMixin):
    name = forms.CharField(
        label="What should we call you?",
        required=False,
        max_length=100,
        help_text="Your name or a nickname. Leave this empty if you want to stay anonymous.",
    )
    age = forms.IntegerField(
        label="How old are you?",
        min_value=5,
        max_value=25,
        error_messages={
            "required": "Enter your age",
            "invalid": "Enter your age as a number, like 15",
            "min_value": "Enter your age as a number, like 15",
            "max_value": "This page is for young people aged 25 or under",
        },
    )
    contact_method = forms.ChoiceField(
        label="How can we contact you safely?",
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
        help_text="Only choose a way that is safe. We will not contact you any other way.",
        error_messages={"required": "Choose how we can contact you, or 'Do not contact me'"},
    )
    contact_details = forms.CharField(
        label="Your phone number, email address, or the name and number of the adult you trust",
        required=False,
        max_length=200,
    )
    contact_times = forms.CharField(
        label="When is it safe to contact you?",
        required=False,
        max_length=200,
        help_text="For example, weekdays after 4pm. Leave empty if any time is OK.",
    )
    happening = forms.CharField(
        label="Tell us what is happening",
        widget=forms.Textarea,
        help_text="Write as much or as little as you want. Nobody will be angry with you.",
        error_messages={"required": "Tell us what is happening"},
        max_length=NARRATIVE_MAX_LENGTH,
    )
    worries = forms.MultipleChoiceField(
        label="Do any of these sound like what is happening? (optional)",
        choices=SelfReferralWorry.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick any that fit. You do not have to tick any.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        method = data.get("contact_method")
        if method and method != ContactMethod.NONE and not data.get("contact_details", "").strip():
            self.add_error(
                "contact_details", "Tell us the number, email or adult to contact, as you chose"
            )
        return data

    def submission(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("website", None)
        return data


class CommunityConcernForm(HoneypotMixin):
    what_seen = forms.CharField(
        label="What did you see or hear?",
        widget=forms.Textarea,
        help_text="Describe what happened, even if you are not sure it matters.",
        error_messages={"required": "Tell us what you saw or heard"},
        max_length=NARRATIVE_MAX_LENGTH,
    )
    when_seen = forms.CharField(
        label="When was it?",
        max_length=200,
        help_text="The date and time, as best you can. For example, Saturday 12 October, 11pm.",
        error_messages={"required": "Tell us when it was"},
    )
    venue = forms.CharField(
        label="Name of the place",
        required=False,
        max_length=200,
        help_text="For example, the name of the hotel, shop or takeaway.",
    )
    address = forms.CharField(
        label="Address", required=False, widget=forms.Textarea, max_length=SHORT_TEXT_MAX_LENGTH
    )
    postcode = forms.CharField(
        label="Postcode", required=False, max_length=10, validators=[validate_postcode]
    )
    vehicles = forms.CharField(
        label="Vehicles",
        required=False,
        widget=forms.Textarea,
        help_text="Registration numbers, makes, models and colours, if you saw any.",
        max_length=SHORT_TEXT_MAX_LENGTH,
    )
    people = forms.CharField(
        label="Describe the people involved",
        required=False,
        widget=forms.Textarea,
        help_text="Adults and young people: age, appearance, clothing, names you heard.",
        max_length=SHORT_TEXT_MAX_LENGTH,
    )
    child_identifiable = forms.ChoiceField(
        label="Could you identify the child or young person?",
        choices=ChildIdentifiable.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether you could identify the child"},
    )
    child_details = forms.CharField(
        label="If yes, who is the child?",
        required=False,
        widget=forms.Textarea,
        help_text="Their name, or anything that would help us find them.",
        max_length=REASON_MAX_LENGTH,
    )
    reporter_sector = forms.ChoiceField(
        label="Where do you work?",
        choices=ReporterSector.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select where you work, or 'Member of the public'"},
    )
    reporter_name = forms.CharField(label="Your name (optional)", required=False, max_length=200)
    reporter_contact = forms.CharField(
        label="Phone number or email address (optional)",
        required=False,
        max_length=200,
        help_text="Only if you are happy for us to contact you about what you saw.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any(data.get(name, "").strip() for name in ("venue", "address", "postcode")):
            self.add_error("venue", "Tell us where it was: a place name, address or postcode")
        return data

    def submission(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("website", None)
        return data


class DecisionChoiceForm(forms.Form):
    """The first step of triage: which decision. The next shows only what that decision needs."""

    decision = forms.ChoiceField(
        label="What is your decision?",
        choices=DECISION_ACTIONS,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select a decision",
            "invalid_choice": "Select a decision",
        },
    )


class TriageForm(forms.Form):
    """A decision that needs only its reason. Fields are optional here: ``referral_triage``
    says what each decision needs, every missing piece at once."""

    button = "Record decision"
    reason = forms.CharField(
        label="Reason for your decision",
        required=False,
        widget=forms.Textarea,
        max_length=REASON_MAX_LENGTH,
    )

    def choices(self) -> dict[str, Any]:
        """What the decision names by id, for ``permissions.triage_choices`` to resolve."""
        return {
            name: self.cleaned_data[name]
            for name in ("practitioners", "partner_agency", "young_person", "duplicate_of")
            if name in self.cleaned_data
        }


class AllocateForm(TriageForm):
    button = "Allocate"
    practitioners = forms.MultipleChoiceField(
        label="Practitioners to allocate", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["practitioners"].choices = [
            (str(u.pk), f"{u.get_full_name() or u.username} ({u.agency})")
            for u in colocated_practitioners().order_by("first_name", "last_name", "username")
        ]


class PartnerAgencyForm(TriageForm):
    button = "Refer to the partner agency"
    partner_agency = forms.ChoiceField(label="Partner agency", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.filter(is_active=True, offers_preventative_work=True)
        self.fields["partner_agency"].choices = [("", "Select an agency")] + [
            (str(a.pk), a.name) for a in agencies.order_by("name")
        ]


class DuplicateForm(TriageForm):
    button = "Mark as a duplicate"
    duplicate_of = forms.CharField(
        label="Reference of the original referral", required=False, max_length=12
    )


class LinkForm(TriageForm):
    """The record is chosen from the matches and search results the page lists as radios."""

    button = "Link to this record"
    young_person = forms.CharField(required=False, widget=forms.HiddenInput)


#: The form of each decision (those that need only a reason share the plain one).
TRIAGE_FORMS: dict[str, type[TriageForm]] = {
    Decision.ALLOCATE: AllocateForm,
    Decision.ASSESS: TriageForm,
    Decision.PARTNER_AGENCY: PartnerAgencyForm,
    Decision.SIGNPOST: TriageForm,
    Decision.NO_FURTHER_ACTION: TriageForm,
    Decision.DUPLICATE: DuplicateForm,
    Decision.LINK: LinkForm,
}


class OfferResponseForm(forms.Form):
    status = forms.ChoiceField(
        label="The agency's reply",
        choices=[
            ("accepted", "Accepted"),
            ("declined", "Declined"),
            ("withdrawn", "Withdrawn by the team"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select the agency's reply"},
    )
    note = forms.CharField(
        label="Note", required=False, widget=forms.Textarea, max_length=REASON_MAX_LENGTH
    )
