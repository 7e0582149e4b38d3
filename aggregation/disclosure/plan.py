"""The publication plan (DESIGN §5.7): which cohorts a release publishes, decided before any LP.

Guarantees of ``plan_release``:
- "all" is always published, and its headline cells that pass the primary rules are *locked*:
  secondary suppression prices them so that it hides them only when nothing else protects a
  cell, and a build that hides one drops the cohort that forced it (``release.py``).
- For each family (industry, size), the published members leave a remainder, "all minus the
  published members", which differencing reveals. The plan adds it as an unpublished cohort
  whose failing cells are protected and audited like any suppressed cell.
- Per family, the plan publishes the set of members with the best score (``_Scorer``): safe
  cells published minus the cells their failing cells, and the remainder's, are estimated to
  force hidden elsewhere; a set is infeasible when a failing cell (of a member or of the
  remainder) sits where the all-employers cell is locked and what shares that identity holds
  less than the protection margin. Up to ``EXHAUSTIVE_MEMBERS`` free members every subset is
  scored, beyond that members are dropped one at a time. Each member left out says why, in
  words: what adding it back would cost.
- The office can force a member in or out (``choices``); the build can drop one it could not
  protect (``dropped``). Both are named in the decision's ``chosen_by``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from aggregation.disclosure.cohorts import CohortTotals, cohort_remainder
from aggregation.disclosure.policy import DisclosurePolicy
from aggregation.disclosure.primary import cell_reasons
from aggregation.disclosure.space import SUM_FIELD
from aggregation.disclosure.tables import headline_mask
from protocol.release import cohort_key

FAMILIES = {"industry": "industries", "size": "size bands"}
SINGULAR = {"industries": "industry", "size bands": "size band"}
# A failing cell of a member where the all-employers cell passes needs hidden partners in
# other cohorts: at least one in the family identity, and about as many again to close the
# row and column differences of its tables.
FORCED_PER_FAILING_CELL = 2


@dataclass(frozen=True)
class PlanDecision:
    """What the plan does with one unmasked cohort, and why."""

    cohort: str
    title: str
    action: str  # "publish" or "drop"
    reason: str
    safe_cells: int
    failing_cells: int
    chosen_by: str = "plan"  # "plan", "office" or "build"

    def as_dict(self) -> dict:
        return {
            "cohort": self.cohort, "title": self.title, "action": self.action,
            "reason": self.reason, "safe_cells": self.safe_cells,
            "failing_cells": self.failing_cells, "chosen_by": self.chosen_by,
        }


@dataclass(frozen=True)
class ReleasePlan:
    """The cohorts to build (published ones, then unpublished remainders) and the decisions."""

    cohorts: tuple[CohortTotals, ...]
    decisions: tuple[PlanDecision, ...]
    locked: np.ndarray = field(repr=False)  # flat over ``cohorts`` x cells

    @property
    def published(self) -> tuple[str, ...]:
        return tuple(d.cohort for d in self.decisions if d.action == "publish")

    def as_dict(self) -> dict:
        return {
            "decisions": [d.as_dict() for d in self.decisions],
            "remainders": [c.value for c in self.cohorts if not c.published],
            "locked_headline_cells": int(self.locked.sum()),
        }


def cohort_title(cohort: CohortTotals) -> str:
    return "All employers" if cohort.kind == "all" else f"{cohort.kind} {cohort.value}"


@dataclass
class _Facts:
    """Per cohort: which cells fail the rules, which pass, and on which measures they fail."""

    failing: np.ndarray
    safe: np.ndarray

    @classmethod
    def of(cls, cohort: CohortTotals, policy: DisclosurePolicy) -> _Facts:
        failing = np.zeros(cohort.structure.n_cells, dtype=bool)
        for i in np.flatnonzero(cohort.headcount > 0):
            failing[i] = bool(cell_reasons(cohort, int(i), policy))
        return cls(failing=failing, safe=(cohort.headcount > 0) & ~failing)


def _room_short(cohort: CohortTotals, others: Sequence[CohortTotals], cells: np.ndarray,
                policy: DisclosurePolicy) -> int | None:
    """A cell of ``cells`` where the ``others`` (what shares the identity with ``cohort``)
    hold less than the protection margin of ``cohort``'s cell on some protected measure."""
    for i in cells:
        for measure in policy.protected_measures:
            name = SUM_FIELD[measure]
            value = int(getattr(cohort, name)[i])
            need = policy.margin * value
            if measure == "headcount":
                need = max(need, min(value, policy.headcount_protection_people))
            room = sum(int(getattr(o, name)[i]) for o in others)
            if value > 0 and room < need:
                return int(i)
    return None


