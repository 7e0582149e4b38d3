"""Raw pay gaps and representation, computed only from a release's published cells.

Definitions (docs/metrics.md): a gap is (men − women) / men, of means or of medians; against a
reference group (White men by default) it is (reference − group) / reference, and "cents on the
dollar" is 100 × group / reference. A metric is computed only where every cell it uses is
published and carries the figure it needs: a suppressed cell never turns into a zero.
"""

from __future__ import annotations

from protocol.paygap import EU_THRESHOLD, gap
from protocol.release import CohortKey, ReleaseCell, ReleaseDocument


def _figure(cell: ReleaseCell | None, name: str) -> float | None:
    return None if cell is None else cell.figure(name)


def _pair(ref_cell, other_cell, figure: str) -> dict | None:
    ref, other = _figure(ref_cell, figure), _figure(other_cell, figure)
    g = gap(ref, other)
    if g is None:
        return None
    return {"gap": g, "reference": ref, "value": other, "cents_per_dollar": 100 * other / ref}


FIGURES = ("compensation_mean", "compensation_median", "performance_pay_mean")


def gender_gaps(release: ReleaseDocument, *, cohort: CohortKey | str, men: str = "Male", women: str = "Female") -> dict:
    cells = release.cells(cohort=cohort, dims=["gender"]) or {}
    out = {}
    for figure in FIGURES:
        result = _pair(cells.get((men,)), cells.get((women,)), figure)
        if result is not None:
            out[figure] = result
    return out


def job_category_gaps(release: ReleaseDocument, *, cohort: CohortKey | str, jobs: list[str], men: str = "Male",
                      women: str = "Female") -> list[dict]:
    """Per job category: the mean (and median) gap, flagged at 5% or more."""
    cells = release.cells(cohort=cohort, dims=["job_category", "gender"]) or {}
    rows = []
    for job in jobs:
        mean = _pair(cells.get((job, men)), cells.get((job, women)), "compensation_mean")
        median = _pair(cells.get((job, men)), cells.get((job, women)), "compensation_median")
        rows.append({
            "job_category": job,
            "mean_gap": None if mean is None else mean["gap"],
            "median_gap": None if median is None else median["gap"],
            "flag": mean is not None and abs(mean["gap"]) >= EU_THRESHOLD,
        })
    return rows


def intersectional_gaps(release: ReleaseDocument, *, cohort: CohortKey | str, races: list[str], genders: list[str],
                        reference: tuple[str, str] = ("White", "Male")) -> list[dict]:
    """Every race × gender group against the reference group (White men by default)."""
    cells = release.cells(cohort=cohort, dims=["race_ethnicity", "gender"]) or {}
    ref = cells.get(reference)
    rows = []
    for race in races:
        for gender in genders:
            if (race, gender) == reference:
                continue
            mean = _pair(ref, cells.get((race, gender)), "compensation_mean")
            median = _pair(ref, cells.get((race, gender)), "compensation_median")
            rows.append({
                "race_ethnicity": race,
                "gender": gender,
                "mean_gap": None if mean is None else mean["gap"],
                "median_gap": None if median is None else median["gap"],
                "cents_per_dollar": None if mean is None else mean["cents_per_dollar"],
            })
    return rows


def representation_by_job(release: ReleaseDocument, *, cohort: CohortKey | str, jobs: list[str], genders: list[str],
                          men: str = "Male", women: str = "Female") -> list[dict]:
    """Share of each gender in each job category, among the genders whose cells are published.

    Where a gender other than ``men`` and ``women`` is withheld (a small Nonbinary count), the
    shares are of the published genders only and the row names the ``withheld`` ones: the shares
    of women and men among the published say nothing about the hidden cell. A row whose women's
    or men's cell is withheld has no shares (the rest would read as nearly everyone)."""
    cells = release.cells(cohort=cohort, dims=["job_category", "gender"]) or {}
    rows = []
    for job in jobs:
        counts = {g: _figure(cells.get((job, g)), "headcount") for g in genders}
        published = {g: c for g, c in counts.items() if c is not None}
        total = sum(published.values())
        if any(counts.get(g) is None for g in (men, women) if g in counts) or total <= 0:
            rows.append({"job_category": job, "shares": None, "withheld": list(genders)})
            continue
        rows.append({"job_category": job, "shares": {g: c / total for g, c in published.items()},
                     "withheld": [g for g in genders if g not in published]})
    return rows


def release_gap_metrics(release: ReleaseDocument, *, jobs: list[str], races: list[str], genders: list[str],
                        reference: tuple[str, str] = ("White", "Male")) -> dict:
    """Every published-cell metric, for every cohort the release has."""
    cohorts = sorted(set(release.cohorts()), key=lambda c: (c.kind != "all", c.key))
    out = {}
    for key in cohorts:
        out[key.key] = {
            "gender": gender_gaps(release, cohort=key),
            "by_job_category": job_category_gaps(release, cohort=key, jobs=jobs),
            "intersectional": intersectional_gaps(release, cohort=key, races=races, genders=genders,
                                                  reference=reference),
            "representation_by_job_category": representation_by_job(release, cohort=key, jobs=jobs, genders=genders),
        }
    return out
