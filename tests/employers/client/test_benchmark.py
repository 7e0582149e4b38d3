"""The benchmark's rules (employers/client/benchmark.py): each row compared with the finest of
the employer's groups that publishes it, the headline in words that say what the sign means,
and charts that never draw an unpublished figure as 0."""

from __future__ import annotations

import json
import re
import subprocess
from html import unescape
from pathlib import Path

import pytest

from employers.client.benchmark import (
    SUPPRESSED,
    benchmark_headline,
    benchmark_html,
    benchmark_pdf,
    comparison_groups,
    comparison_rows,
    difference_in_words,
    gap_in_words,
    job_gender_gaps,
)
from employers.client.charts import BarSeries, bars_svg, nice_ticks
from employers.client.check import check_extract
from employers.client.synthetic import synthetic_employees
from employers.client.vector import vector_from
from protocol.layout import Aggregate, layout_for
from protocol.release import ALL, CohortKey, release_from_json

BROWSER = Path(__file__).resolve().parents[1] / "browser"
RELEASE = release_from_json(json.loads((BROWSER / "release-cohorts-fixture.json").read_text()))
SMALL = release_from_json(json.loads((BROWSER / "release-fixture.json").read_text()))
NONPROFIT, SMALL_FIRMS = CohortKey("industry", "Nonprofit"), CohortKey("size", "50-199")


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    path = tmp_path_factory.mktemp("benchmark") / "payroll.csv"
    synthetic_employees(n=120, seed=20).to_csv(path, index=False)
    layout = layout_for()
    return Aggregate(layout, vector_from(check_extract(path), layout))


def test_the_groups_are_the_employers_own_finest_first_and_only_those_the_release_has():
    assert comparison_groups(RELEASE, industry="Nonprofit", size_band="50-199") == [NONPROFIT, SMALL_FIRMS, ALL]
    assert comparison_groups(RELEASE, industry="IT", size_band="500+") == [ALL]
    assert comparison_groups(RELEASE) == [ALL]


def test_a_merged_size_band_counts_for_each_band_it_covers():
    doc = json.loads((BROWSER / "release-cohorts-fixture.json").read_text())
    for table in doc["tables"]:
        if table["cohort"].get("kind") == "size":
            table["cohort"] = {"kind": "size", "value": "1-199", "covers": ["1-49", "50-199"]}
    merged = release_from_json(doc)
    assert comparison_groups(merged, size_band="1-49") == [CohortKey("size", "1-199"), ALL]


def test_each_row_uses_the_finest_group_that_publishes_it_and_says_which_it_passed_over(own):
    groups = [NONPROFIT, SMALL_FIRMS, ALL]
    rows = comparison_rows(own, RELEASE, cohorts=groups)
    jobs = rows[("job_category",)]
    assert {r.cohort for r in jobs} > {NONPROFIT}  # some rows fall back
    for row in jobs:
        if row.compact is None:
            assert row.not_published == SUPPRESSED and row.passed_over == tuple(groups)
            assert all(not RELEASE.cells(cohort=g, dims=("job_category",))[row.labels].published for g in groups)
            continue
        k = groups.index(row.cohort)
        cell = RELEASE.cells(cohort=row.cohort, dims=("job_category",))[row.labels]
        assert cell.published and row.compact == cell and row.passed_over == tuple(groups[:k])
        # Every finer group really suppresses this row.
        assert all(not RELEASE.cells(cohort=g, dims=("job_category",))[row.labels].published for g in groups[:k])
        assert row.difference == pytest.approx((row.own["compensation_mean"] - cell.compensation_mean) / cell.compensation_mean)
    # Nine of the ten job categories are suppressed in Nonprofit: each of those that the
    # employer has is compared with a coarser group, not left as "suppressed".
    suppressed_in_industry = [r for r in jobs if r.cohort != NONPROFIT]
    assert len(suppressed_in_industry) >= 5 and sum(r.compact is not None for r in suppressed_in_industry) >= 5


def test_a_row_no_group_publishes_says_why(own):
    rows = comparison_rows(own, SMALL, cohorts=[ALL])
    nonbinary = next(r for r in rows[("gender",)] if r.labels == ("Nonbinary",))
    assert nonbinary.compact is None and nonbinary.not_published == SUPPRESSED and nonbinary.difference is None
    rows = comparison_rows(own, SMALL, cohorts=[CohortKey("size", "500+")])  # no job tables at all
    assert {r.not_published for r in rows[("job_category",)]} == {"not in the release"}


@pytest.mark.parametrize(("value", "words"), [
    (0.123, "12.3% less"), (-0.04, "4.0% more"), (0.00004, "the same"), (None, "not known")])
def test_a_gender_gap_reads_as_what_it_means_for_women(value, words):
    assert gap_in_words(value) == words


@pytest.mark.parametrize(("value", "words"), [(0.2236, "22.4% higher"), (-0.0841, "8.4% lower"), (0.0, "the same"), (None, "—")])
def test_a_difference_reads_as_higher_or_lower(value, words):
    assert difference_in_words(value) == words


