"""Optimal secondary suppression for small releases: a MIP with Benders (metric) cuts.

The single-cell heuristic (``secondary.py``) hides, for each primary cell in turn, the cheapest
cells that protect it given what is already hidden; the order decides the pattern, and it
hides more than it needs. Here every primary cell's protection is one constraint on one
0/1 vector ``y`` (``y[c] = 1``: hide cell ``c``), as in Fischetti and Salazar (2001), the
method τ-ARGUS's ``OPT`` uses:

    min  sum_c cost[c] y[c]
    s.t. for every requirement (primary cell, measure, side): the attacker LP
         "how far can the cell move, every published cell fixed" reaches the level.

Each attacker LP is the protection LP of ``secondary.py`` (a realisable perturbation of the
whole release, caps against the insider going up and the outsider going down), with the cells
``y = 0`` pinned. A requirement that fails at ``y*`` yields, from the LP's reduced costs, a
cut ``sum_c a_c y_c >= level - const`` that every protecting ``y`` satisfies (weak duality:
the reduced costs bound the LP's optimum for any bounds ``0 <= d_j <= cap_j y_c``). Cuts are
added first at the master's LP relaxation, then at its integer optima. An integer optimum that
no requirement fails is optimal for the model (within the master's gap); one that some fail is
repaired by the single-cell LPs into a pattern that protects them, and the cheapest pattern
is kept when the rounds stall or the time runs out.

Guarantees of ``optimal_pattern``:
- it returns ``None`` (and the caller keeps the heuristic pattern) unless it found a pattern
  that costs less than ``incumbent`` and that either meets every requirement's attacker LP or
  came out of the single-cell LPs' repair (the heuristic's own guarantee);
- it only ever adds suppressions to the status it is given;
- in an attacker LP a hidden cell rises at most ``RISE_FACTOR`` times the level (the
  heuristic: without limit), a tighter model, so what protects here protects there;
- with ``rise_factor=math.inf`` the model is the heuristic's own, and ``stats["optimal_bound"]``
  is then a lower bound on the cost of every pattern that meets its requirements (the
  benchmark uses it; the product keeps the cap, whose cuts are tighter);
- the audit still gates whatever it returns (``release.py``).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import highspy
import numpy as np

from aggregation.disclosure.lp import LinearProgram, SolverError, WarmSolver
from aggregation.disclosure.primary import CellStatus
from aggregation.disclosure.secondary import (
    ProtectionError,
    ProtectionLevel,
    is_hidden,
    perturbation_constraints,
    protect_cells,
)
from aggregation.disclosure.space import ReleaseSpace

# Optimal suppression runs on releases up to this many cells (one cohort of the compact's
# tables is 440; three are 1,320). Above it the master MIP and the many attacker LPs per
# round cost more than the heuristic's surplus of hidden cells is worth.
OPTIMAL_MAX_CELLS = 1_500
# ... and while requirements x cells (what one round of attacker LPs costs) stays below this:
# a cohort of 300 employers has about 550 requirements (240,000); a small population where
# most cells are primary has thousands, and its rounds take tens of seconds each.
OPTIMAL_MAX_WORK = 400_000
# Seconds for the whole cut loop, a safety net; on time-out the best pattern found is kept.
OPTIMAL_SECONDS = 30.0
# In a requirement's attacker LP a hidden cell may rise by at most this many times the level.
# (A perturbation credited to another requirement of the same group may rise further than
# that one's own cap; it is still a perturbation of the heuristic's model, which has none.)
RISE_FACTOR = 1.5
# Each master MIP stops within this relative gap: a near-optimal point separates as well as an
# optimal one, and the last few percent of a branch and bound are the slow part.
MASTER_GAP = 0.01
# The loop stops when the pattern kept costs at most this much more than the master's bound
# (a bound of the capped model: the kept pattern may even cost less), ...
OPTIMAL_GAP = 0.02
# ... or after this many integer rounds in a row that found no cheaper pattern (a count, not a
# clock, so that the same release gives the same pattern on any machine).
OPTIMAL_STALL = 4
# At the relaxation, a cut is added only if the master's point falls short of it by this much.
CUT_VIOLATION = 1e-3
# Rounds of cuts at the LP relaxation, at most.
RELAXED_ROUNDS = 30
# Relative slack below which a requirement counts as met (solver tolerance).
TOLERANCE = 1e-7


@dataclass(frozen=True)
class Requirement:
    """Cell ``cell`` must move by ``level`` in ``measure``: up against an insider's caps when
    ``up``, down against an outsider's otherwise (``insider`` says which caps hold)."""

    cell: int
    measure: str
    level: float
    up: bool
    insider: bool


