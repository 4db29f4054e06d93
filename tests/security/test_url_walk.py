"""Deny by default, proved by walking every URL pattern of the project.

Each pattern is filled with sample values and requested anonymously: a page must send the visitor to
the login page and an API path must answer 401, unless the path is on the small public list below.
Patterns are collected from the resolver, so pages added later by any app are covered too."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

from cse_portal.accounts.roles import Role
from tests.factories import AgencyFactory, make_user

LOGIN_PATH = "/accounts/login/"
VERIFY_PATH = "/accounts/verify/"

#: Pages anyone may open without signing in. Keep this short and explicit.
PUBLIC_PATHS = {
    "/healthz",
    "/accounts/login/",
    "/accounts/logout/",  # shows "you have signed out"; POST only
    "/self-referral/",
    "/report-a-concern/",
    "/self-referral/sent/x/",  # a public confirmation, shown once to whoever holds its token
    "/report-a-concern/sent/x/",
    "/admin/login/",  # redirects to the portal's own sign-in
    "/feedback/",  # outreach: young people's and families' feedback
    "/feedback/thank-you/",  # outreach: shows nothing of what was sent
}
#: Steps of the sign-in itself, reachable between the password and the code.
SIGN_IN_STEPS = {"/accounts/verify/", "/accounts/enrol/"}

ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>(?:[^()]|\([^()]*\))*)\)")


@dataclass(frozen=True)
class Segment:
    kind: str  # "route" or "regex"
    text: str


def _collect(resolver: URLResolver, prefix: tuple[Segment, ...] = ()) -> list[tuple[Segment, ...]]:
    found = []
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        kind = "regex" if isinstance(pattern, RegexPattern) else "route"
        assert isinstance(pattern, RegexPattern | RoutePattern), pattern
        segments = (*prefix, Segment(kind, str(pattern)))
        if isinstance(entry, URLResolver):
            found.extend(_collect(entry, segments))
        else:
            assert isinstance(entry, URLPattern)
            found.append(segments)
    return found


def _route_sample(converter: str | None) -> str:
    if converter == "uuid":
        return str(uuid.uuid4())
    if converter == "int":
        return "1"
    return "x"  # str, slug, path and anything custom that accepts a word


def _regex_sample(name: str, body: str) -> str:
    literal_choice = re.fullmatch(r"[\w|-]+", body)
    if literal_choice:
        return body.split("|")[0]  # e.g. admin's (?P<app_label>accounts|auth)
    for candidate in ("x", "1", str(uuid.uuid4())):
        if re.fullmatch(body, candidate):
            return candidate
    raise AssertionError(f"no sample value for ({name}: {body})")


def _fill(segment: Segment) -> str:
    if segment.kind == "route":
        return ROUTE_PARAMETER.sub(lambda m: _route_sample(m["converter"]), segment.text)
    text = segment.text.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    text = REGEX_GROUP.sub(lambda m: _regex_sample(m["name"], m["body"]), text)
    return text.replace("\\", "")


def concrete_path(segments: tuple[Segment, ...]) -> str:
    return "/" + "".join(_fill(s) for s in segments)


ALL_PATTERNS = _collect(get_resolver())
PATTERN_IDS = ["".join(s.text for s in segments) or "<root>" for segments in ALL_PATTERNS]


def _final_location(client, path: str) -> tuple[int, str]:
    """The first status, and where the redirects (at most three) end up."""
    response = client.get(path)
    first_status, hops = response.status_code, 0
    while response.status_code in (301, 302) and hops < 3:
        target = urlsplit(response["Location"]).path
        if target in (LOGIN_PATH, VERIFY_PATH):
            return first_status, target
        response = client.get(response["Location"])
        hops += 1
    return first_status, f"<{response.status_code}>"


def test_the_walk_sees_the_core_pages_and_the_api():
    paths = set(PATTERN_IDS)
    assert {"young-people/<uuid:pk>/", "admin/"} <= paths
    assert any(p.startswith("api/v1/") and "young-people" in p for p in paths)


@pytest.mark.django_db
@pytest.mark.parametrize("segments", ALL_PATTERNS, ids=PATTERN_IDS)
def test_anonymous_visitor_is_sent_to_login_or_refused_by_the_api(client, segments):
    path = concrete_path(segments)
    resolve(path)  # the sample values must reach the pattern, or the walk proves nothing
    if path in PUBLIC_PATHS:
        assert client.get(path).status_code < 500
    elif path.startswith("/api/"):
        assert client.get(path).status_code == 401, path
    else:
        first_status, final = _final_location(client, path)
        assert (first_status, final) == (302, LOGIN_PATH), (
            f"{path} must send anonymous visitors to sign in (or be added to PUBLIC_PATHS)"
        )


@pytest.mark.django_db
@pytest.mark.parametrize("segments", ALL_PATTERNS, ids=PATTERN_IDS)
def test_password_without_code_reaches_only_the_code_page(password_only_client_for, segments):
    manager = make_user("walker", Role.TEAM_MANAGER, AgencyFactory(name="Walkers"))
    client = password_only_client_for(manager)
    path = concrete_path(segments)
    if path in PUBLIC_PATHS or path in SIGN_IN_STEPS:
        assert client.get(path).status_code < 500
    elif path.startswith("/api/"):
        assert client.get(path).status_code == 401, path
    else:
        first_status, final = _final_location(client, path)
        assert first_status == 302, path
        assert final == VERIFY_PATH, path
