"""Every consultation audited, proved by walking every URL pattern of the project.

Each pattern is collected from the resolver (as the anonymous walk does), filled with the ids of
real young people, referrals and assessments, and requested as a team manager and as a
practitioner with a record allocated. Any 200 must have written an audit entry naming what it
showed: the record whose id is in the address (one consultation entry, not two), and, for a page
without an id, every record whose id the page shows. Pages added later by any app are walked too;
a pattern the walk cannot fill, or whose record never answers 200, must be listed in
``NOT_WALKED`` with the reason."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from assessments import services as assessment_services
from cse_portal.audit.models import AuditAction, AuditEntry
from cse_portal.young_people import services as yp_services
from cse_portal.young_people.models import FlagKind
from referrals import services as referral_services
from referrals.models import Decision
from tests.assessments.conftest import LOW_ANSWERS, complete
from tests.referrals.conftest import referral_fields
from tests.security import test_url_walk as url_walk

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _report_files(settings, tmp_path) -> None:
    settings.REPORTS_FILE_DIR = tmp_path / "reports"


#: Who walks: the team manager sees every record; alice is a practitioner with Maya allocated; ana
#: is the intelligence analyst.
WALKERS = ("manager", "alice", "ana")

#: Whole parts of the site the walk does not request, each with its reason.
NOT_WALKED_UNDER = {
    "admin/": "configuration only: the admin holds no case data (tests/*/test_admin.py)",
    "api/v1/^users/": "staff accounts, not case data (tests/accounts/test_api.py)",
}
#: Single patterns the walk does not request, each with its reason.
NOT_WALKED = {
    "accounts/logout/": "signs the walker out; shows no record",
    "api/v1/schema/": "the API's description; shows no record",
    "api/v1/docs/": "the API's description; shows no record",
    "assessments/<uuid:pk>/answers/autosave/": (
        "POST only (the edit page's save as you go): fetched through the same funnel as the edit "
        "page walked here (tests/assessments/test_views.py)"
    ),
    "self-referral/sent/<str:token>/": (
        "public: the sender's one-time confirmation (its reference only), for no staff user "
        "(tests/referrals/test_public.py)"
    ),
    "report-a-concern/sent/<str:token>/": (
        "public: the sender's one-time confirmation (its reference only), for no staff user "
        "(tests/referrals/test_public.py)"
    ),
    "young-people/<uuid:pk>/allocation/<uuid:user_pk>/end/": (
        "POST only: ends an allocation; an invalid one re-renders the allocation page, fetched "
        "through the same funnel as the GET walked here"
    ),
    "young-people/<uuid:pk>/flags/": "POST only: test_an_invalid_flag_shows_the_record_audited",
    "referrals/triage/<uuid:pk>/offers/<int:decision_pk>/": "POST only: redirects, shows nothing",
    "api/v1/^assessments/(?P<pk>[^/]+)/approve/$": "POST only: a decision, audited as such",
    "api/v1/^assessments/(?P<pk>[^/]+)/return/$": "POST only: a decision, audited as such",
    "api/v1/^referrals/(?P<pk>[^/]+)/triage/$": "POST only: a decision, audited as such",
    "api/v1/^intelligence/(?P<pk>[^/]+)/grading/$": "POST only: a regrading, audited as such",
    "api/v1/^alerts/(?P<pk>[^/]+)/close/$": "POST only: closing an alert, audited as an alteration",
    "api/v1/^intelligence/(?P<pk>[^/]+)/sanitise/$": "POST only: audited as an alteration",
    "api/v1/^intelligence/(?P<pk>[^/]+)/disseminate/$": "POST only: audited as a disclosure",
    "api/v1/^intelligence/(?P<pk>[^/]+)/acknowledge/$": "POST only: audited as such",
    "intelligence/concerns/<uuid:pk>/record/": (
        "POST only: records a community concern as intelligence, audited as a collection "
        "(tests/intelligence/test_views.py)"
    ),
    # --- missing ---
    "missing/episodes/<uuid:pk>/risk-grade/": "POST only: a grade change, audited as such",
    "missing/interviews/<uuid:pk>/interviewer/": "POST only: audited as a permission change",
    "missing/interviews/<uuid:pk>/attempts/": "POST only: audited as an alteration",
    "missing/profiles/<uuid:pk>/photo/upload/": "POST only: audited as an alteration",
    "missing/profiles/<uuid:pk>/send-to-police/": "POST only: audited as a disclosure",
    "missing/young-people/<uuid:pk>/carers/revoke/": "POST only: a permission change",
    "api/v1/^philomena-profiles/(?P<pk>[^/]+)/carers/revoke/$": (
        "POST only: a permission change, audited as such (tests/missing/test_api.py)"
    ),
    "missing/interviews/<uuid:pk>/findings/": (
        "only for a held interview, once (the walk's interview is due); fetched through the same "
        "funnel as the interview page walked here"
    ),
    "missing/profiles/<uuid:pk>/photo/": (
        "the photo, through the profile's funnel (tests/missing/test_views.py checks its "
        "consultation); the walk's profile has none"
    ),
    "api/v1/^missing-episodes/(?P<pk>[^/]+)/return/$": "POST only: audited as an alteration",
    "api/v1/^missing-episodes/(?P<pk>[^/]+)/risk-grade/$": "POST only: audited as such",
    "api/v1/^return-interviews/(?P<pk>[^/]+)/interviewer/$": "POST only: a permission change",
    "api/v1/^return-interviews/(?P<pk>[^/]+)/interviewers/$": (
        "staff of an agency (needs ?agency=), not case data; the interview is fetched through "
        "the funnel"
    ),
    "api/v1/^return-interviews/(?P<pk>[^/]+)/attempts/$": "POST only: audited",
    "api/v1/^return-interviews/(?P<pk>[^/]+)/complete/$": "POST only: audited",
    "api/v1/^return-interviews/(?P<pk>[^/]+)/decline/$": "POST only: audited",
    "api/v1/^return-interviews/(?P<pk>[^/]+)/findings/$": "POST only: audited as a collection",
    "api/v1/^philomena-profiles/(?P<pk>[^/]+)/photo/$": "POST only: audited as an alteration",
    "api/v1/^missing-import-matches/(?P<pk>[^/]+)/resolve/$": "POST only: audited",
    # --- outreach ---
    "outreach/sessions/<uuid:pk>/intelligence/": (
        "POST only: submits what was seen as intelligence (tests/outreach/test_views.py)"
    ),
    "outreach/sessions/<uuid:pk>/close-alert/": (
        "POST only: closes the alert, audited as an alteration (tests/outreach/test_views.py)"
    ),
    "api/v1/^outreach-sessions/(?P<pk>[^/]+)/record/$": "POST only: audited as a collection",
    "api/v1/^outreach-sessions/(?P<pk>[^/]+)/intelligence/$": (
        "POST only: submits what was seen as intelligence, audited (tests/outreach/test_api.py)"
    ),
    "api/v1/^outreach-sessions/(?P<pk>[^/]+)/close-alert/$": (
        "POST only: closes the alert, audited as an alteration (tests/outreach/test_api.py)"
    ),
    # --- reports ---
    "reports/<uuid:pk>/commentary/": "POST only: commentary saved or published, audited",
    "reports/<uuid:pk>/share/": "POST only: a disclosure, audited as such",
    "reports/<uuid:pk>/share/<uuid:user_pk>/end/": "POST only: a permission change, audited",
}


@dataclass
class Scene:
    """The records the walk fills addresses with: ids by kind, and the other parameters' values."""

    ids: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)


