"""The release as one linear space: every cell of every table of every cohort, and the atoms.

Guarantees:
- Cell ``(k, i)`` (cohort ``k``, table cell ``i``) has the global index ``k * n_cells + i``.
- Every cohort is the sum of its atoms (industry x size band of the frozen submission set);
  ``incidence`` is that 0/1 matrix, the one fact that links the cohorts' tables, and
  ``partitions`` lists the cohorts whose atoms split another cohort's exactly (all =
  industries = size bands), which is what "all minus the other cohorts" differencing uses.
- Values are exact integers per measure; ``scaled`` gives them in the LP units (people,
  thousands of dollars, months) in which every solver here works.
- ``insider_floor`` is ``isqrt(sum_e x_e^2)`` per cell: at least every single employer's own
  contribution, and never above the cell's total, so it is a lower bound any one employer may
  know without making the true table infeasible; with ``insider_floors=False`` (the
  policy's ``insider_safe_patterns`` off) it is zero and patterns answer outsiders only.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import isqrt

import numpy as np

from aggregation.disclosure.cohorts import CohortTotals, cohort_atoms_check

MEASURES = ("headcount", "compensation", "performance_pay", "tenure")
# LP units: people; thousands of dollars (from cents); thousands of dollars; months.
UNIT = {"headcount": 1, "compensation": 100_000, "performance_pay": 100_000, "tenure": 100}
# Largest value per person in LP units: $100M of pay, 1,200 months of tenure (docs/vector.md).
PER_PERSON_MAX = {"compensation": 100_000.0, "performance_pay": 100_000.0, "tenure": 1_200.0}
SUM_FIELD = {
    "headcount": "headcount",
    "compensation": "comp_sum",
    "performance_pay": "perf_sum",
    "tenure": "tenure_sum",
}
DOMINANCE_FIELD = {
    "headcount": "headcount_dominance",
    "compensation": "comp_dominance",
    "performance_pay": "perf_dominance",
}


@dataclass(frozen=True)
class Partition:
    """Cohort ``parent``'s atoms are the disjoint union of the ``children`` cohorts' atoms."""

    parent: int
    children: tuple[int, ...]


class ReleaseSpace:
    """Global cell indexing, exact values per measure, atoms and cross-cohort identities."""

    def __init__(self, cohorts: list[CohortTotals], *, insider_floors: bool = True):
        if not cohorts:
            raise ValueError("A release needs at least one cohort.")
        self.cohorts = cohorts
        self.structure = cohorts[0].structure
        self.n_cells = self.structure.n_cells
        self.n_cohorts = len(cohorts)
        self.size = self.n_cohorts * self.n_cells
        self.atoms: tuple[str, ...] = tuple(sorted(cohort_atoms_check(cohorts)))
        atom_index = {a: j for j, a in enumerate(self.atoms)}
        self.incidence = np.zeros((self.n_cohorts, len(self.atoms)), dtype=np.int64)
        for k, cohort in enumerate(cohorts):
            self.incidence[k, [atom_index[a] for a in cohort.atoms]] = 1
        self.exact = {
            m: np.stack([getattr(c, SUM_FIELD[m]) for c in cohorts]).astype(np.int64)
            for m in MEASURES
        }
        self.partitions = tuple(self._partitions())
        self._floors: dict[str, np.ndarray] = {}
        self.insider_floors = insider_floors

    def index(self, k: int, i: int) -> int:
        return k * self.n_cells + i

    def split(self, g: int) -> tuple[int, int]:
        return divmod(int(g), self.n_cells)

    def scaled(self, measure: str) -> np.ndarray:
        """Flat values of one measure in LP units."""
        return self.exact[measure].ravel().astype(np.float64) / UNIT[measure]

    def insider_floor(self, measure: str) -> np.ndarray:
        """Flat ``isqrt(sum x^2)`` in LP units (zero for tenure, which has no dominance term,
        and everywhere when the space was built without ``insider_floors``)."""
        if measure not in self._floors:
            if measure not in DOMINANCE_FIELD or not self.insider_floors:
                self._floors[measure] = np.zeros(self.size)
            else:
                floors = [
                    isqrt(int(d)) / UNIT[measure]
                    for c in self.cohorts
                    for d in getattr(c, DOMINANCE_FIELD[measure])
                ]
                self._floors[measure] = np.minimum(np.asarray(floors), self.scaled(measure))
        return self._floors[measure]

    def _partitions(self):
        atoms = [c.atoms for c in self.cohorts]
        kinds = {c.kind for c in self.cohorts}
        for k, parent in enumerate(self.cohorts):
            for kind in kinds - {parent.kind}:
                children = [
                    j for j, c in enumerate(self.cohorts) if c.kind == kind and c.atoms < atoms[k]
                ]
                union = frozenset().union(*(atoms[j] for j in children)) if children else None
                disjoint = sum(len(atoms[j]) for j in children) == len(union or ())
                if children and disjoint and union == atoms[k]:
                    yield Partition(parent=k, children=tuple(children))
