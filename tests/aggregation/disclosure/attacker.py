"""An independent attacker for the tests: an employer-level LP over a published release.

It shares no code with ``aggregation.disclosure.audit``: it reads the release JSON, not the
draft, and its unknowns are every employer's contribution to every finest cell (not atoms).

- one variable per employer x finest cell x measure (headcount, compensation in $1000s,
  performance pay in $1000s, tenure in months), all >= 0, tenure <= 1,200 months a head;
- for every published cell of every release given: the cohort's employers' sum within the
  rounding interval of the headcount, and ``(m - u/2) h <= S <= (m + u/2) h`` for each mean;
  a structural zero is an exact zero;
- ``known``: employers whose own contributions the attacker fixes (itself, or a coalition).
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
from scipy import sparse

from populations.totals import Population
from protocol.layout import layout_for
from protocol.taxonomy import DIMENSIONS

MEASURES = ("headcount", "compensation", "performance_pay", "tenure")
TO_UNITS = (1.0, 1e5, 1e5, 100.0)  # people, cents -> $1000s, cents -> $1000s, 1/100 month -> month
MEAN_FIELDS = {1: ("compensation_mean", 1000.0), 2: ("performance_pay_mean", 1000.0),
               3: ("tenure_mean_months", 1.0)}


@dataclass
class Release:
    """A published release and which employers stand behind each of its cohorts."""

    document: dict
    population: Population
    members: dict[tuple[str, str | None], np.ndarray]
    employer_ids: np.ndarray  # global employer id of each employer of ``population``


class Attacker:
    """LP bounds an outsider (or a coalition of employers) gets from published releases."""

    def __init__(self, releases: list[Release], *, known: tuple[int, ...] = (),
                 solver: str = "ipm"):
        layout = layout_for()
        self.finest_labels = layout.scopes["cell"]
        self.n_f = len(self.finest_labels)
        ids = np.unique(np.concatenate([r.employer_ids for r in releases]))
        self.index = {int(e): j for j, e in enumerate(ids)}
        self.n_e = len(ids)
        self.block = self.n_e * self.n_f
        n_cols = self.block * len(MEASURES)
        lower = np.zeros(n_cols)
        upper = np.full(n_cols, highspy.kHighsInf)
        truth = np.zeros(n_cols)
        for release in releases:
            pop = release.population
            for m, field in enumerate(("headcount", "comp", "perf", "tenure")):
                values = getattr(pop, field) / TO_UNITS[m]
                for local, e in enumerate(release.employer_ids):
                    cols = self.col(m, int(e), np.arange(self.n_f))
                    truth[cols] = values[local]
        for e in known:
            for m in range(len(MEASURES)):
                cols = self.col(m, e, np.arange(self.n_f))
                lower[cols] = upper[cols] = truth[cols]
        self.truth = truth
        rows: list[sparse.coo_matrix] = []
        lo: list[float] = []
        hi: list[float] = []
        for release in releases:
            self._publish(release, rows, lo, hi, n_cols)
        # Tenure of at most 1,200 months a head, per employer and cell.
        j = np.arange(self.block)
        rows.append(sparse.coo_matrix(
            (np.concatenate([np.ones(self.block), -1200.0 * np.ones(self.block)]),
             (np.concatenate([j, j]), np.concatenate([3 * self.block + j, j]))),
            shape=(self.block, n_cols)))
        lo += [-highspy.kHighsInf] * self.block
        hi += [0.0] * self.block
        matrix = sparse.vstack(rows).tocsc()
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        # Interior point for the few large employer-level LPs; warm-started simplex for the
        # many re-solves of the group-level attacker (one objective after the other).
        self.highs.setOptionValue("solver", solver)
        if solver == "ipm":
            self.highs.setOptionValue("run_crossover", "on")
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n_cols, matrix.shape[0]
        lp.col_cost_ = np.zeros(n_cols)
        lp.col_lower_, lp.col_upper_ = lower, upper
        lp.row_lower_, lp.row_upper_ = np.asarray(lo), np.asarray(hi)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = matrix.indptr
        lp.a_matrix_.index_ = matrix.indices
        lp.a_matrix_.value_ = matrix.data
        self.highs.passModel(lp)
        self.n_cols = n_cols
        self.solves = 0

    def col(self, m: int, employer: int, f):
        return m * self.block + self.index[int(employer)] * self.n_f + f

    def finest_of(self, dims: tuple[str, ...], labels: tuple[str, ...]) -> np.ndarray:
        return np.array([f for f, lab in enumerate(self.finest_labels)
                         if all(lab[d] == v for d, v in zip(dims, labels, strict=True))])

    def _publish(self, release: Release, rows, lo, hi, n_cols) -> None:
        base = release.document["policy"]["rounding"]["headcount"] // 2
        for table in release.document["tables"]:
            cohort = table["cohort"]
            members = release.employer_ids[release.members[(cohort["kind"], cohort.get("value"))]]
            dims = tuple(d for d in DIMENSIONS if d in table["dimensions"])
            for cell in table["cells"]:
                if cell["status"] != "published":
                    continue
                finest = self.finest_of(dims, tuple(cell[d] for d in dims))
                h_cols = np.concatenate([self.col(0, e, finest) for e in members])
                h = cell["headcount"]
                r = len(lo)
                rows.append(sparse.coo_matrix((np.ones(h_cols.size), (np.zeros(h_cols.size), h_cols)),
                                              shape=(1, n_cols)))
                lo.append(max(h - base, 0) if h else 0.0)
                hi.append(h + base if h else 0.0)
                for m, (name, scale) in MEAN_FIELDS.items():
                    cols = np.concatenate([self.col(m, e, finest) for e in members])
                    if h == 0:
                        rows.append(sparse.coo_matrix(
                            (np.ones(cols.size), (np.zeros(cols.size), cols)), shape=(1, n_cols)))
                        lo.append(0.0)
                        hi.append(0.0)
                        continue
                    unit = 1.0 if m == 3 else 100.0
                    for bound, is_low in ((cell[name] - unit / 2, True), (cell[name] + unit / 2, False)):
                        data = np.concatenate([np.ones(cols.size), -np.full(h_cols.size, bound / scale)])
                        rows.append(sparse.coo_matrix(
                            (data, (np.zeros(data.size), np.concatenate([cols, h_cols]))),
                            shape=(1, n_cols)))
                        lo.append(0.0 if is_low else -highspy.kHighsInf)
                        hi.append(highspy.kHighsInf if is_low else 0.0)
                del r

    def interval(self, cols: np.ndarray) -> tuple[float, float]:
        """Min and max of the sum of ``cols`` over every table consistent with what is known."""
        out = []
        for sign in (1.0, -1.0):
            cost = np.zeros(self.n_cols)
            cost[cols] = sign
            self.highs.changeColsCost(self.n_cols, np.arange(self.n_cols, dtype=np.int32), cost)
            self.highs.run()
            self.solves += 1
            status = self.highs.getModelStatus()
            if status == highspy.HighsModelStatus.kUnbounded and sign < 0:
                out.append(float("inf"))
                continue
            assert status == highspy.HighsModelStatus.kOptimal, (
                self.highs.modelStatusToString(status))
            out.append(sign * self.highs.getInfo().objective_function_value)
        return out[0], out[1]

    def cell_columns(self, release: Release, cohort: tuple[str, str | None],
                     dims: tuple[str, ...], labels: tuple[str, ...], measure: int,
                     employers: np.ndarray | None = None) -> np.ndarray:
        """Columns of a cohort cell's total (or of some of its employers' contributions)."""
        if employers is None:
            employers = release.employer_ids[release.members[cohort]]
        finest = self.finest_of(dims, labels)
        return np.concatenate([self.col(measure, e, finest) for e in employers])

    def true_value(self, cols: np.ndarray) -> float:
        return float(self.truth[cols].sum())
