"""Cohorts and the guard against unmasking a small group (DESIGN §2.3).

A cohort is a set of employers whose summed vector is unmasked: all employers, each industry,
each size band. Unmasking a family of cohorts reveals every linear combination of their sums:
the service could ask for "all" and "all but X" and subtract. The guard therefore looks at the
row space of the membership matrix: every non-zero combination of cohort indicators must give
weight to at least ``min_employers`` employers. It is the same check on both sides: the service
uses it to choose a family it will ask for, the office client to refuse a family it is asked for.

Method: employers with identical memberships form an *atom* (at most industries x size bands of
them). For each atom k, a small mixed-integer program (HiGHS) finds the combination with weight 1
on k that touches the fewest employers. The bound on the coefficients makes the search
conservative: a combination with tiny non-zero weights may be counted as touching fewer
employers than it does, which can only refuse more, never less.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from aggregation.disclosure.lp import LinearProgram, SolverError, WarmSolver
from protocol.release import cohort_key

COEFFICIENT_BOUND = 1000.0


@dataclass(frozen=True)
class Cohort:
    kind: str  # "all", "industry" or "size"
    value: str | None
    members: frozenset[int]

    @property
    def key(self) -> str:
        return cohort_key(self.kind, self.value)

    def describe(self) -> str:
        return "all employers" if self.kind == "all" else f"{self.kind} {self.value}"


@dataclass(frozen=True)
class Isolation:
    """The smallest group of employers some combination of the cohorts singles out."""

    employers: frozenset[int]
    weights: dict[str, float]

    def describe(self) -> str:
        terms = " ".join(f"{w:+g}×[{k}]" for k, w in self.weights.items() if abs(w) > 1e-9)
        return f"{len(self.employers)} employer(s) isolated by {terms}"


def cohorts_propose(members: Mapping[int, tuple[str, str]], *, min_employers: int) -> list[Cohort]:
    """The family the service asks to unmask: all, then every industry and size band big enough,
    each kept only if the family stays safe. ``members`` maps employer id → (industry, size band).
    """
    everyone = frozenset(members)
    if len(everyone) < min_employers:
        return []
    family = [Cohort("all", None, everyone)]
    candidates: list[Cohort] = []
    for kind, index in (("industry", 0), ("size", 1)):
        values = sorted({meta[index] for meta in members.values()})
        for value in values:
            group = frozenset(e for e, meta in members.items() if meta[index] == value)
            if min_employers <= len(group) < len(everyone):
                candidates.append(Cohort(kind, value, group))
    # Largest first: big cohorts are the most useful and the least likely to isolate anyone.
    for cohort in sorted(candidates, key=lambda c: (-len(c.members), c.key)):
        if family_smallest_isolation(family + [cohort], limit=min_employers) is None:
            family.append(cohort)
    return family


def _atoms(cohorts: list[Cohort]) -> tuple[np.ndarray, list[frozenset[int]]]:
    """Membership matrix over atoms (cohorts x atoms) and the employers of each atom."""
    universe = sorted(set().union(*(c.members for c in cohorts)))
    signature: dict[tuple[bool, ...], list[int]] = {}
    for employer in universe:
        sig = tuple(employer in c.members for c in cohorts)
        signature.setdefault(sig, []).append(employer)
    sigs = list(signature)
    matrix = np.array([[1.0 if sig[i] else 0.0 for sig in sigs] for i in range(len(cohorts))])
    return matrix, [frozenset(signature[s]) for s in sigs]


def family_smallest_isolation(cohorts: Iterable[Cohort], *, limit: int) -> Isolation | None:
    """The smallest group (fewer than ``limit`` employers) that a combination of the cohorts'
    sums isolates, or None when every combination touches at least ``limit`` employers."""
    cohorts = list(cohorts)
    if not cohorts:
        return None
    matrix, atoms = _atoms(cohorts)
    n_c, n_a = matrix.shape
    sizes = np.array([len(a) for a in atoms], dtype=float)
    best: Isolation | None = None
    for k in range(n_a):
        if sizes[k] >= limit or (best is not None and sizes[k] >= len(best.employers)):
            continue  # any group containing atom k is already too big to matter
        # Variables: y (cohort weights, free within ±B), z (atom used, binary).
        c = np.concatenate([np.zeros(n_c), sizes])
        rows, lower, upper = [], [], []
        for a in range(n_a):
            w = matrix[:, a]
            zrow = np.zeros(n_a)
            zrow[a] = -COEFFICIENT_BOUND
            rows.append(np.concatenate([w, zrow]))  # w·y − B z ≤ 0
            lower.append(-np.inf)
            upper.append(0.0)
            rows.append(np.concatenate([-w, zrow]))  # −w·y − B z ≤ 0
            lower.append(-np.inf)
            upper.append(0.0)
        rows.append(np.concatenate([matrix[:, k], np.zeros(n_a)]))  # weight 1 on atom k
        lower.append(1.0)
        upper.append(1.0)
        program = LinearProgram(
            cost=c,
            matrix=sparse.csc_matrix(np.array(rows)),
            row_lower=np.array(lower),
            row_upper=np.array(upper),
            col_lower=np.concatenate([np.full(n_c, -COEFFICIENT_BOUND), np.zeros(n_a)]),
            col_upper=np.concatenate([np.full(n_c, COEFFICIENT_BOUND), np.ones(n_a)]),
            integer=np.concatenate([np.zeros(n_c), np.ones(n_a)]),
        )
        try:
            # No time limit: the guard must finish its search to say a family is safe.
            x = WarmSolver(program, time_limit=math.inf).solve()
        except SolverError:
            x = None
        if x is None:
            continue
        used = [a for a in range(n_a) if x[n_c + a] > 0.5]
        group = frozenset().union(*(atoms[a] for a in used))
        if len(group) < limit and (best is None or len(group) < len(best.employers)):
            weights = {cohorts[i].key: round(float(x[i]), 6) for i in range(n_c)}
            best = Isolation(employers=group, weights=weights)
    return best


def family_check(cohorts: list[Cohort], *, min_employers: int) -> list[str]:
    """Every reason to refuse this family; empty when it is safe to unmask."""
    problems = []
    keys = [c.key for c in cohorts]
    if len(set(keys)) != len(keys):
        problems.append("The same cohort is asked for twice.")
    for cohort in cohorts:
        if len(cohort.members) < min_employers:
            problems.append(
                f"Cohort {cohort.describe()} has {len(cohort.members)} employer(s); the minimum "
                f"is {min_employers}."
            )
    if not problems:
        isolation = family_smallest_isolation(cohorts, limit=min_employers)
        if isolation is not None:
            problems.append(
                "These cohorts can be added and subtracted down to a small group: "
                + isolation.describe()
                + f" (minimum {min_employers})."
            )
    return problems
