"""The public report: every chart has its data table, suppressed figures are never drawn as
zero, and the PDF renders from the same template."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from aggregation.reports import charts
from aggregation.reports.render import html_to_pdf, report_html
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
    assert "How these figures were made" in html


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
    assert "suppressed to protect small groups" in report_html(release_from_json(release))


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
