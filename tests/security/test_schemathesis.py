"""The API keeps its own OpenAPI document: every operation of ``/api/v1/schema/``, fuzzed by
Schemathesis as each role, never answers a server error, a status code the document does not list,
or a body or content type the document does not allow.

The number of examples per operation is bounded (``EXAMPLES``, ``SCHEMATHESIS_EXAMPLES`` in the
environment) and generation is derandomised, so the run is reproducible and stays within CI's
budget. Each role's figures (operations fuzzed, cases run, 5xx seen) are printed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from assessments import services as assessment_services
from cse_portal.wsgi import application
from tests.personas import People
from tests.referrals.conftest import community_concern, self_referral, submit

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
#: One persona per role (tests/personas.py).
ROLES = {
    "team_manager": "manager",
    "practitioner": "alice",
    "frontline": "frank",
    "analyst": "ana",
    "lscb_manager": "lucy",
    "admin": "adam",
}


@dataclass
class Tally:
    operations: int = 0
    cases: int = 0
    server_errors: int = 0
    failures: list[str] = field(default_factory=list)


def _records(people: People) -> list[str]:
    """Ids of real records of every kind, so that detail operations also answer 200 with a body
    (a self-referral's unasked questions, for one) and not only 404 for made-up ids."""
    assessment = assessment_services.assessment_start(
        young_person=people.maya, assessor=people.alice
    )
    return [
        *_intelligence_records(people),
        *_missing_records(people),
        *[
            str(pk)
            for pk in [
                submit(people.frank).pk,
                submit(people.alice, young_person=people.maya).pk,
                self_referral().pk,
                community_concern().pk,
                assessment.pk,
                people.maya.pk,
                people.noah.pk,
                people.alice.pk,
            ]
        ],
    ]


def _missing_records(people: People) -> list[str]:
    from tests.missing.test_views import scene

    return [str(record.pk) for record in scene(people).values()]


def _intelligence_records(people: People) -> list[str]:
    from intelligence import services as intelligence_services
    from tests.intelligence.conftest import submit as submit_intelligence

    item = submit_intelligence(people.frank)
    intelligence_services.item_sanitise(
        actor=people.ana, item=item, sanitised_content="A girl got into a car"
    )
    intelligence_services.item_disseminate(
        actor=people.ana, item=item, recipients=[people.alice], purpose="Safeguarding"
    )
    return [str(item.pk), str(item.mentions.first().entity_id)]


def _fuzz(
    operation: schemathesis.APIOperation, headers: dict[str, str], ids: list[str], tally: Tally
) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), real_id=st.sampled_from([None, *ids]))
    def run(case: schemathesis.Case, real_id: str | None) -> None:
        if real_id and "id" in (case.path_parameters or {}):
            case.path_parameters = {**case.path_parameters, "id": real_id}
        cache.clear()  # the per-user throttle would otherwise answer 429 to most cases
        response = case.call(headers=headers)
        tally.cases += 1
        if response.status_code >= 500:
            tally.server_errors += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except AssertionError as failure:
            tally.failures.append(
                f"{operation.label}: {response.status_code} {case.as_curl_command()}\n{failure}"
            )

    run()


@pytest.fixture
def wsgi_in_test_transaction() -> Iterator[None]:
    """Schemathesis calls the WSGI application itself, whose request signals would close the
    database connection that holds the test's transaction (on PostgreSQL); Django's own test
    client disconnects them in the same way."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.mark.usefixtures("wsgi_in_test_transaction")
@pytest.mark.parametrize("role", list(ROLES))
def test_every_operation_keeps_to_the_schema(people: People, role: str, capsys) -> None:
    user = getattr(people, ROLES[role])
    token, _ = Token.objects.get_or_create(user=user)
    headers = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application, headers=headers)
    ids = _records(people)
    tally = Tally()
    for result in schema.get_all_operations():
        operation = result.ok()
        tally.operations += 1
        _fuzz(operation, headers, ids, tally)
    with capsys.disabled():
        print(
            f"\nschemathesis {role}: {tally.operations} operations, {tally.cases} cases, "
            f"{tally.server_errors} server errors, {len(tally.failures)} failures"
        )
    assert tally.operations >= 10
    assert tally.cases >= tally.operations
    assert not tally.failures, "\n\n".join(tally.failures[:10])
