"""The real-browser harness: Playwright driving Debian's chromium against pytest-django's live
server.

Fixtures (all function-scoped unless said otherwise):

- ``browser`` (session): headless Debian chromium. Fails, never skips, if it is missing.
- ``page``: a fresh browser context (own cookies) on the live server; relative URLs work,
  ``page.goto("/young-people/")``.
- ``page_without_js``: the same with JavaScript disabled, for pages that must work without it.
- ``new_page``: ``new_page()`` or ``new_page(javascript=False)`` opens another page in another
  context, for a second user in the same test.
- ``people``: the personas of ``tests/personas.py``, committed to the database so that the live
  server sees them (``transactional_db``).

Sign in and check accessibility with ``tests/e2e/helpers.py``: ``login_as(page, user)``,
``assert_no_axe_violations(page)``. Every test here is marked ``e2e`` and runs in the xdist group
``e2e`` (one worker), automatically.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from ..personas import People, build_people
from .helpers import PAGES_WITHOUT_JS

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse every
# database query the tests make between browser steps.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 15_000
# Assertions wait as long as actions do: on a loaded two-core CI machine an htmx save or a page
# load can take longer than expect()'s own 5 s default.
expect.set_options(timeout=TIMEOUT_MS)
HERE = Path(__file__).parent


def pytest_configure(config: pytest.Config) -> None:
    # Known even when xdist is not loaded (``-p no:xdist``), so --strict-markers accepts it.
    config.addinivalue_line("markers", "xdist_group(name): run the group on one xdist worker")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # tryfirst: xdist reads the group marker in its own hook, which must run after this one.
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("e2e"))


# A live-server test commits its data, so it ends by emptying every table. Rows that data
# migrations created (role groups, beat's schedule, instrument version 1) come back through each
# app's own post_migrate receiver, which the flush triggers (tests/test_flush.py proves it).


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests use Debian's chromium only. "
            "Run `make chromium` (or `apt-get install chromium`); never `playwright install`.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def people(transactional_db: None) -> People:
    """The personas, committed so the live server's thread sees them."""
    return build_people()


@pytest.fixture
def new_page(browser: Browser, live_server: Any) -> Iterator[Callable[..., Page]]:
    contexts: list[BrowserContext] = []

    def make(*, javascript: bool = True) -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            java_script_enabled=javascript,
            locale="en-GB",
            timezone_id="Europe/London",
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        if not javascript:
            PAGES_WITHOUT_JS.add(page)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()


@pytest.fixture
def page_without_js(new_page: Callable[..., Page]) -> Page:
    return new_page(javascript=False)