def _absorbs(rest: CohortTotals, cohort: CohortTotals, policy: DisclosurePolicy) -> np.ndarray:
    """Cells where ``rest`` holds at least the protection margin of ``cohort``'s cell on every
    protected measure."""
    ok = np.ones(cohort.structure.n_cells, dtype=bool)
    for measure in policy.protected_measures:
        name = SUM_FIELD[measure]
        value = getattr(cohort, name).astype(np.float64)
        need = policy.margin * value
        if measure == "headcount":
            need = np.maximum(need, np.minimum(value, policy.headcount_protection_people))
        ok &= getattr(rest, name).astype(np.float64) >= need
    return ok


def forced_estimate(facts: _Facts, all_facts: _Facts) -> int:
    """Cells a member's failing cells force hidden elsewhere: ``FORCED_PER_FAILING_CELL`` for
    each failing cell where the all-employers cell passes (elsewhere it pairs with that one)."""
    return FORCED_PER_FAILING_CELL * int((facts.failing & all_facts.safe).sum())


def plan_release(
    cohorts: Sequence[CohortTotals],
    policy: DisclosurePolicy,
    *,
    choices: Mapping[str, str] | None = None,
    dropped: Mapping[str, str] | None = None,
    unlocked: np.ndarray | None = None,
) -> ReleasePlan:
    """The plan for the unmasked ``cohorts`` (see the module docstring).

    ``choices``: cohort key -> "publish" or "drop", the office's overrides; ``dropped``: cohort
    key -> reason, members an earlier build could not protect; ``unlocked``: headline cells
    (table cells of all) that must be hidden whatever else is published (a failing headline
    cell whose every identity partner is a headline cell too), which are not locked.
    """
    choices, dropped = dict(choices or {}), dict(dropped or {})
    for key, action in choices.items():
        if action not in ("publish", "drop"):
            raise ValueError(f"Plan choice for {key!r} must be 'publish' or 'drop', got {action!r}.")
    whole = next((c for c in cohorts if c.kind == "all"), None)
    if whole is None:
        raise ValueError("A release plan needs the all-employers cohort.")
    structure = whole.structure
    facts = {c.key: _Facts.of(c, policy) for c in cohorts}
    locked_cells = headline_mask(structure) & facts[whole.key].safe
    if unlocked is not None:
        locked_cells &= ~unlocked
    decisions: dict[tuple, PlanDecision] = {}

    def decide(c: CohortTotals, action: str, reason: str, by: str = "plan") -> None:
        f = facts[c.key]
        decisions[c.key] = PlanDecision(
            cohort=cohort_key(c.kind, c.value), title=cohort_title(c), action=action,
            reason=reason, safe_cells=int(f.safe.sum()), failing_cells=int(f.failing.sum()),
            chosen_by=by,
        )

    decide(whole, "publish", "the all-employers cohort is always published")
    remainders = []
    for kind, plural in FAMILIES.items():
        members = [c for c in cohorts if c.kind == kind]
        keep = []
        for c in members:
            key = cohort_key(c.kind, c.value)
            if choices.get(key) == "drop":
                decide(c, "drop", "not published: the office left it out", "office")
            elif key in dropped and choices.get(key) != "publish":
                decide(c, "drop", dropped[key], "build")
            else:
                keep.append(c)
        chosen, why = _family_choice(whole, keep, facts, locked_cells, policy, choices, plural)
        for c in keep:
            if c not in chosen:
                decide(c, "drop", why[c.key])
        keep = chosen
        for c in keep:
            forced = choices.get(cohort_key(c.kind, c.value)) == "publish"
            decide(c, "publish", "published: the office asked for it" if forced else
                   f"published: {int(facts[c.key].safe.sum())} cells pass the rules",
                   "office" if forced else "plan")
        rest = cohort_remainder(whole, keep, kind=kind, value=f"other {plural}") if keep else None
        if rest is not None:
            remainders.append(rest)
    published = [c for c in cohorts if decisions[c.key].action == "publish"]
    built = (*published, *remainders)
    locked = np.concatenate(
        [locked_cells if c.kind == "all" else np.zeros(structure.n_cells, dtype=bool) for c in built]
    )
    ordered = tuple(decisions[c.key] for c in cohorts)
    return ReleasePlan(cohorts=built, decisions=ordered, locked=locked)


