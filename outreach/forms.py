"""The outreach pages' forms: they parse what was typed; the services decide what is allowed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from cse_portal.accounts.models import Agency
from cse_portal.fields import NARRATIVE_MAX_LENGTH, REASON_MAX_LENGTH, SHORT_TEXT_MAX_LENGTH
from cse_portal.forms import GovukDateField
from intelligence.models import GRADING_CODES, Priority, Scheme
from referrals.forms import HoneypotMixin

from .models import (
    ActivityKind,
    Course,
    FeedbackAbout,
    FeedbackFrom,
    Rating,
    Sector,
    TeamInterest,
    VisitOutcome,
)

TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


def _time(value: str, label: str) -> time | None:
    value = (value or "").strip()
    if not value:
        return None
    match = TIME.match(value)
    if not match:
        raise forms.ValidationError(f"Enter {label} as hours and minutes, like 19:30")
    return time(int(match[1]), int(match[2]))


def _aware(day: Any, at: time | None) -> datetime | None:
    if day is None or at is None:
        return None
    return timezone.make_aware(datetime.combine(day, at))


def _agencies() -> Any:
    return Agency.objects.filter(is_active=True).order_by("name")


# --- Outreach sessions ---------------------------------------------------------------------------


class WorkersField(forms.MultipleChoiceField):
    """Workers ticked, by account id: any id is taken here, and the services say who may be
    named (an account closed since the page was shown gets its own error, not "not a choice")."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            required=False,
            widget=forms.CheckboxSelectMultiple,
            error_messages={"invalid_choice": "Choose workers from the list"},
            **kwargs,
        )

    def valid_value(self, value: Any) -> bool:
        from cse_portal.funnel import uuid_or_none

        return uuid_or_none(value) is not None


@dataclass
class WorkerGroup:
    """One agency's workers on a session's form: a fieldset in a details element, open when one
    of them is or was ticked or the field has an error, so a long list stays short to scan."""

    agency: str
    options: list[dict[str, Any]]
    open: bool

    @property
    def ticked(self) -> int:
        return sum(1 for option in self.options if option["checked"])


class WorkersMixin:
    """The workers with an account taking part, as checkboxes grouped by agency."""

    def offer_workers(self, offered: list[Any]) -> None:
        self.workers_offered = list(offered)
        self.fields["workers"].choices = [(str(w.pk), str(w)) for w in self.workers_offered]

    def worker_groups(self) -> list[WorkerGroup]:
        field = self["workers"]
        value = field.value() or []
        ticked = {str(v) for v in (value if isinstance(value, list | tuple) else [value])}
        # An agency stays open while it holds a worker ticked now or when the page was first
        # shown (the planner, those named), so unticking one does not fold it away.
        shown = ticked | {str(v) for v in self.get_initial_for_field(field.field, "workers") or []}
        groups: dict[str, list[dict[str, Any]]] = {}
        for number, worker in enumerate(self.workers_offered):
            agency = worker.agency.name if worker.agency_id else "No agency"
            groups.setdefault(agency, []).append(
                {
                    "id": f"{field.auto_id}_{number}",
                    "value": str(worker.pk),
                    "label": str(worker),
                    "hint": worker.job_title + ("" if worker.is_active else " (account closed)"),
                    "checked": str(worker.pk) in ticked,
                }
            )
        return [
            WorkerGroup(
                agency=agency,
                options=options,
                open=bool(field.errors) or any(o["value"] in shown for o in options),
            )
            for agency, options in groups.items()
        ]


class SessionPlanForm(WorkersMixin, forms.Form):
    place = forms.ChoiceField(
        label="Where is the session?",
        required=False,
        widget=forms.RadioSelect,
        help_text="A hot spot, a place you found, or a new place below.",
    )
    new_place_name = forms.CharField(
        label="Or a new place: its name", required=False, max_length=200
    )
    new_place_postcode = forms.CharField(label="Its postcode", required=False, max_length=10)
    day = GovukDateField(label="Date of the session", future_only=False)
    start_time = forms.CharField(
        label="Start time",
        max_length=5,
        help_text="For example, 19:30",
        error_messages={"required": "Enter the start time"},
    )
    end_time = forms.CharField(label="End time (optional)", max_length=5, required=False)
    agencies = forms.ModelMultipleChoiceField(
        label="Agencies taking part",
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Yours is added.",
    )
    workers = WorkersField(
        label="Workers with a portal account taking part",
        help_text="Tick who is going, by agency: each must be of an agency taking part.",
    )
    other_workers = forms.CharField(
        label="Others taking part without a portal account (optional)",
        required=False,
        max_length=300,
        help_text="Their names, such as a PCSO on patrol.",
    )
    alert = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        places: list[Any] = (),
        session: Any = None,
        workers: list[Any] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [(str(p.pk), p.label) for p in places]
        self.offer_workers(workers)
        if session is not None:
            self.fields["agencies"].help_text = ""
        self.fields["agencies"].queryset = plan_agencies(session)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("place") and not (data.get("new_place_name") or "").strip():
            self.add_error("place", "Choose where the session is, or give a new place's name")
        try:
            start = _time(data.get("start_time", ""), "the start time")
            end = _time(data.get("end_time", ""), "the end time")
        except forms.ValidationError as error:
            self.add_error("start_time" if "start" in str(error) else "end_time", error)
            return data
        data["starts_at"] = _aware(data.get("day"), start)
        data["ends_at"] = _aware(data.get("day"), end)
        return data


