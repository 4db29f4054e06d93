"""GOV.UK Design System components for Django templates, in one place.

``{% govuk_field form.name %}`` renders a field with its label, hint, error message and the
right component for its widget; ``{% govuk_error_summary form %}`` the error summary linking to
each field.
"""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.html import format_html
from django.utils.safestring import SafeString

from cse_portal.forms import GovukDateWidget
from cse_portal.young_people.models import RiskLevel
from cse_portal.young_people.validators import format_nhs_number

register = template.Library()

#: Tag colours by severity; "not assessed" and "no apparent risk" stay grey.
RISK_TAG_COLOURS = {RiskLevel.HIGH: "red", RiskLevel.MEDIUM: "orange", RiskLevel.LOW: "yellow"}


def _component(field: BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, GovukDateWidget):
        return "date"
    # CheckboxSelectMultiple is a subclass of RadioSelect: test it first.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    return "input"


def _first_input_id(field: BoundField) -> str:
    component = _component(field)
    if component == "date":
        return f"{field.auto_id}_0"
    if component in {"radios", "checkboxes"}:
        return f"{field.auto_id}_0"
    return field.auto_id


@register.inclusion_tag("includes/field.html")
def govuk_field(field: BoundField, **options: Any) -> dict[str, Any]:
    """Options: ``label_size`` (s, m, l, xl), ``is_page_heading``, ``width`` (input width class
    suffix such as 10, 20, one-half), ``hint`` (overrides the field's help text),
    ``conditional`` (no-op marker used by templates), ``inline`` (radios side by side)."""
    component = _component(field)
    value = field.value()
    selected = set()
    if component in {"radios", "checkboxes", "select"}:
        values = value if isinstance(value, list | tuple) else [value]
        selected = {str(v) for v in values if v not in (None, "")}
    # Each choice with whether it is chosen, decided here once rather than by a filter and a set
    # lookup for every option in the template (a select of 20 options on a form of 14 fields).
    choices = [
        (choice, label, str(choice) in selected)
        for choice, label in getattr(field.field, "choices", []) or []
    ]
    widget = field.field.widget
    auto_id = field.auto_id
    # What the template reads, looked up here once: each ``field.auto_id`` in a template is a
    # failed ``field["auto_id"]`` (a bound field indexes its subwidgets) before the property is
    # computed again, and an option not given (``options.width``) a failed lookup ending in a
    # ``dir()`` of the dictionary; a form of 14 fields spent milliseconds on them.
    return {
        "field": field,
        "component": component,
        "options": OPTION_DEFAULTS | options,
        "hint": options.get("hint", field.help_text),
        "choices": choices,
        "selected": selected,
        "value": "" if value is None else value,
        "date_parts": _date_parts(field) if component == "date" else [],
        "errors": field.errors,
        "auto_id": auto_id,
        "html_name": field.html_name,
        "label": field.label,
        "error_id": f"{auto_id}-error",
        "input_type": getattr(widget, "input_type", ""),
        "widget_attrs": list(widget.attrs.items()),
    }


#: Every option the field template reads, with the value that renders as leaving it out.
OPTION_DEFAULTS: dict[str, Any] = {
    "label_size": "",
    "is_page_heading": False,
    "width": "",
    "rows": "",
    "inline": False,
    "small": False,
    "autocomplete": "",
}


def _date_parts(field: BoundField) -> list[dict[str, Any]]:
    widget = field.field.widget
    data = field.value()
    if not isinstance(data, list | tuple):
        data = widget.decompress(data)
    parts = []
    for index, (name, width) in enumerate((("Day", 2), ("Month", 2), ("Year", 4))):
        parts.append(
            {
                "id": f"{field.auto_id}_{index}",
                "name": f"{field.html_name}_{index}",
                "label": name,
                "width": width,
                "value": "" if data[index] is None else data[index],
            }
        )
    return parts


@register.inclusion_tag("includes/error_summary.html")
def govuk_error_summary(*forms_: forms.Form) -> dict[str, Any]:
    """One summary for one or more forms: each error links to its field."""
    errors = []
    for form in forms_:
        if form is None or not form.is_bound:
            continue
        for message in form.non_field_errors():
            errors.append({"href": "", "text": message})
        for name, field_errors in form.errors.items():
            if name == forms.forms.NON_FIELD_ERRORS:
                continue
            bound = form[name]
            for message in field_errors:
                errors.append({"href": f"#{_first_input_id(bound)}", "text": message})
    return {"errors": errors}


@register.filter
def field_error_id(field: BoundField) -> str:
    return f"{field.auto_id}-error"


@register.filter
def nhs_number(value: str) -> str:
    """``{{ record.nhs_number|nhs_number }}``: shown 3-3-4, as on NHS letters and cards."""
    return format_nhs_number(value)


@register.simple_tag
def page_title(title: str, form: forms.Form | None = None) -> str:
    """``Error: `` in front of the title when the form has errors, as the pattern asks."""
    prefix = "Error: " if form is not None and form.is_bound and form.errors else ""
    return f"{prefix}{title} – CSE portal"


@register.simple_tag
def risk_level_tag(level: str, label: str, prefix: str = "") -> SafeString:
    """``{% risk_level_tag record.current_risk_level record.get_current_risk_level_display %}``:
    the CSE risk level as a GOV.UK tag, the same colour wherever a level is shown."""
    colour = RISK_TAG_COLOURS.get(level, "grey")
    html = '<strong class="govuk-tag govuk-tag--{}">{}{}</strong>'
    return format_html(html, colour, prefix, label)
