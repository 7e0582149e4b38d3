"""The optimal secondary step (``optimal.py``): cheaper than the heuristic, every level still
reachable, every cut it adds valid.

The reachability check uses the heuristic's own protection LP (``secondary.ProtectionLP``)
with every published cell pinned: an independent model of "the attacker moves hidden cells
only", not the Benders code's attacker LP.
"""

from __future__ import annotations

import numpy as np
import pytest

import aggregation.disclosure.optimal as optimal
from aggregation.disclosure.policy import DisclosurePolicy
from aggregation.disclosure.primary import CellStatus, primary_suppress
from aggregation.disclosure.release import LEVEL_HEADROOM
from aggregation.disclosure.secondary import (
    ProtectionLevel,
    ProtectionLP,
    is_hidden,
    perturbation_constraints,
    protect_cells,
    protection_levels,
    singleton_pass,
    suppression_cost,
)
from aggregation.disclosure.space import ReleaseSpace
from populations.totals import population_cohorts, population_generate

MEASURES = ("headcount", "compensation")


@pytest.fixture(scope="module")
def one_cohort():
    """One cohort of 150 employers (lognormal sizes): about 60 primary cells of 440."""
    rng = np.random.default_rng(5)
    sizes = np.clip(rng.lognormal(3.5, 1.5, 150).astype(int), 1, 50_000)
    pop = population_generate(sizes=sizes, industries=np.zeros(150, dtype=int), seed=6)
    space = ReleaseSpace(population_cohorts(pop, kinds=()))
    policy = DisclosurePolicy()
    entry, _ = primary_suppress(space.cohorts, policy)
    cost = suppression_cost(space)
    levels = [
        ProtectionLevel(lv.cell, lv.measure, lv.upper * LEVEL_HEADROOM, lv.lower)
        for lv in protection_levels(space, entry, policy, MEASURES)
    ]
    heuristic = entry.copy()
    singleton_pass(space, heuristic, cost)
    protect_cells(space, heuristic, list(levels), cost, stats={})
    return space, entry, cost, levels, heuristic


def reachable(space, status, cost, level: ProtectionLevel, *, up: bool, insider: bool) -> bool:
    """Can ``level.cell`` move by its level with every published cell pinned?"""
    lp = ProtectionLP(space, level.measure, status, cost, insider=insider)
    published = np.flatnonzero(~is_hidden(status.ravel()))
    zeros = np.zeros(published.size)
    lp.solver.set_bounds(lp.pos0 + published, zeros, zeros)
    lp.solver.set_bounds(lp.neg0 + published, zeros, zeros)
    return lp.perturbation(level.cell, level.upper if up else level.lower, up=up) is not None


def hidden_cost(status, cost) -> float:
    return float(cost[status.ravel() == CellStatus.SECONDARY].sum())


def solve_with_cuts(one_cohort, **kwargs):
    """``optimal_pattern`` on the cohort, and every cut it added to its master."""
    space, entry, cost, levels, heuristic = one_cohort
    cuts: list[tuple[np.ndarray, np.ndarray, float]] = []
    original = optimal.Master.add_cut

    def spy(self, index, coef, rhs):
        cuts.append((index.copy(), coef.copy(), rhs))
        original(self, index, coef, rhs)

    optimal.Master.add_cut = spy
    try:
        stats: dict = {}
        # A generous time limit: on a loaded machine the default would end the search early,
        # and what these tests check (bounds, cuts) does not depend on how long it ran.
        kwargs.setdefault("time_limit", 600.0)
        out = optimal.optimal_pattern(
            space, entry, levels, cost, incumbent=heuristic, stats=stats, **kwargs
        )
    finally:
        optimal.Master.add_cut = original
    return out, stats, cuts


def certified_patterns(space, entry, attackers, reqs, *, seed: int, tries: int):
    """Patterns near "hide everything" (a tenth of the free cells published at random) that
    meet every requirement in the attacker LPs, as 0/1 vectors over the free cells."""
    free = np.flatnonzero(entry.ravel() == CellStatus.PUBLISHED)
    hidden = is_hidden(entry.ravel()).astype(np.float64)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(tries):
        y_free = (rng.random(free.size) > 0.1).astype(np.float64)
        y = hidden.copy()
        y[free] = y_free
        if all(attackers[(r.measure, r.insider)].reach(r, y)[0] >= r.level * (1 - 1e-7)
               for r in reqs):
            out.append(y_free)
    return out


@pytest.fixture(scope="module")
def solved(one_cohort):
    return solve_with_cuts(one_cohort)


