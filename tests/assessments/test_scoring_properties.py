"""The scoring rules as properties (hypothesis): they hold for any set of answers, not only the
examples someone thought of."""

from __future__ import annotations

import copy

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments import selectors, services
from assessments.instrument import (
    LEVEL_ORDER,
    Definition,
    level_rank,
    load_definition_file,
    parse_definition,
)
from assessments.models import Instrument
from cse_portal.young_people.models import RiskLevel

V1 = parse_definition(load_definition_file("south_yorkshire_v1.json"))
CODES = sorted(V1.items)


def answers_for(definition: Definition) -> st.SearchStrategy[dict[str, str]]:
    """Any subset of items, each with any of its options."""
    return st.dictionaries(
        st.sampled_from(sorted(definition.items)),
        st.sampled_from(sorted({o.value for i in definition.items.values() for o in i.options})),
    ).map(
        lambda raw: {
            code: value
            for code, value in raw.items()
            if definition.items[code].option(value) is not None
        }
    )


ages = st.one_of(st.none(), st.integers(min_value=0, max_value=25))


@given(
    answers=answers_for(V1), code=st.sampled_from(CODES), data=st.data(), age=ages, ld=st.booleans()
)
def test_adding_an_indicator_never_lowers_the_level(answers, code, data, age, ld) -> None:
    item = V1.items[code]
    before = V1.score({**answers, code: item.absent_value}, age=age, learning_disability=ld)
    present = data.draw(st.sampled_from([o.value for o in item.options[1:]]))
    after = V1.score({**answers, code: present}, age=age, learning_disability=ld)
    assert after.score >= before.score
    assert level_rank(after.calculated_level) >= level_rank(before.calculated_level)


@given(answers=answers_for(V1), age=ages, ld=st.booleans())
def test_under_13_or_learning_disability_is_never_low_or_no_apparent_risk(answers, age, ld) -> None:
    result = V1.score(answers, age=age, learning_disability=ld)
    if (age is not None and age < 13) or ld:
        assert result.calculated_level in {RiskLevel.MEDIUM, RiskLevel.HIGH}
        assert result.social_care_referral
    else:
        assert result.calculated_level == result.banded_level
        assert not result.social_care_referral


@given(answers=answers_for(V1))
def test_level_is_the_seraf_band_of_the_score(answers) -> None:
    result = V1.score(answers, age=15, learning_disability=False)
    expected = sum(V1.items[c].option(v).score for c, v in answers.items())
    band = (
        RiskLevel.HIGH
        if expected >= 16
        else RiskLevel.MEDIUM
        if expected >= 11
        else RiskLevel.LOW
        if expected >= 6
        else RiskLevel.NO_APPARENT_RISK
    )
    assert (result.score, result.calculated_level) == (expected, band)


def _next_version(base: Instrument) -> dict:
    """A new version that scores everything differently and drops an item."""
    definition = copy.deepcopy(base.definition)
    definition["version"] = base.version + 1
    for options in definition["option_sets"].values():
        for option in options[1:]:
            option["score"] = option["score"] * 3 + 2
    definition["thresholds"] = [
        {"min_score": 0, "level": "no_apparent_risk"},
        {"min_score": 3, "level": "low"},
        {"min_score": 7, "level": "medium"},
        {"min_score": 9, "level": "high"},
    ]
    first = definition["sections"][0]
    if len(first["items"]) > 1:
        first["items"] = first["items"][1:]
    return definition


@pytest.mark.django_db
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(answers_for(V1), min_size=1, max_size=3), ld=st.booleans())
def test_rescoring_an_old_assessment_after_a_new_version_gives_the_same_result(
    people, batch, ld
) -> None:
    # Each example in its own rolled-back savepoint: examples share the test's database.
    with transaction.atomic():
        _check_rescoring(people, batch, ld)
        transaction.set_rollback(True)


def _check_rescoring(people, batch, ld) -> None:
    people.maya.learning_disability = ld
    people.maya.save(update_fields=["learning_disability"])
    old = Instrument.objects.current()
    made = []
    for answers in batch:
        assessment = services.assessment_start(young_person=people.maya, assessor=people.alice)
        services.assessment_save(assessment=assessment, user=people.alice, answers=answers)
        made.append(assessment)
    new = Instrument.objects.create(
        name=old.name, version=old.version + 1, definition=_next_version(old)
    )
    services.instrument_publish(instrument=new, published_by=people.adam)
    assert selectors.current_instrument().version == new.version
    for assessment in made:
        stored = type(assessment).objects.select_related("instrument").get(pk=assessment.pk)
        again = selectors.rescore(stored)
        assert stored.instrument_id == old.pk
        assert (again.score, again.calculated_level) == (stored.score, stored.calculated_level)
        assert again.present == tuple(
            sorted(c for c, v in stored.answers.items() if v != "not_present")
        )
        texts = [row.text for s in selectors.answers_by_section(stored) for row in s.rows]
        assert texts == [i.text for s in old.parsed.sections for i in s.items]


def test_definitions_that_could_lower_a_level_are_refused() -> None:
    broken = copy.deepcopy(load_definition_file("south_yorkshire_v1.json"))
    broken["option_sets"]["moderate"][1]["score"] = -1
    with pytest.raises(Exception, match="negative"):
        parse_definition(broken)
    broken = copy.deepcopy(load_definition_file("south_yorkshire_v1.json"))
    broken["thresholds"][2]["level"] = "low"
    with pytest.raises(Exception, match="rise"):
        parse_definition(broken)
    assert set(LEVEL_ORDER) == {t[1] for t in V1.thresholds}
