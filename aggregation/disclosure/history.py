"""Corrections: a release of the same cycle after an earlier one was published.

Model (docs/disclosure.md, "Corrections"): the attacker holds every earlier release. Between
two releases only the atoms (industry x size band) with an employer that joined, left or
resubmitted can differ; the rest are the same unknowns in both, so the audit differences old
against new figures exactly where an attacker could.

Guarantees of ``revision_suppress``:
- a cell suppressed in an earlier release stays suppressed (Reason.HISTORY): publishing it now
  would hand out the old hidden value up to the change. It keeps the protection it had: a
  margin if the primary rules flag it on the current figures, otherwise it must only not be
  pinned down (as a secondary cell in the earlier release);
- in a cohort where fewer than ``min_employers`` employers changed, a cell whose rounded
  figures differ from the earlier published ones is suppressed (Reason.REVISION): the
  difference would be those few employers' own contribution. Cells whose rounded figures are
  unchanged are published again as they were.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aggregation.disclosure.audit import PublishedView
from aggregation.disclosure.figures import MEAN_MEASURES, PublishedFigures, figures_compute
from aggregation.disclosure.policy import DisclosurePolicy
from aggregation.disclosure.primary import CellStatus, Reason
from aggregation.disclosure.space import ReleaseSpace
from protocol.release import ReleaseCell, ReleaseDocument
from protocol.taxonomy import DIMENSIONS

MEAN_FIELDS = {
    "compensation": "compensation_mean",
    "performance_pay": "performance_pay_mean",
    "tenure": "tenure_mean_months",
}


class HistoryError(ValueError):
    """An earlier release that cannot be read against this one."""


@dataclass(frozen=True)
class PreviousRelease:
    """An earlier published release (DESIGN §6) and the atoms changed since."""

    document: ReleaseDocument
    changed_atoms: frozenset[str]

    def cells(self) -> dict[tuple, ReleaseCell]:
        """(cohort kind, cohort value, dims in layout order, labels) -> the published cell."""
        if not isinstance(self.document, ReleaseDocument):
            raise HistoryError("An earlier release must be a talent-compact-release/1 document.")
        out = {}
        for table in self.document.tables:
            cohort = table.cohort
            dims = tuple(d for d in DIMENSIONS if d in table.dimensions)
            for cell in table.cells:
                key = (cohort.kind, cohort.value, dims, tuple(cell.labels[d] for d in dims))
                out[key] = cell
        return out

    def view(self, space: ReleaseSpace) -> PublishedView:
        """The earlier release as audit knowledge, on the current atoms."""
        cells = self.cells()
        cohort_keys = sorted({(k[0], k[1]) for k in cells}, key=lambda c: (c[0], c[1] or ""))
        index = space.structure.cell_index_by_key()
        n = space.n_cells
        size = len(cohort_keys) * n
        status = np.full(size, CellStatus.SECONDARY, dtype=np.int8)
        headcount = np.full(size, -1, dtype=np.int64)
        means = {m: np.full(size, np.nan) for m in MEAN_MEASURES}
        for (kind, value, dims, labels), cell in cells.items():
            g = cohort_keys.index((kind, value)) * n + index[(dims, labels)]
            if not cell.published:
                continue
            headcount[g] = int(cell.headcount)
            if headcount[g] == 0:
                status[g] = CellStatus.ZERO
                continue
            status[g] = CellStatus.PUBLISHED
            for m, name in MEAN_FIELDS.items():
                means[m][g] = float(getattr(cell, name))
        rounding = self.document.rounding
        return PublishedView(
            cohort_atoms=tuple(cohort_atoms(space, kind, value) for kind, value in cohort_keys),
            status=status,
            headcount=headcount,
            means=means,
            headcount_base=int(rounding.get("headcount", 5)),
            mean_units={
                "compensation": float(rounding.get("mean_dollars", 100)),
                "performance_pay": float(rounding.get("mean_dollars", 100)),
                "tenure": float(rounding.get("tenure_months", 1)),
            },
            changed_atoms=self.changed_atoms,
        )


def cohort_atoms(space: ReleaseSpace, kind: str, value: str | None) -> frozenset[str]:
    """The atoms of a cohort named in an earlier release, read on the current atoms."""
    for cohort in space.cohorts:
        if cohort.key == (kind, value):
            return cohort.atoms
    if kind == "all":
        return frozenset(space.atoms)
    position = 0 if kind == "industry" else 1
    atoms = frozenset(a for a in space.atoms if a.split(" | ")[position] == value)
    if not atoms:
        raise HistoryError(f"The earlier release's cohort {kind}={value} has no atom now.")
    return atoms


def _differs(cell: ReleaseCell, figures: PublishedFigures, g: int) -> bool:
    if not cell.published:
        return True
    if int(cell.headcount) != int(figures.headcount[g]):
        return True
    if int(cell.headcount) == 0:
        return False
    return any(float(getattr(cell, name)) != float(figures.means[m][g]) for m, name in MEAN_FIELDS.items())


def revision_suppress(
    space: ReleaseSpace,
    status: np.ndarray,
    reasons: dict[tuple[int, int], tuple[Reason, ...]],
    previous: PreviousRelease,
    policy: DisclosurePolicy,
) -> None:
    """Apply the history and revision rules of one earlier release, in place."""
    index = space.structure.cell_index_by_key()
    cohort_of = {c.key: k for k, c in enumerate(space.cohorts)}
    everything = np.where(space.exact["headcount"] == 0, CellStatus.ZERO, CellStatus.PUBLISHED)
    figures = figures_compute(space, everything, policy)
    for (kind, value, dims, labels), cell in previous.cells().items():
        k = cohort_of.get((kind, value))
        if k is None:
            continue
        i = index[(dims, labels)]
        cohort = space.cohorts[k]
        why: Reason | None = None
        if not cell.published:
            why = Reason.HISTORY
        elif cohort.atoms & previous.changed_atoms:
            changed = cohort.changed_employers if cohort.changed_employers is not None else 1
            if changed < policy.min_employers and _differs(cell, figures, k * space.n_cells + i):
                why = Reason.REVISION
        if why is None:
            continue
        if why is Reason.REVISION and status[k, i] != CellStatus.PRIMARY:
            # The change is a few employers' own contribution: sensitive, with a margin.
            status[k, i] = CellStatus.PRIMARY
        elif status[k, i] in (CellStatus.PUBLISHED, CellStatus.ZERO):
            # Hidden before: stays hidden. It needs a margin only if it is sensitive now
            # (primary rules); otherwise, as in the earlier release, it must not be pinned down.
            status[k, i] = CellStatus.SECONDARY
        reasons[(k, i)] = tuple(dict.fromkeys((*reasons.get((k, i), ()), why)))
