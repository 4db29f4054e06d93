"""The results table's rows written by ``{% young_people_rows %}`` are the markup the template
wrote, value for value and escaped the same; a row's flags are its active ones, in the order their
kinds are declared."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template import Context, Template

from cse_portal.young_people.models import Flag, FlagKind
from cse_portal.young_people.selectors import young_people_results
from tests.factories import make_young_person

pytestmark = pytest.mark.django_db

#: The rows as the search page's template wrote them before the tag.
TEMPLATE_ROWS = Template(
    "{% for yp in records %}"
    '<tr class="govuk-table__row">'
    '<td class="govuk-table__cell"><a class="govuk-link" '
    "href=\"{% cached_url 'young_people:detail' yp.pk %}\">"
    "{{ yp.family_name|upper }}, {{ yp.given_name }}</a>\n"
    "{% for label in yp.raised %}"
    '<br><strong class="govuk-tag govuk-tag--red">{{ label }}</strong>'
    "{% endfor %}</td>"
    '<td class="govuk-table__cell">{% if yp.date_of_birth %}{{ yp.date_of_birth|date:"j M Y" }}'
    "{% else %}About {{ yp.estimated_age }} (estimated){% endif %}</td>"
    '<td class="govuk-table__cell">{{ yp.postcode|default:"Not known" }}</td>'
    '<td class="govuk-table__cell">{{ yp.get_current_risk_level_display }}</td>'
    '<td class="govuk-table__cell">{% if yp.is_open %}Open{% else %}Not open{% endif %}</td>'
    "</tr>\n"
    "{% endfor %}"
)
TAG_ROWS = Template("{% load young_people_rows %}{% young_people_rows records %}")


def _tight(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


def test_the_rows_are_the_templates_rows(people):
    make_young_person(given_name="Amy <script>", family_name="O'Brien & Sons")
    make_young_person(given_name="Ben", family_name="Évora", date_of_birth=None, estimated_age=14)
    no_postcode = make_young_person(given_name="Cal", family_name="Day", postcode="")
    flagged = make_young_person(
        given_name="Dee", family_name="Eve", date_of_birth=dt.date(2011, 2, 3)
    )
    # Raised in the order their kinds are declared, so newest first would list them the other
    # way round: the rows list them as declared, the same on every row.
    for kind in (FlagKind.HIGH_CSE_RISK, FlagKind.REPEAT_MISSING):
        Flag.objects.create(
            young_person=flagged, kind=kind, reason="Concern", raised_by=people.manager
        )
    Flag.objects.create(
        young_person=no_postcode,
        kind=FlagKind.RISK_TO_WORKERS,
        reason="Dog",
        raised_by=people.manager,
        removed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    records = list(young_people_results(people.manager))
    assert len(records) == 6  # with Maya (an open involvement) and Noah
    for record in records:
        active = set(record.flags.filter(removed_at=None).values_list("kind", flat=True))
        record.raised = [kind.label for kind in FlagKind if kind in active]
    context = Context({"records": records})
    written = TAG_ROWS.render(context)
    assert _tight(written) == _tight(TEMPLATE_ROWS.render(context))
    assert "O&#x27;BRIEN &amp; SONS, Amy &lt;script&gt;" in written
    assert "About 14 (estimated)" in written and "3 Feb 2011" in written
    assert ">Open<" in written and ">Not open<" in written
    assert "Risk to workers" not in written  # removed
    assert written.index("High CSE risk") < written.index("Repeat missing")


def test_a_flag_of_a_kind_no_longer_declared_is_still_listed(people):
    """A raised flag is never left off the list: one whose kind has left ``FlagKind`` (a flag
    raised before a kind was retired) is shown under its code, after the declared ones."""
    record = make_young_person(given_name="Fay", family_name="Gale")
    for kind in ("retired_kind", FlagKind.OTHER):
        Flag.objects.create(young_person=record, kind=kind, reason="Kept", raised_by=people.manager)
    (listed,) = [r for r in young_people_results(people.manager) if r.pk == record.pk]
    written = TAG_ROWS.render(Context({"records": [listed]}))
    assert written.index(">Other<") < written.index(">retired_kind<")
