"""Reads of assessments that depend on who is asking, and the current instrument's indicators for
other apps (the referral form's tick boxes). Each page costs a fixed number of queries."""

from __future__ import annotations

from .instrument import Definition
from .models import Instrument


def current_instrument() -> Instrument | None:
    """The published version assessors use now (the highest published version)."""
    return Instrument.objects.current()


def current_definition() -> Definition | None:
    instrument = current_instrument()
    return instrument.parsed if instrument else None


def indicator_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """(section title, [(item code, item text)]) of the current published instrument, for grouped
    tick boxes (the referral form's indicators use the same codes as the assessment)."""
    definition = current_definition()
    if definition is None:
        return []
    return [
        (section.title, [(item.code, item.text) for item in section.items])
        for section in definition.sections
    ]


def valid_indicator_codes() -> set[str]:
    """Every item code of the current published instrument."""
    definition = current_definition()
    return set(definition.items) if definition else set()
