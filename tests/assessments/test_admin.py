"""Administrators add and publish instrument versions; a published version is read-only and old
assessments keep theirs."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assessments import selectors, services
from assessments.models import Instrument, InstrumentStatus


def _v2_definition() -> dict:
    definition = copy.deepcopy(Instrument.objects.get(version=1).definition)
    definition["version"] = 2
    definition["sections"][1]["items"][0]["text"] = "Missing overnight (reworded in version 2)"
    return definition


def test_admin_adds_a_draft_and_publishes_it(people, client_for, make_assessment) -> None:
    old = make_assessment({"missing_overnight": "within_6_months"}, status="draft")
    client = client_for(people.adam)
    response = client.post(
        reverse("admin:assessments_instrument_add"),
        {
            "name": "South Yorkshire CSE screening tool",
            "version": 2,
            "definition": json.dumps(_v2_definition()),
        },
    )
    assert response.status_code == 302
    v2 = Instrument.objects.get(version=2)
    assert v2.status == InstrumentStatus.DRAFT
    assert selectors.current_instrument().version == 1
    client.post(
        reverse("admin:assessments_instrument_changelist"),
        {"action": "publish", "_selected_action": [v2.pk]},
    )
    assert selectors.current_instrument().version == 2
    old.refresh_from_db()
    texts = [r.text for s in selectors.answers_by_section(old) for r in s.rows]
    assert "Regularly missing from home, care or school, staying out overnight" in texts


def test_published_version_cannot_be_changed(people, client_for) -> None:
    v1 = Instrument.objects.get(version=1)
    url = reverse("admin:assessments_instrument_change", args=[v1.pk])
    client = client_for(people.adam)
    response = client.post(url, {"name": "Renamed", "version": 1, "definition": "{}"})
    assert response.status_code == 403
    v1.refresh_from_db()
    assert v1.name == "South Yorkshire CSE screening tool"
    v1.definition = {**v1.definition, "name": "Changed"}
    with pytest.raises(ValidationError):
        v1.full_clean()


def test_published_version_reads_as_its_questions_without_a_save_button(people, client_for) -> None:
    v1 = Instrument.objects.get(version=1)
    response = client_for(people.adam).get(
        reverse("admin:assessments_instrument_change", args=[v1.pk])
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert 'name="_save"' not in content
    assert "<textarea" not in content
    assert "<h3>Grooming and relationships</h3>" in content
    assert "<strong>Seen getting into cars driven by unknown adults</strong>" in content
    assert '"sections"' not in content  # not the JSON


def test_a_draft_version_stays_editable(people, client_for) -> None:
    draft = Instrument.objects.create(name="X", version=2, definition=_v2_definition())
    content = (
        client_for(people.adam)
        .get(reverse("admin:assessments_instrument_change", args=[draft.pk]))
        .content.decode()
    )
    assert 'name="_save"' in content
    assert 'name="definition"' in content


def test_an_unsound_definition_cannot_be_added(people, client_for) -> None:
    definition = _v2_definition()
    definition["thresholds"][1]["min_score"] = 0
    response = client_for(people.adam).post(
        reverse("admin:assessments_instrument_add"),
        {"name": "Broken", "version": 2, "definition": json.dumps(definition)},
    )
    assert response.status_code == 200
    assert not Instrument.objects.filter(version=2).exists()


def test_only_administrators_publish(people) -> None:
    draft = Instrument.objects.create(name="X", version=2, definition=_v2_definition())
    with pytest.raises(PermissionDenied):
        services.instrument_publish(instrument=draft, published_by=people.manager)
    services.instrument_publish(instrument=draft, published_by=people.adam)
    with pytest.raises(ValidationError):
        services.instrument_publish(instrument=draft, published_by=people.adam)


def test_assessments_are_not_in_the_admin(people, client_for) -> None:
    content = client_for(people.adam).get(reverse("admin:index")).content.decode()
    assert "Instruments" in content
    assert "/admin/assessments/assessment/" not in content
