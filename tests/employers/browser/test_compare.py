"""After publication the page compares the employer's own extract with the release (DESIGN §6),
computed in the page: the employer's figures beside the published cells of the cohorts it
belongs to; a suppressed cell reads "suppressed", never 0; nothing about the employer is sent.

The release endpoint is another piece of the service; these tests serve a fixture that follows
the contract, through Playwright's request routing, at the URL the page asks for.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from compact.models import Cycle
from tests.employers.browser.conftest import wait_until
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


# Columns of a comparison row: people (you, the compact), mean pay (you, the compact, the gap),
# median pay, mean performance pay and mean tenure (you, the compact).
YOU_PEOPLE, COMPACT_PEOPLE, YOU_MEAN, COMPACT_MEAN, GAP, YOU_MEDIAN, COMPACT_MEDIAN = range(7)
COMPACT_COLUMNS = [1, 3, 6, 8, 10]


def test_the_employers_own_figures_sit_beside_the_published_cells_with_the_gap(signed_in, make_cycle, tmp_path):
    published(make_cycle)
    page = open_page(signed_in)
    serve_release(page)
    assert "compare it with the published release" in page.inner_text("#closed-message")
    choose_csv(page, tmp_path)
    page.click("#compare-button")
    page.wait_for_selector("#compare-output section")
    headers = page.locator("#compare-output table").first.locator("thead").inner_text()
    assert "Mean pay" in headers and "You\tThe compact\tGap" in headers
    by_job_gender = {r[0]: r[1:] for r in table_rows(page, "by job category and gender: all employers")}
    # Two women among the professionals: $85,000.00 and $90,000.50, mean $87,500; 170 in the
    # compact with a mean of $103,700: the gap is (87,500.25 - 103,700) / 103,700 = -15.6%. The
    # median is interpolated from their pay brackets, as the compact's: $87,897 (not $87,500);
    # tenure 30.25 months reads 30.2, rounded half to even as Python rounds.
    assert by_job_gender["2 Professionals / Female"] == [
        "2", "170", "$87,500", "$103,700", "-15.6%", "$87,897", "$103,000", "$500", "$1,700", "30.2", "50.0"]
    # The compact's cell is suppressed: it says so, never 0, while the employer's own figures show.
    exec_male = by_job_gender["1.1 Executive/Senior Level Officials and Managers / Male"]
    assert exec_male[YOU_PEOPLE] == "1" and exec_male[YOU_MEAN] == "$120,000" and exec_male[GAP] == "—"
    assert [exec_male[k] for k in COMPACT_COLUMNS] == ["suppressed"] * 5
    assert by_job_gender["3 Technicians / Female"][:3] == ["0", "205", "—"]
    by_gender = {r[0]: r[1:] for r in table_rows(page, "by gender: all employers")}
    assert by_gender["Female"][YOU_PEOPLE] == "2" and by_gender["Female"][COMPACT_PEOPLE] == "20,475"
    assert by_gender["Nonbinary"][YOU_PEOPLE] == "1"
    assert [by_gender["Nonbinary"][k] for k in COMPACT_COLUMNS] == ["suppressed"] * 5
    # The employer's own cohorts only: Acme is IT and 200-499, so the 500+ table is not shown.
    industry = {r[0]: r[1:] for r in table_rows(page, "industry IT")}
    assert [industry["Male"][k] for k in COMPACT_COLUMNS] == ["suppressed"] * 5
    assert industry["Female"][COMPACT_PEOPLE] == "3,050"
    headings = page.locator("#compare-output h3").all_inner_texts()
    assert not any("500+" in h for h in headings)
    assert not any("race" in h.lower() for h in headings)
    assert len(page.locator("#compare-output table").all()) == 4
    fixture = json.loads(FIXTURE.read_text())["tables"][0]["cells"]
    suppressed = {f"{c['job_category']} / {c['gender']}" for c in fixture if c["status"] == "suppressed"}
    assert {label for label, row in by_job_gender.items() if row[COMPACT_MEAN] == "suppressed"} == suppressed
    assert all(row[k] != "suppressed" for row in by_job_gender.values() for k in (0, 2, 4, 5, 7, 9))


def test_the_release_is_downloaded_once_however_often_one_compares(signed_in, make_cycle, tmp_path):
    published(make_cycle)
    page = open_page(signed_in)
    serve_release(page)
    choose_csv(page, tmp_path)
    for _ in range(3):
        page.click("#compare-button")
        wait_until(page, "() => document.getElementById('status').textContent.startsWith('Compared')")
    assert len([r for r in page.network if r.url.endswith("/release")]) == 1
    assert page.is_hidden("#compare-progress")


def test_the_comparison_downloads_as_csv(signed_in, make_cycle, tmp_path):
    published(make_cycle)
    page = open_page(signed_in)
    serve_release(page)
    choose_csv(page, tmp_path)
    assert page.is_hidden("#compare-download")
    page.click("#compare-button")
    page.wait_for_selector("#compare-output section")
    with page.expect_download() as download:
        page.click("#compare-download")
    records = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert records[0][:6] == ["table", "cohort", "group", "People: You", "People: The compact", "Mean pay: You"]
    assert records[0][7] == "Mean pay: Gap"
    row = next(r for r in records if r[2] == "2 Professionals / Female" and r[1] == "all employers")
    assert row[3:8] == ["2", "170", "$87,500", "$103,700", "-15.6%"]


def test_the_page_and_the_command_line_benchmark_give_the_same_figures(signed_in, make_cycle, tmp_path):
    from employers.client.benchmark import benchmark_rows
    from employers.client.check import check_extract
    from employers.client.synthetic import synthetic_employees
    from employers.client.vector import vector_from
    from protocol.layout import Aggregate, layout_for
    from protocol.release import ALL, CohortKey, release_from_json

    published(make_cycle)
    page = open_page(signed_in)
    serve_release(page)
    path = tmp_path / "synthetic.csv"
    synthetic_employees(n=400, seed=5).to_csv(path, index=False)
    choose(page, path)
    page.click("#compare-button")
    page.wait_for_selector("#compare-output section")
    layout = layout_for()
    own = Aggregate(layout, vector_from(check_extract(path), layout))
    cohorts = [ALL, CohortKey("industry", "IT"), CohortKey("size", "200-499")]
    cli = benchmark_rows(own, release_from_json(json.loads(FIXTURE.read_text())), cohorts=cohorts)
    money = lambda v: "—" if v is None else "suppressed" if v == "suppressed" else f"${v:,.0f}"  # noqa: E731  the PDF's
    compared = 0
    for dims, title in ((("job_category", "gender"), "by job category and gender"), (("gender",), "by gender"),
                        (("job_category",), "by job category")):
        for cohort, label in ((ALL, "all employers"), (CohortKey("industry", "IT"), "industry IT")):
            page_rows = {r[0]: r[1:] for r in table_rows(page, f"{title}: {label}")}
            if not page_rows:
                continue
            for row in cli[dims]:
                mine = page_rows[" / ".join(row["labels"])]
                theirs = row["compact"][cohort.key]
                assert mine[YOU_PEOPLE] == f"{row['own']['headcount']:,}"
                assert mine[YOU_MEAN] == money(row["own"]["compensation_mean"])
                assert mine[YOU_MEDIAN] == money(row["own"]["compensation_median"])
                assert mine[COMPACT_MEAN] == money(theirs["compensation_mean"])
                assert mine[COMPACT_MEDIAN] == money(theirs["compensation_median"])
                gap = theirs["difference"]
                assert mine[GAP] == ("—" if gap is None else "%+.1f%%" % (100 * gap))
                compared += 1
    assert compared >= 20


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
