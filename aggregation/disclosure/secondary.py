"""Secondary suppression jointly over every table of every cohort.

Method (docs/decisions.md, "Secondary suppression"):

1. A structural pass: no additive identity of the release (parent = sum of children inside a
   cohort's tables, and cohort = sum of the cohorts that partition it) may have exactly one
   hidden member, else subtraction recovers it; the cheapest published member joins it.
2. Certification: LPs push random mixes of hidden cells up and down with every published cell
   fixed; each solution is a perturbation that protects every cell it moves far enough, so
   most primary cells need no LP of their own (``Protector.certify``). Certification runs
   again as step 3 hides cells, since each new hidden cell opens perturbations for others.
3. Protection LPs (the classic Kelly/Fischetti-Salazar single-cell heuristic, on HiGHS): for
   each primary cell and measure, the cheapest set of cells such that a perturbation of the
   whole release that keeps every published value fixed can move the cell up by its upper
   protection level. The perturbation lives on the atoms, so it respects every identity
   between cohorts. Cells that move only down may move at most ``value - isqrt(sum x^2)``, so
   the perturbation survives any single employer subtracting its own figures; reversed (all
   cells may go down to zero) it gives the lower protection. Cells already hidden cost
   nothing, so later cells reuse earlier patterns. What a hidden cell costs is weighted by
   what the reports read (``suppression_cost``). In a large release, while many levels are
   left after certification, joint LPs first move all of them at once (``joint_rounds``): a
   few more cells hidden, far fewer whole-release LPs.
4. The audit (``audit.py``) then checks; cells it finds short are protected again with a
   larger level, or hidden around by ``escalate`` (``release.py`` drives that loop).

Guarantee: the returned status only ever adds suppressions; it never publishes a cell that was
suppressed on entry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.linalg import null_space

from aggregation.disclosure.lp import INF, LinearProgram, WarmSolver
from aggregation.disclosure.policy import DisclosurePolicy
from aggregation.disclosure.primary import HIDDEN, CellStatus
from aggregation.disclosure.space import ReleaseSpace

# Hidden cells move almost for free; a small cost keeps perturbations lean (fewer degenerate
# pivots, and witnesses that scale further).
HIDDEN_COST = 1e-3
# Below this many levels, one protection LP per level is cheaper than batch certification.
CERTIFY_MIN = 50
# Certification rounds go on while one LP credits at least this many levels (a single-cell
# protection LP credits one, at about the same cost).
CERTIFY_GAIN = 3
# Certification runs again after this many protection LPs, if one of them hid a cell.
RECERTIFY_EVERY = 10
# In a release of at least JOINT_MIN_CELLS cells (17 cohorts of the compact's tables; a
# whole-release LP takes seconds there), joint protection LPs take the levels left after
# certification in rounds (``Protector.protect_jointly``) while more than JOINT_MIN are left;
# single-cell LPs take the rest. Below that size single-cell LPs are cheap and hide fewer cells.
JOINT_MIN_CELLS = 5_000
JOINT_MIN = 150
# Reward per unit a target moves towards its level in a joint LP, as a multiple of the dearest
# cell's cost: far above what any lean perturbation costs, so every target that can move does.
JOINT_REWARD = 100.0
# Warm re-solves of a joint LP with costs reweighted by how far the last solution moved each
# published cell (``Protector.protect_jointly``).
JOINT_REWEIGHTS = 2


class ProtectionError(RuntimeError):
    """A primary cell that no suppression pattern of this release can protect (``cell``: its
    global index, so the plan can drop the cohort that needs it)."""

    def __init__(self, message: str, cell: int | None = None):
        super().__init__(message)
        self.cell = cell


def is_hidden(status: np.ndarray) -> np.ndarray:
    """Cells the attacker does not read: suppressed, or of a cohort that is not published."""
    return np.isin(status, HIDDEN)


# What the reports read (aggregation/metrics/gaps.py): the Female and Male cells of the
# job x gender, race x gender and gender tables, and the cohort totals. Hiding one of those
# costs a gap in the report; hiding a finest cell, a Nonbinary cell or another margin costs a
# figure nobody reads a gap from. Weights per cell hidden (docs/decisions.md, "Suppression
# cost").
KEY_GENDERS = frozenset({"Female", "Male"})
KEY_TABLES = frozenset({("job_category", "gender"), ("race_ethnicity", "gender"), ("gender",)})
COST_KEY = 20.0
COST_MARGIN = 3.0
COST_FINE = 1.0


def cell_weights(structure) -> np.ndarray:
    """Weight of hiding each table cell of one cohort (see the constants above)."""
    out = np.empty(structure.n_cells)
    for i in range(structure.n_cells):
        dims = structure.tables[structure.table_of[i]].dims
        gender = structure.labels[i].get("gender")
        if not dims or (dims in KEY_TABLES and gender in KEY_GENDERS):
            out[i] = COST_KEY
        elif len(dims) == int(structure.depth.max()) or gender is not None:
            # The finest table, and every Nonbinary (or other non-binary) cell of a margin.
            out[i] = COST_FINE
        else:
            out[i] = COST_MARGIN
    return out


# A locked cell (a headline cell of all employers that passes the primary rules, DESIGN §5.7)
# costs this many times the dearest other cell: hidden only where nothing else protects a cell,
# and then the plan drops the cohort that forced it (``release.py``).
COST_LOCKED = 1_000.0
SIZE_WEIGHT = 0.1
# Among locked cells, what the headline figures need most is dearest: the Female and Male
# gender margin (the overall mean and median gaps), then Female and Male by job and by race
# (the gaps per job and per race), then the grand total (the reader has its parts).
LOCKED_RANK = {("gender",): 4.0, ("job_category", "gender"): 2.0, ("race_ethnicity", "gender"): 2.0, (): 1.0}


def suppression_cost(space: ReleaseSpace, locked: np.ndarray | None = None) -> np.ndarray:
    """Cost of hiding each cell: what the reports lose (``cell_weights``), times
    ``1 + SIZE_WEIGHT log10(1 + people)`` so that among cells of one weight the bigger is
    dearer (tau-ARGUS weighs by cell value), while a weight never yields to size: the factor
    stays under 1.7 up to a million people, below the ratio of any two weights;
    ``locked`` cells (flat boolean) cost ``COST_LOCKED`` times the dearest other, times their
    ``LOCKED_RANK``."""
    h = space.exact["headcount"].ravel().astype(np.float64)
    weights = np.tile(cell_weights(space.structure), space.n_cohorts)
    cost = weights * (1.0 + SIZE_WEIGHT * np.log10(1.0 + h))
    if locked is not None and locked.any():
        structure = space.structure
        rank = np.array([LOCKED_RANK.get(structure.tables[structure.table_of[i]].dims, 1.0)
                         for i in range(structure.n_cells)])
        rank = np.tile(rank, space.n_cohorts)
        cost[locked] = COST_LOCKED * float(cost[~locked].max(initial=1.0)) * rank[locked]
    return cost


def identities(space: ReleaseSpace) -> list[np.ndarray]:
    """Every additive identity of the release as the array of its members' global indexes."""
    out: list[np.ndarray] = []
    n = space.n_cells
    for k in range(space.n_cohorts):
        for rel in space.structure.relations:
            out.append(k * n + np.asarray((rel.parent, *rel.children)))
    for part in space.partitions:
        members = np.asarray((part.parent, *part.children))
        for i in range(n):
            out.append(members * n + i)
    return out


