"""Primary suppression: the cells that may not be published whatever else is published.

Guarantees:
- A cell with people is primary-suppressed when it has fewer than ``min_employees`` people,
  fewer than ``min_employers`` employers, or fails the employer-level p% rule (exact integer
  test with the ``sqrt(sum x^2)`` bound) on headcount, on compensation or (unless the policy
  leaves it out) on performance pay.
- A cell with no people is a structural zero: it is published as 0 without figures. It
  describes nobody, and the audit treats it as an exact zero that the attacker knows.
- Every reason is recorded, so a reviewer sees why each cell is hidden.
- A cohort that is not published (a remainder: "all minus the published cohorts of a kind",
  which differencing reveals) has every cell WITHHELD, except the cells that fail the rules:
  those are PRIMARY, protected and audited like any published cohort's.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

import numpy as np

from aggregation.disclosure.cohorts import CohortTotals
from aggregation.disclosure.policy import DisclosurePolicy, dominance_safe


class CellStatus(IntEnum):
    ZERO = 0
    PUBLISHED = 1
    PRIMARY = 2
    SECONDARY = 3
    WITHHELD = 4


# Cells nobody reads: suppressed or in a cohort that is not published.
HIDDEN = (CellStatus.PRIMARY, CellStatus.SECONDARY, CellStatus.WITHHELD)


class Reason(StrEnum):
    EMPLOYEES = "fewer people than min_employees"
    EMPLOYERS = "fewer employers than min_employers"
    DOMINANCE_HEADCOUNT = "one or two employers dominate the headcount (p% rule)"
    DOMINANCE_COMPENSATION = "one or two employers dominate compensation (p% rule)"
    DOMINANCE_PERFORMANCE_PAY = "one or two employers dominate performance pay (p% rule)"
    HISTORY = "suppressed in an earlier release of this cycle"
    REVISION = "changed since an earlier release by fewer than min_employers employers"


def cell_reasons(cohort: CohortTotals, i: int, policy: DisclosurePolicy) -> tuple[Reason, ...]:
    """Why cell ``i`` of ``cohort`` fails the primary rules (empty: it passes or is zero)."""
    h = int(cohort.headcount[i])
    if h == 0:
        return ()
    reasons = []
    if h < policy.min_employees:
        reasons.append(Reason.EMPLOYEES)
    if int(cohort.employers[i]) < policy.min_employers:
        reasons.append(Reason.EMPLOYERS)
    if not dominance_safe(h, cohort.headcount_dominance[i], policy):
        reasons.append(Reason.DOMINANCE_HEADCOUNT)
    if not dominance_safe(int(cohort.comp_sum[i]), cohort.comp_dominance[i], policy):
        reasons.append(Reason.DOMINANCE_COMPENSATION)
    if policy.protect_performance_pay and not dominance_safe(
        int(cohort.perf_sum[i]), cohort.perf_dominance[i], policy
    ):
        reasons.append(Reason.DOMINANCE_PERFORMANCE_PAY)
    return tuple(reasons)


def primary_suppress(
    cohorts: list[CohortTotals], policy: DisclosurePolicy
) -> tuple[np.ndarray, dict[tuple[int, int], tuple[Reason, ...]]]:
    """Status per (cohort, cell) after primary rules, and the reasons of each suppressed cell
    (see the module docstring for cohorts that are not published)."""
    n = cohorts[0].structure.n_cells if cohorts else 0
    status = np.full((len(cohorts), n), CellStatus.PUBLISHED, dtype=np.int8)
    reasons: dict[tuple[int, int], tuple[Reason, ...]] = {}
    for k, cohort in enumerate(cohorts):
        if cohort.published:
            status[k, cohort.headcount == 0] = CellStatus.ZERO
        else:
            status[k] = CellStatus.WITHHELD
        for i in np.flatnonzero(cohort.headcount > 0):
            why = cell_reasons(cohort, int(i), policy)
            if why:
                status[k, i] = CellStatus.PRIMARY
                reasons[(k, int(i))] = why
    return status, reasons
