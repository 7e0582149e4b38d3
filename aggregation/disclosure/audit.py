"""The audit gate: how far an attacker can narrow every hidden cell, from everything published.

The attacker model (docs/disclosure.md, "The audit"):

- unknowns: every atom's (industry x size band) table per finest cell, non-negative, with
  ``tenure <= 1,200 months x headcount`` per atom and cell; every cell of every cohort is the
  sum of its atoms, so differencing within a table, across tables and across cohorts ("all
  minus the other cohorts") is all in one LP;
- knowledge, stronger than what the release shows: for this release, the EXACT headcount of
  every published cell and its sums to within the rounding of their means times that exact
  headcount; structural zeros exactly; for earlier releases of the cycle, their rounded
  figures (headcount +-base/2, sums within the mean's rounding at the ends of the headcount's
  interval), with atoms that no changed employer touches shared between releases, so old and
  new figures difference against each other. Exact headcounts decouple the measures: three
  LPs (headcount with tenure, pay, performance pay), each at least as strong as the faithful
  attacker for its own targets. The $100M-a-head pay cap is left out (see CAPPED);
- what it does not model: an employer's knowledge of its own figures. The service never sees
  one employer's figures, so it cannot run that attack; the p% rule on published cells and
  the insider-safe caps of secondary suppression (``secondary.py``) answer it, and the tests'
  employer-level attacker checks it.

Each primary cell must keep ``v - L >= margin v`` and ``U - v >= margin v`` on headcount,
compensation and performance pay (headcounts: at least the policy's people each way, and the
attacker must not be able to exclude an empty cell when the cell has fewer people than that);
no hidden cell may be determined exactly. Every LP solution is a feasible table, hence a
witness bounding every target at once; batches of random-weighted LPs, each pushing targets
both ways, certify most targets, single-target LPs the rest. The reported worst ratio is exact
when the certificate says so, otherwise a certified lower bound.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np
from scipy import sparse

from aggregation.disclosure.lp import (
    INF,
    LinearProgram,
    SolverError,
    TimeLimit,
    Unbounded,
    WarmSolver,
)
from aggregation.disclosure.policy import DisclosurePolicy
from aggregation.disclosure.primary import CellStatus
from aggregation.disclosure.secondary import describe_cell
from aggregation.disclosure.space import PER_PERSON_MAX, ReleaseSpace
from aggregation.disclosure.tables import TableStructure

MEAN_UNIT_SCALE = {"compensation": 1000.0, "performance_pay": 1000.0, "tenure": 1.0}
SLACK = 1e-6
# Per-person caps the audit LP carries at atom level. The $100M pay cap is left out: it can only
# tell the attacker that a cell's headcount is at least its pay / $100M (a thousandth of a
# person per $100k), far inside the headcount margin; with it, HiGHS works ten to a hundred
# times harder on every re-solve.
CAPPED = ("tenure",)
# Batched witness LPs run while each certifies at least this share of the targets left.
BATCH_GAIN = 0.05
BATCH_MIN = 3
# Exact LPs per measure group that refine the certificate's worst ratio (witnesses already bound
# every ratio from below, so the verdict never depends on them): 12, and none in a release of at
# least WORST_RATIO_LARGE cells, where each takes seconds and three per group did not make the
# ratio exact (at 10,000 employers and 17 cohorts: 9 LPs, 28 s of a 76 s audit, for a lower
# bound of 0.104 instead of 0.102; docs/decisions.md).
WORST_RATIO_LPS = 12
WORST_RATIO_LPS_LARGE = 0
WORST_RATIO_LARGE = 5_000
# Seconds one audit LP may take. A solve that runs out proves no bound: the target keeps what
# its witnesses reached (a stricter verdict), and a batch falls back to one LP per target.
AUDIT_TIME_LIMIT = 60.0


class AuditError(RuntimeError):
    """The audit could not be run on what it was given."""


def audit_solver(program: LinearProgram) -> WarmSolver:
    """HiGHS's interior point without crossover, under the audit's time limit per LP."""
    return WarmSolver(program, ipm=True, time_limit=AUDIT_TIME_LIMIT)


@dataclass(frozen=True)
class PublishedView:
    """What one release showed, per global cell of its own cohort list.

    ``headcount`` is the rounded headcount (0 for a structural zero); ``means`` are dollars
    (months for tenure), NaN where not published; ``changed_atoms`` is ``None`` for the
    release under audit and, for an earlier release, the atoms with an employer that joined,
    left or resubmitted since.
    """

    cohort_atoms: tuple[frozenset[str], ...]
    status: np.ndarray
    headcount: np.ndarray
    means: dict[str, np.ndarray]
    headcount_base: int
    mean_units: dict[str, float]
    changed_atoms: frozenset[str] | None = None
    exact_headcount: np.ndarray | None = None


@dataclass
class AuditCertificate:
    """The outcome of the audit gate; stored with the release."""

    policy_version: str
    passed: bool
    worst_protection_ratio: float | None
    worst_measure: str | None
    worst_ratio_exact: bool
    exact_disclosures: int
    narrowest_interval: float | None
    remainder_targets: int
    cells_short: int
    targets: int
    lps: int
    suppressed_primary: int
    suppressed_secondary: int
    published: int
    structural_zeros: int
    previous_releases: int
    solver: str
    seconds: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def public_dict(self) -> dict:
        return {
            "worst_protection_ratio": (
                None if self.worst_protection_ratio is None
                else round(self.worst_protection_ratio, 4)
            ),
            "exact_disclosures": self.exact_disclosures,
            "narrowest_interval": (
                None if self.narrowest_interval is None else round(self.narrowest_interval, 4)
            ),
        }

    def as_dict(self) -> dict:
        return {
            "policy_version": self.policy_version,
            "passed": self.passed,
            "worst_protection_ratio": self.worst_protection_ratio,
            "worst_measure": self.worst_measure,
            "worst_ratio_exact": self.worst_ratio_exact,
            "exact_disclosures": self.exact_disclosures,
            "narrowest_interval": self.narrowest_interval,
            "remainder_targets": self.remainder_targets,
            "cells_short": self.cells_short,
            "targets": self.targets,
            "lps": self.lps,
            "suppressed": {
                "primary": self.suppressed_primary,
                "secondary": self.suppressed_secondary,
            },
            "published": self.published,
            "structural_zeros": self.structural_zeros,
            "previous_releases": self.previous_releases,
            "solver": self.solver,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "failures": self.failures[:50],
        }


@dataclass
class Target:
    """One hidden cell and measure of the release under audit."""

    cell: int
    measure: str
    value: float
    primary: bool
    need_down: float
    need_up: float
    low: float = 0.0
    high: float = 0.0
    low_exact: bool = False
    high_exact: bool = False
    exact_width: float = 0.0
    remainder: bool = False

    def ratio(self) -> float:
        return min(self.value - self.low, self.high - self.value) / self.value

    def width(self) -> float:
        return self.high - self.low

    def recovered(self) -> bool:
        """Pinned down: the attacker's interval is narrower than ``exact_width`` of the value
        (at least the solver's slack), an exact disclosure by the release's own definition."""
        return self.width() < max(self.exact_width, 2 * SLACK) * max(1.0, self.value)

    def low_ok(self) -> bool:
        """The lower side is protected (for a secondary cell: the cell is not pinned down)."""
        if not self.primary:
            return not self.recovered()
        if self.need_down >= self.value:
            # The attacker must not be able to exclude that the cell is empty.
            return self.low <= SLACK * max(1.0, self.value)
        return self.value - self.low >= self.need_down * (1 + SLACK) + SLACK

    def high_ok(self) -> bool:
        if not self.primary:
            return not self.recovered()
        return self.high - self.value >= self.need_up * (1 + SLACK) + SLACK

    def ok(self, side: str) -> bool:
        return self.low_ok() if side == "low" else self.high_ok()

    def short(self) -> bool:
        return not (self.low_ok() and self.high_ok())


class AuditModel:
    """The attacker's LP for one group of measures over the atom tables of every release.

    Groups: headcount with tenure (tenure <= 1,200 months a head ties them), compensation,
    performance pay. Published cells of the release under audit are bounds: the headcount
    exactly, sums within the mean's rounding times the exact headcount. Earlier releases are
    bounds from their rounded figures.
    """

    def __init__(self, structure: TableStructure, atoms: tuple[str, ...],
                 views: list[PublishedView], measures: tuple[str, ...]):
        self.structure = structure
        self.views = views
        self.measures = measures
        self.n_f = structure.n_finest
        self.block_width = self.n_f * len(measures)
        blocks: dict[tuple[int, str], int] = {}
        for a in atoms:
            blocks[(0, a)] = len(blocks)
        self.view_blocks: list[dict[str, int]] = []
        for v, view in enumerate(views):
            mapping = {}
            for a in sorted(frozenset().union(*view.cohort_atoms)):
                changed = view.changed_atoms is not None and (a in view.changed_atoms or a not in atoms)
                if v == 0 or not changed:
                    mapping[a] = blocks[(0, a)]
                else:
                    blocks[(v, a)] = len(blocks)
                    mapping[a] = blocks[(v, a)]
            self.view_blocks.append(mapping)
        self.n_blocks = len(blocks)
        self.z_offset = []
        offset = self.n_blocks * self.block_width
        for view in views:
            self.z_offset.append(offset)
            offset += len(view.status) * len(measures)
        self.n_cols = offset
        self.program = self._program()

    def y_col(self, block: int, m: int, f: np.ndarray | int):
        return block * self.block_width + m * self.n_f + f

    def z_col(self, v: int, m: int, g):
        return self.z_offset[v] + m * len(self.views[v].status) + g

    def _program(self) -> LinearProgram:
        parts: list[sparse.coo_matrix] = []
        col_lower = np.zeros(self.n_cols)
        col_upper = np.full(self.n_cols, INF)
        n, n_f = self.structure.n_cells, self.n_f
        margin_map = sparse.coo_matrix(self.structure.finest[n_f:])
        n_m = n - n_f
        for v, view in enumerate(self.views):
            k_count = len(view.cohort_atoms)
            for m in range(len(self.measures)):
                # Finest cells: z[k, f] = sum of the cohort's atoms.
                rows, cols, vals = [], [], []
                for k, cohort_atoms in enumerate(view.cohort_atoms):
                    for a in cohort_atoms:
                        rows.append(k * n_f + np.arange(n_f))
                        cols.append(self.y_col(self.view_blocks[v][a], m, np.arange(n_f)))
                        vals.append(-np.ones(n_f))
                    rows.append(k * n_f + np.arange(n_f))
                    cols.append(self.z_col(v, m, k * n + np.arange(n_f)))
                    vals.append(np.ones(n_f))
                # Margins: z[k, i] = sum of its finest cells.
                for k in range(k_count):
                    base = k_count * n_f + k * n_m
                    rows += [base + margin_map.row, base + np.arange(n_m)]
                    cols += [self.z_col(v, m, k * n + margin_map.col),
                             self.z_col(v, m, k * n + n_f + np.arange(n_m))]
                    vals += [-np.ones(margin_map.nnz), np.ones(n_m)]
                parts.append(sparse.coo_matrix(
                    (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                    shape=(k_count * n, self.n_cols)))
            self._publication(v, view, col_lower, col_upper)
        rows_lower = [np.zeros(p.shape[0]) for p in parts]
        rows_upper = [np.zeros(p.shape[0]) for p in parts]
        if "tenure" in self.measures and "headcount" in self.measures:
            # Per atom and finest cell: tenure <= 1,200 months x headcount.
            t, h = self.measures.index("tenure"), self.measures.index("headcount")
            f = np.arange(n_f)
            for b in range(self.n_blocks):
                parts.append(sparse.coo_matrix(
                    (np.concatenate([np.ones(n_f), -np.full(n_f, PER_PERSON_MAX["tenure"])]),
                     (np.concatenate([f, f]),
                      np.concatenate([self.y_col(b, t, f), self.y_col(b, h, f)]))),
                    shape=(n_f, self.n_cols)))
                rows_lower.append(np.full(n_f, -INF))
                rows_upper.append(np.zeros(n_f))
        return LinearProgram(
            cost=np.zeros(self.n_cols),
            col_lower=col_lower,
            col_upper=col_upper,
            matrix=sparse.vstack(parts).tocsc(),
            row_lower=np.concatenate(rows_lower),
            row_upper=np.concatenate(rows_upper),
        )

    def _publication(self, v: int, view: PublishedView, col_lower, col_upper) -> None:
        """Column bounds for what view ``v`` published."""
        status = view.status
        zero = np.flatnonzero(status == CellStatus.ZERO)
        published = np.flatnonzero(status == CellStatus.PUBLISHED)
        if view.exact_headcount is not None:
            h_low = h_high = view.exact_headcount[published].astype(np.float64)
        else:
            half = view.headcount_base // 2
            h_low = np.maximum(view.headcount[published] - half, 0).astype(np.float64)
            h_high = (view.headcount[published] + half).astype(np.float64)
        for m, measure in enumerate(self.measures):
            col_upper[self.z_col(v, m, zero)] = 0.0
            cols = self.z_col(v, m, published)
            if measure == "headcount":
                col_lower[cols], col_upper[cols] = h_low, h_high
                continue
            mean = view.means[measure][published]
            unit = view.mean_units[measure]
            scale = MEAN_UNIT_SCALE[measure]
            col_lower[cols] = np.maximum(mean - unit / 2, 0.0) / scale * h_low
            col_upper[cols] = (mean + unit / 2) / scale * h_high


MEASURE_GROUPS = (("headcount", "tenure"), ("compensation",), ("performance_pay",))


class TenureLift:
    """The headcount-and-tenure attacker, solved as headcount alone and lifted.

    The attacker's LP of the group (headcount, tenure) is twice the size of the headcount LP
    and, with the ``tenure <= 1,200 months x headcount`` rows, about seven times slower to
    solve (at 10,000 employers and 17 cohorts: 5.8-7.1 s against 0.7-0.9 s; 5 of the 6 batch
    LPs there lift, docs/decisions.md). Its targets are headcounts only. So
    each solve runs the headcount LP, a relaxation of the group's LP, and then one feasibility
    LP over tenure with every atom's tenure capped by the headcount found. If that has a
    solution, the headcount solution plus it is a feasible point of the group's LP: a witness,
    and, when the headcount LP optimised one target, that target's exact bound too (the
    relaxation's optimum is reached by a feasible point of the stricter LP). Otherwise the
    group's LP is solved as it is. The answers are those of the group's LP either way.

    Same interface as ``WarmSolver`` for ``GroupAudit``, in the headcount LP's columns.
    """

    def __init__(self, structure: TableStructure, atoms: tuple[str, ...],
                 views: list[PublishedView]):
        self.model = AuditModel(structure, atoms, views, ("headcount",))
        self.full = AuditModel(structure, atoms, views, ("headcount", "tenure"))
        tenure = AuditModel(structure, atoms, views, ("tenure",))
        self.solver = audit_solver(self.model.program)
        self.full_solver = audit_solver(self.full.program)
        self.check = audit_solver(tenure.program)
        # Atom columns come first in each model, in the same block order, one measure each
        # in the headcount and the tenure models; the full model has two per block.
        n_f = structure.n_finest
        self.n_atom_cols = self.model.n_blocks * n_f
        block, f = np.divmod(np.arange(self.n_atom_cols), n_f)
        to_full = [self.full.y_col(block, 0, f)]
        for v, view in enumerate(views):
            to_full.append(self.full.z_col(v, 0, np.arange(len(view.status))))
        # Column j of the headcount model is column to_full[j] of the full model.
        self.to_full = np.concatenate(to_full)
        self.atom_cols = np.arange(self.n_atom_cols)
        self.lifted = 0
        self.fallbacks = 0

    @property
    def solves(self) -> int:
        return self.solver.solves + self.check.solves + self.full_solver.solves

    @property
    def seconds(self) -> float:
        return self.solver.seconds + self.check.seconds + self.full_solver.seconds

    def set_costs(self, index: np.ndarray, values: np.ndarray) -> None:
        index = np.asarray(index, dtype=np.int64)
        self.solver.set_costs(index, values)
        self.full_solver.set_costs(self.to_full[index], values)

    def set_bounds(self, index: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        index = np.asarray(index, dtype=np.int64)
        self.solver.set_bounds(index, lower, upper)
        self.full_solver.set_bounds(self.to_full[index], lower, upper)

    def lifts(self, x: np.ndarray) -> bool:
        """Whether some tenure table fits under ``1,200 x`` the headcounts of ``x``."""
        caps = PER_PERSON_MAX["tenure"] * np.maximum(x[: self.n_atom_cols], 0.0)
        self.check.set_bounds(self.atom_cols, np.zeros(self.n_atom_cols), caps)
        try:
            return self.check.solve() is not None
        except SolverError:
            return False

    def solve(self) -> np.ndarray | None:
        try:
            x = self.solver.solve()
        except SolverError:
            # Unbounded or out of time: the group's LP answers for itself.
            x = None
        else:
            if x is None:
                # The relaxation is infeasible, so the stricter LP is too.
                return None
            if self.lifts(x):
                self.lifted += 1
                return x
        self.fallbacks += 1
        full = self.full_solver.solve()
        return None if full is None else full[self.to_full]


def audit_targets(
    space: ReleaseSpace, status: np.ndarray, policy: DisclosurePolicy
) -> list[Target]:
    """Every suppressed cell and measure of the published cohorts, and every cell of an
    unpublished remainder that fails the primary rules. A primary cell needs the margin each
    way; a secondary one an interval at least ``exact_width`` of its value wide (narrower, it
    protects nothing: the release publishes it instead)."""
    measures = policy.protected_measures
    flat = status.ravel()
    published_cohort = np.repeat([c.published for c in space.cohorts], space.n_cells)
    width = policy.exact_width
    out = []
    for m in measures:
        values = space.scaled(m)
        for g in np.flatnonzero((flat == CellStatus.PRIMARY) | (flat == CellStatus.SECONDARY)):
            value = float(values[g])
            if value <= 0:
                continue
            primary = bool(flat[g] == CellStatus.PRIMARY)
            if primary:
                need = policy.margin * value
                up = max(need, float(policy.headcount_protection_people)) if m == "headcount" else need
                down = min(value, up)
            else:
                up = down = width * value
            out.append(
                Target(int(g), m, value, primary, need_down=down, need_up=up,
                       low=value, high=value, exact_width=width,
                       remainder=not bool(published_cohort[g]))
            )
    return out


class GroupAudit:
    """Bounds of the targets of one measure group, from one LP model.

    ``solver``: what solves ``model``'s LP (by default HiGHS on it directly; a ``TenureLift``
    for the headcount-and-tenure group).
    """

    def __init__(self, model: AuditModel, targets: list[Target], *,
                 solver: WarmSolver | TenureLift | None = None):
        self.solver = solver if solver is not None else audit_solver(model.program)
        self.model = model
        self.targets = targets
        index = {m: j for j, m in enumerate(model.measures)}
        self.cols = np.array(
            [model.z_col(0, index[t.measure], t.cell) for t in targets], dtype=np.int64
        )
        self.values = np.array([t.value for t in targets])
        # How far a batch pushes each target up: twice what it needs, so that a batch stays
        # bounded when some hidden cell can grow without limit (bound() finds those).
        self.push_cap = np.array([t.value + self._push(t, t.need_up) for t in targets])
        # ... and how far down a single-target LP in ``run`` pushes (no further than zero,
        # nor above it where the cell must reach "possibly empty").
        self.push_floor = np.array([
            0.0 if t.primary and t.need_down >= t.value
            else max(t.value - self._push(t, t.need_down), 0.0)
            for t in targets
        ])
        self.col_lower = np.asarray(model.program.col_lower)[self.cols]
        self.col_upper = np.asarray(model.program.col_upper)[self.cols]
        self.rng = np.random.default_rng(len(targets))

    @staticmethod
    def _push(t: Target, need: float) -> float:
        """How far past its value a capped LP pushes a target: twice what it needs (at least
        a thousandth of the value, for a cell that only must not be pinned)."""
        return 2.0 * max(need, 1e-3 * max(t.value, 1.0))

    def absorb(self, x: np.ndarray) -> None:
        """Every LP solution is a feasible table: a witness for every target at once."""
        for t, s in zip(self.targets, x[self.cols], strict=True):
            if s < t.low and not t.low_exact:
                t.low = float(s)
            if s > t.high and not t.high_exact:
                t.high = float(s)

    def bound(self, j: int, side: str, *, far_enough: bool = False) -> None:
        """The exact lower or upper bound of target ``j``; with ``far_enough``, pushed only to
        twice what the target needs (``push_floor``, ``push_cap``): a table that reaches it
        settles the target as a witness, one that stops short of it is the exact bound.

        Why ``far_enough``: an LP driven to the extreme ends on a table the tenure lift often
        cannot carry (the full LP then runs too); at 10,000 employers the one headcount
        target left after the batches took 7.9 s pushed to its extreme (51 people down to
        22, where 46 was enough)."""
        t, col = self.targets[j], int(self.cols[j])
        low = side == "low"
        lower, upper = float(self.col_lower[j]), float(self.col_upper[j])
        if far_enough:
            if low:
                lower = max(lower, self.push_floor[j])
            else:
                upper = min(upper, self.push_cap[j])
            self.solver.set_bounds([col], [lower], [upper])
        self.solver.set_costs([col], [1.0 if low else -1.0])
        try:
            x = self.solver.solve()
        except Unbounded:
            # Nothing published caps this cell from above.
            t.high, t.high_exact = INF, True
            return
        except TimeLimit:
            # No bound proved: the target keeps what its witnesses reached, which is never
            # more than the attacker's exact bound, so the verdict can only be stricter.
            return
        finally:
            self.solver.set_costs([col], [0.0])
            if far_enough:
                self.solver.set_bounds([col], [self.col_lower[j]], [self.col_upper[j]])
        if x is None:
            raise AuditError("The audit LP is infeasible: the published figures contradict "
                             "the totals they were computed from.")
        self.absorb(x)
        reached = float(x[col])
        stop = lower if low else upper
        capped = stop != (self.col_lower[j] if low else self.col_upper[j])
        if capped and abs(reached - stop) <= 1e-6 * max(1.0, abs(stop)):
            return  # pushed as far as it needs: a witness, not the exact bound
        if low:
            t.low, t.low_exact = reached, True
        else:
            t.high, t.high_exact = reached, True

    def open_targets(self, side: str) -> list[int]:
        return [j for j, t in enumerate(self.targets) if not t.ok(side)]

    def open_sides(self) -> tuple[set[int], set[int]]:
        return set(self.open_targets("low")), set(self.open_targets("high"))

    def run(self) -> None:
        """Push many open targets at once and keep every solution as a witness; fall back to
        one LP per target and side when batches stop paying.

        One batch pushes targets both ways: down those still short below, up those short
        above, and a random direction for those short on both sides. Two hidden cells that
        share a published total must move in opposite directions, so a batch that pushes
        both down settles only one of them; pushing them apart settles both (at 10,000
        employers and 17 cohorts: 6 headcount LPs instead of 10). Weights are random and
        positive, so cycles of hidden cells do not cancel out. Targets pushed up are capped
        at twice what they need, so that a batch stays bounded when some hidden cell can grow
        without limit (``bound`` finds those); the narrower table set still yields feasible
        tables only.
        """
        low, high = self.open_sides()
        while True:
            todo = np.array(sorted(low | high), dtype=np.int64)
            if todo.size <= BATCH_MIN:
                break
            sides = len(low) + len(high)
            down = np.array([j in low and (j not in high or self.rng.random() < 0.5)
                             for j in todo])
            weights = self.rng.uniform(0.5, 1.5, todo.size) / np.maximum(self.values[todo], 1e-9)
            self.solver.set_costs(self.cols[todo], np.where(down, weights, -weights))
            self.solver.set_bounds(
                self.cols[todo], self.col_lower[todo],
                np.where(down, self.col_upper[todo],
                         np.minimum(self.col_upper[todo], self.push_cap[todo])),
            )
            try:
                x = self.solver.solve()
            except (Unbounded, TimeLimit):
                # One LP per target settles (or bounds) each of them.
                break
            finally:
                self.solver.set_costs(self.cols[todo], np.zeros(todo.size))
                self.solver.set_bounds(self.cols[todo], self.col_lower[todo],
                                       self.col_upper[todo])
            if x is None:
                raise AuditError("The audit LP is infeasible: the published figures contradict "
                                 "the totals they were computed from.")
            self.absorb(x)
            low, high = self.open_sides()
            if len(low) + len(high) > (1 - BATCH_GAIN) * sides:
                break
        for side in ("low", "high"):
            for j in sorted(self.open_targets(side), key=lambda j: -self.values[j]):
                if not self.targets[j].ok(side):
                    self.bound(j, side, far_enough=True)

    def refine_worst(self, budget: int) -> None:
        """Witnesses bound every ratio from below; solve the lowest primary ones exactly."""
        primary = [j for j, t in enumerate(self.targets) if t.primary]
        for _ in range(budget):
            if not primary:
                return
            j = min(primary, key=lambda j: self.targets[j].ratio())
            t = self.targets[j]
            if not t.high_exact:
                self.bound(j, "high")
            elif not t.low_exact:
                self.bound(j, "low")
            else:
                return


def audit_release(
    space: ReleaseSpace,
    status: np.ndarray,
    view: PublishedView,
    policy: DisclosurePolicy,
    *,
    previous: tuple[PublishedView, ...] = (),
    witnesses: Sequence[Target] = (),
) -> tuple[AuditCertificate, list[Target]]:
    """Audit one release (and its predecessors' figures); returns the certificate and targets.

    ``witnesses``: the targets of an earlier audit of the same release with fewer cells hidden
    (a repair round). Hiding a cell only drops bounds from the attacker's LP, so every table
    that was feasible then is feasible now: the bounds those targets reached are still reached,
    and only what they left short needs solving again. Exactness is not carried over.
    """
    started = time.perf_counter()
    flat = status.ravel()
    targets = audit_targets(space, status, policy)
    reached = {(t.cell, t.measure): t for t in witnesses}
    for t in targets:
        earlier = reached.get((t.cell, t.measure))
        if earlier is not None:
            t.low, t.high = min(t.low, earlier.low), max(t.high, earlier.high)
    lps = 0
    solve_seconds = 0.0
    for group in MEASURE_GROUPS:
        mine = [t for t in targets if t.measure in group]
        if not mine:
            continue
        views = [view, *previous]
        if group == ("headcount", "tenure"):
            lift = TenureLift(space.structure, space.atoms, views)
            audit = GroupAudit(lift.model, mine, solver=lift)
        else:
            audit = GroupAudit(AuditModel(space.structure, space.atoms, views, group), mine)
        audit.run()
        audit.refine_worst(
            WORST_RATIO_LPS if space.size < WORST_RATIO_LARGE else WORST_RATIO_LPS_LARGE
        )
        lps += audit.solver.solves
        solve_seconds += audit.solver.seconds
    primary = [t for t in targets if t.primary]
    short = [t for t in targets if t.short()]
    exact = [t for t in targets if t.recovered()]
    worst = min(primary, key=Target.ratio) if primary else None
    narrowest = min(targets, key=lambda t: t.width() / t.value) if targets else None
    worst_exact = worst is None or (worst.low_exact and worst.high_exact)
    certificate = AuditCertificate(
        policy_version=policy.version,
        passed=not short and not exact,
        worst_protection_ratio=None if worst is None else worst.ratio(),
        worst_measure=None if worst is None else worst.measure,
        worst_ratio_exact=worst_exact,
        exact_disclosures=len({(t.cell, t.measure) for t in exact}),
        narrowest_interval=None if narrowest is None else narrowest.width() / narrowest.value,
        remainder_targets=len({t.cell for t in targets if t.remainder}),
        cells_short=len({t.cell for t in short}),
        targets=len(targets),
        lps=lps,
        suppressed_primary=int((flat == CellStatus.PRIMARY).sum()),
        suppressed_secondary=int((flat == CellStatus.SECONDARY).sum()),
        published=int((flat == CellStatus.PUBLISHED).sum()),
        structural_zeros=int((flat == CellStatus.ZERO).sum()),
        previous_releases=len(previous),
        solver=(
            f"HiGHS {highspy.HIGHS_VERSION_MAJOR}.{highspy.HIGHS_VERSION_MINOR} (highspy), "
            "interior point without crossover"
        ),
        seconds={"solve": solve_seconds, "total": time.perf_counter() - started},
        failures=[
            f"{describe_cell(space, t.cell)} {t.measure}: value {t.value:.4g} in "
            f"[{t.low:.4g}, {t.high:.4g}]" for t in short
        ],
    )
    return certificate, targets
