"""After publication the page compares the employer's own extract with the release (DESIGN §6),
computed in the page: the employer's figures beside the published cells of the cohorts it
belongs to; a suppressed cell reads "suppressed", never 0; nothing about the employer is sent.

The release endpoint is another piece of the service; these tests serve a fixture that follows
the contract, through Playwright's request routing, at the URL the page asks for.
"""

from __future__ import annotations

import json
from pathlib import Path

from compact.models import Cycle
from tests.employers.browser.test_page import choose, choose_csv, open_page, planted_extract

FIXTURE = Path(__file__).with_name("release-fixture.json")


def published(make_cycle):
    cycle = make_cycle(state="closed")
    Cycle.objects.filter(pk=cycle.pk).update(state="published")
    return cycle


def serve_release(page, body=None, status=200):
    page.route("**/api/v1/cycles/2026/release", lambda route: route.fulfill(
        status=status, content_type="application/json", body=body if body is not None else FIXTURE.read_text()))


def table_rows(page, caption_part):
    section = page.locator("#compare-output section", has=page.locator("h3", has_text=caption_part))
    return [row.split("\t") for row in section.locator("tbody tr").all_inner_texts()]


def test_the_employers_own_figures_sit_beside_the_published_cells(signed_in, make_cycle, tmp_path):
    published(make_cycle)
    page = open_page(signed_in)
    serve_release(page)
    assert "compare it with the published release" in page.inner_text("#closed-message")
    choose_csv(page, tmp_path)
    page.click("#compare-button")
    page.wait_for_selector("#compare-output section")
    by_job_gender = {r[0]: r[1:] for r in table_rows(page, "by job category and gender: all employers")}
    # Two women among the professionals: $85,000.00 and $90,000.50 (mean and median $87,500).
    assert by_job_gender["2 Professionals / Female"] == [
        "2", "$87,500", "$87,500", "$500", "30.3", "170", "$103,700", "$103,000", "$1,700", "50.0"]
    # The compact's cell is suppressed: it says so, never 0, while the employer's own figures show.
    exec_male = by_job_gender["1.1 Executive/Senior Level Officials and Managers / Male"]
    assert exec_male[:2] == ["1", "$120,000"] and exec_male[5:] == ["suppressed"] * 5
    assert by_job_gender["3 Technicians / Female"][:3] == ["0", "—", "—"]
    by_gender = {r[0]: r[1:] for r in table_rows(page, "by gender: all employers")}
    assert by_gender["Female"][0] == "2" and by_gender["Female"][5] == "20,475"
    assert by_gender["Nonbinary"][0] == "1" and by_gender["Nonbinary"][5:] == ["suppressed"] * 5
    # The employer's own cohorts only: Acme is IT and 200-499, so the 500+ table is not shown.
    industry = {r[0]: r[1:] for r in table_rows(page, "industry IT")}
    assert industry["Male"][5:] == ["suppressed"] * 5 and industry["Female"][5] == "3,050"
    headings = page.locator("#compare-output h3").all_inner_texts()
    assert not any("500+" in h for h in headings)
    assert not any("race" in h.lower() for h in headings)
    assert len(page.locator("#compare-output table").all()) == 4
    fixture = json.loads(FIXTURE.read_text())["tables"][0]["cells"]
    suppressed = {f"{c['job_category']} / {c['gender']}" for c in fixture if c["status"] == "suppressed"}
    assert {label for label, row in by_job_gender.items() if row[5:] == ["suppressed"] * 5} == suppressed
    assert all("suppressed" not in row[:5] for row in by_job_gender.values())


def test_comparing_sends_nothing_about_the_employer(signed_in, make_cycle, tmp_path):
    published(make_cycle)
    page = open_page(signed_in)
    serve_release(page)
    choose(page, planted_extract(tmp_path))
    page.click("#compare-button")
    page.wait_for_selector("#compare-output section")
    assert all(r.method == "GET" and r.post_data is None for r in page.network)
    release_requests = [r for r in page.network if r.url.endswith("/release")]
    assert len(release_requests) == 1 and "?" not in release_requests[0].url


def test_a_missing_release_is_explained_in_the_error_summary(signed_in, make_cycle, tmp_path):
    published(make_cycle)
    page = open_page(signed_in)
    serve_release(page, body=json.dumps({"detail": "Cycle '2026' has no published release."}), status=404)
    choose_csv(page, tmp_path)
    page.click("#compare-button")
    page.wait_for_selector("#error-summary:not([hidden])")
    assert "has no published release" in page.inner_text("#error-summary")
    page.console_errors.clear()


def test_a_published_cycles_page_offers_the_comparison_and_no_submission(signed_in, make_cycle, world):
    published(make_cycle)
    page = open_page(signed_in)
    assert page.locator("#compare-button").is_visible() and page.locator("#submit-button").count() == 0
    cycle_page = world.client("alice").get("/employer/cycles/2026/")
    assert b"/employer/cycles/2026/browser" in cycle_page.content and b"Compare your extract" in cycle_page.content