def test_the_headline_says_what_each_number_is_and_what_its_sign_means(own):
    html = benchmark_html(own, RELEASE, employer="Acme", industry="Nonprofit", size_band="50-199")
    text = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))
    assert re.search(r"Women at your organisation are paid \d+\.\d% (less|more) than men on average \(mean annual pay\)", text)
    men = RELEASE.cells(cohort=ALL, dims=("gender",))[("Male",)].compensation_mean
    women = RELEASE.cells(cohort=ALL, dims=("gender",))[("Female",)].compensation_mean
    assert f"Women across all employers in the compact are paid {gap_in_words((men - women) / men)} than men" in text
    assert "Women among the compact's employers in Nonprofit are paid" in text
    assert "Women among the compact's employers of 50-199 people are paid" in text
    assert "as a share of men's pay" in text


def test_the_report_names_the_group_of_each_row_and_reads_not_published_only_where_none_does(own):
    html = benchmark_html(own, RELEASE, employer="Acme", industry="Nonprofit", size_band="50-199")
    rows = comparison_rows(own, RELEASE, cohorts=[NONPROFIT, SMALL_FIRMS, ALL])
    unpublished = sum(r.compact is None for t in rows.values() for r in t)
    assert html.count("not published: ") == unpublished
    assert "not published for Industry: Nonprofit" in html
    assert ">suppressed<" not in html


def test_the_charts_never_draw_a_missing_value_and_carry_a_text_alternative():
    svg = bars_svg(labels=["A", "B"], series=[BarSeries("You", "#111111", [0.1, None]), BarSeries("Them", "#999999", [-0.05, 0.2])],
                   title="T", description="D names every value", missing="not published", chart_id="c")
    assert svg.count('<rect x="') - 2 == 3  # two legend swatches, three bars: None is not a bar
    assert svg.count(">not published</text>") == 1
    assert 'aria-labelledby="c-title c-desc"' in svg and "<desc id=\"c-desc\">D names every value</desc>" in svg
    assert "+10.0%" in svg and "-5.0%" in svg


def test_the_ticks_cover_the_values_and_zero():
    assert nice_ticks(-0.237, 0.368) == [-0.4, -0.2, 0.0, 0.2, 0.4]  # a step of 0.2 > 0.605 / 5
    assert nice_ticks(0.0, 0.05) == [0.0, 0.01, 0.02, 0.03, 0.04, 0.05]
    assert nice_ticks(0.0, 0.0) == [0.0, 0.02]  # no value to show: still a scale with a width


def test_a_chart_with_no_published_value_is_drawn_with_its_notes_not_a_crash():
    svg = bars_svg(labels=["A", "B"], series=[BarSeries("You", "#111111", [None, None])],
                   title="T", description="D", missing="not published", chart_id="c")
    assert svg.count(">not published</text>") == 2 and "nan" not in svg.lower()


def test_the_gender_gap_by_job_uses_the_finest_group_with_both_women_and_men(own):
    groups = [NONPROFIT, SMALL_FIRMS, ALL]
    for row in job_gender_gaps(own, RELEASE, groups):
        if row["cohort"] is None:
            continue
        cells = RELEASE.cells(cohort=row["cohort"], dims=("job_category", "gender"))
        men, women = cells[(row["job_category"], "Male")], cells[(row["job_category"], "Female")]
        assert row["compact"] == pytest.approx((men.compensation_mean - women.compensation_mean) / men.compensation_mean)


def test_the_pdf_has_the_charts_and_is_tagged(own, tmp_path):
    html = benchmark_html(own, RELEASE, employer="Acme", industry="Nonprofit", size_band="50-199", for_pdf=True)
    assert html.count('role="img"') == 2
    pdf = tmp_path / "b.pdf"
    pdf.write_bytes(benchmark_pdf(html))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in info
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split())
    assert "Gender pay gap by job category" in text and "Women at your organisation are paid" in text


def test_an_extract_without_women_says_it_has_no_gender_gap_to_compare(tmp_path):
    frame = synthetic_employees(n=60, seed=4)
    frame = frame[frame["Gender"] != "Female"]
    path = tmp_path / "men.csv"
    frame.to_csv(path, index=False)
    layout = layout_for()
    own = Aggregate(layout, vector_from(check_extract(path), layout))
    (mine, compact) = benchmark_headline(own, SMALL)
    assert mine == "Your extract has no women, so it has no gender pay gap to compare."
    assert compact.startswith("Women across all employers in the compact are paid")


def test_a_group_whose_gender_gap_is_suppressed_says_why_in_the_headline(own):
    doc = json.loads((BROWSER / "release-cohorts-fixture.json").read_text())
    for table in doc["tables"]:
        if table["cohort"].get("kind") == "all" and table["dimensions"] == ["gender"]:
            table["cells"] = [{"gender": cell["gender"], "status": "suppressed"} for cell in table["cells"]]
    release = release_from_json(doc)
    mine, theirs = benchmark_headline(own, release)
    assert mine.startswith("Women at your organisation are paid")
    assert theirs == ("The gender pay gap across all employers in the compact is not published, because it has "
                      "too few people or employers or one employer dominates it.")
