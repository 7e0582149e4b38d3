"""The public report: every chart has its data table, suppressed figures are never drawn as
zero, and the PDF renders from the same template."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from aggregation.reports import charts
from aggregation.reports.headlines import (
    CycleHeadline,
    cycle_headline,
    published_groups,
    year_over_year,
)
from aggregation.reports.render import html_to_pdf, report_html
from aggregation.reports.wording import change_wording, decomposition_wording
from protocol.release import release_from_json
from tests.factories import synthetic_release


@pytest.fixture(scope="module")
def release():
    return synthetic_release(10)[0]


def test_the_report_shows_the_headline_gaps_from_the_metrics(release):
    html = report_html(release_from_json(release))
    mean_gap = release["metrics"]["cohorts"]["all"]["gender"]["compensation_mean"]["gap"]
    assert f"{100 * mean_gap:.1f}%" in html
    assert "Pay gaps in the Talent Compact, 2026" in html
    assert "Method: how these figures were made" in html


def test_the_report_states_the_audit_protection_as_a_floor(release):
    """The published ratio may be a certified lower bound (large releases), so the report says
    "at least", which is true of an exact ratio too."""
    ratio = release["audit"]["worst_protection_ratio"]
    html = report_html(release_from_json(release))
    assert f"stays uncertain by at least {100 * ratio:.0f}% of its value" in html


def test_every_chart_has_a_data_table_and_an_accessible_label(release):
    html = report_html(release_from_json(release))
    figures = re.findall(r"<figure.*?</figure>", html, flags=re.S)
    assert len(figures) >= 4
    for figure in figures:
        assert "<svg" in figure and "<table>" in figure and 'role="img"' in figure


def test_withheld_figures_are_labelled_not_drawn(release):
    rows = [{"job_category": "A", "mean_gap": 0.1}, {"job_category": "B", "mean_gap": None}]
    svg, table = charts.gap_bars(rows, label_key="job_category", value_key="mean_gap", title="t")
    assert table == [{"label": "A", "value": "10.0%"}, {"label": "B", "value": "withheld"}]
    assert ">B<" not in svg  # no bar, no label for a withheld value


def test_gaps_at_the_threshold_are_flagged_in_words_not_only_colour():
    rows = [{"job_category": "A", "mean_gap": 0.05}, {"job_category": "B", "mean_gap": 0.049},
            {"job_category": "C", "mean_gap": -0.08}]
    svg, table = charts.gap_bars(rows, label_key="job_category", value_key="mean_gap", title="t", threshold=0.05)
    assert [r["value"] for r in table] == ["5.0% (flagged)", "4.9%", "-8.0% (flagged)"]
    assert svg.count("(flagged)") == 2


def test_suppressed_cells_in_the_report_say_so(release):
    for t in release["tables"]:
        if t["dimensions"] == ["gender"]:
            t["cells"][2] = {"gender": "Nonbinary", "status": "suppressed"}
    assert "withheld to protect small groups and single employers" in report_html(release_from_json(release))


def test_charts_use_the_colour_blind_safe_palette_and_unique_ids(release):
    html = report_html(release_from_json(release))
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert charts.GENDER_COLOURS["Female"].lower() in html.lower()


def test_the_pdf_renders_from_the_same_template(release, tmp_path):
    pdf = html_to_pdf(report_html(release_from_json(release), for_pdf=True))
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    if shutil.which("pdftoppm"):
        (tmp_path / "r.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "20", "-png", str(tmp_path / "r.pdf"), str(tmp_path / "p")], check=True)
        assert len(list(tmp_path.glob("p-*.png"))) >= 3


def test_cohorts_are_listed_all_first_then_industries_then_size_bands_from_the_smallest(release):
    import copy

    shuffled = copy.deepcopy(release)
    whole = shuffled["metrics"]["cohorts"]["all"]
    shuffled["metrics"]["cohorts"] = {key: whole for key in (
        "size:500+", "size:200-499", "industry:IT", "all", "size:50-199", "industry:Education", "size:1-49")}
    html = report_html(release_from_json(shuffled))
    table = html[html.index('id="cohorts"'):]
    rows = re.findall(r"<tr><td>([^<]+)</td>", table)
    from protocol.taxonomy import load

    industries = [f"Industry: {name}" for name in load("compact-2026").industries if name in ("IT", "Education")]
    assert rows[:7] == ["All employers", *industries, "Size band: 1-49",
                        "Size band: 50-199", "Size band: 200-499", "Size band: 500+"]


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="needs pdfinfo (poppler-utils)")
def test_the_report_pdf_is_tagged_for_screen_readers(release, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(html_to_pdf(report_html(release_from_json(release), for_pdf=True)))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in info


def test_a_colour_means_one_thing_flags_are_not_a_gender_and_the_race_chart_has_a_legend(release):
    assert {charts.FLAGGED_COLOUR, charts.UNFLAGGED_COLOUR}.isdisjoint(charts.GENDER_COLOURS.values())
    html = report_html(release_from_json(release))
    cents = html[html.index("Cents per dollar"):]
    assert ">Gender<" in cents[:cents.index("</svg>")]


# --- plain words: the Oaxaca–Blinder split ---------------------------------------------


def test_a_split_with_shares_between_0_and_1_is_said_in_shares_and_percent_of_pay():
    words = decomposition_wording({"gap": 0.1, "explained": 0.04, "unexplained": 0.06})
    # 1 − e^−0.1 = 9.5%, 1 − e^−0.06 = 5.8%: percent of pay, never log units.
    assert words == ("Women's typical pay is 9.5% below men's. About 40% of that difference comes from differences "
                     "in job category, race/ethnicity and tenure; the other 60% remains between women and men who "
                     "are alike in these respects. Comparing like with like, women are paid about 5.8% less than men.")


def test_a_negative_explained_share_is_not_reported_as_a_negative_percentage():
    words = decomposition_wording({"gap": 0.1, "explained": -0.008, "unexplained": 0.108})
    assert "-" not in words and "−" not in words and "108%" not in words
    assert "do not account for any of it" in words
    assert "would predict higher pay for women than for men" in words
    assert "women are paid about 10.2% less than men, a wider gap than the overall one" in words


def test_an_explained_share_above_100_percent_says_the_characteristics_more_than_account_for_the_gap():
    words = decomposition_wording({"gap": 0.1, "explained": 0.13, "unexplained": -0.03})
    assert "-" not in words and "130%" not in words
    assert "more than account for it: on their own they would put women's pay 12.2% below men's" in words
    assert words.endswith("women are paid about 3.0% more than men.")


def test_a_gap_near_zero_is_not_split():
    assert decomposition_wording({"gap": 0.001, "explained": 0.0006, "unexplained": 0.0004}) == (
        "Women's and men's typical pay differ by less than half a percent, so there is no gap to split.")
    # Parts that cancel are still worth saying: like for like, women are paid more.
    cancelling = decomposition_wording({"gap": 0.002, "explained": 0.05, "unexplained": -0.048})
    assert "no gap to split" in cancelling and cancelling.endswith("women are paid about 4.9% more than men.")


def test_when_women_are_paid_more_the_words_turn_round():
    words = decomposition_wording({"gap": -0.06, "explained": -0.02, "unexplained": -0.04})
    assert words.startswith("Women's typical pay is 6.2% above men's. About 33% of that difference")
    assert words.endswith("women are paid about 4.1% more than men.")
    against = decomposition_wording({"gap": -0.06, "explained": 0.02, "unexplained": -0.08})
    assert "would predict lower pay for women than for men" in against and "8.3% more" in against


def test_shares_that_round_to_0_or_100_percent_read_as_almost_none_or_almost_all():
    assert "Almost none of that difference" in decomposition_wording({"gap": 0.1, "explained": 0.0003, "unexplained": 0.0997})
    assert "Almost all of that difference" in decomposition_wording({"gap": 0.1, "explained": 0.0997, "unexplained": 0.0003})


@pytest.mark.parametrize("split", [None, {}, {"gap": 0.1, "explained": None, "unexplained": 0.05},
                                   {"gap": float("nan"), "explained": 0.0, "unexplained": 0.0}])
def test_a_missing_or_withheld_split_says_it_is_not_published_and_why(split):
    assert decomposition_wording(split, withheld="fewer than 100 women or men in the employee-level data") == (
        "This split of the gap is not published: fewer than 100 women or men in the employee-level data.")
    assert decomposition_wording(split) == "This split of the gap is not published."


def test_a_change_in_a_gap_is_said_in_points_with_its_direction():
    assert change_wording(0.086, 0.101, before_label="2025") == "down 1.5 points from 10.1% in 2025"
    assert change_wording(0.12, 0.1004, before_label="2024") == "up 2.0 points from 10.0% in 2024"
    assert change_wording(0.1002, 0.1, before_label="2025") == "unchanged from 10.0% in 2025"
    assert change_wording(None, 0.1, before_label="2025") == "no comparison: withheld in one of the two years"


def _public_copy(html: str) -> str:
    """The report's words before its method section, without the charts' markup."""
    text = html[:html.index('id="method"')]
    return re.sub(r"<svg.*?</svg>", "", text, flags=re.S)


def test_the_public_copy_says_no_log_pay_and_the_second_years_split_reads_true(release):
    import copy

    second_year = copy.deepcopy(release)
    # The second year's report that said "−8% is explained … 108% is not".
    second_year["metrics"]["rows"]["oaxaca_blinder"] = {
        "gap": 0.05, "explained": -0.004, "unexplained": 0.054, "explained_share": -0.08, "unexplained_share": 1.08}
    copy_text = _public_copy(report_html(release_from_json(second_year)))
    assert "log" not in copy_text.lower()
    assert "108%" not in copy_text and "-8%" not in copy_text and "−8%" not in copy_text
    assert "do not account for any of it" in copy_text
    # The method section, clearly marked, keeps the detail.
    assert "Oaxaca–Blinder" in report_html(release_from_json(second_year)).split('id="method"')[1]


# --- year over year ----------------------------------------------------------------------


def test_without_earlier_cycles_the_report_has_no_comparison(release):
    assert year_over_year(cycle_headline(release_from_json(release)), []) is None
    assert 'id="year-over-year"' not in report_html(release_from_json(release))


def test_the_report_compares_with_the_cycle_before_in_points_and_participation(release):
    document = release_from_json(release)
    now = cycle_headline(document)
    before = CycleHeadline(cycle="2025", participants=now.participants - 3, mean_gap=now.mean_gap + 0.015,
                           median_gap=None)
    older = CycleHeadline(cycle="2024", participants=5, mean_gap=0.2, median_gap=0.2)
    yoy = year_over_year(now, [before, older])
    assert yoy.previous == before and yoy.earlier == (before, older)
    assert yoy.mean_change_points == pytest.approx(-1.5) and yoy.median_change_points is None
    assert yoy.participants_change == 3
    html = report_html(document, earlier=[before, older])
    section = html[html.index('id="year-over-year"'):html.index('id="jobs"')]
    assert "Compared with 2025" in section
    assert f"down 1.5 points from {100 * before.mean_gap:.1f}% in 2025" in section
    assert "no comparison: withheld in one of the two years" in section  # 2025's median is withheld
    assert f"3 more than the {before.participants} of 2025" in section
    assert section.index("<td>2026</td>") < section.index("<td>2025</td>") < section.index("<td>2024</td>")
    assert "not the same every year" in section


def test_the_pdf_has_the_comparison_too(release):
    document = release_from_json(release)
    before = CycleHeadline(cycle="2025", participants=7, mean_gap=0.2, median_gap=0.2)
    assert "Compared with 2025" in report_html(document, for_pdf=True, earlier=[before])


def test_the_groups_a_release_reports_on_are_named_in_taxonomy_order(release):
    import copy

    doc = copy.deepcopy(release)
    base = doc["tables"][0]
    for cohort in ({"kind": "size", "value": "500+"}, {"kind": "industry", "value": "IT"},
                   {"kind": "size", "value": "50-199"}, {"kind": "industry", "value": "Biotech/Pharma"}):
        doc["tables"].append({**base, "cohort": cohort})
    groups = published_groups(release_from_json(doc))
    assert groups.industries == ("Biotech/Pharma", "IT") and groups.size_bands == ("50-199", "500+")
    assert published_groups(release_from_json(release)).industries == ()
