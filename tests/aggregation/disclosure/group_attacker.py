"""The attacker of DESIGN §5.5 against a published release, independent of the audit code.

It reads only the release JSON and what DESIGN says is public (each employer's industry and
size band), and the true population to score itself:

- unknowns: the finest cells of every group of employers sharing an industry and a size band,
  per measure (headcount, compensation, performance pay, tenure), all >= 0 (``attacker.py``'s
  LP with each group standing in for one employer);
- every published cell of every cohort within its rounding (headcount +- base/2, each mean
  within half its unit times the headcount, coupled in one LP), structural zeros exact;
- targets: suppressed cells of the published cohorts, and every cell that fails the primary
  rules in a remainder "all minus the published cohorts of a kind".

``attack`` returns each target's interval; ``AttackReport`` compares them with the policy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from attacker import Attacker, Release

from aggregation.disclosure.policy import DisclosurePolicy
from aggregation.disclosure.primary import cell_reasons
from populations.totals import Population, cohort_from_population
from protocol.taxonomy import DIMENSIONS
from protocol.taxonomy import load as taxonomy_load

MEASURES = {"headcount": 0, "compensation": 1, "performance_pay": 2}


def grouped(pop: Population) -> tuple[Population, np.ndarray]:
    """The population with one row per industry x size group, and each employer's group."""
    keys = pop.industry * 100 + pop.size_band
    uniq, group = np.unique(keys, return_inverse=True)

    def summed(values: np.ndarray) -> np.ndarray:
        out = np.zeros((len(uniq), values.shape[1]), dtype=values.dtype)
        np.add.at(out, group, values)
        return out

    gpop = replace(
        pop, industry=uniq // 100, size_band=uniq % 100, headcount=summed(pop.headcount),
        comp=summed(pop.comp), perf=summed(pop.perf), tenure=summed(pop.tenure),
        rows=np.ones(len(uniq), dtype=bool),
    )
    return gpop, group


@dataclass
class Finding:
    cohort: tuple[str, str | None]
    dims: tuple[str, ...]
    labels: tuple[str, ...]
    measure: str
    primary: bool
    remainder: bool
    value: float
    low: float
    high: float

    @property
    def ratio(self) -> float:
        return min(self.value - self.low, self.high - self.value) / self.value

    @property
    def width(self) -> float:
        return (self.high - self.low) / self.value

    def describe(self) -> str:
        return (f"{self.cohort} {dict(zip(self.dims, self.labels, strict=True))} {self.measure}: "
                f"{self.value:.6g} in [{self.low:.6g}, {self.high:.6g}]")


@dataclass
class AttackReport:
    findings: list[Finding]
    policy: DisclosurePolicy

    def short(self) -> list[Finding]:
        """Primary cells (and failing remainder cells) narrowed below the policy's margin."""
        out = []
        for f in self.findings:
            if not f.primary:
                continue
            need = self.policy.margin * f.value
            if f.measure == "headcount":
                need = max(need, self.policy.headcount_protection_people)
            down_ok = f.low <= 1e-6 * f.value if need >= f.value else f.value - f.low >= need * (1 - 1e-6)
            if not down_ok or f.high - f.value < need * (1 - 1e-6):
                out.append(f)
        return out

    def exact(self) -> list[Finding]:
        return [f for f in self.findings if f.width < self.policy.exact_width * (1 - 1e-6)]

    def worst_primary_ratio(self) -> float | None:
        ratios = [f.ratio for f in self.findings if f.primary]
        return min(ratios) if ratios else None


def _remainders(document: dict, pop: Population, group: np.ndarray, policy: DisclosurePolicy):
    """(key, group mask, true totals) of each "all minus the published cohorts of a kind"."""
    published = {(t["cohort"]["kind"], t["cohort"].get("value")) for t in document["tables"]}
    tax = taxonomy_load(document["taxonomy"])
    names = {"industry": tax.industries, "size": tax.size_bands}
    codes = {"industry": pop.industry, "size": pop.size_band}
    for kind in ("industry", "size"):
        values = [v for k, v in published if k == kind]
        if not values:
            continue
        covered = np.isin(np.asarray(names[kind])[codes[kind]], values)
        if covered.all():
            continue
        totals = cohort_from_population(pop, ~covered, kind=kind, value="rest",
                                        atoms=frozenset({"rest"}))
        groups = np.zeros(group.max() + 1, dtype=bool)
        groups[group[~covered]] = True
        yield (kind, f"other ({kind})"), groups, totals


