"""The LP wrapper answers every solve: an interior-point run that stops short is settled."""

from __future__ import annotations

import highspy
import numpy as np
from scipy import sparse

from aggregation.disclosure.lp import LinearProgram, WarmSolver


def _transport(n: int = 12) -> LinearProgram:
    """A small transportation LP with a known optimum: ship n units from n sources to n sinks."""
    rng = np.random.default_rng(3)
    cost = rng.uniform(1, 10, n * n)
    rows = []
    for i in range(n):  # each source ships exactly one unit
        row = np.zeros(n * n)
        row[i * n:(i + 1) * n] = 1
        rows.append(row)
    for j in range(n):  # each sink receives exactly one unit
        row = np.zeros(n * n)
        row[j::n] = 1
        rows.append(row)
    return LinearProgram(cost=cost, col_lower=np.zeros(n * n), col_upper=np.full(n * n, np.inf),
                         matrix=sparse.csc_matrix(np.asarray(rows)), row_lower=np.ones(2 * n),
                         row_upper=np.ones(2 * n))


def test_an_interior_point_solve_that_stops_short_is_settled_by_the_simplex():
    program = _transport()
    reference = WarmSolver(program).solve()
    solver = WarmSolver(program, ipm=True)
    solver.highs.setOptionValue("ipm_iteration_limit", 1)  # stops short, status not optimal
    x = solver.solve()
    assert solver.retries == 1
    assert x is not None and abs(program.cost @ x - program.cost @ reference) < 1e-6
    # The interior point is back for the next solve.
    assert solver._option("solver") == "ipm"


def test_a_solve_that_answers_is_not_repeated():
    solver = WarmSolver(_transport(), ipm=True)
    assert solver.solve() is not None and solver.retries == 0
    assert solver.highs.getModelStatus() == highspy.HighsModelStatus.kOptimal


def test_a_fresh_solver_starts_every_solve_from_scratch_and_a_warm_one_from_its_basis():
    program = _transport()
    warm, fresh = WarmSolver(program), WarmSolver(program, fresh=True)
    first = warm.solve()
    assert fresh.solve() is not None
    # Unchanged model: the warm solver's basis is already optimal; the fresh one pivots again.
    warm.solve()
    assert warm.highs.getInfo().simplex_iteration_count == 0
    fresh.solve()
    assert fresh.highs.getInfo().simplex_iteration_count > 0
    assert fresh._option("presolve") != "off"
    # Both answer the changed model alike: force the cheapest route of the first optimum out.
    used = int(np.argmax(first * (program.cost == program.cost[first > 0.5].min())))
    for solver in (warm, fresh):
        solver.set_bounds([used], [0.0], [0.0])
    a, b = warm.solve(), fresh.solve()
    assert a is not None and b is not None and b[used] == 0.0
    assert abs(program.cost @ a - program.cost @ b) < 1e-9
    assert program.cost @ b > program.cost @ first
