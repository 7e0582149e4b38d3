"""Fixtures of the browser-page tests: headless Chromium through Playwright, signed in as a
member of the world cast, against pytest-django's live server.

Every test here is marked ``browser`` and skips, saying why, when Playwright or
/usr/bin/chromium is missing. Chromium is the system's (never downloaded by Playwright).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("TALENT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def chromium():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"needs Chromium at {CHROMIUM} (Debian package 'chromium'); set TALENT_CHROMIUM to another path")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs Playwright (pip install -e '.[dev]')")
    # Playwright's sync API keeps an event loop running in this thread while it is started, and
    # Django refuses database calls from such a thread unless told that this is intended. Both
    # last only for one module of browser tests, so no other test (nor its subprocesses) sees it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def signed_in(chromium, transactional_db, live_server, world, settings):
    """A new browser page signed in as ``who`` (a World attribute name); console errors are kept
    on ``page.console_errors`` and asserted empty at teardown."""
    from django.test import Client

    pages = []

    def open_page(who: str):
        client = Client()
        client.force_login(getattr(world, who))
        context = chromium.new_context(base_url=live_server.url, accept_downloads=True)
        host = live_server.url.split("//", 1)[1].split(":")[0]
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                              "domain": host, "path": "/"}])
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        errors = [e for e in page.console_errors if "favicon" not in e and "Failed to load resource" not in e]
        page.context.close()
        assert not errors, errors


def wait_until(page, expression: str, arg=None, *, timeout: float = 30.0) -> None:
    """Poll ``expression`` (a JavaScript function of ``arg``) with ``page.evaluate`` until it is
    true. Not ``page.wait_for_function``: its polling compiles the predicate inside the page,
    which the page's Content-Security-Policy (no 'unsafe-eval') refuses whenever the first
    check is false."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout:.0f} s: {expression}")
        page.wait_for_timeout(50)
