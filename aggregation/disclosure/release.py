"""Building a release: primary rules, joint secondary suppression, rounding, the audit gate.

Guarantees of ``release_build``:
- every table (the 8 dimension subsets) of every cohort given is in the draft;
- no cell that fails a primary rule, nor any cell an earlier release of the cycle suppressed,
  is published;
- the draft carries an ``AuditCertificate``; ``release_document`` and ``release_to_csv``
  refuse a draft whose certificate did not pass, so a failed audit cannot be published;
- a correction (``previous`` given) re-runs the audit against the earlier figures.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from aggregation.disclosure.audit import AuditCertificate, PublishedView, Target, audit_release
from aggregation.disclosure.cohorts import CohortTotals
from aggregation.disclosure.figures import PublishedFigures, figures_compute
from aggregation.disclosure.history import PreviousRelease, revision_suppress
from aggregation.disclosure.optimal import OPTIMAL_MAX_CELLS, optimal_pattern
from aggregation.disclosure.policy import DisclosurePolicy
from aggregation.disclosure.primary import Reason, primary_suppress
from aggregation.disclosure.secondary import (
    ProtectionLevel,
    escalate,
    protect_cells,
    protection_levels,
    singleton_pass,
    suppression_cost,
)
from aggregation.disclosure.space import ReleaseSpace

# Protection LPs aim a little above the audit's requirement so that solver tolerances never
# turn a protected cell into a marginal failure.
LEVEL_HEADROOM = 1.02
MAX_REPAIR_ROUNDS = 12


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
) -> ReleaseDraft:
    """Every table of every cohort, protected and audited (see the module docstring)."""
    started = time.perf_counter()
    cohorts = list(cohorts)
    space = ReleaseSpace(cohorts)
    status, reasons = primary_suppress(cohorts, policy)
    for prev in previous:
        revision_suppress(space, status, reasons, prev, policy)
    primary_done = time.perf_counter()
    cost = suppression_cost(space)
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
    for round_ in range(MAX_REPAIR_ROUNDS + 1):
        figures = figures_compute(space, status, policy)
        view = published_view(space, status, figures, policy)
        certificate, targets = audit_release(
            space, status, view, policy, previous=previous_views, witnesses=targets
        )
        audits.append(certificate)
        if certificate.passed or round_ == MAX_REPAIR_ROUNDS:
            break
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
            "release_build": time.perf_counter() - started,
        }
    )
    return ReleaseDraft(
        cohorts=tuple(cohorts),
        policy=policy,
        status=status,
        reasons=reasons,
        figures=figures,
        certificate=certificate,
        space=space,
        targets=tuple(targets),
    )