def singleton_pass(space: ReleaseSpace, status: np.ndarray, cost: np.ndarray) -> int:
    """Hide the cheapest published member of every identity with exactly one hidden member,
    unless that member is a remainder's WITHHELD cell (it passes the rules; deriving it is
    harmless).

    Works in place on ``status`` (cohorts x cells); returns how many cells it added.
    """
    flat = status.ravel()
    groups = identities(space)
    added = 0
    changed = True
    while changed:
        changed = False
        hidden = is_hidden(flat)
        for members in groups:
            if hidden[members].sum() != 1 or (flat[members] == CellStatus.WITHHELD).any():
                # A lone WITHHELD cell (of a remainder) passes the rules: it may be derived.
                continue
            candidates = members[flat[members] == CellStatus.PUBLISHED]
            if candidates.size == 0:
                continue
            pick = candidates[np.argmin(cost[candidates])]
            flat[pick] = CellStatus.SECONDARY
            hidden[pick] = True
            added += 1
            changed = True
    return added


@dataclass(frozen=True)
class ProtectionLevel:
    """What a primary cell needs, per measure, in LP units: up and down."""

    cell: int
    measure: str
    upper: float
    lower: float


def protection_levels(
    space: ReleaseSpace, status: np.ndarray, policy: DisclosurePolicy, measures: tuple[str, ...]
) -> list[ProtectionLevel]:
    """Upper and lower protection of every primary cell (relative margin; headcounts also
    ``headcount_protection_people`` people, down to zero at most)."""
    out = []
    primary = np.flatnonzero(status.ravel() == CellStatus.PRIMARY)
    for measure in measures:
        v = space.scaled(measure)
        for g in primary:
            value = float(v[g])
            if value <= 0:
                continue
            up = policy.margin * value
            if measure == "headcount":
                up = max(up, float(policy.headcount_protection_people))
            out.append(ProtectionLevel(int(g), measure, upper=up, lower=min(value, up)))
    return out