def build_scene(people) -> Scene:
    flag = yp_services.flag_raise(
        young_person=people.maya,
        kind=FlagKind.REPEAT_MISSING,
        reason="Missing three times this month",
        raised_by=people.manager,
    )
    submitted = referral_services.referral_submit(referred_by=people.alice, **referral_fields())
    decided = referral_services.referral_submit(
        referred_by=people.alice, **referral_fields(given_name="Jade", family_name="Wharncliffe")
    )
    referral_services.referral_triage(
        referral=decided,
        decided_by=people.manager,
        decision=Decision.NO_FURTHER_ACTION,
        reason="Known to the school; no CSE concern",
    )
    alice_draft = referral_services.referral_save_draft(
        referred_by=people.alice, **referral_fields(given_name="Ruby", family_name="Hallam")
    )
    manager_draft = referral_services.referral_save_draft(
        referred_by=people.manager, **referral_fields(given_name="Ivy", family_name="Dearne")
    )
    draft = assessment_services.assessment_start(young_person=people.maya, assessor=people.alice)
    submitted_assessment = assessment_services.assessment_start(
        young_person=people.noah, assessor=people.manager
    )
    assessment_services.assessment_save(
        assessment=submitted_assessment, user=people.manager, answers=complete(LOW_ANSWERS)
    )
    assessment_services.assessment_submit(assessment=submitted_assessment, user=people.manager)
    intelligence = _intelligence_scene(people)
    mention = intelligence.pop("mention")  # intelligence: a subject of alice's item, to resolve
    missing = _missing_scene(people)
    outreach = _outreach_scene(people)
    reports = _reports_scene(people)
    return Scene(
        ids={
            **intelligence,
            **missing,
            **outreach,
            **reports,
            "young person Maya (allocated to alice)": str(people.maya.pk),
            "young person Noah (allocated to nobody)": str(people.noah.pk),
            "referral submitted by alice": str(submitted.pk),
            "referral of alice's, triaged": str(decided.pk),
            "referral draft of alice": str(alice_draft.pk),
            "referral draft of the manager": str(manager_draft.pk),
            "assessment of Maya, alice's draft": str(draft.pk),
            "assessment of Noah, submitted by the manager": str(submitted_assessment.pk),
        },
        parameters={
            "flag_pk": str(flag.pk),
            "user_pk": str(people.alice.pk),
            "format": "json",
            "mention": mention,
        },
    )


