"""Cohort totals: the only input disclosure control sees (exact sums, never an employer's row).

Guarantees:
- A ``CohortTotals`` holds, per table cell of the layout (440, layout order), exact integer
  sums: additive quantities (headcount, money and tenure sums) and the non-additive ones the
  vector carries per table cell (employer counts and dominance terms ``sum_e x_e^2``).
- ``cohort_totals_from_aggregate`` derives margins from the 270 finest cells by summation, so
  the tables of one cohort are additive by construction; it checks that the vector's own
  table-cell blocks agree where they must (employer counts never exceed headcounts).
- ``atoms`` names the industry x size atoms of the frozen submission set a cohort covers; the
  audit models every cohort as a sum of atoms, which is how "all minus the other cohorts"
  differencing is represented.
- ``cohort_remainder`` is "a cohort minus some of its disjoint parts", exact in every field
  (sums, employer counts and the dominance terms ``sum_e x_e^2`` all add over disjoint sets of
  employers). It is what differencing the published cohorts reveals, so it is built, checked
  against the primary rules and protected, but never published (``published=False``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from aggregation.disclosure.tables import TableStructure, structure_for
from protocol.layout import Aggregate

COHORT_KINDS = ("all", "industry", "size")


class CohortError(ValueError):
    """Cohort totals that cannot be released as given."""


def atom_name(industry: str, size_band: str) -> str:
    """The canonical name of one industry x size-band atom."""
    return f"{industry} | {size_band}"


@dataclass(frozen=True, eq=False)
class CohortTotals:
    """Exact sums for one cohort, per table cell (arrays of length ``structure.n_cells``).

    Money in cents, tenure in hundredths of a month. ``comp_dominance`` and
    ``perf_dominance`` are tuples of exact Python ints (they exceed 2^63).
    ``comp_hist`` has one row per histogram cell (J x G, then R x G) and one column per
    compensation bin; ``row_headcount``/``row_employers`` count people and employers that
    supplied employee-level rows (medians rest on them only).
    ``changed_employers`` is, for a correction, how many of the cohort's employers differ
    from the submission set of the previous release (joined, left or resubmitted); ``None``
    when unknown, which corrections treat as 1.
    ``published`` is False for a remainder (see the module docstring).
    """

    kind: str
    value: str | None
    atoms: frozenset[str]
    headcount: np.ndarray
    comp_sum: np.ndarray
    perf_sum: np.ndarray
    tenure_sum: np.ndarray
    employers: np.ndarray
    headcount_dominance: tuple[int, ...]
    comp_dominance: tuple[int, ...]
    perf_dominance: tuple[int, ...]
    row_headcount: np.ndarray
    row_employers: np.ndarray
    comp_hist: np.ndarray
    changed_employers: int | None = None
    published: bool = True
    structure: TableStructure = field(default_factory=structure_for, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in COHORT_KINDS:
            raise CohortError(f"Cohort kind must be one of {COHORT_KINDS}, got {self.kind!r}.")
        if (self.kind == "all") != (self.value is None):
            raise CohortError("The 'all' cohort has no value; industry and size cohorts need one.")
        if not self.atoms:
            raise CohortError(f"Cohort {self.label} covers no atom of the submission set.")
        n = self.structure.n_cells
        for name in ("headcount", "comp_sum", "perf_sum", "tenure_sum", "employers",
                     "row_headcount", "row_employers"):
            arr = getattr(self, name)
            if arr.shape != (n,):
                raise CohortError(f"{self.label}: {name} needs {n} table cells, got {arr.shape}.")
            if (arr < 0).any():
                raise CohortError(f"{self.label}: {name} holds a negative sum.")
        for name in ("headcount_dominance", "comp_dominance", "perf_dominance"):
            if len(getattr(self, name)) != n or any(v < 0 for v in getattr(self, name)):
                raise CohortError(f"{self.label}: {name} needs {n} non-negative exact sums.")
        if (self.employers > self.headcount).any():
            raise CohortError(f"{self.label}: a cell counts more employers than people.")

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.kind, self.value)

    @property
    def label(self) -> str:
        return self.kind if self.value is None else f"{self.kind}={self.value}"

    def public_dict(self) -> dict:
        return {"kind": self.kind} if self.value is None else {"kind": self.kind, "value": self.value}


def _margins(structure: TableStructure, finest: np.ndarray) -> np.ndarray:
    """Table-cell sums of a finest-cell array (exact int64 sums)."""
    finest = np.asarray(finest, dtype=np.int64)
    out = np.zeros(structure.n_cells, dtype=np.int64)
    for i, members in enumerate(structure.finest_members):
        out[i] = int(finest[members].sum())
    return out


def cohort_totals_from_aggregate(
    aggregate: Aggregate,
    *,
    kind: str,
    value: str | None,
    atoms: Iterable[str],
    changed_employers: int | None = None,
) -> CohortTotals:
    """Cohort totals from one cohort's exact aggregate (a layout ``Aggregate``)."""
    structure = structure_for(aggregate.layout.taxonomy.name)

    def column(name: str) -> np.ndarray:
        return aggregate.get(name)[:, 0]

    def exact(name: str) -> tuple[int, ...]:
        return tuple(int(v) for v in aggregate.get(name)[:, 0])

    return CohortTotals(
        kind=kind,
        value=value,
        atoms=frozenset(atoms),
        headcount=_margins(structure, column("headcount")),
        comp_sum=_margins(structure, column("comp_sum")),
        perf_sum=_margins(structure, column("perf_sum")),
        tenure_sum=_margins(structure, column("tenure_sum")),
        employers=column("employers").astype(np.int64),
        headcount_dominance=exact("headcount_dominance"),
        comp_dominance=exact("comp_dominance"),
        perf_dominance=exact("perf_dominance"),
        row_headcount=_margins(structure, column("row_headcount")),
        row_employers=column("row_employers").astype(np.int64),
        comp_hist=np.asarray(aggregate.get("comp_hist"), dtype=np.int64),
        changed_employers=changed_employers,
        structure=structure,
    )