def cohort_relations(space: ReleaseSpace) -> np.ndarray:
    """A basis of the linear identities between cohorts (rows of coefficients per cohort).

    The partitions (all = industries = size bands) give integer rows; when they do not span
    every identity, a floating-point basis of the left null space is used instead.
    """
    incidence = space.incidence.T.astype(np.float64)
    left = null_space(incidence)
    rows = []
    for part in space.partitions:
        row = np.zeros(space.n_cohorts)
        row[part.parent] = 1.0
        row[list(part.children)] = -1.0
        rows.append(row)
    if rows and left.shape[1] == np.linalg.matrix_rank(np.asarray(rows)) == len(rows):
        return np.asarray(rows)
    left[np.abs(left) < 1e-12] = 0.0
    return left.T


def relations_without(space: ReleaseSpace, relations: np.ndarray, excluded: np.ndarray) -> np.ndarray:
    """The identities between cohorts when the ``excluded`` atoms are zero (at one cell).

    Beyond ``relations`` (those of all atoms) they hold ``d[k] = 0`` for each cohort with no
    atom left; those cohorts' cells are structural zeros, held by column bounds. When that is
    all (every population measured), ``relations`` is returned as it is; otherwise a
    floating-point basis of the restricted left null space.
    """
    if not excluded.any():
        return relations
    allowed = space.incidence[:, ~excluded].astype(np.float64)
    gone = np.flatnonzero(~allowed.any(axis=1))
    dimension = space.n_cohorts - np.linalg.matrix_rank(allowed)
    if np.linalg.matrix_rank(np.vstack([relations, np.eye(space.n_cohorts)[gone]])) == dimension:
        return relations
    restricted = null_space(allowed.T)
    restricted[np.abs(restricted) < 1e-12] = 0.0
    return restricted.T


def zero_atoms(space: ReleaseSpace) -> np.ndarray:
    """Per finest cell, the atoms that must be zero there (finest cells x atoms).

    A cohort's structural zero is published exactly and atoms are non-negative, so every atom
    of that cohort is zero in that cell; a perturbation may not move those atoms."""
    n_f = space.structure.n_finest
    empty = space.exact["headcount"][:, :n_f] == 0  # cohorts x finest cells
    return (empty.T.astype(np.int64) @ space.incidence) > 0


