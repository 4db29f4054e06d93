"""The ladder every protected page walks (djangoproject.com style), written once: anonymous ->
sign-in page; password but no code -> code page; wrong role -> 403, or 404 for a record the user
may not see; right role -> the page with its content (or, for a form's POST, a redirect home).

A test module lists its pages as a data table and subclasses ``Ladder``::

    class TestLadder(Ladder):
        PAGES = [Page("queue", lambda p: reverse("referrals:queue"), "manager", "alice", 403, "")]
        HOME = "/referrals/"
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

from django.urls import reverse

from tests.personas import People


@dataclass(frozen=True)
class Page:
    """One rung's data: ``refused`` is empty for a page every signed-in staff user may open."""

    name: str
    url: Callable[[People], str]
    allowed: str
    refused: str
    refused_status: int
    content: str
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)


def _request(client: Any, page: Page, people: People) -> Any:
    url = page.url(people)
    if page.method == "post":
        return client.post(url, page.data)
    return client.get(url)


class Ladder:
    PAGES: ClassVar[list[Page]]
    #: Where a successful POST of these pages redirects to (a path prefix).
    HOME: ClassVar[str]

    def pytest_generate_tests(self, metafunc: Any) -> None:
        pages = self.PAGES
        if metafunc.function.__name__ == "test_wrong_role_is_refused":
            pages = [page for page in pages if page.refused]
        metafunc.parametrize("page", pages, ids=[page.name for page in pages])

    def test_anonymous_visitor_is_sent_to_sign_in(self, people, client, page):
        response = _request(client, page, people)
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == reverse("accounts:login")

    def test_user_without_second_factor_is_sent_to_the_code_page(
        self, people, password_only_client_for, page
    ):
        client = password_only_client_for(getattr(people, page.allowed))
        response = _request(client, page, people)
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == reverse("accounts:verify")

    def test_wrong_role_is_refused(self, people, client_for, page):
        response = _request(client_for(getattr(people, page.refused)), page, people)
        assert response.status_code == page.refused_status

    def test_right_role_gets_the_page(self, people, client_for, page):
        response = _request(client_for(getattr(people, page.allowed)), page, people)
        if page.method == "post":
            assert response.status_code == 302
            assert urlsplit(response["Location"]).path.startswith(self.HOME)
        else:
            assert response.status_code == 200
            assert page.content in response.content.decode()
