"""Building a release: the plan, primary rules, joint secondary suppression, rounding, the audit.

Guarantees of ``release_build``:
- given the all-employers cohort, the publication plan (``plan.py``) decides which cohorts are
  published; the draft holds every table (the 8 dimension subsets) of each, and the plan's
  unpublished remainders, protected and audited but never exported;
- a headline cell of all employers that passes the primary rules is hidden only if no plan
  can avoid it: a build that hides one, cannot protect a cell, or fails its audit drops the
  cohort that caused it and builds again (at most ``MAX_REPLANS`` times), and the plan names
  that cohort with the reason;
- a secondary cell the attacker pins down anyway (interval under ``exact_width_percent``)
  is published, since hiding it protects nothing;
- no cell that fails a primary rule, nor any cell an earlier release of the cycle suppressed,
  is published;
- the draft carries an ``AuditCertificate``; ``release_document`` and ``release_to_csv``
  refuse a draft whose certificate did not pass, so a failed audit cannot be published;
- a correction (``previous`` given) re-runs the audit against the earlier figures.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from aggregation.disclosure.audit import AuditCertificate, PublishedView, Target, audit_release
from aggregation.disclosure.cohorts import CohortTotals
from aggregation.disclosure.figures import PublishedFigures, figures_compute
from aggregation.disclosure.history import PreviousRelease, revision_suppress
from aggregation.disclosure.optimal import OPTIMAL_MAX_CELLS, optimal_pattern
from aggregation.disclosure.plan import ReleasePlan, plan_release
from aggregation.disclosure.policy import DisclosurePolicy
from aggregation.disclosure.primary import CellStatus, Reason, cell_reasons, primary_suppress
from aggregation.disclosure.secondary import (
    ProtectionError,
    ProtectionLevel,
    escalate,
    protect_cells,
    protection_levels,
    singleton_pass,
    suppression_cost,
)
from aggregation.disclosure.space import ReleaseSpace
from aggregation.disclosure.utility import Utility, utility_measure
from protocol.release import cohort_key

# Protection LPs aim a little above the audit's requirement so that solver tolerances never
# turn a protected cell into a marginal failure.
LEVEL_HEADROOM = 1.02
MAX_REPAIR_ROUNDS = 12
MAX_REPLANS = 6

logger = logging.getLogger(__name__)


class ReleaseRefused(RuntimeError):
    """A release whose audit did not pass; it must not be published."""


@dataclass(frozen=True)
class ReleaseDraft:
    """A built release: status and figures of every cell, why cells are hidden, the audit."""

    cohorts: tuple[CohortTotals, ...]
    policy: DisclosurePolicy
    status: np.ndarray
    reasons: dict[tuple[int, int], tuple[Reason, ...]]
    figures: PublishedFigures
    certificate: AuditCertificate
    space: ReleaseSpace
    targets: tuple[Target, ...] = ()
    plan: ReleasePlan | None = None
    utility: Utility | None = None
    headline_hidden: int = 0

    @property
    def publishable(self) -> bool:
        return self.certificate.passed

    def require_publishable(self) -> None:
        if not self.certificate.passed:
            raise ReleaseRefused(
                "The audit refused this release: "
                f"{self.certificate.cells_short} cell(s) short of the protection margin, "
                f"{self.certificate.exact_disclosures} exact disclosure(s). "
                + "; ".join(self.certificate.failures[:3])
            )


def published_view(
    space: ReleaseSpace, status: np.ndarray, figures: PublishedFigures, policy: DisclosurePolicy
) -> PublishedView:
    return PublishedView(
        cohort_atoms=tuple(c.atoms for c in space.cohorts),
        status=status.ravel().copy(),
        headcount=figures.headcount,
        means=figures.means,
        headcount_base=policy.headcount_base,
        mean_units={
            "compensation": float(policy.money_mean_dollars),
            "performance_pay": float(policy.money_mean_dollars),
            "tenure": float(policy.tenure_mean_months),
        },
        exact_headcount=space.exact["headcount"].ravel(),
    )


def repair_levels(targets: list[Target], round_: int) -> list[ProtectionLevel]:
    """Larger protection levels for the targets the audit found short."""
    grow = LEVEL_HEADROOM * (1.0 + 0.5 * round_)
    out = []
    for t in targets:
        if not t.short():
            continue
        need = max(t.need_up, t.need_down, 1e-6 * max(t.value, 1.0))
        out.append(ProtectionLevel(t.cell, t.measure, upper=need * grow, lower=need * grow))
    return out


def release_build(
    *,
    cohorts: Sequence[CohortTotals],
    policy: DisclosurePolicy,
    previous: Sequence[PreviousRelease] = (),
    choices: dict[str, str] | None = None,
) -> ReleaseDraft:
    """The plan, then every table of every cohort it publishes, protected and audited (see the
    module docstring). ``choices``: the office's overrides of the plan (cohort key ->
    "publish" or "drop")."""
    started = time.perf_counter()
    unmasked = list(cohorts)
    if not any(c.kind == "all" for c in unmasked):
        draft = _build(unmasked, policy, previous, None)
        return _finish(draft, None, unmasked, started)
    unlocked = _unavoidable_headline(unmasked, policy, previous)
    dropped: dict[str, str] = {}
    for attempt in range(MAX_REPLANS + 1):
        plan = plan_release(unmasked, policy, choices=choices, dropped=dropped, unlocked=unlocked)
        last = attempt == MAX_REPLANS
        try:
            draft = _build(list(plan.cohorts), policy, previous, plan.locked)
        except ProtectionError as error:
            blame = None if error.cell is None else _culprit(plan, [error.cell], choices, policy)
            if blame is None or last:
                raise
            dropped[blame] = "not published: a cell it forces hidden could not be protected"
            continue
        if not draft.certificate.passed:
            short = [t.cell for t in draft.targets if t.short() or t.recovered()]
            blame = _culprit(plan, short, choices, policy)
            reason = "not published: the release with it failed the audit"
        elif draft.headline_hidden:
            hidden = np.flatnonzero(plan.locked & (draft.status.ravel() != CellStatus.PUBLISHED))
            blame = _culprit(plan, list(hidden), choices, policy, at_positions=True)
            reason = "not published: protecting its cells hid headline cells of All employers"
        else:
            blame = None
        if blame is None or last:
            break
        logger.info("Release plan: dropping %s (%s)", blame, reason)
        dropped[blame] = reason
    return _finish(draft, plan, unmasked, started)


def _unavoidable_headline(unmasked, policy, previous) -> np.ndarray:
    """Headline cells that all employers alone must hide (table cells of all): where a
    headline cell fails the rules and every other member of an identity holding it is a
    headline cell too (Female = sum of the Female cells of each job), one more headline cell
    goes whatever the plan does. A build of all employers alone finds which; the plan leaves
    those unlocked, so that they are not blamed on any cohort."""
    whole = next(c for c in unmasked if c.kind == "all")
    alone = plan_release([whole], policy)
    draft = _build(list(alone.cohorts), policy, previous, alone.locked)
    return alone.locked & (draft.status.ravel() != CellStatus.PUBLISHED)


def _culprit(plan: ReleasePlan, cells: list[int], choices, policy: DisclosurePolicy, *,
             at_positions: bool = False) -> str | None:
    """The published member to drop for the trouble at ``cells`` (global indexes): the member
    owning most of them (or, ``at_positions``, with most failing cells at their table
    positions); a remainder's trouble blames its family's smallest member. None: nothing the
    plan may drop (only all employers, or members the office asked for)."""
    n = plan.cohorts[0].structure.n_cells
    forced = {k for k, v in (choices or {}).items() if v == "publish"}
    votes: dict[str, int] = {}
    positions = [g % n for g in cells]
    for k, cohort in enumerate(plan.cohorts):
        if cohort.kind == "all":
            continue
        if at_positions:
            hits = sum(1 for i in positions if _fails(cohort, i, policy))
        else:
            hits = sum(1 for g in cells if g // n == k)
        if not hits:
            continue
        if cohort.published:
            key = cohort_key(cohort.kind, cohort.value)
            if key not in forced:
                votes[key] = votes.get(key, 0) + hits
            continue
        members = [c for c in plan.cohorts if c.published and c.kind == cohort.kind
                   and cohort_key(c.kind, c.value) not in forced]
        if members:
            smallest = min(members, key=lambda c: int(c.headcount.max()))
            key = cohort_key(smallest.kind, smallest.value)
            votes[key] = votes.get(key, 0) + hits
    return max(votes, key=votes.get) if votes else None


def _fails(cohort: CohortTotals, i: int, policy: DisclosurePolicy) -> bool:
    return int(cohort.headcount[i]) > 0 and bool(cell_reasons(cohort, i, policy))


def _finish(draft: ReleaseDraft, plan: ReleasePlan | None, unmasked, started: float) -> ReleaseDraft:
    utility = utility_measure(unmasked, draft)
    draft.certificate.seconds["release_build"] = time.perf_counter() - started
    return ReleaseDraft(
        cohorts=draft.cohorts, policy=draft.policy, status=draft.status, reasons=draft.reasons,
        figures=draft.figures, certificate=draft.certificate, space=draft.space,
        targets=draft.targets, plan=plan, utility=utility, headline_hidden=draft.headline_hidden,
    )


def _build(
    cohorts: list[CohortTotals],
    policy: DisclosurePolicy,
    previous: Sequence[PreviousRelease],
    locked: np.ndarray | None,
) -> ReleaseDraft:
    """Primary rules, secondary suppression and the audit rounds on one set of cohorts."""
    started = time.perf_counter()
    space = ReleaseSpace(cohorts, insider_floors=policy.insider_safe_patterns)
    status, reasons = primary_suppress(cohorts, policy)
    for prev in previous:
        revision_suppress(space, status, reasons, prev, policy)
    primary_done = time.perf_counter()
    cost = suppression_cost(space, locked)
    stats: dict = {}
    entry = status.copy()
    singleton_pass(space, status, cost)
    measures = policy.protected_measures
    levels = [
        ProtectionLevel(lv.cell, lv.measure, lv.upper * LEVEL_HEADROOM, lv.lower)
        for lv in protection_levels(space, status, policy, measures)
    ]
    protect_cells(space, status, levels, cost, stats=stats)
    if space.size <= OPTIMAL_MAX_CELLS:
        better = optimal_pattern(space, entry, levels, cost, incumbent=status, stats=stats)
        if better is not None:
            status[...] = better
    secondary_done = time.perf_counter()
    previous_views = tuple(p.view(space) for p in previous)
    audits = []
    targets: list[Target] = []
    step = 0
    flat = status.ravel()
    for round_ in range(MAX_REPAIR_ROUNDS + 1):
        figures = figures_compute(space, status, policy)
        view = published_view(space, status, figures, policy)
        certificate, targets = audit_release(
            space, status, view, policy, previous=previous_views, witnesses=targets
        )
        audits.append(certificate)
        if certificate.passed or round_ == MAX_REPAIR_ROUNDS:
            break
        pinned = sorted({t.cell for t in targets if not t.primary and t.recovered()})
        if pinned:
            # Hidden but recovered anyway: hiding them protects nothing. Published, they add
            # constraints, so the earlier witnesses no longer hold.
            flat[pinned] = CellStatus.PUBLISHED
            targets = []
            continue
        levels = repair_levels(targets, round_)
        if protect_cells(space, status, levels, cost, stats=stats, trust_witnesses=False):
            continue
        short = np.asarray([lv.cell for lv in levels])
        while step <= 2 and not escalate(space, status, short, step):
            step += 1
        if step > 2:
            break
        step += 1
    certificate.lps += sum(a.lps for a in audits[:-1]) + stats.get("protection_lps", 0)
    certificate.seconds.update(
        {
            "primary": primary_done - started,
            "secondary": secondary_done - primary_done,
            "protection_lp": stats.get("protection_seconds", 0.0),
            "optimal": stats.get("optimal_seconds", 0.0),
            "audit": sum(a.seconds["total"] for a in audits),
            "audit_rounds": float(len(audits)),
        }
    )
    headline_hidden = 0 if locked is None else int((locked & (flat != CellStatus.PUBLISHED)).sum())
    return ReleaseDraft(
        cohorts=tuple(cohorts),
        policy=policy,
        status=status,
        reasons=reasons,
        figures=figures,
        certificate=certificate,
        space=space,
        targets=tuple(targets),
        headline_hidden=headline_hidden,
    )