# Families with at most this many free members try every subset; larger ones drop members
# one at a time while that raises the score.
EXHAUSTIVE_MEMBERS = 6


class _Scorer:
    """Score of publishing a set of a family's members: the safe cells they publish minus the
    cells their failing cells and their remainder's are estimated to force hidden elsewhere
    (``forced_estimate``); minus infinity, with the reason and the member to blame, when a
    failing cell at a locked headline position cannot be protected by what shares its
    identity (``_room_short``)."""

    def __init__(self, whole, facts, locked_cells, policy, plural):
        self.whole, self.facts, self.locked = whole, facts, locked_cells
        self.policy, self.plural = policy, plural
        self.cache: dict[frozenset, tuple[float, str | None, object]] = {}

    def __call__(self, keep: list[CohortTotals]) -> tuple[float, str | None, object]:
        key = frozenset(c.key for c in keep)
        if key not in self.cache:
            self.cache[key] = self._score(keep)
        return self.cache[key]

    def _score(self, keep):
        if not keep:
            return 0.0, None, None
        whole, policy, plural = self.whole, self.policy, self.plural
        rest = cohort_remainder(whole, keep, kind=keep[0].kind, value=f"other {plural}")
        rest_facts = None if rest is None else _Facts.of(rest, policy)
        if rest is not None:
            at = np.flatnonzero(rest_facts.failing & self.locked)
            short = _room_short(rest, keep, at, policy)
            if short is not None:
                blame = min(keep, key=lambda c: int(c.headcount[short]))
                return -np.inf, (
                    f"not published: with it, the employers of no published {SINGULAR[plural]} "
                    f"(\"other {plural}\") fail the rules in the {_where(whole, short)} cell, "
                    "and protecting that would hide the headline cell of All employers"
                ), blame
        for c in keep:
            others = [o for o in keep if o is not c] + ([rest] if rest is not None else [])
            at = np.flatnonzero(self.facts[c.key].failing & self.locked)
            short = _room_short(c, others, at, policy)
            if short is not None:
                return -np.inf, (
                    f"not published: its {_where(whole, short)} cell fails the rules, and "
                    f"protecting it would hide that headline cell of All employers (the other "
                    f"{plural} hold too little)"
                ), c
        all_facts = self.facts[whole.key]
        gain = sum(int(self.facts[c.key].safe.sum()) for c in keep)
        forced = 0
        for c in keep:
            failing = self.facts[c.key].failing & all_facts.safe
            if rest is not None:
                # The unpublished remainder shares the family identity: where it holds the
                # margin, it absorbs a member's failing cell at no cost.
                failing &= ~_absorbs(rest, c, policy)
            forced += FORCED_PER_FAILING_CELL * int(failing.sum())
        if rest_facts is not None:
            forced += forced_estimate(rest_facts, all_facts)
        return float(gain - forced), None, None


def _family_choice(whole, members, facts, locked_cells, policy, choices, plural):
    """The members of one family to publish, and why each other member is not published."""
    score = _Scorer(whole, facts, locked_cells, policy, plural)
    fixed = [c for c in members if choices.get(cohort_key(c.kind, c.value)) == "publish"]
    free = [c for c in members if c not in fixed]
    if len(free) <= EXHAUSTIVE_MEMBERS:
        options = [
            fixed + [c for j, c in enumerate(free) if mask >> j & 1]
            for mask in range(1 << len(free))
        ]
        best = max(options, key=lambda o: (score(o)[0], len(o)))
    else:
        best = list(members)
        while True:
            value, _, blame = score(best)
            candidates = [c for c in best if c not in fixed]
            if not candidates:
                break
            if value == -np.inf:
                best.remove(blame if blame in candidates else candidates[0])
                continue
            trial = max(candidates, key=lambda c: score([o for o in best if o is not c])[0])
            if score([o for o in best if o is not trial])[0] <= value:
                break
            best.remove(trial)
    base = score(best)[0]
    why = {}
    for c in members:
        if c in best:
            continue
        value, reason, _ = score(best + [c])
        if reason is None:
            f = facts[c.key]
            gain = int(f.safe.sum())
            reason = (
                f"not published: it would publish {gain} cells that pass the rules but force "
                f"about {int(round(gain - (value - base)))} cells of other cohorts hidden"
            )
        why[c.key] = reason
    return best, why


def _where(whole: CohortTotals, i: int) -> str:
    _, labels = whole.structure.cell_key(i)
    return " × ".join(labels) or "grand total"
