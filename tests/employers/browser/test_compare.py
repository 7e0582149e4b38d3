"""After publication the page compares the employer's own extract with the release (DESIGN §6),
computed in the page by the benchmark's rules: each row beside the finest of the employer's
groups that publishes it (industry, size band, all employers), saying which; "not published"
and why only where no group publishes it; never 0 for a suppressed cell; nothing about the
employer is sent. And it gives the same figures as the command-line benchmark for the same file.

The release endpoint is another piece of the service; these tests serve a fixture that follows
the contract, through Playwright's request routing, at the URL the page asks for.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from compact.models import Cycle
from tests.employers.browser.conftest import wait_until
from tests.employers.browser.test_page import choose, choose_csv, open_page, planted_extract

FIXTURE = Path(__file__).with_name("release-fixture.json")
DEMO_LIKE = Path(__file__).with_name("release-cohorts-fixture.json")


def published(make_cycle):
    cycle = make_cycle(state="closed")
    Cycle.objects.filter(pk=cycle.pk).update(state="published")
    return cycle


def serve_release(page, body=None, status=200):
    page.route("**/api/v1/cycles/2026/release", lambda route: route.fulfill(
        status=status, content_type="application/json", body=body if body is not None else FIXTURE.read_text()))


def compare(page):
    page.click("#compare-button")
    wait_until(page, "() => document.getElementById('status').textContent.startsWith('Compared')")


def table_rows(page, title):
    """The rows of one comparison table (its h3 is ``title``) as {group: [cells…]}."""
    heading = page.locator("h3").filter(has_text=re.compile(f"^{re.escape(title)}$"))
    section = page.locator("#compare-output section", has=heading)
    rows = {}
    for tr in section.locator("tbody tr").all():
        cells = tr.locator("th, td").all_inner_texts()
        rows[cells[0]] = cells[1:]
    return rows


# Cells of a comparison row after the group: you (people, mean, median), the compact (the
# same three), the gap, and the group compared with; a row that no group publishes has one
# "not published: why" cell in place of the compact's and the gap.
YOU_PEOPLE, YOU_MEAN, YOU_MEDIAN = range(3)
COMPACT_PEOPLE, COMPACT_MEAN, COMPACT_MEDIAN, GAP, VIA = range(3, 8)


def test_a_row_suppressed_in_the_finer_group_is_compared_with_the_coarser_one_that_publishes_it(signed_in, make_cycle, tmp_path):
    published(make_cycle)
    page = open_page(signed_in)
    serve_release(page)
    assert "compare it with the published release" in page.inner_text("#closed-message")
    choose_csv(page, tmp_path)
    compare(page)
    # Acme is IT, 200-499. The release has an IT cohort (Female published, Male and Nonbinary
    # suppressed), no 200-499 cohort, and all employers (Nonbinary suppressed).
    by_gender = table_rows(page, "By gender")
    assert by_gender["Female"][COMPACT_PEOPLE] == "3,050" and by_gender["Female"][VIA] == "Industry: IT"
    assert by_gender["Male"][COMPACT_PEOPLE] == "21,330"  # all employers' men
    assert by_gender["Male"][VIA] == "All employers\nnot published for Industry: IT"
    assert by_gender["Nonbinary"][YOU_PEOPLE] == "1"
    assert by_gender["Nonbinary"][3:] == ["not published: suppressed to protect small groups", "—"]
    assert "Size band: 200-499" in page.inner_text("#compare-output")  # named as not compared
    # Two women among the professionals: $85,000.00 and $90,000.50, mean $87,500; 170 in the
    # compact with a mean of $103,700: (87,500.25 - 103,700) / 103,700 is 15.6% lower. The
    # median is interpolated from their pay brackets, as the compact's: $87,897 (not $87,500).
    by_job_gender = table_rows(page, "By job category and gender")
    assert by_job_gender["2 Professionals, Female"] == [
        "2", "$87,500", "$87,897", "170", "$103,700", "$103,000", "15.6% lower",
        "All employers\nnot published for Industry: IT"]  # the IT cohort has no table by job and gender
    exec_male = by_job_gender["1.1 Executive/Senior Level Officials and Managers, Male"]
    assert exec_male[:2] == ["1", "$120,000"]
    assert exec_male[3:] == ["not published: suppressed to protect small groups", "—"]
    # Only the groups where the employer has people, as in the PDF; never a 0 for the compact.
    assert "3 Technicians, Female" not in by_job_gender
    compact_cells = [v for title in ("By gender", "By job category", "By job category and gender")
                     for row in table_rows(page, title).values() for v in row[COMPACT_PEOPLE:GAP]]
    assert compact_cells and "$0" not in compact_cells and "0" not in compact_cells
    # The job-category table publishes every row in "all": nothing there is "not published".
    assert all(len(row) == 8 for row in table_rows(page, "By job category").values())


def test_the_headline_says_what_each_gap_is_and_what_its_sign_means(signed_in, make_cycle, tmp_path):
    published(make_cycle)
    page = open_page(signed_in)
    serve_release(page)
    choose_csv(page, tmp_path)
    compare(page)
    statements = page.locator("#compare-headline .stat").all_inner_texts()
    assert len(statements) == 3  # the employer, its industry, all employers
    assert statements[0].startswith("Your organisation\n") and "Women at your organisation are paid" in statements[0]
    assert "than men on average (mean annual pay)" in statements[0]
    cells = {c["gender"]: c for t in json.loads(FIXTURE.read_text())["tables"]
             if t["cohort"] == {"kind": "all"} and t["dimensions"] == ["gender"] for c in t["cells"]}
    gap = (cells["Male"]["compensation_mean"] - cells["Female"]["compensation_mean"]) / cells["Male"]["compensation_mean"]
    assert f"{100 * abs(gap):.1f}% {'less' if gap > 0 else 'more'}" in statements[2]
    assert "across all employers in the compact" in statements[2]
    # The IT cohort's men are suppressed: its gap is not published, and the box says so.
    assert statements[1].startswith("Industry: IT\nnot published") and "among the compact's employers in IT" in statements[1]
    assert "share of men's pay" in page.inner_text("#compare-output")


def test_the_comparison_has_charts_with_a_legend_and_a_text_alternative(signed_in, make_cycle, tmp_path):
    from employers.client.synthetic import synthetic_employees

    published(make_cycle)
    page = open_page(signed_in)
    serve_release(page)
    path = tmp_path / "synthetic.csv"
    synthetic_employees(n=300, seed=3).to_csv(path, index=False)
    choose(page, path)
    compare(page)
    # Each chart in two layouts, one shown: labels beside the bars, or above them on a phone.
    assert page.locator("#compare-output svg.bars-wide[role=img]").count() == 2
    assert page.locator("#compare-output svg.bars-narrow[role=img]").count() == 2
    assert page.locator("#compare-output svg[role=img]:visible").count() == 2
    assert page.is_visible("#compare-chart-gender-gap-title >> xpath=..")
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.is_hidden("#compare-chart-gender-gap-title >> xpath=..")
    assert page.is_visible("#compare-chart-gender-gap-narrow-title >> xpath=..")
    page.set_viewport_size({"width": 1280, "height": 800})
    gender = page.locator("#compare-chart-gender-gap-title").locator("xpath=..")
    assert gender.get_attribute("aria-labelledby") == "compare-chart-gender-gap-title compare-chart-gender-gap-desc"
    legend = gender.locator(":scope > text").all_text_contents()
    assert "Your organisation" in legend and "The compact" in legend
    description = page.text_content("#compare-chart-gender-gap-desc")
    assert "2 Professionals: women paid" in description
    # Every job category with one of its sides unknown is drawn as text, not as a bar of 0.
    rows = page.locator("#compare-gaps tbody tr").all()
    unknown = sum(row.locator("td").all_inner_texts()[:2].count("—") + row.locator("td").all_inner_texts()[:2].count("not published")
                  for row in rows)
    assert gender.locator("text.missing").count() == unknown
    assert gender.locator("rect.bar").count() == 2 * len(rows) - unknown
    fills = set(gender.locator("rect.bar").evaluate_all("(rs) => rs.map((r) => r.getAttribute('fill'))"))
    assert fills == {"#1F1F1F", "#9A9A9A"}  # greys: no series reads as a gender's colour
    assert page.locator("#compare-chart-difference-title").count() == 1


def test_the_release_is_downloaded_once_however_often_one_compares(signed_in, make_cycle, tmp_path):
    published(make_cycle)
    page = open_page(signed_in)
    serve_release(page)
    choose_csv(page, tmp_path)
    for _ in range(3):
        compare(page)
    assert len([r for r in page.network if r.url.endswith("/release")]) == 1
    assert page.is_hidden("#compare-progress")
    assert page.get_attribute("#status", "aria-live") == "polite"


def test_the_comparison_downloads_as_csv(signed_in, make_cycle, tmp_path):
    published(make_cycle)
    page = open_page(signed_in)
    serve_release(page)
    choose_csv(page, tmp_path)
    assert page.is_hidden("#compare-download")
    compare(page)
    with page.expect_download() as download:
        page.click("#compare-download")
    records = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    row = next(r for r in records if r["group"] == "2 Professionals, Female")
    assert row["you: people"] == "2" and row["you: mean pay ($)"] == "87500" and row["you: median pay ($)"] == "87897"
    # Tenure of 30.25 months reads 30.2, rounded half to even as Python rounds.
    assert row["you: mean tenure (months)"] == "30.2" and row["the compact: mean performance pay ($)"] == "1700"
    assert row["the compact: mean pay ($)"] == "103700" and row["gap: your mean pay vs the compact's (%)"] == "-15.6"
    assert row["compared with"] == "All employers" and row["not published because"] == ""
    nonbinary = next(r for r in records if r["table"] == "Gender" and r["group"] == "Nonbinary")
    assert nonbinary["the compact: mean pay ($)"] == "" and nonbinary["not published because"] == "suppressed to protect small groups"
    assert {r["table"] for r in records} == {"Gender", "Job category", "Job category × Gender"}


def _cli_model(path, release_path, industry, size_band):
    """The command-line benchmark's figures for ``path``, as the page prints them."""
    from employers.client.benchmark import (
        comparison_groups,
        comparison_rows,
        difference_in_words,
        gap_in_words,
        job_gender_gaps,
    )
    from employers.client.check import check_extract
    from employers.client.vector import vector_from
    from protocol.layout import Aggregate, layout_for
    from protocol.release import release_from_json

    release = release_from_json(json.loads(release_path.read_text()))
    layout = layout_for()
    own = Aggregate(layout, vector_from(check_extract(path), layout))
    groups = comparison_groups(release, industry=industry, size_band=size_band)
    money = lambda v: "—" if v is None else f"${v:,.0f}"  # noqa: E731  the PDF's
    tables = {}
    for dims, rows in comparison_rows(own, release, cohorts=groups).items():
        tables[dims] = {
            ", ".join(r.labels): [f"{r.own['headcount']:,}", money(r.own["compensation_mean"]), money(r.own["compensation_median"])]
            + ([f"not published: {r.not_published}"] if r.compact is None else
               [money(r.compact.compensation_mean), money(r.compact.compensation_median), difference_in_words(r.difference),
                r.cohort.label])
            for r in rows}
    gaps = {g["job_category"]: ["—" if g["own"] is None else gap_in_words(g["own"]),
                                "not published" if g["compact"] is None else gap_in_words(g["compact"]),
                                "—" if g["cohort"] is None else g["cohort"].label]
            for g in job_gender_gaps(own, release, groups)}
    from employers.client.benchmark import _headline  # the statements the PDF prints
    return tables, gaps, [h["text"] for h in _headline(own, release, groups)]