def perturbation_constraints(space: ReleaseSpace) -> sparse.csc_matrix:
    """Rows that a perturbation ``d = pos - neg`` of all cells must satisfy to be realisable.

    Margins move with their finest cells, and the cohorts' finest cells move together as
    cohort sums of atoms can: ``d[:, f]`` lies in the column space of the incidence matrix
    restricted to the atoms that may be non-zero at ``f`` (``zero_atoms``), i.e. is orthogonal
    to that matrix's left null space (all = sum of industries = sum of size bands, and a
    cohort whose atoms are all zero there stays put: ``relations_without``).
    """
    n, size = space.n_cells, space.size
    structure = space.structure
    n_f = structure.n_finest
    margins = sparse.coo_matrix(structure.finest[n_f:])
    rows, cols, vals = [], [], []
    r0 = 0
    for k in range(space.n_cohorts):
        base = k * n
        for sign, offset in ((1.0, 0), (-1.0, size)):
            rows += [r0 + margins.row, r0 + np.arange(n - n_f)]
            cols += [offset + base + margins.col, offset + base + n_f + np.arange(n - n_f)]
            vals += [np.full(margins.nnz, sign), np.full(n - n_f, -sign)]
        r0 += n - n_f
    excluded = zero_atoms(space)
    relations = cohort_relations(space)
    groups: dict[bytes, list[int]] = {}
    for f in range(n_f):
        groups.setdefault(excluded[f].tobytes(), []).append(f)
    for fs in groups.values():
        cells = np.asarray(fs)
        for relation in relations_without(space, relations, excluded[fs[0]]):
            for k in np.flatnonzero(relation):
                for sign, offset in ((1.0, 0), (-1.0, size)):
                    rows.append(r0 + np.arange(cells.size))
                    cols.append(offset + k * n + cells)
                    vals.append(np.full(cells.size, sign * relation[k]))
            r0 += cells.size
    return sparse.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r0, 2 * size)
    )


class ProtectionLP:
    """The min-cost perturbation LP of one measure (see the module docstring).

    ``insider`` caps how far a cell may go down at ``value - isqrt(sum x^2)``; otherwise at
    ``value``. Cells may go up without limit.
    """

    def __init__(
        self, space: ReleaseSpace, measure: str, status: np.ndarray, cost: np.ndarray,
        *, insider: bool,
    ):
        self.space = space
        self.measure = measure
        size = space.size
        self.pos0 = 0
        self.neg0 = size
        matrix = perturbation_constraints(space)
        self.value = space.scaled(measure)
        floor = space.insider_floor(measure) if insider else np.zeros(size)
        self.cap_down = np.maximum(self.value - floor, 0.0)
        # A structural zero is published exactly: it may not move at all.
        self.cap_up = np.where(status.ravel() == CellStatus.ZERO, 0.0, INF)
        hidden = is_hidden(status.ravel())
        cell_cost = np.where(hidden, HIDDEN_COST, cost)
        program = LinearProgram(
            cost=np.concatenate([cell_cost, cell_cost]),
            col_lower=np.zeros(2 * size),
            col_upper=np.concatenate([self.cap_up, self.cap_down]),
            matrix=matrix,
            row_lower=np.zeros(matrix.shape[0]),
            row_upper=np.zeros(matrix.shape[0]),
        )
        # Fresh solves: from the last basis the dual simplex takes thousands of degenerate pivots
        # to the next cell's optimum; presolve and a fresh start are ten times faster.
        self.solver = WarmSolver(program, fresh=True)

    def mark_hidden(self, cells: np.ndarray) -> None:
        cells = np.asarray(cells, dtype=np.int64)
        small = np.full(cells.size, HIDDEN_COST)
        self.solver.set_costs(self.pos0 + cells, small)
        self.solver.set_costs(self.neg0 + cells, small)

    def perturbation(self, cell: int, level: float, *, up: bool) -> np.ndarray | None:
        """The cheapest perturbation moving ``cell`` by ``level`` (signed, per cell), or None."""
        if up:
            self.solver.set_bounds([self.pos0 + cell, self.neg0 + cell], [level, 0.0], [INF, 0.0])
        else:
            self.solver.set_bounds([self.pos0 + cell, self.neg0 + cell], [0.0, level], [0.0, INF])
        try:
            x = self.solver.solve()
        finally:
            self.solver.set_bounds(
                [self.pos0 + cell, self.neg0 + cell], [0.0, 0.0],
                [self.cap_up[cell], self.cap_down[cell]],
            )
        if x is None:
            return None
        return self.delta(x, level)

    def delta(self, x: np.ndarray, level: float) -> np.ndarray:
        """The signed perturbation per cell of a solution ``x``; movements below a millionth
        of ``level`` are solver noise and set to zero."""
        delta = x[self.pos0 : self.neg0] - x[self.neg0 :]
        delta[np.abs(delta) <= 1e-6 * max(level, 1e-9)] = 0.0
        return delta