def _intelligence_scene(people) -> dict[str, str]:
    from intelligence import services as intelligence_services
    from intelligence.models import Alert
    from tests.intelligence.conftest import submit

    own = submit(people.alice)
    draft = intelligence_services.item_save_draft(actor=people.alice, content="Half written")
    shared = submit(people.frank)
    intelligence_services.item_sanitise(
        actor=people.ana, item=shared, sanitised_content="A girl was seen getting into a car"
    )
    intelligence_services.item_disseminate(
        actor=people.ana, item=shared, recipients=[people.alice], purpose="Safeguarding"
    )
    vehicle = own.mentions.get(entity__kind="vehicle").entity
    alert = Alert.objects.create(entity=vehicle, young_people_count=3)
    return {
        "pattern alert on the vehicle": str(alert.pk),
        "intelligence submitted by alice": str(own.pk),
        "intelligence draft of alice": str(draft.pk),
        "intelligence shared with alice": str(shared.pk),
        "vehicle entity with an alert": str(vehicle.pk),
        "mention": str(own.mentions.get(entity__kind="vehicle").pk),
    }


def _missing_scene(people) -> dict[str, str]:
    from tests.missing.test_views import scene

    records = scene(people)
    return {
        "missing episode of Maya, open": str(records["open"].pk),
        "missing episode of Noah, returned": str(records["returned"].pk),
        "return interview of Noah": str(records["interview"].pk),
        "Philomena profile of Maya": str(records["profile"].pk),
        "police import": str(records["import"].pk),
        "import match": str(records["match"].pk),
    }


def _outreach_scene(people) -> dict[str, str]:
    from outreach import services as outreach_services
    from outreach.courses import ensure_courses
    from outreach.models import Course
    from tests.outreach.conftest import hot_spot, plan, premises, recorded, train

    session = recorded(people.manager, hot_spot(people), young_people=[people.maya])
    # A session still planned: its plan's change page shows it.
    planned = plan(people.manager, session.place)
    ensure_courses()
    training = train(
        people.manager, Course.objects.get(code="cse-awareness"), attendees=[people.alice]
    )
    upload = outreach_services.elearning_import_start(
        actor=people.manager, filename="export.csv", content="email,module,completed_on\n"
    )
    activity = outreach_services.activity_record(
        actor=people.manager,
        kind="consultation",
        title="Youth forum",
        held_on=training.delivered_on,
        young_people_count=8,
    )
    return {
        "participation activity recorded by the manager": str(activity.pk),
        "outreach session with Maya engaged": str(session.pk),
        "outreach session planned by the manager": str(planned.pk),
        "premises on the register": str(premises(people.alice).pk),
        "training session alice attended": str(training.pk),
        "e-learning import": str(upload.pk),
    }