class AttackerLP:
    """The attacker's LP of one measure and one set of caps, with bounds set per pattern."""

    def __init__(self, space: ReleaseSpace, matrix, measure: str, status: np.ndarray,
                 insider: bool, rise_factor: float = RISE_FACTOR):
        size = space.size
        self.rise_factor = rise_factor
        value = space.scaled(measure)
        floor = space.insider_floor(measure) if insider else np.zeros(size)
        zero = status.ravel() == CellStatus.ZERO
        self.rises = np.where(zero, 0.0, 1.0)
        self.cap_down = np.where(zero, 0.0, np.maximum(value - floor, 0.0))
        self.size = size
        program = LinearProgram(
            cost=np.zeros(2 * size),
            col_lower=np.zeros(2 * size),
            col_upper=np.zeros(2 * size),
            matrix=matrix,
            row_lower=np.zeros(matrix.shape[0]),
            row_upper=np.zeros(matrix.shape[0]),
        )
        self.solver = WarmSolver(program)

    def caps(self, req: Requirement) -> np.ndarray:
        """Column caps of a cell that is hidden: rises up to ``rise_factor`` times the level
        (``inf``: without limit), falls down to the insider's floor (or zero)."""
        rise = np.where(self.rises > 0, self.rise_factor * req.level, 0.0)
        return np.concatenate([rise, self.cap_down])

    def reach(self, req: Requirement, y: np.ndarray):
        """How far the cell moves with cells open as ``y`` (0..1 per cell), the coefficient
        per column of the cut (``max(-reduced cost, 0)``), the column caps and the column
        upper bounds used, and the perturbation found (signed, per cell)."""
        size = self.size
        caps = self.caps(req)
        upper = times(caps, np.concatenate([y, y]))
        toward = req.cell if req.up else size + req.cell
        away = size + req.cell if req.up else req.cell
        upper[toward] = req.level
        upper[away] = 0.0
        columns = np.arange(2 * size)
        self.solver.set_bounds(columns, np.zeros(2 * size), upper)
        self.solver.set_costs([toward], [-1.0])
        try:
            x = self.solver.solve()
            # Read the duals before the cost change below invalidates the solution.
            solution = self.solver.highs.getSolution()
            reduced = np.asarray(solution.col_dual)
            if x is not None and not solution.dual_valid:
                raise SolverError("An attacker LP has no valid duals.")
        finally:
            self.solver.set_costs([toward], [0.0])
        if x is None:  # d = 0 is always feasible
            raise SolverError("An attacker LP was infeasible.")
        delta = x[:size] - x[size:]
        delta[np.abs(delta) <= 1e-9 * max(req.level, 1.0)] = 0.0
        return float(x[toward]), np.maximum(-reduced, 0.0), caps, upper, delta