def _page_model(page):
    tables = {}
    for dims, title in ((("gender",), "By gender"), (("job_category",), "By job category"),
                        (("job_category", "gender"), "By job category and gender")):
        tables[dims] = {label: [row[YOU_PEOPLE], row[YOU_MEAN], row[YOU_MEDIAN]]
                        + ([row[3]] if row[3].startswith("not published") else
                           [row[COMPACT_MEAN], row[COMPACT_MEDIAN], row[GAP], row[VIA].split("\n")[0]])
                        for label, row in table_rows(page, title).items()}
    gaps = {}
    for tr in page.locator("#compare-gaps tbody tr").all():
        cells = tr.locator("th, td").all_inner_texts()
        gaps[cells[0]] = cells[1:]
    statements = page.locator("#compare-headline .stat p").all_inner_texts()
    return tables, gaps, statements


@pytest.mark.parametrize(("release", "industry", "size_band", "people", "seed"), [
    (FIXTURE, "IT", "200-499", 400, 5),
    (DEMO_LIKE, "Nonprofit", "50-199", 120, 20),
])
def test_the_page_and_the_command_line_benchmark_give_the_same_figures(signed_in, make_cycle, tmp_path, world,
                                                                         release, industry, size_band, people, seed):
    from employers.client.synthetic import synthetic_employees

    published(make_cycle)
    type(world.acme).objects.filter(pk=world.acme.pk).update(industry=industry, size_band=size_band)
    page = open_page(signed_in)
    serve_release(page, body=release.read_text())
    path = tmp_path / "synthetic.csv"
    synthetic_employees(n=people, seed=seed).to_csv(path, index=False)
    choose(page, path)
    compare(page)
    cli_tables, cli_gaps, cli_statements = _cli_model(path, release, industry, size_band)
    page_tables, page_gaps, page_statements = _page_model(page)
    assert page_statements == cli_statements
    assert page_gaps == cli_gaps
    for dims in cli_tables:
        assert page_tables[dims] == cli_tables[dims], dims
    compared = sum(len(t) for t in cli_tables.values())
    fell_back = sum(1 for t in cli_tables.values() for row in t.values() if row[-1] == "All employers")
    assert compared >= 20 and fell_back >= 1