def _reports_scene(people) -> dict[str, str]:
    from reports import services as report_services

    profile = report_services.report_request(
        user=people.ana, kind="problem_profile", period="2026-09"
    )
    report_services.report_generate(run_id=profile.pk)
    report_services.report_share(
        run=profile, user=people.ana, recipients=[people.alice], reason="Operation Kestrel"
    )
    return {"problem profile by ana, shared with alice": str(profile.pk)}


def _pattern_id(segments: tuple[url_walk.Segment, ...]) -> str:
    return "".join(s.text for s in segments) or "<root>"


def _skipped_reason(pattern: str) -> str | None:
    under = (why for part, why in NOT_WALKED_UNDER.items() if pattern.startswith(part))
    return NOT_WALKED.get(pattern) or next(under, None)


def _parameter_names(segments: tuple[url_walk.Segment, ...]) -> list[str]:
    names = []
    for segment in segments:
        if segment.kind == "route":
            names += [m["name"] for m in url_walk.ROUTE_PARAMETER.finditer(segment.text)]
        else:
            names += [m["name"] for m in url_walk.REGEX_GROUP.finditer(segment.text)]
    return names


def _fill(segments: tuple[url_walk.Segment, ...], values: dict[str, str]) -> str:
    """The address with each parameter replaced by its value in ``values``."""
    parts = []
    for segment in segments:
        if segment.kind == "route":
            parts.append(url_walk.ROUTE_PARAMETER.sub(lambda m: values[m["name"]], segment.text))
        else:
            text = segment.text.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
            parts.append(url_walk.REGEX_GROUP.sub(lambda m: values[m["name"]], text))
    return "/" + "".join(parts)


PATTERNS = {_pattern_id(s): s for s in url_walk.ALL_PATTERNS}
WALKED = {p: s for p, s in PATTERNS.items() if _skipped_reason(p) is None}


def _new_entries(before: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(id__gt=before).order_by("id"))


def _names(entry: AuditEntry, record_id: str) -> bool:
    return (
        entry.object_id == record_id
        or record_id in entry.detail.get("shown", [])
        or record_id in entry.detail.get("subjects", [])
    )


def _last_id() -> int:
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _shown(client, path: str) -> tuple[str, list[AuditEntry]] | None:
    """What a 200 showed and the audit entries it wrote; None for any other answer."""
    before = _last_id()
    response = client.get(path)
    if response.status_code != 200:
        return None
    return response.content.decode(errors="replace"), _new_entries(before)


def _walk_one_record(clients, segments, scene: Scene) -> tuple[int, list[str]]:
    """Request the pattern with each record's id in turn: (how many 200s, what went unaudited)."""
    answered, faults = 0, []
    for label, record_id in scene.ids.items():
        path = _fill(segments, scene.parameters | {"pk": record_id})
        for walker, client in clients.items():
            if (shown := _shown(client, path)) is None:
                continue
            answered += 1
            entries = shown[1]
            consultations = [
                e for e in entries if e.action == AuditAction.CONSULT and e.object_id == record_id
            ]
            if not any(_names(e, record_id) for e in entries):
                faults.append(f"{walker} GET {path} ({label}): 200 with no entry naming it")
            elif len(consultations) > 1:
                faults.append(f"{walker} GET {path} ({label}): {len(consultations)} consultations")
    return answered, faults


def _walk_list(clients, segments, scene: Scene) -> tuple[int, list[str]]:
    """Request a page without an id: every record whose id it shows must be named in an entry."""
    path = _fill(segments, scene.parameters)
    answered, faults = 0, []
    for walker, client in clients.items():
        if (shown := _shown(client, path)) is None:
            continue
        answered += 1
        body, entries = shown
        for label, record_id in scene.ids.items():
            if record_id in body and not any(_names(e, record_id) for e in entries):
                faults.append(f"{walker} GET {path} shows {label} with no entry naming it")
    return answered, faults


