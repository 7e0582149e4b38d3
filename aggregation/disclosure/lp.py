"""A thin, warm-started wrapper around HiGHS (highspy) for the many small re-solves.

Guarantees:
- One model is passed once; later solves change only costs or column bounds. By default the
  simplex restarts from the previous optimal basis; with ``fresh`` every solve presolves and
  starts from scratch, which is far faster when each solve moves the optimum a long way
  (``secondary.ProtectionLP``: 2.5 s a warm solve at 17 cohorts, 0.17 s a fresh one); the
  interior-point mode (no crossover) always presolves and solves afresh.
- ``solve`` returns ``None`` for an infeasible model and raises ``SolverError`` on anything
  else that is not an optimum, so no caller can mistake a failed solve for a bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
from scipy import sparse

INF = highspy.kHighsInf


class SolverError(RuntimeError):
    """The LP solver ended without an optimum or a proof of infeasibility."""


class Unbounded(SolverError):
    """The objective is unbounded: the quantity optimised can grow without limit."""


class TimeLimit(SolverError):
    """The solve ran out of its time limit: it proves nothing."""


@dataclass
class LinearProgram:
    """min c'x subject to row_lower <= A x <= row_upper, col_lower <= x <= col_upper; the
    columns flagged in ``integer`` (if given) take whole values (a mixed-integer program)."""

    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    matrix: sparse.csc_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    integer: np.ndarray | None = None


# Statuses that answer the question; anything else (Unknown, a solve error) is solved again.
SETTLED = (
    highspy.HighsModelStatus.kOptimal,
    highspy.HighsModelStatus.kInfeasible,
    highspy.HighsModelStatus.kUnbounded,
    highspy.HighsModelStatus.kTimeLimit,
)


class WarmSolver:
    """HiGHS holding one LP; costs and bounds change between solves, the basis is kept unless
    ``fresh``."""

    def __init__(
        self, program: LinearProgram, *, time_limit: float = 60.0, ipm: bool = False,
        fresh: bool = False,
    ):
        self.highs = highspy.Highs()
        self.fresh = fresh
        self.highs.setOptionValue("output_flag", False)
        self.ipm = ipm
        if ipm:
            # Interior point without crossover: every solve is a fresh, presolved solve, which
            # beats a warm-started simplex when the whole objective changes between solves.
            self.highs.setOptionValue("solver", "ipm")
            self.highs.setOptionValue("run_crossover", "off")
        self.time_limit = float(time_limit)
        lp = highspy.HighsLp()
        a = sparse.csc_matrix(program.matrix)
        a.sort_indices()
        lp.num_col_ = a.shape[1]
        lp.num_row_ = a.shape[0]
        self.costs = np.array(program.cost, dtype=np.float64)
        lp.col_cost_ = self.costs.copy()
        lp.col_lower_ = np.asarray(program.col_lower, dtype=np.float64)
        lp.col_upper_ = np.asarray(program.col_upper, dtype=np.float64)
        lp.row_lower_ = np.asarray(program.row_lower, dtype=np.float64)
        lp.row_upper_ = np.asarray(program.row_upper, dtype=np.float64)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = a.indptr.astype(np.int32)
        lp.a_matrix_.index_ = a.indices.astype(np.int32)
        lp.a_matrix_.value_ = a.data.astype(np.float64)
        if program.integer is not None:
            lp.integrality_ = [
                highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
                for flag in program.integer
            ]
        self.highs.passModel(lp)
        self.n_cols = a.shape[1]
        self.solves = 0
        self.retries = 0
        self.seconds = 0.0

    def set_costs(self, index: np.ndarray, values: np.ndarray) -> None:
        index = np.asarray(index, dtype=np.int32)
        if index.size:
            values = np.broadcast_to(np.asarray(values, dtype=np.float64), index.shape)
            self.costs[index] = values
            self.highs.changeColsCost(index.size, index, np.ascontiguousarray(values))

    def cost_of(self, index: np.ndarray) -> np.ndarray:
        """The current costs of the columns ``index``."""
        return self.costs[np.asarray(index, dtype=np.int64)]

    def set_bounds(self, index: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        index = np.asarray(index, dtype=np.int32)
        if index.size:
            self.highs.changeColsBounds(
                index.size,
                index,
                np.asarray(lower, dtype=np.float64),
                np.asarray(upper, dtype=np.float64),
            )

    def _option(self, name: str):
        _, value = self.highs.getOptionValue(name)  # highspy (pinned) answers (status, value)
        return value

    def _settle(self):
        """Solve again, fresh, with the simplex (presolved, from scratch), and return its status.

        Interior point without crossover occasionally stops short of its tolerances
        (status Unknown) on degenerate audit LPs; a warm simplex can stall the same way. A
        fresh simplex solve settles it; the options are restored for the next solve.
        """
        solver, presolve = self._option("solver"), self._option("presolve")
        self.highs.setOptionValue("solver", "simplex")
        self.highs.setOptionValue("presolve", "on")
        self.highs.clearSolver()
        self.highs.setOptionValue("time_limit", self.highs.getRunTime() + self.time_limit)
        self.highs.run()
        self.highs.setOptionValue("solver", solver)
        self.highs.setOptionValue("presolve", presolve)
        self.retries += 1
        return self.highs.getModelStatus()

    def solve(self) -> np.ndarray | None:
        """The optimal column values, or ``None`` if the LP is infeasible."""
        started = time.perf_counter()
        # HiGHS measures its time limit on a clock that runs across solves.
        self.highs.setOptionValue("time_limit", self.highs.getRunTime() + self.time_limit)
        if self.fresh:
            self.highs.clearSolver()
        self.highs.run()
        if self.solves == 0 and not self.ipm and not self.fresh:
            # Re-solves start from this basis; presolving again would cost more than it saves.
            self.highs.setOptionValue("presolve", "off")
        status = self.highs.getModelStatus()
        if status not in SETTLED:
            status = self._settle()
        self.seconds += time.perf_counter() - started
        self.solves += 1
        if status == highspy.HighsModelStatus.kOptimal:
            return np.asarray(self.highs.getSolution().col_value)
        if status == highspy.HighsModelStatus.kInfeasible:
            return None
        if status == highspy.HighsModelStatus.kUnbounded:
            raise Unbounded("The LP is unbounded.")
        if status == highspy.HighsModelStatus.kTimeLimit:
            raise TimeLimit(f"HiGHS ran out of its {self.time_limit:g} s time limit.")
        raise SolverError(f"HiGHS stopped with status {self.highs.modelStatusToString(status)}.")