def times(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a * b`` per element with ``0 * inf = 0``: an uncapped column that is closed (or has no
    reduced cost) contributes nothing."""
    with np.errstate(invalid="ignore"):
        return np.where((a == 0) | (b == 0), 0.0, a * b)


def requirements(
    levels: list[ProtectionLevel], attackers, space: ReleaseSpace
) -> list[Requirement] | None:
    """One requirement per level and side; ``None`` if one cannot be met even with every
    free cell hidden (the heuristic then decides, with its fallbacks)."""
    out = []
    everything = np.ones(space.size)
    for lv in levels:
        for up, level in ((True, lv.upper), (False, lv.lower)):
            if level <= 0:
                continue
            chosen = None
            for insider in ((True, False) if up else (False,)):
                req = Requirement(lv.cell, lv.measure, level, up, insider)
                reached, *_ = attackers[(lv.measure, insider)].reach(req, everything)
                if reached >= level * (1 - TOLERANCE):
                    chosen = req
                    break
            if chosen is None:
                return None
            out.append(chosen)
    return out


def credits(delta: np.ndarray, bound: np.ndarray, *, up: bool) -> dict[int, float]:
    """How far each cell moves up (``up``) or down when ``delta`` and ``-delta`` are each
    scaled as far as ``bound`` allows (per column: the rises, then the falls). The
    constraints are homogeneous, so a scaled perturbation is still one."""
    size = delta.size
    out: dict[int, float] = {}
    for direction in (delta, -delta):
        moving = np.flatnonzero(direction)
        if moving.size == 0:
            continue
        column = np.where(direction[moving] > 0, moving, size + moving)
        t = float(np.min(bound[column] / np.abs(direction[moving])))
        towards = moving[direction[moving] > 0] if up else moving[direction[moving] < 0]
        for c, a in zip(towards, t * np.abs(direction[towards]), strict=True):
            out[int(c)] = max(out.get(int(c), 0.0), float(a))
    return out


class Master:
    """The 0/1 master problem over the free cells, with the cuts found so far."""

    def __init__(self, cost: np.ndarray, time_limit: float):
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        self.highs.setOptionValue("mip_rel_gap", MASTER_GAP)
        self.integer = False
        self.n = cost.size
        lp = highspy.HighsLp()
        lp.num_col_ = self.n
        lp.num_row_ = 0
        lp.col_cost_ = np.asarray(cost, dtype=np.float64)
        lp.col_lower_ = np.zeros(self.n)
        lp.col_upper_ = np.ones(self.n)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.zeros(self.n + 1, dtype=np.int32)
        lp.a_matrix_.index_ = np.zeros(0, dtype=np.int32)
        lp.a_matrix_.value_ = np.zeros(0)
        self.highs.passModel(lp)
        self.deadline = time.perf_counter() + time_limit
        self.cuts = 0

    def add_cut(self, index: np.ndarray, coef: np.ndarray, rhs: float) -> None:
        self.highs.addRow(rhs, highspy.kHighsInf, index.size, index.astype(np.int32),
                          coef.astype(np.float64))
        self.cuts += 1

    def integral(self, on: bool) -> None:
        self.integer = on
        kind = highspy.HighsVarType.kInteger if on else highspy.HighsVarType.kContinuous
        self.highs.changeColsIntegrality(
            self.n, np.arange(self.n, dtype=np.int32), np.full(self.n, int(kind), dtype=np.uint8))

    def solve(self, start: np.ndarray | None = None) -> tuple[np.ndarray, bool, float] | None:
        """The optimum (or best found by the deadline), whether it is proven optimal, and the
        master's lower bound; ``None`` when the time is up."""
        left = self.deadline - time.perf_counter()
        if left <= 0:
            return None
        self.highs.setOptionValue("time_limit", self.highs.getRunTime() + left)
        if start is not None and self.integer:
            self.highs.setSolution(self.n, np.arange(self.n, dtype=np.int32),
                                   start.astype(np.float64))
        self.highs.run()
        status = self.highs.getModelStatus()
        info = self.highs.getInfo()
        if status == highspy.HighsModelStatus.kOptimal:
            bound = info.mip_dual_bound if self.integer else info.objective_function_value
            return np.asarray(self.highs.getSolution().col_value), True, float(bound)
        if self.integer and info.primal_solution_status == 2:  # feasible, time ran out
            return np.asarray(self.highs.getSolution().col_value), False, float(
                info.mip_dual_bound)
        return None


def keeps_heuristic_on_failure(function):
    """A solver failure inside the optimal step leaves the heuristic's pattern in charge
    (``None``, the reason in ``stats["optimal_error"]``), never a failed build."""

    @functools.wraps(function)
    def guarded(*args, stats: dict, **kwargs):
        try:
            return function(*args, stats=stats, **kwargs)
        except (SolverError, ProtectionError) as error:
            stats["optimal_error"] = str(error)
            return None

    return guarded


@keeps_heuristic_on_failure
def optimal_pattern(
    space: ReleaseSpace,
    status: np.ndarray,
    levels: list[ProtectionLevel],
    cost: np.ndarray,
    *,
    incumbent: np.ndarray,
    stats: dict,
    time_limit: float = OPTIMAL_SECONDS,
    stall: int = OPTIMAL_STALL,
    rise_factor: float = RISE_FACTOR,
) -> np.ndarray | None:
    """A cheaper pattern than ``incumbent`` (a status), or ``None``.

    ``status`` is the status before any secondary suppression (cells hidden there stay
    hidden); ``levels`` as for ``protect_cells``; ``cost`` per cell as ``suppression_cost``;
    ``stall``: integer rounds in a row without a cheaper pattern before it stops;
    ``rise_factor``: how far a hidden cell may rise in an attacker LP, in levels.
    """
    started = time.perf_counter()
    flat = status.ravel()
    hidden = is_hidden(flat)
    free = np.flatnonzero(flat == CellStatus.PUBLISHED)
    stats["optimal_cuts"] = 0
    if not levels or free.size == 0 or 2 * len(levels) * space.size > OPTIMAL_MAX_WORK:
        return None
    matrix = perturbation_constraints(space)
    attackers = {
        (m, insider): AttackerLP(space, matrix, m, status, insider, rise_factor)
        for m in {lv.measure for lv in levels} for insider in (True, False)
    }
    reqs = requirements(levels, attackers, space)
    if reqs is None:
        return None
    by_attacker: dict[tuple[str, bool, bool], list[Requirement]] = {}
    for req in sorted(reqs, key=lambda r: -r.level):
        by_attacker.setdefault((req.measure, req.insider, req.up), []).append(req)
    master = Master(cost[free], time_limit - (time.perf_counter() - started))

    def separate(y_free: np.ndarray, *, phase: int) -> int:
        """Cuts for every requirement ``y`` fails; how many requirements fail (``-1``: one
        cannot be met at all, or the time is up).

        Each attacker LP's perturbation, scaled to the bounds, is credited to every other
        requirement of the same LP it moves far enough, so most need no LP of their own."""
        y = hidden.astype(np.float64)
        y[free] = y_free
        size = space.size
        failing = 0
        for key, group in by_attacker.items():
            if time.perf_counter() > master.deadline:
                return -1
            attacker = attackers[key[:2]]
            credit: dict[int, float] = {}
            for req in group:
                if credit.get(req.cell, 0.0) >= req.level * (1 - TOLERANCE) > 0:
                    continue
                reached, coef, caps, upper, delta = attacker.reach(req, y)
                bound = times(caps, np.concatenate([y, y]))
                for c, a in credits(delta, bound, up=key[2]).items():
                    credit[c] = max(credit.get(c, 0.0), a)
                if reached >= req.level * (1 - TOLERANCE):
                    continue
                failing += 1
                per_cell = times(coef[free], caps[free]) + times(
                    coef[size + free], caps[size + free])
                const_cols = times(coef, upper)
                const_cols[free] = 0.0
                const_cols[size + free] = 0.0
                rhs = req.level - float(const_cols.sum())
                if rhs <= req.level * TOLERANCE:
                    continue  # degenerate duals: no useful cut
                a = np.minimum(per_cell / rhs, 1.0)
                nz = np.flatnonzero(a > 0.0)
                if nz.size == 0:
                    return -1  # nothing can protect it: should have been caught up front
                # Round coefficients up (a weaker, still valid cut) and the right side down.
                # At the relaxation, a cut the point nearly meets would only make the loop
                # tail off; an integer point that fails gets its cut whatever the shortfall.
                a = np.ceil(a[nz] * 1e6) / 1e6
                if phase == 1 and float(a @ y_free[nz]) > 1.0 - CUT_VIOLATION:
                    continue
                master.add_cut(nz, a, 1.0 - 1e-6)
        return failing

    def with_hidden(y_free: np.ndarray) -> np.ndarray:
        """``status`` with the free cells ``y_free`` (a mask) hidden as secondary."""
        out = status.copy()
        out.ravel()[free[y_free]] = CellStatus.SECONDARY
        return out

    flat_cost = cost[free]
    best = incumbent.ravel()[free] != CellStatus.PUBLISHED
    incumbent_cost = best_cost = float(flat_cost[best].sum())
    bound = 0.0
    rounds = 0
    # Phase 1: cuts at the LP relaxation (cheap, and most of the cuts the MIP needs).
    master.integral(False)
    while (solved := master.solve()) is not None:
        rounds += 1
        bound = max(bound, solved[2])
        failing = separate(solved[0], phase=1)
        if failing < 0:
            return None
        if failing == 0 or rounds >= RELAXED_ROUNDS:
            break
    # Phase 2: integer optima of the master. One that meets every requirement is optimal;
    # otherwise it is repaired by the single-cell LPs into a pattern that does, and the
    # cheapest repaired pattern is kept when time runs out.
    master.integral(True)
    stalled_rounds, stall = stall, 0
    while (solved := master.solve(start=best.astype(np.float64))) is not None:
        rounds += 1
        y_free = np.round(solved[0]) > 0.5
        bound = max(bound, solved[2])
        failing = separate(y_free.astype(np.float64), phase=2)
        if failing < 0:
            break
        if failing == 0:
            candidate = y_free
        else:
            trial = with_hidden(y_free)
            protect_cells(space, trial, list(levels), cost, stats={})
            candidate = trial.ravel()[free] != CellStatus.PUBLISHED
        value = float(flat_cost[candidate].sum())
        stall += 1
        if value < best_cost - 1e-9:
            best, best_cost, stall = candidate, value, 0
        if failing == 0 or best_cost <= bound * (1 + OPTIMAL_GAP) or stall >= stalled_rounds:
            break
    stats.update({
        "optimal_cuts": master.cuts,
        "optimal_rounds": rounds,
        "optimal_bound": bound,
        "optimal_cost": best_cost,
        "optimal_seconds": time.perf_counter() - started,
    })
    if best_cost >= incumbent_cost - 1e-9:
        return None
    return with_hidden(best)
