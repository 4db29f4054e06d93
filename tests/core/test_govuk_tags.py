"""The GOV.UK form components rendered by {% govuk_field %} and {% govuk_error_summary %}."""

from __future__ import annotations

import pytest
from django import forms
from django.template import Context, Template

from cse_portal.forms import GovukDateField

CHOICES = [("a", "Apple"), ("b", "Banana")]


class ExampleForm(forms.Form):
    several = forms.MultipleChoiceField(choices=CHOICES, widget=forms.CheckboxSelectMultiple)
    one = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect)
    when = GovukDateField(label="Date of the visit")


def render(form: forms.Form, field: str) -> str:
    return Template("{% govuk_field form." + field + " %}").render(Context({"form": form}))


def test_a_multiple_choice_renders_as_checkboxes_not_radios():
    html = render(ExampleForm(), "several")
    assert html.count('type="checkbox"') == 2
    assert 'type="radio"' not in html


def test_a_single_choice_renders_as_radios():
    html = render(ExampleForm(), "one")
    assert html.count('type="radio"') == 2


def test_every_ticked_checkbox_stays_ticked_after_an_error():
    form = ExampleForm(data={"several": ["a", "b"], "one": "a", "when_0": "31"})
    form.is_valid()
    assert render(form, "several").count(" checked") == 2


def test_a_date_keeps_what_was_typed_and_explains_what_is_missing():
    form = ExampleForm(data={"when_0": "31", "when_1": "", "when_2": "2010"})
    html = render(form, "when")
    assert 'value="31"' in html and 'value="2010"' in html
    assert "Date of the visit must include a month" in html


def test_an_impossible_date_is_refused_as_not_real():
    form = ExampleForm(
        data={"several": ["a"], "one": "a", "when_0": "30", "when_1": "2", "when_2": "2010"}
    )
    assert form.errors["when"] == ["Date of the visit must be a real date"]


def test_the_error_summary_links_to_the_first_input_of_each_field():
    form = ExampleForm(data={})
    form.is_valid()
    html = Template("{% govuk_error_summary form %}").render(Context({"form": form}))
    assert 'href="#id_several_0"' in html
    assert 'href="#id_when_0"' in html


@pytest.mark.parametrize(
    ("level", "colour"),
    [("high", "red"), ("medium", "orange"), ("low", "yellow"), ("not_assessed", "grey")],
)
def test_a_risk_level_is_one_tag_coloured_by_severity(level, colour):
    html = Template("{% risk_level_tag level 'Label' prefix='CSE risk: ' %}").render(
        Context({"level": level})
    )
    assert html == f'<strong class="govuk-tag govuk-tag--{colour}">CSE risk: Label</strong>'


def test_an_empty_required_date_says_what_to_enter():
    form = ExampleForm({"several": ["a"], "one": "a", "when_0": "", "when_1": "", "when_2": ""})
    assert not form.is_valid()
    assert form.errors["when"] == ["Enter date of the visit"]
