"""Every kind of page works in Chromium under its Content-Security-Policy and Permissions-Policy:
no violation, no console error, styles applied, the API docs' script running.

(Here rather than under tests/compact because the Chromium fixtures live beside the browser
page's tests.)
"""

from __future__ import annotations

import pytest

from compact.content_policy import PAGE_POLICY


@pytest.fixture
def watched(signed_in):
    """A signed-in page that also keeps every console message, of any level."""

    def open_page(who):
        page = signed_in(who)
        page.console_all = []
        page.on("console", lambda msg: page.console_all.append(f"{msg.type}: {msg.text}"))
        return page

    return open_page


def _no_policy_complaints(page):
    complaints = [m for m in page.console_all if "Content Security Policy" in m or "Permissions-Policy" in m
                  or "Refused to" in m]
    assert not complaints, complaints


@pytest.mark.parametrize(
    ("who", "path", "heading"),
    [
        ("olga", "/accounts/login/", "Sign in"),
        ("olga", "/releases/", None),
        ("ana", "/office/cycles/", None),
        ("ana", "/office/keys/", "API keys for the unmask client"),
        ("root", "/people/", None),
        ("alice", "/employer/", "Acme Analytics"),
        ("alice", "/no/such/page/", None),
    ],
)
def test_pages_render_with_their_stylesheet_under_the_policy(watched, make_cycle, who, path, heading):
    make_cycle("2026")
    page = watched(who)
    response = page.goto(path)
    assert response.headers["content-security-policy"] == PAGE_POLICY
    if heading:
        assert page.inner_text("h1") == heading
    if path != "/no/such/page/":
        # site.css is applied: the header's accent border is drawn.
        assert page.evaluate("getComputedStyle(document.querySelector('header.top')).borderBottomStyle") == "solid"
    _no_policy_complaints(page)


def test_the_lockout_page_renders_under_the_policy(watched, settings):
    settings.AXES_FAILURE_LIMIT = 2
    page = watched("olga")
    page.context.clear_cookies()
    for _ in range(2):
        page.goto("/accounts/login/")
        page.fill("#id_username", "ana")
        page.fill("#id_password", "wrong")
        page.click("button[type=submit]")
    assert page.inner_text("h1") == "Signing in is paused"
    assert page.evaluate("getComputedStyle(document.querySelector('.error-summary')).borderTopStyle") == "solid"
    _no_policy_complaints(page)


def test_the_api_docs_run_their_script_under_the_policy(watched):
    page = watched("olga")
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .information-container", timeout=20000)
    assert "Talent Compact API" in page.inner_text(".swagger-ui .information-container")
    page.wait_for_selector(".opblock-tag", timeout=20000)
    _no_policy_complaints(page)


def test_the_browser_page_still_works_under_its_own_policy(watched, make_cycle):
    make_cycle("2026")
    page = watched("alice")
    page.goto("/employer/cycles/2026/browser")
    page.wait_for_selector("body[data-ready=true]")
    _no_policy_complaints(page)


@pytest.mark.slow
@pytest.mark.auto_release
def test_the_review_and_the_public_report_draw_their_charts_under_their_policy(
    watched, world, populated_cycle, office_private_key, django_capture_on_commit_callbacks
):
    import base64

    from aggregation.office.unmask_client import mask_sums_compute
    from compact.services.cycles import cycle_close
    from tests.factories import synthetic_vectors

    pop = populated_cycle(10, vectors=synthetic_vectors(10), industries=("IT",), sizes=("200-499",))
    cycle_close(principal=world.principal("ana"), cycle=pop.cycle)
    ana = world.client("ana")
    bundle = ana.get("/api/v1/cycles/2026/unmask").json()
    for key, mask_sum in mask_sums_compute(bundle, private_key=office_private_key).sums.items():
        ana.post("/api/v1/cycles/2026/unmask/mask-sums",
                 {"cohort": key, "mask_sum": base64.b64encode(mask_sum.astype("<u8").tobytes()).decode()}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        ana.post("/api/v1/cycles/2026/unmask/start")

    # A chart's bars are coloured by their style attributes: drawn black, the styles were refused.
    bar_colours = """() => [...document.querySelectorAll('svg path')]
        .map(p => getComputedStyle(p).fill).filter(f => f.startsWith('rgb(0, 114, 178'))"""
    page = watched("ana")
    page.goto("/office/cycles/2026/review/")
    assert page.locator("svg").count() == 3
    assert page.evaluate(bar_colours)
    _no_policy_complaints(page)

    page.click("text=Publish release 1")  # the confirmation page, which states what becomes public
    page.click("button:has-text('Publish release 1')")
    page.wait_for_load_state()
    page.goto("/releases/2026/")
    assert "Pay gaps in the Talent Compact, 2026" in page.inner_text("h1")
    assert page.evaluate(bar_colours)
    assert page.evaluate("getComputedStyle(document.querySelector('h2')).borderBottomStyle") == "solid"
    _no_policy_complaints(page)