def test_the_optimal_pattern_costs_less_and_only_adds_suppressions(one_cohort, solved):
    space, entry, cost, levels, heuristic = one_cohort
    out, stats, _ = solved
    assert out is not None, stats
    assert hidden_cost(out, cost) < hidden_cost(heuristic, cost)
    before, after = entry.ravel(), out.ravel()
    assert np.array_equal(after[before != CellStatus.PUBLISHED],
                          before[before != CellStatus.PUBLISHED])
    assert set(np.unique(after[before == CellStatus.PUBLISHED])) <= {
        CellStatus.PUBLISHED, CellStatus.SECONDARY}


def test_every_level_is_reachable_through_hidden_cells_only(one_cohort, solved):
    space, entry, cost, levels, _ = one_cohort
    out, _, _ = solved
    for level in levels:
        # Up against an insider; where no pattern at all survives one, against an outsider
        # (as the heuristic does).
        assert reachable(space, out, cost, level, up=True, insider=True) or (
            not reachable(space, out * 0 + CellStatus.SECONDARY, cost, level, up=True,
                          insider=True)
            and reachable(space, out, cost, level, up=True, insider=False))
        assert reachable(space, out, cost, level, up=False, insider=False)
    # The check can fail: the primary cells alone protect nothing.
    assert not all(reachable(space, entry, cost, lv, up=False, insider=False) for lv in levels)


def test_every_cut_holds_where_everything_is_hidden_and_cuts_off_nothing_hidden(
    one_cohort, solved
):
    space, entry, _, _, _ = one_cohort
    _, stats, cuts = solved
    assert cuts and stats["optimal_cuts"] == len(cuts)
    free = np.flatnonzero(entry.ravel() == CellStatus.PUBLISHED)
    everything = np.ones(free.size)
    nothing = np.zeros(free.size)
    assert all(coef @ everything[index] >= rhs for index, coef, rhs in cuts)
    assert all(coef @ nothing[index] < rhs for index, coef, rhs in cuts)


def test_every_cut_holds_for_every_pattern_the_attacker_lps_certify(one_cohort, solved):
    """Patterns near "hide everything" that meet every requirement in the attacker LPs must
    satisfy every cut the loop added."""
    space, entry, _, levels, _ = one_cohort
    _, _, cuts = solved
    matrix = perturbation_constraints(space)
    attackers = {(m, insider): optimal.AttackerLP(space, matrix, m, entry, insider)
                 for m in MEASURES for insider in (True, False)}
    reqs = optimal.requirements(levels, attackers, space)
    certified = certified_patterns(space, entry, attackers, reqs, seed=3, tries=12)
    assert len(certified) >= 3
    for y_free in certified:
        assert all(coef @ y_free[index] >= rhs for index, coef, rhs in cuts)


def test_a_release_too_large_for_the_mip_keeps_the_heuristic(one_cohort, monkeypatch):
    space, entry, cost, levels, heuristic = one_cohort
    monkeypatch.setattr(optimal, "OPTIMAL_MAX_WORK", 10)
    stats: dict = {}
    assert optimal.optimal_pattern(space, entry, levels, cost, incumbent=heuristic,
                                   stats=stats) is None
    assert stats["optimal_cuts"] == 0


def test_a_level_nothing_can_reach_leaves_the_heuristic_in_charge(one_cohort):
    space, entry, cost, levels, heuristic = one_cohort
    # A compensation level far beyond the whole cohort's pay: no pattern reaches it.
    cell = levels[0].cell
    huge = ProtectionLevel(cell, "compensation", upper=1.0, lower=1e12)
    stats: dict = {}
    assert optimal.optimal_pattern(space, entry, [*levels, huge], cost,
                                   incumbent=heuristic, stats=stats) is None


@pytest.mark.slow
def test_a_release_build_keeps_the_cheaper_pattern_and_passes_the_audit(
    one_cohort, monkeypatch
):
    import aggregation.disclosure.release as release

    space, _, cost, _, _ = one_cohort
    policy = DisclosurePolicy()
    with_step = release.release_build(cohorts=space.cohorts, policy=policy)
    monkeypatch.setattr(release, "OPTIMAL_MAX_CELLS", 0)
    heuristic = release.release_build(cohorts=space.cohorts, policy=policy)
    assert with_step.certificate.passed and heuristic.certificate.passed
    assert with_step.certificate.seconds["optimal"] > 0
    assert heuristic.certificate.seconds["optimal"] == 0
    assert hidden_cost(with_step.status, cost) < hidden_cost(heuristic.status, cost)