def test_the_walk_covers_every_record_page_and_list():
    record_patterns = [p for p in WALKED if "pk" in _parameter_names(PATTERNS[p])]
    assert {
        "young-people/<uuid:pk>/",
        "young-people/<uuid:pk>/edit/",
        "assessments/young-people/<uuid:pk>/start/",
        "referrals/triage/<uuid:pk>/",
        "assessments/<uuid:pk>/",
    } <= set(record_patterns)
    assert any(p.startswith("api/v1/") and "young-people" in p for p in record_patterns)
    assert {"young-people/", "referrals/", "referrals/triage/", "assessments/"} <= set(WALKED)


@pytest.mark.parametrize("pattern", list(WALKED))
def test_every_page_that_answers_names_what_it_showed(people, client_for, api_client_for, pattern):
    segments = PATTERNS[pattern]
    scene = build_scene(people)
    names = _parameter_names(segments)
    missing = set(names) - {"pk", *scene.parameters}
    assert not missing, (
        f"{pattern}: the walk cannot fill {sorted(missing)}; teach build_scene the parameter, "
        "or list the pattern in NOT_WALKED with the reason"
    )
    api = pattern.startswith("api/")
    clients = {
        name: (api_client_for if api else client_for)(getattr(people, name)) for name in WALKERS
    }
    walk = _walk_one_record if "pk" in names else _walk_list
    answered, faults = walk(clients, segments, scene)
    assert not faults, "\n".join(faults)
    assert answered or walk is _walk_list, (
        f"{pattern} answered no walker 200, so the walk proves nothing: give build_scene a record "
        "it can show, or list the pattern in NOT_WALKED with the reason"
    )


def test_lists_name_each_record_on_the_page_and_the_count(people, client_for):
    build_scene(people)
    client = client_for(people.alice)
    before = _last_id()
    client.get(reverse("young_people:search"))
    (entry,) = _new_entries(before)
    assert entry.action == AuditAction.SEARCH
    assert entry.detail["shown"] == [str(people.maya.pk)]
    assert entry.detail["results"] == 1


def test_an_invalid_flag_shows_the_record_audited(people, client_for):
    client = client_for(people.alice)
    before = _last_id()
    response = client.post(
        reverse("young_people:flag_raise", kwargs={"pk": people.maya.pk}), {"kind": ""}
    )
    assert response.status_code == 400
    assert people.maya.family_name in response.content.decode()
    assert [e.object_id for e in _new_entries(before)] == [str(people.maya.pk)]


def test_an_empty_patch_returns_the_record_audited(people, api_client_for):
    client = api_client_for(people.alice)
    before = _last_id()
    response = client.patch(
        f"/api/v1/young-people/{people.maya.pk}/",
        data=json.dumps({}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["family_name"] == people.maya.family_name
    (entry,) = _new_entries(before)
    assert (entry.action, entry.object_id) == (AuditAction.CONSULT, str(people.maya.pk))


def test_the_merge_page_audits_the_duplicate_shown_beside_the_record(people, client_for):
    client = client_for(people.manager)
    before = _last_id()
    response = client.get(
        reverse("young_people:merge", kwargs={"pk": people.maya.pk}),
        {"duplicate": str(people.noah.pk)},
    )
    assert response.status_code == 200
    consulted = {e.object_id for e in _new_entries(before) if e.action == AuditAction.CONSULT}
    assert consulted == {str(people.maya.pk), str(people.noah.pk)}


def test_a_frontline_referrers_own_list_names_the_referrals_shown(people, client_for):
    referral = referral_services.referral_submit(referred_by=people.frank, **referral_fields())
    client = client_for(people.frank)
    before = _last_id()
    response = client.get(reverse("referrals:mine"))
    assert referral.reference in response.content.decode()
    (entry,) = _new_entries(before)
    assert entry.detail["shown"] == [str(referral.pk)]
    assert entry.detail["channel"] == "my referrals"
