"""The employer's benchmark: its own figures beside the compact's published ones.

Runs on the employer's machine: the employer's figures come from its own statistics vector
(built locally from its extract); the compact's come from the public release. Nothing about
the employer is sent anywhere.

Guarantees:
- Each row compares with the finest of the employer's groups that publishes it: its industry,
  then its size band, then all employers (:func:`comparison_groups`). A row suppressed in a
  finer group is compared with the next one that publishes it, and says which; only a row that
  no group publishes reads "not published", with the reason (suppressed to protect small
  groups, withheld, or not in the release). A compact figure is never read as 0.
- The gap of a row is (your mean - the compact's mean) / the compact's mean; the gender gap is
  :func:`protocol.paygap.gap` of men's and women's pay, the compact's own definition.
- Medians on both sides are interpolated from the same pay brackets (protocol/histogram.py),
  as the compact's published medians are; the browser's compare view uses the same method
  (employers/static/employers/browser/histogram.js) and the same rule of fallback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
from jinja2 import Environment, FileSystemLoader, select_autoescape

from employers.client.charts import COMPACT_COLOUR, YOU_COLOUR, BarSeries, bars_svg, percent
from employers.client.pdf import pdf_from_html
from protocol.histogram import interpolated_median
from protocol.layout import Aggregate
from protocol.paygap import gap
from protocol.release import ALL, CohortKey, ReleaseCell, ReleaseDocument

TEMPLATES = Path(__file__).resolve().parent / "templates"

TABLES = (("gender",), ("job_category",), ("job_category", "gender"))

SUPPRESSED = "suppressed to protect small groups"
WITHHELD = "withheld (one employer's figures would dominate it)"
ABSENT = "not in the release"


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


def comparison_groups(release: ReleaseDocument, *, industry: str | None = None,
                      size_band: str | None = None) -> list[CohortKey]:
    """The employer's groups that the release publishes, finest first: its industry, its size
    band, all employers. A merged cohort (``covers``) counts for every value it covers."""
    out = []
    for kind, value in (("industry", industry), ("size", size_band)):
        if not value:
            continue
        for cohort in release.cohorts():
            if cohort.kind == kind and (cohort.value == value or value in cohort.covers):
                out.append(cohort)
                break
    if ALL in release.cohorts():
        out.append(ALL)
    return out


def _usable(cell: ReleaseCell | None) -> bool:
    return cell is not None and cell.published and cell.compensation_mean is not None


def _reason(cells: list[ReleaseCell | None]) -> str:
    """Why no group publishes a row, from what each group has for it."""
    if any(c is not None and not c.published for c in cells):
        return SUPPRESSED
    if any(c is not None and "compensation_mean" in c.withheld for c in cells):
        return WITHHELD
    if any(c is not None for c in cells):
        return "nobody in the compact's groups"
    return ABSENT


@dataclass(frozen=True)
class Comparison:
    """One row of a benchmark table: the employer's figures, and the compact's from the finest
    group that publishes the row (``cohort``), or the reason none does (``not_published``)."""

    labels: tuple[str, ...]
    own: dict
    cohort: CohortKey | None = None
    compact: ReleaseCell | None = None
    not_published: str | None = None
    # Finer groups of the employer that do not publish this row (so a coarser one is used).
    passed_over: tuple[CohortKey, ...] = field(default=())

    @property
    def difference(self) -> float | None:
        """(your mean - the compact's mean) / the compact's mean."""
        mine = self.own["compensation_mean"]
        theirs = self.compact.compensation_mean if self.compact is not None else None
        if mine is None or not theirs:
            return None
        return (mine - theirs) / theirs


def _compare(labels, figures, cells_of: list[dict | None], cohorts: list[CohortKey]) -> Comparison:
    found = [None if cells is None else cells.get(labels) for cells in cells_of]
    for k, cell in enumerate(found):
        if _usable(cell):
            return Comparison(labels, figures, cohorts[k], cell, passed_over=tuple(cohorts[:k]))
    return Comparison(labels, figures, not_published=_reason(found), passed_over=tuple(cohorts))


def comparison_rows(own: Aggregate, release: ReleaseDocument, *,
                    cohorts: list[CohortKey]) -> dict[tuple[str, ...], list[Comparison]]:
    """Per table: one row per cell where the employer has people, compared with the first of
    ``cohorts`` (finest first, as :func:`comparison_groups` gives them) that publishes it."""
    mine = _own_tables(own)
    out: dict[tuple[str, ...], list[Comparison]] = {}
    for dims in TABLES:
        cells_of = [release.cells(cohort=c, dims=dims) for c in cohorts]
        out[dims] = [_compare(labels, figures, cells_of, cohorts)
                     for labels, figures in mine[dims].items() if figures["headcount"]]
    return out


@dataclass(frozen=True)
class GenderGap:
    """Men's pay minus women's as a share of men's (mean and median), where it is known."""

    mean: float | None
    median: float | None
    cohort: CohortKey | None = None  # None: the employer's own


def own_gender_gap(own: Aggregate) -> GenderGap:
    gender = _own_tables(own)[("gender",)]
    men, women = gender[("Male",)], gender[("Female",)]
    return GenderGap(gap(men["compensation_mean"], women["compensation_mean"]),
                     gap(men["compensation_median"], women["compensation_median"]))


def compact_gender_gap(release: ReleaseDocument, cohort: CohortKey) -> GenderGap:
    """The cohort's gender gap from its published gender table (None where a side is not)."""
    cells = release.cells(cohort=cohort, dims=("gender",)) or {}
    men, women = cells.get(("Male",)), cells.get(("Female",))

    def of(name):
        return gap(men.figure(name), women.figure(name)) if men is not None and women is not None else None

    return GenderGap(of("compensation_mean"), of("compensation_median"), cohort)


def _share_in_words(value: float | None, *, positive: str, negative: str, unknown: str) -> str:
    """A signed share as a size and a direction ("12.3% less"); "the same" when it rounds to 0."""
    if value is None:
        return unknown
    if round(abs(value) * 100, 1) == 0:
        return "the same"
    return f"{percent(abs(value))} {positive if value > 0 else negative}"


def gap_in_words(value: float | None) -> str:
    """A gender gap as what it means for women: "12.3% less" (than men), "4.0% more"."""
    return _share_in_words(value, positive="less", negative="more", unknown="not known")


def difference_in_words(value: float | None) -> str:
    """Your mean against the compact's: "12.3% higher", "4.0% lower", "the same"; "—" if unknown."""
    return _share_in_words(value, positive="higher", negative="lower", unknown="—")


def _where(cohort: CohortKey) -> str:
    if cohort.kind == "all":
        return "across all employers in the compact"
    if cohort.kind == "industry":
        return f"among the compact's employers in {cohort.value}"
    return f"among the compact's employers of {cohort.value} people"


def _headline(own: Aggregate, release: ReleaseDocument, groups: list[CohortKey]) -> list[dict]:
    """The headline statements: the employer's gender gap and each of its groups', in words."""
    mine = own_gender_gap(own)
    out = []
    if mine.mean is None:
        gender = _own_tables(own)[("gender",)]
        missing = "women" if not gender[("Female",)]["headcount"] else "men"
        out.append({"figure": "—", "who": "Your organisation",
                    "text": f"Your extract has no {missing}, so it has no gender pay gap to compare."})
    else:
        median = "" if mine.median is None else f"; at the median, {gap_in_words(mine.median)}"
        out.append({"figure": gap_in_words(mine.mean), "who": "Your organisation",
                    "text": f"Women at your organisation are paid {gap_in_words(mine.mean)} than men on average "
                            f"(mean annual pay){median}."})
    for cohort in groups:
        theirs = compact_gender_gap(release, cohort)
        where = _where(cohort)
        if theirs.mean is None:
            out.append({"figure": "not published", "who": cohort.label,
                        "text": f"The gender pay gap {where} is not published, because it has too few people or employers or one employer dominates it."})
            continue
        median = "" if theirs.median is None else f"; at the median, {gap_in_words(theirs.median)}"
        out.append({"figure": gap_in_words(theirs.mean), "who": cohort.label,
                    "text": f"Women {where} are paid {gap_in_words(theirs.mean)} than men on average "
                            f"(mean annual pay){median}."})
    return out


def benchmark_headline(own: Aggregate, release: ReleaseDocument, *, industry: str | None = None,
                       size_band: str | None = None) -> list[str]:
    """The headline statements of the report, for the terminal."""
    groups = comparison_groups(release, industry=industry, size_band=size_band)
    return [h["text"] for h in _headline(own, release, groups)]


def job_gender_gaps(own: Aggregate, release: ReleaseDocument, groups: list[CohortKey]) -> list[dict]:
    """Per job category where the employer has people: its own gender gap (mean pay) and the
    compact's, from the finest group that publishes both women's and men's means."""
    mine = _own_tables(own)[("job_category", "gender")]
    jobs = own.layout.taxonomy.labels("job_category")
    tables = [(c, release.cells(cohort=c, dims=("job_category", "gender")) or {}) for c in groups]
    out = []
    for job in jobs:
        men, women = mine[(job, "Male")], mine[(job, "Female")]
        if not (men["headcount"] or women["headcount"]):
            continue
        row = {"job_category": job, "own": gap(men["compensation_mean"], women["compensation_mean"]),
               "compact": None, "cohort": None}
        for cohort, cells in tables:
            m, w = cells.get((job, "Male")), cells.get((job, "Female"))
            if _usable(m) and _usable(w):
                row.update(compact=gap(m.compensation_mean, w.compensation_mean), cohort=cohort)
                break
        out.append(row)
    return out


def _charts(rows: dict, gaps: list[dict]) -> dict[str, str]:
    jobs = rows[("job_category",)]
    labels = [r.labels[0] for r in jobs]
    difference = bars_svg(
        labels=labels,
        series=[BarSeries("Your mean pay compared with the compact's", YOU_COLOUR, [r.difference for r in jobs])],
        title="Your mean pay compared with the compact's, by job category",
        description="Bars to the right: your mean annual pay is higher than the compact's group's; to the left: lower. "
                    + " ".join(f"{r.labels[0]}: {difference_in_words(r.difference)}"
                               f"{'' if r.cohort is None else ' than ' + r.cohort.label}." for r in jobs),
        missing="not published",
        chart_id="chart-difference",
        toward=("yours lower", "yours higher"),
    )
    gender = bars_svg(
        labels=[g["job_category"] for g in gaps],
        series=[BarSeries("Your organisation", YOU_COLOUR, [g["own"] for g in gaps]),
                BarSeries("The compact", COMPACT_COLOUR, [g["compact"] for g in gaps])],
        title="Gender pay gap by job category: yours and the compact's",
        description="Bars to the right: women are paid less than men (mean annual pay); to the left: more. "
                    + " ".join(f"{g['job_category']}: women paid {gap_in_words(g['own'])} at your organisation, "
                               f"{gap_in_words(g['compact'])} in the compact." for g in gaps),
        missing="—",
        chart_id="chart-gender-gap",
        toward=("women paid more", "women paid less"),
    )
    return {"difference": difference, "gender": gender}


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters.update(gap_words=gap_in_words, difference_words=difference_in_words, percent=percent)
    return env


def benchmark_html(own: Aggregate, release: ReleaseDocument, *, employer: str, industry: str | None = None,
                   size_band: str | None = None, for_pdf: bool = False) -> str:
    groups = comparison_groups(release, industry=industry, size_band=size_band)
    asked = [CohortKey(kind, value) for kind, value in (("industry", industry), ("size", size_band)) if value]
    missing = [c.label for c in asked if c.kind not in {g.kind for g in groups}]
    rows = comparison_rows(own, release, cohorts=groups)
    gaps = job_gender_gaps(own, release, groups)
    return environment().get_template("benchmark.html").render(
        for_pdf=for_pdf,
        employer=employer,
        release=release,
        groups=[g.label for g in groups],
        missing=missing,
        headline=_headline(own, release, groups),
        tables=rows,
        gaps=gaps,
        charts=_charts(rows, gaps),
        people=int(np.asarray(own.get("headcount")).sum()),
    )


def benchmark_pdf(html: str) -> bytes:
    """The benchmark as PDF, from the same HTML."""
    return pdf_from_html(html, base_url=TEMPLATES, tagged=True)
