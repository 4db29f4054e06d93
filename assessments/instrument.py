"""Risk assessment instruments are data: a definition (sections, items, answer options with their
scores, thresholds and the age / learning-disability floor) read from a versioned JSON file and
stored with the instrument version. This module checks a definition and scores answers against it.
It is pure Python, so the same rules score a new assessment and re-score an old one."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError

from cse_portal.young_people.models import RiskLevel

INSTRUMENTS_DIR = Path(__file__).resolve().parent / "instruments"

#: Assessed levels from lowest to highest ("not assessed" is not an outcome of an assessment).
LEVEL_ORDER: tuple[str, ...] = (
    RiskLevel.NO_APPARENT_RISK,
    RiskLevel.LOW,
    RiskLevel.MEDIUM,
    RiskLevel.HIGH,
)


def level_rank(level: str) -> int:
    return LEVEL_ORDER.index(level)


def higher_level(a: str, b: str) -> str:
    return a if level_rank(a) >= level_rank(b) else b


def load_definition_file(name: str) -> dict[str, Any]:
    """A definition shipped in ``assessments/instruments/`` (e.g. ``south_yorkshire_v1.json``)."""
    with (INSTRUMENTS_DIR / name).open(encoding="utf-8") as handle:
        return json.load(handle)


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    score: int


@dataclass(frozen=True)
class Item:
    code: str
    text: str
    guidance: str
    kind: str
    options: tuple[Option, ...]

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)

    @property
    def absent_value(self) -> str:
        """The first option means "not present"."""
        return self.options[0].value


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Floor:
    under_age: int | None
    learning_disability: bool
    minimum_level: str
    prompts_social_care_referral: bool


@dataclass(frozen=True)
class Result:
    score: int
    banded_level: str
    calculated_level: str
    floor_applied: bool
    social_care_referral: bool
    present: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Definition:
    name: str
    sections: tuple[Section, ...]
    thresholds: tuple[tuple[int, str], ...]
    floor: Floor

    @cached_property
    def items(self) -> dict[str, Item]:
        return {item.code: item for section in self.sections for item in section.items}

    def band(self, score: int) -> str:
        level = self.thresholds[0][1]
        for minimum, band_level in self.thresholds:
            if score >= minimum:
                level = band_level
        return level

    def floor_applies(self, *, age: int | None, learning_disability: bool) -> bool:
        young = self.floor.under_age is not None and age is not None and age < self.floor.under_age
        return young or (self.floor.learning_disability and learning_disability)

    def score(
        self, answers: dict[str, str], *, age: int | None, learning_disability: bool
    ) -> Result:
        """Score ``answers`` ({item code: option value}); unanswered items count as not present.

        The calculated level is the band of the total, raised to the floor's minimum level for a
        child under the floor age or with a learning disability."""
        items = self.items
        total = 0
        present = []
        for code, value in answers.items():
            item = items.get(code)
            option = item.option(value) if item else None
            if option is None:
                raise ValidationError({"answers": f"{code}: {value!r} is not an answer option"})
            total += option.score
            if value != item.absent_value:
                present.append(code)
        banded = self.band(total)
        floored = self.floor_applies(age=age, learning_disability=learning_disability)
        calculated = higher_level(banded, self.floor.minimum_level) if floored else banded
        return Result(
            score=total,
            banded_level=banded,
            calculated_level=calculated,
            floor_applied=floored and calculated != banded,
            social_care_referral=floored and self.floor.prompts_social_care_referral,
            present=tuple(sorted(present)),
        )

    def public(self) -> list[dict[str, Any]]:
        """Sections and items as the API and forms show them (scores are the tool's business)."""
        return [
            {
                "code": section.code,
                "title": section.title,
                "items": [
                    {
                        "code": item.code,
                        "text": item.text,
                        "guidance": item.guidance,
                        "options": [{"value": o.value, "label": o.label} for o in item.options],
                    }
                    for item in section.items
                ],
            }
            for section in self.sections
        ]


def _fail(message: str) -> ValidationError:
    return ValidationError({"definition": message})


def parse_definition(data: Any) -> Definition:
    """Check a definition and return it parsed; ``ValidationError`` naming the first problem.

    Besides the shape, the rules that keep scoring sound: every option set starts with a
    "not present" option scoring 0, no score is negative, thresholds start at 0 and rise with the
    level, so answering an item as present can never lower the level."""
    if not isinstance(data, dict):
        raise _fail("The definition must be a JSON object.")
    try:
        option_sets: dict[str, tuple[Option, ...]] = {}
        for key, options in data["option_sets"].items():
            parsed = tuple(
                Option(value=str(o["value"]), label=str(o["label"]), score=int(o["score"]))
                for o in options
            )
            if len(parsed) < 2:
                raise _fail(f"Option set {key!r} needs at least two options.")
            if parsed[0].score != 0:
                raise _fail(f"Option set {key!r}: the first option (not present) must score 0.")
            if any(o.score < 0 for o in parsed):
                raise _fail(f"Option set {key!r}: scores cannot be negative.")
            if len({o.value for o in parsed}) != len(parsed):
                raise _fail(f"Option set {key!r}: option values must be unique.")
            option_sets[str(key)] = parsed
        sections = []
        seen: set[str] = set()
        for section in data["sections"]:
            items = []
            for item in section["items"]:
                code = str(item["code"])
                if not code or code in seen:
                    raise _fail(f"Item code {code!r} is empty or used twice.")
                seen.add(code)
                kind = str(item["kind"])
                if kind not in option_sets:
                    raise _fail(f"Item {code!r} uses unknown option set {kind!r}.")
                items.append(
                    Item(
                        code=code,
                        text=str(item["text"]),
                        guidance=str(item.get("guidance", "")),
                        kind=kind,
                        options=option_sets[kind],
                    )
                )
            if not items:
                raise _fail(f"Section {section.get('title')!r} has no items.")
            sections.append(
                Section(code=str(section["code"]), title=str(section["title"]), items=tuple(items))
            )
        if not sections:
            raise _fail("The instrument has no sections.")
        thresholds = tuple((int(t["min_score"]), str(t["level"])) for t in data["thresholds"])
        floor_data = data.get("floor") or {}
        floor = Floor(
            under_age=floor_data.get("under_age"),
            learning_disability=bool(floor_data.get("learning_disability", False)),
            minimum_level=str(floor_data.get("minimum_level", RiskLevel.NO_APPARENT_RISK)),
            prompts_social_care_referral=bool(
                floor_data.get("prompts_social_care_referral", False)
            ),
        )
        name = str(data["name"])
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise _fail(f"The definition is incomplete or malformed ({error}).") from None
    if not thresholds or thresholds[0][0] != 0:
        raise _fail("Thresholds must start at a score of 0.")
    for (low_min, low_level), (high_min, high_level) in pairwise(thresholds):
        if high_min <= low_min:
            raise _fail("Threshold scores must rise.")
        if low_level not in LEVEL_ORDER or high_level not in LEVEL_ORDER:
            raise _fail("Threshold levels must be risk levels.")
        if level_rank(high_level) <= level_rank(low_level):
            raise _fail("Threshold levels must rise with the score.")
    if thresholds[0][1] not in LEVEL_ORDER or floor.minimum_level not in LEVEL_ORDER:
        raise _fail("Levels must be risk levels.")
    return Definition(name=name, sections=tuple(sections), thresholds=thresholds, floor=floor)