def test_comparing_sends_nothing_about_the_employer(signed_in, make_cycle, tmp_path):
    published(make_cycle)
    page = open_page(signed_in)
    serve_release(page)
    choose(page, planted_extract(tmp_path))
    compare(page)
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


@pytest.mark.slow  # saving a copy of the real template takes seconds
def test_a_boston_workbook_compares_alike_in_the_page_and_the_cli_without_medians(signed_in, make_cycle, tmp_path, world):
    import shutil

    import openpyxl

    from tests.employers.client.samples import TEMPLATES

    published(make_cycle)
    type(world.acme).objects.filter(pk=world.acme.pk).update(industry="Nonprofit", size_band="50-199")
    path = tmp_path / "bwwc-2024.xlsx"
    shutil.copy(TEMPLATES / "bwwc-2024-wage-gap-template.xlsx", path)
    workbook = openpyxl.load_workbook(path)
    for sheet, values in (("1.Number of Employees", (12, 9, 15)), ("2.Compensation", (1_020_000, 700_000, 1_500_000)),
                          ("3.Performance Pay", (0, 9_000, 30_000)), ("4.Tenure", (480, 300, 900))):
        for ref, value in zip(("E10", "F10", "E12"), values, strict=True):
            workbook[sheet][ref] = value
    workbook.save(path)
    page = open_page(signed_in)
    serve_release(page, body=DEMO_LIKE.read_text())
    choose(page, path)
    compare(page)
    cli = _cli_model(path, DEMO_LIKE, "Nonprofit", "50-199")
    assert _page_model(page) == cli
    assert all(row[2] == "—" for table in cli[0].values() for row in table.values())  # a workbook has no medians
    assert "medians cannot be computed" in page.inner_text("#compare-output")
