from __future__ import annotations

import pytest

from assessments import selectors
from assessments.models import Instrument

pytestmark = pytest.mark.django_db


def test_version_1_is_published_by_the_migration() -> None:
    current = selectors.current_instrument()
    assert current is not None
    assert (current.version, current.name) == (1, "South Yorkshire CSE screening tool")


def test_indicator_choices_group_item_codes_by_section() -> None:
    choices = dict(selectors.indicator_choices())
    assert "Grooming and relationships" in choices
    assert ("groom_cars", "Seen getting into cars driven by unknown adults") in choices[
        "Grooming and relationships"
    ]


def test_valid_indicator_codes_are_the_current_instruments_items() -> None:
    codes = selectors.valid_indicator_codes()
    assert {"groom_cars", "health_sti", "vul_looked_after"} <= codes
    assert "not_a_code" not in codes


def test_no_published_instrument_means_no_indicators() -> None:
    Instrument.objects.all().delete()
    assert selectors.indicator_choices() == []
    assert selectors.valid_indicator_codes() == set()


def test_a_flushed_database_gets_version_1_back_after_migrate_signals() -> None:
    from django.apps import apps
    from django.db.models.signals import post_migrate

    Instrument.objects.all().delete()
    config = apps.get_app_config("assessments")
    post_migrate.send(sender=config, app_config=config, using="default", verbosity=0)
    assert selectors.current_instrument().version == 1
