"""Rounded figures of published cells, exactly as a release shows them.

Guarantees:
- Headcounts are rounded to the nearest multiple of the policy's base (a true headcount ``h``
  rounds to ``r`` exactly when ``r - base//2 <= h <= r + base//2``, for an odd base).
- Means are exact rational values rounded half-even to the policy's unit, so the true mean lies
  in ``[m - unit/2, m + unit/2]``: the interval the audit gives the attacker.
- Medians come from the interpolated median of the cell's compensation histogram
  (``protocol.histogram``), only where DESIGN §5.6 and the policy allow them, rounded
  like means. Nothing is computed for a cell that is not published.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from aggregation.disclosure.policy import DisclosurePolicy, dominance_safe
from aggregation.disclosure.primary import CellStatus
from aggregation.disclosure.space import ReleaseSpace
from protocol.histogram import interpolated_median

MEAN_MEASURES = ("compensation", "performance_pay", "tenure")


@dataclass(frozen=True)
class PublishedFigures:
    """Per global cell: rounded headcount and means (NaN where nothing is published).

    Money means and medians are in dollars, the tenure mean in months.
    """

    headcount: np.ndarray
    means: dict[str, np.ndarray]
    median: np.ndarray


def round_to(value: Fraction, unit: int) -> int:
    """``value`` rounded half-even to a multiple of ``unit``."""
    return round(value / unit) * unit


def rounded_headcount(h: int, base: int) -> int:
    return round_to(Fraction(int(h)), base)


def median_allowed(space: ReleaseSpace, k: int, i: int, policy: DisclosurePolicy) -> bool:
    """Medians: histogram tables only, enough row-supplying people and employers, and the
    row-supplying people not dominated by one or two employers (tested against the dominance
    term of all employers, which is at least that of the row suppliers alone)."""
    cohort = space.cohorts[k]
    structure = space.structure
    if not structure.hist_capable[i]:
        return False
    rows = int(cohort.row_headcount[i])
    return (
        rows >= policy.median_min_employees
        and int(cohort.row_employers[i]) >= policy.min_employers
        and dominance_safe(rows, cohort.headcount_dominance[i], policy)
    )


def figures_compute(
    space: ReleaseSpace, status: np.ndarray, policy: DisclosurePolicy
) -> PublishedFigures:
    """Rounded figures of every published cell of the release."""
    size = space.size
    headcount = np.full(size, -1, dtype=np.int64)
    means = {m: np.full(size, np.nan) for m in MEAN_MEASURES}
    median = np.full(size, np.nan)
    flat = status.ravel()
    lower = space.structure.layout.taxonomy.compensation_bins_dollars
    for g in np.flatnonzero(flat == CellStatus.ZERO):
        headcount[g] = 0
    for g in np.flatnonzero(flat == CellStatus.PUBLISHED):
        k, i = space.split(g)
        h = int(space.exact["headcount"][k, i])
        headcount[g] = rounded_headcount(h, policy.headcount_base)
        for m in MEAN_MEASURES:
            total = int(space.exact[m][k, i])
            # Cents (or hundredths of a month) per person, to dollars (months).
            means[m][g] = round_to(Fraction(total, h * 100), int(figures_unit(m, policy)))
        if median_allowed(space, k, i, policy):
            parts = space.structure.hist_parts[i]
            counts = space.cohorts[k].comp_hist[list(parts)].sum(axis=0)
            value = interpolated_median(counts, lower)
            if value is not None:
                median[g] = round_to(Fraction(value), policy.money_mean_dollars)
    return PublishedFigures(headcount=headcount, means=means, median=median)


def figures_unit(measure: str, policy: DisclosurePolicy) -> int:
    return policy.tenure_mean_months if measure == "tenure" else policy.money_mean_dollars