def attack(document: dict, pop: Population, policy: DisclosurePolicy, *, limit: int = 30,
           seed: int = 0) -> AttackReport:
    """Bounds of up to ``limit`` targets of each kind (primary, secondary, remainder): the
    smallest primary cells first (an attack aims there), a random sample of secondary ones."""
    gpop, group = grouped(pop)
    n_groups = gpop.n_employers
    tax = taxonomy_load(document["taxonomy"])
    names = {"industry": np.asarray(tax.industries)[gpop.industry],
             "size": np.asarray(tax.size_bands)[gpop.size_band]}
    members = {}
    for t in document["tables"]:
        key = (t["cohort"]["kind"], t["cohort"].get("value"))
        members[key] = (np.ones(n_groups, dtype=bool) if key[0] == "all"
                        else names[key[0]] == key[1])
    release = Release(document=document, population=gpop, members=members,
                      employer_ids=np.arange(n_groups))
    attacker = Attacker([release], solver="simplex")
    rng = np.random.default_rng(seed)
    suppressed = []
    for t in document["tables"]:
        key = (t["cohort"]["kind"], t["cohort"].get("value"))
        dims = tuple(d for d in DIMENSIONS if d in t["dimensions"])
        for cell in t["cells"]:
            if cell["status"] == "suppressed":
                suppressed.append((key, dims, tuple(cell[d] for d in dims)))
    findings: list[Finding] = []

    def bound(key, dims, labels, primary, remainder, employers=None):
        for measure, m in MEASURES.items():
            cols = attacker.cell_columns(release, key, dims, labels, m, employers=employers)
            value = attacker.true_value(cols)
            if value <= 0:
                continue
            low, high = attacker.interval(cols)
            findings.append(Finding(key, dims, labels, measure, primary, remainder, value, low, high))

    truth = {}
    primary, secondary = [], []
    for key, dims, labels in suppressed:
        if key not in truth:
            mask = np.zeros(pop.n_employers, dtype=bool)
            mask[:] = members[key][group]
            truth[key] = cohort_from_population(pop, mask, kind="all", value=None,
                                                atoms=frozenset({"x"}))
        totals = truth[key]
        i = _cell_index(totals, dims, labels)
        (primary if cell_reasons(totals, i, policy) else secondary).append(
            (int(totals.headcount[i]), key, dims, labels))
    primary.sort(key=lambda x: x[0])
    for _, key, dims, labels in primary[:limit]:
        bound(key, dims, labels, True, False)
    picks = rng.permutation(len(secondary))[:limit]
    for j in picks:
        _, key, dims, labels = secondary[j]
        bound(key, dims, labels, False, False)
    for key, groups, totals in _remainders(document, pop, group, policy):
        failing = [int(i) for i in np.flatnonzero(totals.headcount > 0)
                   if cell_reasons(totals, int(i), policy)]
        failing.sort(key=lambda i: -int(totals.headcount[i]))
        for i in failing[:limit]:
            dims, labels = totals.structure.cell_key(i)
            ordered = tuple(d for d in DIMENSIONS if d in dims)
            labels = tuple(dict(zip(dims, labels, strict=True))[d] for d in ordered)
            bound(key, ordered, labels, True, True, employers=np.flatnonzero(groups))
    return AttackReport(findings=findings, policy=policy)


def _cell_index(totals, dims, labels) -> int:
    index = totals.structure.cell_index_by_key()
    structure_dims = next(t.dims for t in totals.structure.tables if set(t.dims) == set(dims))
    named = dict(zip(dims, labels, strict=True))
    return index[(structure_dims, tuple(named[d] for d in structure_dims))]