class Protector:
    """Protection LPs of one measure: up against an insider, down against an outsider.

    Every perturbation found is kept: scaled as far as the caps allow, it already protects
    other cells (any perturbation supported on hidden cells stays valid as more cells are
    hidden), so most cells need no LP of their own.
    """

    def __init__(self, space: ReleaseSpace, measure: str, status: np.ndarray, cost: np.ndarray):
        self.space, self.measure, self.status, self.cost = space, measure, status, cost
        self.lps: dict[bool, ProtectionLP] = {}
        self.value = space.scaled(measure)
        self.cap_insider = np.maximum(self.value - space.insider_floor(measure), 0.0)
        self.best_up = np.zeros(space.size)
        self.best_down = np.zeros(space.size)
        self.certifiers: dict[bool, ProtectionLP] = {}
        # Per certification LP: the cells already free to move in it.
        self.freed: dict[bool, np.ndarray] = {}
        self.joint_lps = 0

    def lp(self, insider: bool) -> ProtectionLP:
        if insider not in self.lps:
            self.lps[insider] = ProtectionLP(
                self.space, self.measure, self.status, self.cost, insider=insider
            )
        return self.lps[insider]

    def remember(self, delta: np.ndarray) -> None:
        """Credit every cell with the protection ``delta`` and ``-delta`` give it."""
        delta = np.where(np.abs(delta) > 1e-7 * np.maximum(1.0, self.value), delta, 0.0)
        for direction in (delta, -delta):
            falling = direction < 0
            if not falling.any():
                continue
            drop = -direction[falling]
            t_insider = float(np.min(self.cap_insider[falling] / drop))
            t_outside = float(np.min(self.value[falling] / drop))
            rising = direction > 0
            np.maximum.at(self.best_up, np.flatnonzero(rising), t_insider * direction[rising])
            np.maximum.at(self.best_down, np.flatnonzero(falling), t_outside * drop)

    def certify(self, levels: list[ProtectionLevel], rng: np.random.Generator) -> None:
        """Credit many levels at once from perturbations of the hidden cells alone.

        For each side, LPs push a random positive mix of the open cells up (insider caps) or
        down (outside caps) while every published cell stays fixed; every solution is a
        perturbation that ``remember`` credits to all cells. Stops when a round credits fewer
        than ``CERTIFY_GAIN`` levels. Called again after more cells are hidden, it goes on from
        the same LPs with those cells freed.
        """
        for up in (True, False):
            lp = self.certify_lp(up)
            while True:
                todo = [lv for lv in levels if not self.side_ok(lv, up)]
                if len(todo) <= 3:
                    break
                cells = np.asarray([lv.cell for lv in todo])
                need = np.asarray([lv.upper if up else lv.lower for lv in todo])
                weights = rng.uniform(0.5, 1.5, cells.size) / need
                sign = -1.0 if up else 1.0
                # A target moved as far as it needs earns nothing more, so the optimum
                # spreads the movement over as many targets as the hidden cells allow.
                moving = lp.pos0 + cells if up else lp.neg0 + cells
                lp.solver.set_bounds(moving, np.zeros(cells.size), need)
                lp.solver.set_costs(lp.pos0 + cells, sign * weights)
                lp.solver.set_costs(lp.neg0 + cells, -sign * weights)
                x = lp.solver.solve()
                lp.solver.set_costs(lp.pos0 + cells, np.zeros(cells.size))
                lp.solver.set_costs(lp.neg0 + cells, np.zeros(cells.size))
                lp.solver.set_bounds(
                    moving, np.zeros(cells.size),
                    10.0 * self.value[cells] + 10.0 if up else lp.cap_down[cells])
                if x is None:
                    break
                self.remember(x[lp.pos0 : lp.neg0] - x[lp.neg0 :])
                left = sum(1 for lv in todo if not self.side_ok(lv, up))
                if len(todo) - left < CERTIFY_GAIN:
                    break

    def certify_lp(self, up: bool) -> ProtectionLP:
        """The certification LP of one side, with every cell hidden so far free to move."""
        hidden = is_hidden(self.status.ravel())
        lp = self.certifiers.get(up)
        if lp is None:
            lp = ProtectionLP(self.space, self.measure, self.status, self.cost, insider=up)
            published = np.flatnonzero(~hidden)
            zeros = np.zeros(published.size)
            lp.solver.set_bounds(lp.pos0 + published, zeros, zeros)
            lp.solver.set_bounds(lp.neg0 + published, zeros, zeros)
            lp.solver.set_costs(np.arange(2 * self.space.size), np.zeros(2 * self.space.size))
            self.certifiers[up] = lp
            self.freed[up] = np.zeros(self.space.size, dtype=bool)
        new = np.flatnonzero(hidden & ~self.freed[up])
        if new.size:
            # Keep the LP bounded: no hidden cell needs to rise by more than ten times itself.
            lp.solver.set_bounds(lp.pos0 + new, np.zeros(new.size), 10.0 * self.value[new] + 10.0)
            lp.solver.set_bounds(lp.neg0 + new, np.zeros(new.size), lp.cap_down[new])
            self.freed[up][new] = True
        return lp

    def protect_jointly(self, levels: list[ProtectionLevel], up: bool) -> np.ndarray:
        """One LP moving every level's cell at once (up against an insider, or down): the
        perturbation it finds, credited to every cell (``remember``).

        Each target earns a large reward per unit up to its level, so the optimum moves every
        target that can move, at the least cost in cells moved; targets that conflict
        (siblings that only each other can balance) go to a later round. The LP's cost is
        linear in how far a cell moves, while hiding a cell costs the same however far it
        moves: ``JOINT_REWEIGHTS`` warm re-solves make the published cells the last solution
        moved cheap and the others dear, which gathers the movement on fewer cells.
        """
        lp = self.lp(up)
        cells = np.asarray([lv.cell for lv in levels])
        need = np.asarray([lv.upper if up else lv.lower for lv in levels])
        toward, away = (lp.pos0, lp.neg0) if up else (lp.neg0, lp.pos0)
        columns = np.arange(2 * self.space.size)
        saved = lp.solver.cost_of(columns).copy()
        published = ~is_hidden(self.status.ravel())
        scale = float(np.median(need))
        lp.solver.set_bounds(toward + cells, np.zeros(cells.size), need)
        x = None
        try:
            weights = self.cost
            for _ in range(1 + JOINT_REWEIGHTS):
                reward = JOINT_REWARD * float(weights[published].max(initial=1.0))
                base = saved[toward + cells]
                lp.solver.set_costs(toward + cells, base - reward)
                lp.solver.set_costs(away + cells, base + reward)
                self.joint_lps += 1
                solution = lp.solver.solve()
                if solution is None:  # d = 0 is feasible, so this cannot happen
                    break
                x = solution
                moved = np.abs(x[lp.pos0 : lp.neg0] - x[lp.neg0 :])
                weights = self.cost * scale / (moved + 0.1 * scale)
                lp.solver.set_costs(lp.pos0 + np.flatnonzero(published), weights[published])
                lp.solver.set_costs(lp.neg0 + np.flatnonzero(published), weights[published])
        finally:
            lp.solver.set_costs(columns, saved)
            caps = lp.cap_up[cells] if up else lp.cap_down[cells]
            lp.solver.set_bounds(toward + cells, np.zeros(cells.size), caps)
        if x is None:
            return np.zeros(self.space.size)
        delta = lp.delta(x, float(need.min()))
        self.remember(delta)
        return delta

    def side_ok(self, level: ProtectionLevel, up: bool) -> bool:
        if up:
            return self.best_up[level.cell] >= level.upper * (1 - 1e-9)
        return self.best_down[level.cell] >= level.lower * (1 - 1e-9)

    def protected(self, level: ProtectionLevel) -> bool:
        return (
            self.best_up[level.cell] >= level.upper * (1 - 1e-9)
            and self.best_down[level.cell] >= level.lower * (1 - 1e-9)
        )

    def cells_for(self, level: ProtectionLevel) -> np.ndarray:
        """Cells the cell's protection uses (up by ``upper``, down by ``lower``)."""
        if self.protected(level):
            return np.zeros(0, dtype=np.int64)
        used = np.zeros(0, dtype=np.int64)
        if self.best_up[level.cell] < level.upper * (1 - 1e-9):
            up = self.lp(True).perturbation(level.cell, level.upper, up=True)
            if up is None:
                # No pattern survives an insider; protect against the outside attacker at
                # least, and let the audit decide.
                up = self.lp(False).perturbation(level.cell, level.upper, up=True)
            if up is None:
                raise ProtectionError(
                    f"No suppression pattern protects {describe_cell(self.space, level.cell)} "
                    f"({self.measure}): too few cells can absorb its protection level.",
                    cell=int(level.cell),
                )
            self.remember(up)
            used = np.flatnonzero(up)
        if self.best_down[level.cell] < level.lower * (1 - 1e-9):
            down = self.lp(False).perturbation(level.cell, level.lower, up=False)
            if down is not None:
                self.remember(down)
                used = np.union1d(used, np.flatnonzero(down))
        return used

    def mark_hidden(self, cells: np.ndarray) -> None:
        for lp in self.lps.values():
            lp.mark_hidden(cells)

    def hide(self, moved: np.ndarray) -> int:
        """Hide the published cells among ``moved`` (in the status, and as cheap in every
        protection LP); how many."""
        flat = self.status.ravel()
        new = moved[flat[moved] == CellStatus.PUBLISHED]
        if new.size:
            flat[new] = CellStatus.SECONDARY
            self.mark_hidden(new)
        return int(new.size)

    def count(self, stats: dict) -> None:
        solvers = [lp.solver for lp in (*self.lps.values(), *self.certifiers.values())]
        stats["protection_lps"] = stats.get("protection_lps", 0) + sum(s.solves for s in solvers)
        stats["joint_lps"] = stats.get("joint_lps", 0) + self.joint_lps
        stats["protection_seconds"] = (
            stats.get("protection_seconds", 0.0) + sum(s.seconds for s in solvers)
        )


