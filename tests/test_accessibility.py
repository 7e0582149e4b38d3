"""Accessibility of the project's own pages: axe-core's WCAG 2.1 A/AA rules find no serious or
critical violation, and at a phone's width (390 px) no page scrolls sideways.

- The checks themselves (tests/a11y.py) can fail: a page with known violations, served with the
  service's own Content-Security-Policy, makes them raise.
- The sweep signs in as each role on a fresh ``manage.py demo`` (cycle 2026 published, 2027 open)
  and visits every stop of tests/page_tour.py at 1280 px and 390 px.
- Every named route of compact/urls.py is a stop of the tour or listed there as not a page.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compact.content_policy import PAGE_POLICY
from tests.a11y import assert_accessible, assert_fits, axe_violations
from tests.employers.browser.conftest import chromium  # noqa: F401  (fixture)
from tests.page_tour import (
    NOT_PAGES,
    NOT_PAGES_PREFIXES,
    PEOPLE,
    ROOT,
    STOPS,
    WIDTHS,
    Site,
    demo_site,
    sign_in,
    visit,
)

SITE_JS = ROOT / "compact" / "static" / "compact" / "site.js"
SITE_CSS = ROOT / "compact" / "static" / "compact" / "site.css"
ORIGIN = "http://a11y.test"


def _serve(page, html: str) -> None:
    """Serve ``html`` at ORIGIN/ with the service's page policy, and the site's CSS and JS."""
    files = {"/": ("text/html", html), "/site.js": ("text/javascript", SITE_JS.read_text()),
                 "/site.css": ("text/css", SITE_CSS.read_text())}

    def answer(route):
        path = "/" + route.request.url.removeprefix(ORIGIN).lstrip("/")
        if path not in files:
            return route.fulfill(status=404, body="")
        kind, body = files[path]
        route.fulfill(status=200, body=body, headers={"content-type": kind, "content-security-policy": PAGE_POLICY})

    page.route(f"{ORIGIN}/**", answer)
    page.goto(f"{ORIGIN}/")


def _document(body: str, *, site_js: bool = True) -> str:
    script = '<script src="/site.js" defer></script>' if site_js else ""
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test page</title>'
            f'<link rel="stylesheet" href="/site.css">{script}</head>'
            f'<body><main><h1>Test page</h1>{body}</main></body></html>')


@pytest.fixture
def page(chromium):  # noqa: F811  (the fixture imported above)
    context = chromium.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    yield page
    context.close()


@pytest.mark.browser
def test_the_check_names_each_serious_violation_with_its_elements_under_the_pages_policy(page):
    _serve(page, _document('<img src="/chart.png"><form><input id="pay" name="pay"></form>'))
    with pytest.raises(AssertionError) as failed:
        assert_accessible(page)
    message = str(failed.value)
    assert "image-alt (critical)" in message and "label (critical)" in message
    assert "at img" in message and "at #pay" in message and "https://dequeuniversity.com/rules/axe/" in message
    # axe went in although the policy forbids injected scripts (and the page logged no refusal).
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
    # A part of the page can be checked alone: the form, without the image.
    assert [v["id"] for v in axe_violations(page, context="form")] == ["label"]


@pytest.mark.browser
def test_the_check_passes_a_page_without_violations(page):
    _serve(page, _document('<img src="/chart.png" alt="Pay gap by job"><form>'
                           '<label for="pay">Pay</label><input id="pay" name="pay"></form>'))
    assert_accessible(page)
    assert_fits(page)


@pytest.mark.browser
def test_a_page_wider_than_a_phone_fails_unless_the_wide_part_scrolls_in_a_keyboard_region(page):
    wide = "<table><tr>" + "".join(f"<td>column{i:02d}</td>" for i in range(30)) + "</tr></table>"
    _serve(page, _document(f"<h2>Participation</h2>{wide}", site_js=False))
    with pytest.raises(AssertionError, match=r"scrolls sideways at 390 px.*too wide: table"):
        assert_fits(page)
    # site.js puts the table in a .table-wrap box, so the page fits, and makes the scrolling box
    # a named region that takes the keyboard focus (else axe: scrollable-region-focusable, serious).
    _serve(page, _document(f"<h2>Participation</h2>{wide}"))
    page.wait_for_selector(".table-wrap[tabindex='0'] > table")
    assert_fits(page)
    assert_accessible(page)
    box = page.locator(".table-wrap")
    assert box.get_attribute("role") == "region" and box.get_attribute("aria-label") == "Participation (scrolls sideways)"
    page.evaluate("() => document.querySelector('.table-wrap').removeAttribute('tabindex')")
    assert "scrollable-region-focusable" in [v["id"] for v in axe_violations(page)]
    # A narrow table keeps its box but is no tab stop: it has nothing to scroll.
    _serve(page, _document("<h2>Short</h2><table><tr><td>one</td><td>two</td></tr></table>"))
    page.wait_for_selector(".table-wrap > table")
    assert page.locator(".table-wrap").get_attribute("tabindex") is None


def _named_routes(patterns, prefix=""):
    from django.urls import URLPattern, URLResolver

    for entry in patterns:
        here = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _named_routes(entry.url_patterns, here)
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry.name, here


def test_every_named_page_route_is_in_the_sweep_or_said_not_to_be_a_page():
    from compact import urls

    routes = dict(_named_routes(urls.urlpatterns))
    toured = {stop.route for stop in STOPS if stop.route}
    missing = sorted(
        name for name, pattern in routes.items()
        if name not in toured and name not in NOT_PAGES and not pattern.startswith(tuple(NOT_PAGES_PREFIXES))
    )
    assert not missing, f"page routes the accessibility sweep does not visit (add a Stop to tests/page_tour.py, " \
                        f"or say in NOT_PAGES why it is not a page): {missing}"
    stale = sorted((toured | set(NOT_PAGES)) - set(routes))
    assert not stale, f"tests/page_tour.py names routes that no longer exist: {stale}"
    assert len({stop.name for stop in STOPS}) == len(STOPS)


# --- the sweep -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A fresh demo on a free port; or, to iterate on the pages, a demo already running:
    TALENT_A11Y_SITE=http://127.0.0.1:8125 TALENT_A11Y_DEMO_OUT=<its --out folder> (the person
    with no role must exist there: see page_tour.demo_site)."""
    if os.environ.get("TALENT_A11Y_SITE"):
        yield Site(url=os.environ["TALENT_A11Y_SITE"].rstrip("/"), out=Path(os.environ["TALENT_A11Y_DEMO_OUT"]))
        return
    with demo_site(tmp_path_factory.mktemp("a11y-demo")) as running:
        yield running