def cohort_atoms_check(cohorts: list[CohortTotals]) -> frozenset[str]:
    """All atoms of a release; refuses duplicate cohorts and cohorts outside 'all'."""
    seen: set[tuple[str, str | None]] = set()
    for cohort in cohorts:
        if cohort.key in seen:
            raise CohortError(f"Cohort {cohort.label} is given twice.")
        seen.add(cohort.key)
    universe = frozenset().union(*(c.atoms for c in cohorts)) if cohorts else frozenset()
    for cohort in cohorts:
        if cohort.kind == "all" and cohort.atoms != universe:
            raise CohortError("The 'all' cohort must cover every atom of the other cohorts.")
    return universe


ADDITIVE_ARRAYS = ("headcount", "comp_sum", "perf_sum", "tenure_sum", "employers",
                   "row_headcount", "row_employers", "comp_hist")
ADDITIVE_EXACT = ("headcount_dominance", "comp_dominance", "perf_dominance")


def cohort_remainder(
    whole: CohortTotals, parts: Iterable[CohortTotals], *, kind: str, value: str
) -> CohortTotals | None:
    """``whole`` minus its disjoint ``parts`` as an unpublished cohort (None if nothing is left).

    Refuses parts that overlap or reach outside ``whole``.
    """
    parts = list(parts)
    covered: set[str] = set()
    for part in parts:
        if not part.atoms <= whole.atoms or covered & part.atoms:
            raise CohortError(
                f"{part.label} is not a part of {whole.label} disjoint from the other parts."
            )
        covered |= part.atoms
    atoms = whole.atoms - covered
    if not atoms:
        return None
    fields = {}
    for name in ADDITIVE_ARRAYS:
        fields[name] = getattr(whole, name) - sum(
            (getattr(p, name) for p in parts), np.zeros_like(getattr(whole, name))
        )
    for name in ADDITIVE_EXACT:
        fields[name] = tuple(
            int(w) - sum(int(getattr(p, name)[i]) for p in parts)
            for i, w in enumerate(getattr(whole, name))
        )
    return CohortTotals(
        kind=kind, value=value, atoms=frozenset(atoms), published=False,
        structure=whole.structure, **fields,
    )