def protect_cells(
    space: ReleaseSpace,
    status: np.ndarray,
    levels: list[ProtectionLevel],
    cost: np.ndarray,
    *,
    stats: dict,
    trust_witnesses: bool = True,
) -> int:
    """Hide the cells each level's cheapest perturbations use; in place. Returns cells added.

    With ``trust_witnesses`` false every level gets its own LPs (used when the audit found a
    cell short that earlier perturbations seemed to protect)."""
    added = 0
    by_measure: dict[str, list[ProtectionLevel]] = {}
    for level in levels:
        by_measure.setdefault(level.measure, []).append(level)
    for measure, todo in by_measure.items():
        protector = Protector(space, measure, status, cost)
        certifying = trust_witnesses and len(todo) > CERTIFY_MIN
        rng = np.random.default_rng(len(todo))
        if certifying:
            protector.certify(todo, rng)
            added += joint_rounds(protector, todo)
        # Coarse cells first, then large before small: their patterns serve the small ones.
        todo.sort(key=lambda lv: (space.structure.depth[lv.cell % space.n_cells], -lv.upper))
        since, grown = 0, False
        for j, level in enumerate(todo):
            if certifying and grown and since >= RECERTIFY_EVERY:
                # Cells hidden since the last certification open perturbations that protect
                # many of the levels left at once.
                rest = [lv for lv in todo[j:] if not protector.protected(lv)]
                if len(rest) > CERTIFY_MIN:
                    protector.certify(rest, rng)
                since, grown = 0, False
            if not trust_witnesses:
                protector.best_up[level.cell] = protector.best_down[level.cell] = 0.0
            if protector.protected(level):
                continue
            since += 1
            new = protector.hide(protector.cells_for(level))
            added += new
            grown = grown or new > 0
        protector.count(stats)
    return added