def test_a_solver_failure_leaves_the_heuristic_in_charge(one_cohort, monkeypatch):
    space, entry, cost, levels, heuristic = one_cohort

    def broken(self, req, y):
        raise optimal.SolverError("HiGHS stopped with status Solve error.")

    monkeypatch.setattr(optimal.AttackerLP, "reach", broken)
    stats: dict = {}
    assert optimal.optimal_pattern(space, entry, levels, cost, incumbent=heuristic,
                                   stats=stats) is None
    assert "Solve error" in stats["optimal_error"]


def test_what_one_perturbation_credits_to_other_cells_holds_in_the_heuristics_model(one_cohort):
    """A perturbation found for one requirement, scaled to the bounds, is credited to other
    cells; each credit must be a movement the heuristic's own LP (published cells pinned)
    confirms for that cell."""
    space, entry, cost, levels, heuristic = one_cohort
    matrix = perturbation_constraints(space)
    y = is_hidden(heuristic.ravel()).astype(np.float64)
    checked = 0
    for measure in MEASURES:
        for up, insider in ((True, True), (False, False)):
            attacker = optimal.AttackerLP(space, matrix, measure, entry, insider)
            source = next(lv for lv in levels if lv.measure == measure)
            req = optimal.Requirement(source.cell, measure, source.upper if up else source.lower,
                                      up, insider)
            reached, _, caps, _, delta = attacker.reach(req, y)
            assert reached > 0
            credited = optimal.credits(delta, caps * np.concatenate([y, y]), up=up)
            assert credited
            for cell, amount in sorted(credited.items(), key=lambda kv: -kv[1])[:4]:
                level = ProtectionLevel(cell, measure, amount * (1 - 1e-6), amount * (1 - 1e-6))
                assert reachable(space, heuristic, cost, level, up=up, insider=insider), (
                    measure, up, cell, amount)
                checked += 1
    assert checked >= 8


def test_credits_scale_each_direction_to_its_tightest_column():
    # Cell 0 rises by 2 while cell 1 falls by 1; rises may reach 10, falls 0.5 (cell 0) and
    # 3 (cells 1, 2). As it is, the fall of cell 1 binds (t = 3): cell 0 rises by 6, cell 1
    # falls by 3. Reversed, the fall of cell 0 binds (t = 0.25): cell 1 rises by 0.25 and
    # cell 0 falls by 0.5.
    delta = np.array([2.0, -1.0, 0.0])
    bound = np.array([10.0, 10.0, 10.0, 0.5, 3.0, 3.0])
    assert optimal.credits(delta, bound, up=True) == pytest.approx({0: 6.0, 1: 0.25})
    assert optimal.credits(delta, bound, up=False) == pytest.approx({1: 3.0, 0: 0.5})
    assert optimal.credits(np.zeros(3), bound, up=True) == {}


def test_uncapped_the_bound_is_below_every_pattern_of_the_heuristics_model(one_cohort):
    """With ``rise_factor=inf`` the attacker LPs are the heuristic's model, so the master's
    bound (the benchmark's lower bound) may not exceed the heuristic's pattern's cost, and
    every cut must hold for that pattern and for every pattern the uncapped LPs certify."""
    space, entry, cost, levels, heuristic = one_cohort
    out, stats, cuts = solve_with_cuts(one_cohort, stall=1, rise_factor=np.inf)
    assert cuts and all(np.isfinite(coef).all() and np.isfinite(rhs) for _, coef, rhs in cuts)
    kept = heuristic if out is None else out
    assert 0 < stats["optimal_bound"] <= hidden_cost(kept, cost) <= hidden_cost(heuristic, cost)
    free = np.flatnonzero(entry.ravel() == CellStatus.PUBLISHED)
    for pattern in (heuristic, kept):
        y_free = is_hidden(pattern.ravel()[free]).astype(np.float64)
        assert all(coef @ y_free[index] >= rhs for index, coef, rhs in cuts)
    matrix = perturbation_constraints(space)
    attackers = {(m, insider): optimal.AttackerLP(space, matrix, m, entry, insider, np.inf)
                 for m in MEASURES for insider in (True, False)}
    reqs = optimal.requirements(levels, attackers, space)
    rises = attackers[(reqs[0].measure, reqs[0].insider)].caps(reqs[0])[: space.size]
    zero = entry.ravel() == CellStatus.ZERO
    assert np.isinf(rises[~zero]).all() and not rises[zero].any()
    certified = certified_patterns(space, entry, attackers, reqs, seed=4, tries=8)
    assert len(certified) >= 3
    for y_free in certified:
        assert all(coef @ y_free[index] >= rhs for index, coef, rhs in cuts)
