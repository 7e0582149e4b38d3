"""The public pages in headless Chromium, as a visitor who is not signed in: each fits a 390 px
phone without sideways scrolling (a wide table scrolls inside its own captioned box), nothing
overflows at 1280 px, and the path landing → latest report → PDF → archive works."""

from __future__ import annotations

import pytest

from tests.a11y import assert_accessible
from tests.compact.browser.conftest import chromium  # noqa: F401  (fixture)
from tests.compact.test_pages import publish  # noqa: F401  (fixture)
from tests.employers.browser.conftest import wait_until

PAGES = ["/", "/releases/", "/releases/2026/"]

# Elements whose right edge passes the viewport, outside a box that scrolls on its own; and
# boxes that do scroll, with whether a reader can tell what they hold (a caption or a summary).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const inBox = e => e.closest('.table-scroll, .table-wrap');
  const over = [...document.querySelectorAll('body *')]
    .filter(e => !inBox(e) && e.getBoundingClientRect().right > width + 1)
    .map(e => e.tagName.toLowerCase() + '.' + e.className);
  const boxes = [...document.querySelectorAll('.table-scroll, .table-wrap')]
    .filter(b => b.scrollWidth > b.clientWidth + 1)
    .map(b => ({named: !!(b.querySelector('caption') || (b.closest('details') && b.closest('details').querySelector('summary'))),
                visible: b.getBoundingClientRect().width > 0}));
  return {scrollWidth: document.documentElement.scrollWidth, over, boxes};
}"""


@pytest.fixture
def visitor(chromium, transactional_db, live_server, publish):  # noqa: F811
    """Two published cycles (so the report compares years) and a page factory at a width."""
    publish("2025", years_ago=1, participants=8, shift=0.02,
            cohorts=[{"kind": "industry", "value": "Education"}])
    publish("2026", years_ago=0, participants=10,
            cohorts=[{"kind": "industry", "value": "IT"}, {"kind": "size", "value": "500+"}])
    contexts = []

    def open_at(width: int):
        context = chromium.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
        # Every resource the page loads answers (the favicon aside: the site has none).
        page.on("response", lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico")
                and page.console_errors.append(f"{r.status} {r.url}"))
        return page

    yield open_at
    for context in contexts:
        for page in context.pages:
            errors = [e for e in page.console_errors if "Failed to load resource" not in e]
            assert not errors, errors  # a CSP refusal shows here
        context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_public_pages_fit_the_screen_without_sideways_scrolling(visitor, width):
    page = visitor(width)
    for path in PAGES:
        assert page.goto(path).status == 200, path
        found = page.evaluate(OVERFLOW)
        assert found["scrollWidth"] <= width, (path, found)
        assert found["over"] == [], (path, found["over"])
        # A table that scrolls in its own box says what it is.
        assert all(b["named"] for b in found["boxes"] if b["visible"]), (path, found["boxes"])


@pytest.mark.slow
def test_a_visitor_goes_from_the_landing_page_to_the_report_its_pdf_and_the_archive(visitor):
    page = visitor(390)
    page.goto("/")
    assert page.locator("h1").inner_text() == "The city's pay-equity compact"
    assert_accessible(page)
    page.get_by_role("link", name="Read the 2026 report").click()
    wait_until(page, "() => location.pathname === '/releases/2026/'")
    assert "Pay gaps in the Talent Compact, 2026" in page.locator("h1").inner_text()
    assert "Compared with 2025" in page.locator("#year-over-year").inner_text()
    assert_accessible(page)
    pdf_href = page.get_by_role("link", name="PDF", exact=True).get_attribute("href")
    response = page.request.get(pdf_href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    page.get_by_role("link", name="All reports").click()
    wait_until(page, "() => location.pathname === '/releases/'")
    rows = page.locator("table.archive tbody tr")
    assert rows.count() == 2 and "Pay gaps 2026" in rows.nth(0).inner_text()
    assert_accessible(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
