"""The employer's benchmark: its own figures beside the compact's published ones.

Runs on the employer's machine: the employer's figures come from its own statistics vector
(built locally from its extract); the compact's come from the public release. Only published
cells are compared — a suppressed compact cell says "suppressed", never 0 — and nothing about
the employer is sent anywhere.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
from jinja2 import Environment, FileSystemLoader, select_autoescape

from employers.client.pdf import pdf_from_html
from protocol.histogram import interpolated_median
from protocol.layout import Aggregate
from protocol.paygap import gap
from protocol.release import ALL, CohortKey, ReleaseCell, ReleaseDocument

TEMPLATES = Path(__file__).resolve().parent / "templates"

TABLES = (("gender",), ("job_category",), ("job_category", "gender"))


def _own_tables(own: Aggregate) -> dict[tuple[str, ...], dict[tuple, dict]]:
    """The employer's own headcount, means and medians for the benchmark tables."""
    layout = own.layout
    tax = layout.taxonomy
    nj, nr, ng = (len(tax.categories(d)) for d in ("job_category", "race_ethnicity", "gender"))
    head = own.get("headcount")[:, 0].reshape(nj, nr, ng)
    comp = own.get("comp_sum")[:, 0].reshape(nj, nr, ng)
    perf = own.get("perf_sum")[:, 0].reshape(nj, nr, ng)
    hist = own.get("comp_hist")[layout.hist_cell_index(("job_category", "gender"))].reshape(nj, ng, -1)
    edges = tax.compensation_bins_dollars
    jobs, genders = tax.labels("job_category"), tax.labels("gender")

    def figures(h, c, p, counts):
        h = int(h)
        return {
            "headcount": h,
            "compensation_mean": c / h / 100 if h else None,
            "performance_pay_mean": p / h / 100 if h else None,
            "compensation_median": interpolated_median(counts, edges) if counts is not None and counts.sum() else None,
        }

    out: dict[tuple[str, ...], dict[tuple, dict]] = {}
    out[("job_category", "gender")] = {
        (jobs[j], genders[g]): figures(head[j, :, g].sum(), comp[j, :, g].sum(), perf[j, :, g].sum(), hist[j, g])
        for j in range(nj) for g in range(ng)
    }
    out[("gender",)] = {
        (genders[g],): figures(head[:, :, g].sum(), comp[:, :, g].sum(), perf[:, :, g].sum(), hist[:, g].sum(axis=0))
        for g in range(ng)
    }
    out[("job_category",)] = {
        (jobs[j],): figures(head[j].sum(), comp[j].sum(), perf[j].sum(), hist[j].sum(axis=0)) for j in range(nj)
    }
    return out


def _compact(cell: ReleaseCell | None, name: str):
    if cell is None:
        return None
    if not cell.published:
        return "suppressed"
    return getattr(cell, name)


def benchmark_rows(own: Aggregate, release: ReleaseDocument, *,
                   cohorts: list[CohortKey]) -> dict[tuple[str, ...], list[dict]]:
    """Per table: one row per cell where the employer has people, with the compact's figures
    (keyed by cohort key)."""
    mine = _own_tables(own)
    out: dict[tuple[str, ...], list[dict]] = {}
    for dims in TABLES:
        published = {c.key: release.cells(cohort=c, dims=dims) for c in cohorts}
        rows = []
        for labels, figures in mine[dims].items():
            if not figures["headcount"]:
                continue
            row = {"labels": labels, "own": figures, "compact": {}}
            for cohort, cells in published.items():
                if cells is None:
                    continue
                cell = cells.get(labels)
                mean = _compact(cell, "compensation_mean")
                row["compact"][cohort] = {
                    "compensation_mean": mean,
                    "compensation_median": _compact(cell, "compensation_median"),
                    "performance_pay_mean": _compact(cell, "performance_pay_mean"),
                    "difference": (figures["compensation_mean"] - mean) / mean
                    if isinstance(mean, float | int) and mean and figures["compensation_mean"] is not None
                    else None,
                }
            rows.append(row)
        out[dims] = rows
    return out


def own_gender_gap(own: Aggregate) -> float | None:
    gender = _own_tables(own)[("gender",)]
    men, women = gender.get(("Male",)), gender.get(("Female",))
    if not men or not women:
        return None
    return gap(men["compensation_mean"], women["compensation_mean"])


@cache
def environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def benchmark_html(own: Aggregate, release: ReleaseDocument, *, employer: str, industry: str | None = None,
                   size_band: str | None = None, for_pdf: bool = False) -> str:
    cohorts = [ALL] + [CohortKey(kind, value) for kind, value in (("industry", industry), ("size", size_band))
                       if value]
    released = set(release.cohorts())
    available = [c for c in cohorts if c in released]
    compact_gap = release.headline().get("compensation_mean")
    return environment().get_template("benchmark.html").render(
        for_pdf=for_pdf,
        employer=employer,
        release=release,
        cohorts=[(c.key, c.label) for c in available],
        missing=[c.label for c in cohorts if c not in available],
        tables=benchmark_rows(own, release, cohorts=available),
        own_gap=own_gender_gap(own),
        compact_gap=None if compact_gap is None else compact_gap["gap"],
        people=int(np.asarray(own.get("headcount")).sum()),
    )


def benchmark_pdf(html: str) -> bytes:
    """The benchmark as PDF, from the same HTML."""
    return pdf_from_html(html, base_url=TEMPLATES, tagged=True)