def joint_rounds(protector: Protector, levels: list[ProtectionLevel]) -> int:
    """Joint protection LPs while many levels are left (``JOINT_MIN``); cells added.

    A single-cell LP per level is the leaner pattern (each reuses what the ones before hid)
    but costs one whole-release LP per level, seconds each in a large release; there a round of
    two joint LPs (up, down) protects most of them at once (docs/decisions.md, "Joint
    protection for large releases")."""
    added = 0
    if protector.space.size < JOINT_MIN_CELLS:
        return added
    while True:
        rest = [lv for lv in levels if not protector.protected(lv)]
        if len(rest) <= JOINT_MIN:
            return added
        for up in (True, False):
            open_ = [lv for lv in rest if not protector.side_ok(lv, up)]
            if not open_:
                continue
            added += protector.hide(np.flatnonzero(protector.protect_jointly(open_, up)))
        left = sum(1 for lv in rest if not protector.protected(lv))
        if len(rest) - left < CERTIFY_GAIN:
            return added


def escalate(space: ReleaseSpace, status: np.ndarray, cells: np.ndarray, step: int) -> int:
    """Hide more around cells the audit keeps finding short; in place, returns cells added.

    The protection LPs work on cohort totals; with atoms missing from the submission set a
    perturbation they find may not exist atom by atom, and the audit says so. Each step widens
    what is hidden around a short cell: (0) the published members of every identity holding
    it; (1) the same cell in every cohort sharing an atom with its cohort, and their
    identities; (2) the whole table of that cell in those cohorts. The loop ends because each
    step hides something or there is nothing left to hide.
    """
    flat = status.ravel()
    n = space.n_cells
    wanted: set[int] = set(int(c) for c in cells)
    if step >= 1:
        for g in list(wanted):
            k, i = space.split(g)
            for j, cohort in enumerate(space.cohorts):
                if cohort.atoms & space.cohorts[k].atoms:
                    if step == 1:
                        wanted.add(j * n + i)
                    else:
                        table = space.structure.tables[space.structure.table_of[i]]
                        wanted.update(j * n + c for c in table.cells)
    added = 0
    for members in identities(space):
        if wanted.intersection(members.tolist()):
            new = members[flat[members] == CellStatus.PUBLISHED]
            flat[new] = CellStatus.SECONDARY
            added += int(new.size)
    for g in wanted:
        if flat[g] == CellStatus.PUBLISHED:
            flat[g] = CellStatus.SECONDARY
            added += 1
    return added


def describe_cell(space: ReleaseSpace, g: int) -> str:
    k, i = space.split(g)
    dims, labels = space.structure.cell_key(i)
    where = ", ".join(f"{d}={v}" for d, v in zip(dims, labels, strict=True)) or "total"
    return f"cohort {space.cohorts[k].label}, cell [{where}]"