@pytest.fixture(scope="module")
def signed_in_as(chromium, site):  # noqa: F811
    """Each role's signed-in browser state (cookies), signed in once through the login form."""
    states = {}
    for role, username in PEOPLE.items():
        context = chromium.new_context()
        if username:
            sign_in(context, site, username)
        states[role] = context.storage_state()
        context.close()
    return states


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("stop", STOPS, ids=[stop.name for stop in STOPS])
def test_each_page_has_no_serious_violation_and_fits_a_phone(chromium, site, signed_in_as, stop, width):  # noqa: F811
    context = chromium.new_context(storage_state=signed_in_as[stop.role], viewport={"width": width, "height": 900})
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        status = visit(page, site, stop)
        assert status == stop.status, f"{stop.path} answered {status}, not {stop.status}"
        where = f"{stop.name} ({stop.role}, {width} px, {page.url})"
        assert_accessible(page, where=where)
        if width < 600 and not stop.overflow_ok:
            assert_fits(page, where=where)
        expected = [text for text in (stop.console_ok, "404 (Not Found)" if stop.status == 404 else "") if text]
        assert not [e for e in errors if "favicon" not in e and not any(text in e for text in expected)], errors
    finally:
        context.close()


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_gets_the_styled_refusal_page():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x", "password": "y"})
    body = response.content.decode()
    assert response.status_code == 403
    assert "<h1>The form has expired</h1>" in body and 'href="/static/compact/site.css"' in body
    assert "reload the page" in body
