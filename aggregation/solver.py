"""A thin, quiet wrapper over HiGHS (highspy) for small linear and mixed-integer programs.

scipy's bundled HiGHS prints solver chatter to stdout during MIPs; highspy lets us switch
all output off and keeps one place that knows the HiGHS model structures.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
from scipy.sparse import csr_matrix

INF = highspy.kHighsInf


@dataclass(frozen=True)
class Solution:
    optimal: bool
    x: np.ndarray | None
    objective: float | None


def solve(
    *,
    cost,
    matrix,
    row_lower,
    row_upper,
    col_lower,
    col_upper,
    integer=None,
    maximise: bool = False,
    time_limit: float | None = None,
) -> Solution:
    """Minimise (or maximise) cost·x subject to row_lower ≤ A x ≤ row_upper and column bounds.

    Infinite bounds are given as ±numpy.inf. ``integer`` marks integer columns.
    """
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    a = csr_matrix(matrix, dtype=float)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = a.shape[1], a.shape[0]
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_ = np.nan_to_num(np.asarray(col_lower, dtype=float), neginf=-INF, posinf=INF)
    lp.col_upper_ = np.nan_to_num(np.asarray(col_upper, dtype=float), neginf=-INF, posinf=INF)
    lp.row_lower_ = np.nan_to_num(np.asarray(row_lower, dtype=float), neginf=-INF, posinf=INF)
    lp.row_upper_ = np.nan_to_num(np.asarray(row_upper, dtype=float), neginf=-INF, posinf=INF)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = a.indptr
    lp.a_matrix_.index_ = a.indices
    lp.a_matrix_.value_ = a.data
    if maximise:
        lp.sense_ = highspy.ObjSense.kMaximize
    if integer is not None:
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
            for flag in integer
        ]
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return Solution(optimal=False, x=None, objective=None)
    return Solution(
        optimal=True,
        x=np.array(h.getSolution().col_value),
        objective=float(h.getInfo().objective_function_value),
    )