def plan_agencies(session: Any = None) -> Any:
    """The agencies a plan's form offers: the active ones; for a plan being changed, also an
    agency taking part that has since closed (its agencies are as chosen, none added)."""
    if session is None:
        return _agencies()
    return Agency.objects.filter(
        Q(is_active=True) | Q(pk__in=session.agencies.values("pk"))
    ).order_by("name")


def session_plan_initial(session: Any) -> dict[str, Any]:
    """The plan form filled in with a session's plan, to change it."""
    starts = timezone.localtime(session.starts_at)
    ends = timezone.localtime(session.ends_at) if session.ends_at else None
    return {
        "place": str(session.place_id),
        "day": starts.date(),
        "start_time": f"{starts:%H:%M}",
        "end_time": f"{ends:%H:%M}" if ends else "",
        "agencies": [a.pk for a in session.agencies.all()],
        "workers": [str(w.pk) for w in session.workers.all()],
        "other_workers": session.other_workers,
    }


class SessionRecordForm(WorkersMixin, forms.Form):
    young_people_count = forms.IntegerField(
        label="How many young people did you engage?",
        min_value=0,
        max_value=10_000,
        error_messages={"required": "Enter how many young people you engaged, 0 or more"},
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    young_people = forms.MultipleChoiceField(
        label="Young people already known to the service",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only records you can see are listed. Untick one linked in error to take "
        "the link off.",
    )
    materials_given = forms.CharField(
        label="Materials given",
        required=False,
        widget=forms.Textarea,
        max_length=SHORT_TEXT_MAX_LENGTH,
    )
    what_seen = forms.CharField(
        label="What did you see?",
        required=False,
        widget=forms.Textarea,
        max_length=NARRATIVE_MAX_LENGTH,
        help_text="Who was there, vehicles, what worried you. You can make it intelligence next.",
    )
    workers = WorkersField(
        label="Workers with a portal account who went",
        help_text="Workers of the agencies taking part, by agency.",
    )

    def __init__(
        self,
        *args: Any,
        people: list[Any] = (),
        premises: list[Any] = (),
        workers: list[Any] = (),
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.offer_workers(workers)
        self.fields["young_people"].choices = [
            (str(p.pk), f"{p.given_name} {p.family_name}") for p in people
        ]
        self.premises = list(premises)
        for place in self.premises:
            self.fields[f"visit_{place.pk}"] = forms.ChoiceField(
                label=place.name,
                required=False,
                choices=[("", "Not visited"), *VisitOutcome.choices],
            )

    def visit_fields(self) -> list[Any]:
        return [self[f"visit_{p.pk}"] for p in self.premises]

    def visits(self) -> list[tuple[Any, str]]:
        """Each premises offered with the outcome chosen, ``""`` for "Not visited"."""
        return [(p, self.cleaned_data.get(f"visit_{p.pk}") or "") for p in self.premises]


def _codes(name: str, leave_out: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    codes = GRADING_CODES[Scheme.FIVE_BY_FIVE][name]
    return [(code, f"{code}: {text}") for code, text in codes.items() if code not in leave_out]


class IntelligenceForm(forms.Form):
    content = forms.CharField(
        label="What was seen",
        widget=forms.Textarea,
        max_length=NARRATIVE_MAX_LENGTH,
        error_messages={"required": "Say what was seen"},
    )
    source_evaluation = forms.ChoiceField(
        label="Source evaluation",
        choices=_codes("source_evaluation"),
        initial="B",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the source evaluation"},
    )
    intelligence_evaluation = forms.ChoiceField(
        label="Intelligence evaluation",
        choices=_codes("intelligence_evaluation"),
        initial="1",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the intelligence evaluation"},
    )
    handling_code = forms.ChoiceField(
        label="Handling code",
        # Code 5 needs written handling conditions: use the full intelligence form for it.
        choices=_codes("handling_code", leave_out=("5",)),
        initial="1",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the handling code"},
    )
    priority = forms.ChoiceField(
        label="Priority", choices=Priority.choices, initial=Priority.LOW, widget=forms.RadioSelect
    )


class CloseAlertForm(forms.Form):
    reason = forms.CharField(
        label="Why the outreach answers the alert",
        widget=forms.Textarea,
        max_length=REASON_MAX_LENGTH,
        error_messages={"required": "Give the reason for closing the alert"},
    )


# --- Premises ------------------------------------------------------------------------------------


class PremisesForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the name"}
    )
    sector = forms.ChoiceField(
        label="Sector", choices=Sector.choices, error_messages={"required": "Choose the sector"}
    )
    address = forms.CharField(
        label="Address", required=False, widget=forms.Textarea, max_length=SHORT_TEXT_MAX_LENGTH
    )
    postcode = forms.CharField(label="Postcode", required=False, max_length=10)
    contact_name = forms.CharField(label="Contact name", required=False, max_length=200)
    contact_phone = forms.CharField(label="Contact phone", required=False, max_length=40)
    contact_email = forms.EmailField(
        label="Contact email",
        required=False,
        error_messages={"invalid": "Enter an email address like name@example.com"},
    )
    team_interest = forms.ChoiceField(
        label="Licensing or housing team's interest",
        choices=TeamInterest.choices,
        initial=TeamInterest.NONE,
        widget=forms.RadioSelect,
    )
    materials_displayed = forms.BooleanField(
        label='"See something, say something" materials are displayed', required=False
    )

    def clean_postcode(self) -> str:
        # Checked with the other fields, so every mistake is said at once.
        from .services import premises_postcode

        return premises_postcode(self.cleaned_data["postcode"])


class VisitForm(forms.Form):
    visited_on = GovukDateField(label="Date of the visit", past_only=True)
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=VisitOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome of the visit"},
    )
    materials = forms.ChoiceField(
        label="Are the materials displayed?",
        choices=[("yes", "Yes"), ("no", "No"), ("unknown", "Not checked")],
        initial="unknown",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Note", required=False, widget=forms.Textarea, max_length=REASON_MAX_LENGTH
    )

    def materials_displayed(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("materials", ""))


# --- Training ------------------------------------------------------------------------------------


class TrainingSessionForm(forms.Form):
    course = forms.ModelChoiceField(
        label="Course",
        queryset=Course.objects.none(),
        error_messages={"required": "Choose the course"},
    )
    delivered_on = GovukDateField(label="Date delivered", past_only=True)
    trainer_username = forms.CharField(
        label="Trainer's username (team manager only)",
        required=False,
        max_length=150,
        help_text="Leave empty if you delivered it yourself.",
    )
    trainer_name = forms.CharField(
        label="Or the trainer's name, if they have no account", required=False, max_length=200
    )
    attendance_count = forms.IntegerField(
        label="How many people attended?",
        min_value=1,
        max_value=10_000,
        error_messages={"required": "Enter how many people attended"},
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    attendees = forms.CharField(
        label="Attendees with an account (optional)",
        required=False,
        widget=forms.Textarea,
        help_text="Their usernames or email addresses, one a line. They count in the number above.",
        max_length=SHORT_TEXT_MAX_LENGTH * 20,
    )
    audience_sectors = forms.MultipleChoiceField(
        label="Sectors in the audience",
        choices=Sector.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    audience_agencies = forms.ModelMultipleChoiceField(
        label="Agencies in the audience",
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, session: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.filter(is_active=True).order_by("title")
        self.fields["audience_agencies"].queryset = _agencies()
        # A session being corrected keeps the people it names, even those whose account has since
        # been closed.
        self.kept: list[Any] = []
        if session is not None:
            self.kept = [u.pk for u in session.attendees.all()]
            if session.trainer_id:
                self.kept.append(session.trainer_id)

    def _users(self) -> Any:
        return get_user_model().objects.filter(Q(is_active=True) | Q(pk__in=self.kept))

    def clean_trainer_username(self) -> Any:
        name = self.cleaned_data["trainer_username"].strip()
        if not name:
            return None
        user = self._users().filter(username=name).first()
        if user is None:
            raise forms.ValidationError(f"No staff user has the username {name}")
        return user

    def clean_attendees(self) -> list[Any]:
        wanted = [w.strip() for w in self.cleaned_data["attendees"].splitlines() if w.strip()]
        if not wanted:
            return []
        if len(wanted) > 500:
            raise forms.ValidationError("Name at most 500 attendees")
        # A username as it is spelt; an email address in any case (as the e-learning import
        # matches it).
        lowered = {w.lower() for w in wanted}
        users = list(
            self._users()
            .annotate(email_lower=Lower("email"))
            .filter(Q(username__in=wanted) | Q(email_lower__in=lowered))
        )
        usernames = {u.username for u in users}
        emails = {u.email.lower() for u in users if u.email}
        unknown = [
            w for w in dict.fromkeys(wanted) if w not in usernames and w.lower() not in emails
        ]
        if unknown:
            raise forms.ValidationError(f"No staff user is known as: {', '.join(unknown[:10])}")
        return users

    def service_arguments(self) -> dict[str, Any]:
        """The valid form as the recording and correcting services take it."""
        data = self.cleaned_data
        return {
            "course": data["course"],
            "delivered_on": data["delivered_on"],
            "attendance_count": data["attendance_count"],
            "trainer": data["trainer_username"],
            "trainer_name": data["trainer_name"],
            "audience_sectors": data["audience_sectors"],
            "audience_agencies": data["audience_agencies"],
            "attendees": data["attendees"],
        }


def training_initial(session: Any) -> dict[str, Any]:
    """The training form filled in with a session already recorded, to correct it."""
    return {
        "course": session.course_id,
        "delivered_on": session.delivered_on,
        "trainer_username": session.trainer.username if session.trainer_id else "",
        "trainer_name": session.trainer_name,
        "attendance_count": session.attendance_count,
        "attendees": "\n".join(sorted(u.username for u in session.attendees.all())),
        "audience_sectors": [a.sector for a in session.audience_sectors.all()],
        "audience_agencies": [a.pk for a in session.audience_agencies.all()],
    }


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV export from the learning platform",
        help_text="Columns: email, module, completed_on (YYYY-MM-DD or DD/MM/YYYY), score "
        "(optional).",
        error_messages={"required": "Choose a CSV file", "empty": "The file is empty"},
    )

    MAX_BYTES = 5_000_000

    def clean_file(self) -> tuple[str, str]:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("The file must be smaller than 5 MB")
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("The file must be a CSV file")
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("The file must be a CSV file saved as UTF-8") from None
        if "\x00" in text:
            # A NUL character is no part of a CSV export, and PostgreSQL cannot keep it in text.
            raise forms.ValidationError(
                "The file must be a CSV file saved as UTF-8: it holds a NUL character"
            )
        return upload.name, text


# --- Participation -------------------------------------------------------------------------------


class FeedbackForm(HoneypotMixin):
    given_by = forms.ChoiceField(
        label="Who are you?",
        choices=FeedbackFrom.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say who you are"},
    )
    about = forms.ChoiceField(
        label="What is your feedback about?",
        choices=FeedbackAbout.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say what your feedback is about"},
    )
    rating = forms.TypedChoiceField(
        label="How was it?",
        choices=[(str(v), label) for v, label in Rating.choices],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Say how it was"},
    )
    went_well = forms.CharField(
        label="What went well? (optional)",
        required=False,
        widget=forms.Textarea,
        max_length=REASON_MAX_LENGTH,
    )
    could_be_better = forms.CharField(
        label="What could be better? (optional)",
        required=False,
        widget=forms.Textarea,
        max_length=REASON_MAX_LENGTH,
    )
    name = forms.CharField(
        label="Your name (optional)",
        required=False,
        max_length=200,
        help_text="Leave it empty to stay anonymous.",
    )
    contact = forms.CharField(
        label="How can we reach you? (optional)",
        required=False,
        max_length=200,
        help_text="Only if you want us to get back to you.",
    )

    def submission(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("website", None)
        return data


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of activity",
        choices=ActivityKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of activity"},
    )
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter a title"}
    )
    held_on = GovukDateField(label="Date held", past_only=True)
    young_people_count = forms.IntegerField(
        label="Young people taking part",
        min_value=0,
        max_value=100_000,
        initial=0,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    families_count = forms.IntegerField(
        label="Families taking part",
        min_value=0,
        max_value=100_000,
        initial=0,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    summary = forms.CharField(
        label="What happened", required=False, widget=forms.Textarea, max_length=REASON_MAX_LENGTH
    )
    what_changed = forms.CharField(
        label="What changed as a result",
        required=False,
        widget=forms.Textarea,
        max_length=REASON_MAX_LENGTH,
    )
