"""Rendering of the public report (HTML and PDF from one template) and of the office review.

Pure: reads a release document (DESIGN §6, with its ``metrics``) and produces HTML; PDF comes
from the same HTML through WeasyPrint. Templates autoescape everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from aggregation.reports import charts
from aggregation.reports.headlines import CycleHeadline, cycle_headline, year_over_year
from aggregation.reports.wording import change_wording, decomposition_wording
from protocol import taxonomy as taxonomy_module
from protocol.paygap import EU_THRESHOLD
from protocol.release import ALL, CohortKey, ReleaseDocument

TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters["pct"] = lambda v, d=1: "—" if v is None else f"{100 * v:.{d}f}%"
    env.filters["money"] = lambda v: "—" if v is None else f"${v:,.0f}"
    env.filters["num"] = lambda v: "—" if v is None else f"{v:,}"
    return env


def _cohort_order(release: ReleaseDocument):
    """All employers first, then industries and size bands in the taxonomy's order (size bands
    from the smallest, not as strings sort: "200-499" before "50-199")."""
    tax = taxonomy_module.load(release.taxonomy)
    rank = {("all", None): (0, 0)}
    rank.update({("industry", v): (1, i) for i, v in enumerate(tax.industries)})
    rank.update({("size", v): (2, i) for i, v in enumerate(tax.size_bands)})

    def order(key: str):
        cohort = CohortKey.parse(key)
        return rank.get((cohort.kind, cohort.value), (3, 0)), key
    return order


def _cohort_rows(release: ReleaseDocument) -> list[dict]:
    rows = []
    cohorts = release.metrics.get("cohorts", {})
    for key in sorted(cohorts, key=_cohort_order(release)):
        m = cohorts[key]
        g = m.get("gender", {})
        rows.append({
            "cohort": CohortKey.parse(key).label,
            "mean_gap": g.get("compensation_mean", {}).get("gap"),
            "median_gap": g.get("compensation_median", {}).get("gap"),
            "flags": sum(1 for r in m.get("by_job_category", []) if r.get("flag")),
        })
    return rows


def cells_for_display(release: ReleaseDocument, *, cohort: CohortKey, dims: list[str]) -> list[dict]:
    """The cells of one table as flat rows for a template: ``labels`` (in ``dims`` order) and
    the cell's fields."""
    cells = release.cells(cohort=cohort, dims=dims) or {}
    return [{"labels": key, **cell.fields()} for key, cell in cells.items()]


def _year_over_year(release: ReleaseDocument, earlier: Sequence[CycleHeadline]) -> dict | None:
    """The comparison with the cycle before, with its sentences, for the template."""
    yoy = year_over_year(cycle_headline(release), earlier)
    if yoy is None:
        return None
    before = yoy.previous.cycle
    change = yoy.participants_change
    return {
        "previous": yoy.previous,
        "current": yoy.current,
        "mean": change_wording(yoy.current.mean_gap, yoy.previous.mean_gap, before_label=before),
        "median": change_wording(yoy.current.median_gap, yoy.previous.median_gap, before_label=before),
        "participants": (f"{abs(change)} {'more' if change > 0 else 'fewer'} than the {yoy.previous.participants} "
                         f"of {before}" if change else f"as many as in {before}"),
        "rows": [yoy.current, *yoy.earlier],
    }


def report_context(release: ReleaseDocument, *, earlier: Sequence[CycleHeadline] = ()) -> dict:
    """Everything the report template needs: figures, charts and the tables behind them.
    ``earlier``: headlines of earlier published cycles, newest first, for the year-over-year
    comparison (none: the report has no comparison)."""
    tax = taxonomy_module.load(release.taxonomy)
    metrics = release.metrics
    overall = metrics.get("cohorts", {}).get(ALL.key, {})
    jobs_svg, jobs_table = charts.gap_bars(
        overall.get("by_job_category", []), label_key="job_category", value_key="mean_gap",
        title="Mean pay gap by job category (dashed: ±5%)", threshold=EU_THRESHOLD,
    )
    inter_svg, inter_table = charts.cents_bars(
        [r for r in overall.get("intersectional", []) if r["gender"] != "Nonbinary" or r.get("cents_per_dollar")],
        title="Cents per dollar of White men's mean pay",
    )
    genders = tax.labels("gender")
    rep_svg, rep_table = charts.share_bars(
        overall.get("representation_by_job_category", []), label_key="job_category", categories=genders,
        title="Women, men and nonbinary people in each job category",
    )
    rows = metrics.get("rows", {})
    quarters = rows.get("pay_quarters", {}).get("gender", [])
    q_svg, q_table = charts.share_bars(
        [{"quarter": f"Quarter {q['quarter']}" + (" (top)" if q["quarter"] == 4 else ""), "shares": q.get("shares")}
         for q in quarters],
        label_key="quarter", categories=genders, title="Who is in each pay quarter",
    )
    adjusted = rows.get("adjusted", {})
    adj_rows = [
        {"label": "Pooled, all employers", **(adjusted.get("pooled") or {})},
        {"label": "Within each employer", **(adjusted.get("fixed_effects") or {})},
    ]
    adj_svg, adj_table = charts.interval_chart(adj_rows, title="Adjusted gap: women vs men, like for like")
    return {
        "release": release,
        "year_over_year": _year_over_year(release, earlier),
        "decomposition": decomposition_wording(rows.get("oaxaca_blinder"), withheld=rows.get("withheld")),
        "policy": release.policy,
        "audit": release.audit,
        "headline": overall.get("gender", {}),
        "rows": rows,
        "cohorts": _cohort_rows(release),
        "charts": {
            "jobs": (jobs_svg, jobs_table),
            "intersectional": (inter_svg, inter_table),
            "representation": (rep_svg, rep_table),
            "quarters": (q_svg, q_table),
            "adjusted": (adj_svg, adj_table),
        },
        "genders": genders,
        "gender_cells": cells_for_display(release, cohort=ALL, dims=["gender"]),
        "job_gender_cells": cells_for_display(release, cohort=ALL, dims=["job_category", "gender"]),
        "eu_threshold": EU_THRESHOLD,
    }


def report_html(release: ReleaseDocument, *, for_pdf: bool = False, links: list[tuple[str, str]] = (), banner: str = "",
                earlier: Sequence[CycleHeadline] = ()) -> str:
    """The report as a standalone HTML document. ``links`` (label, href) go in a top bar on
    screen; ``banner`` marks a draft; ``earlier`` as in :func:`report_context`."""
    return environment().get_template("report.html").render(
        for_pdf=for_pdf, links=list(links), banner=banner, **report_context(release, earlier=earlier)
    )


def html_to_pdf(html: str) -> bytes:
    import logging

    from weasyprint import HTML

    # WeasyPrint's CSS checker warns about every SVG presentation property matplotlib writes in
    # style attributes; its SVG renderer applies them all the same (checked on the rendered PDF).
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    # Tagged (PDF/UA-1): headings, tables and figures' text alternatives reach a screen reader.
    return HTML(string=html, base_url=str(TEMPLATES)).write_pdf(pdf_variant="pdf/ua-1")
