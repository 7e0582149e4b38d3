"""A repair round's audit starts from the bounds the previous round reached.

Hiding more cells only drops bounds from the attacker's LP, so the previous round's witness
tables stay feasible; the audit may reuse them, and must reach the same verdict with no more LPs
and never claim a bound beyond what the attacker can reach.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import POLICY

import aggregation.disclosure.audit as audit_module
from aggregation.disclosure.audit import SLACK, audit_release
from aggregation.disclosure.figures import figures_compute
from aggregation.disclosure.primary import CellStatus
from aggregation.disclosure.release import published_view


def _audit(space, status, witnesses=()):
    view = published_view(space, status, figures_compute(space, status, POLICY), POLICY)
    return audit_release(space, status, view, POLICY, witnesses=witnesses)


@pytest.mark.slow
def test_witnesses_of_a_stricter_release_give_the_same_verdict_with_fewer_lps(scenario):
    _, draft, _ = scenario
    space = draft.space
    status = draft.status.copy()
    # A repair round hides more cells: here every fifth published cell with people.
    published = np.flatnonzero((status.ravel() == CellStatus.PUBLISHED) & (space.exact["headcount"].ravel() > 0))
    assert published.size > 10
    status.ravel()[published[::5]] = CellStatus.SECONDARY

    fresh, fresh_targets = _audit(space, status)
    seeded, seeded_targets = _audit(space, status, witnesses=draft.targets)

    assert seeded.passed == fresh.passed and seeded.cells_short == fresh.cells_short
    assert seeded.exact_disclosures == fresh.exact_disclosures
    assert seeded.lps < fresh.lps
    exact = {(t.cell, t.measure): t for t in fresh_targets}
    for t in seeded_targets:
        assert t.low <= t.value <= t.high
        truth = exact[(t.cell, t.measure)]
        # Witness bounds are reachable tables: never beyond the attacker's exact bounds.
        if truth.low_exact:
            assert t.low >= truth.low - 1e-6 * max(1.0, t.value) - SLACK
        if truth.high_exact:
            assert t.high <= truth.high + 1e-6 * max(1.0, t.value) + SLACK



def test_an_audit_whose_lps_run_out_of_time_refuses_rather_than_crashes(scenario, monkeypatch):
    """No LP finishes: no bound is proved, so no cell counts as protected and the release is
    refused with its cells listed; nothing raises."""
    import aggregation.disclosure.audit as audit

    _, draft, _ = scenario
    assert draft.certificate.passed
    monkeypatch.setattr(audit, "AUDIT_TIME_LIMIT", 0.0)
    certificate, targets = _audit(draft.space, draft.status)
    assert not certificate.passed
    assert certificate.cells_short == len({t.cell for t in targets}) > 0
    assert all(not (t.low_exact or t.high_exact) for t in targets)
    assert certificate.failures


def test_a_batch_certifies_many_targets_even_when_some_can_grow_without_limit(scenario):
    """Nothing published but the structural zeros: every pay cell can grow without limit.
    A batch that pushed them up unbounded would prove nothing and leave one LP per target;
    capped at what each target needs, a few batch LPs settle them all."""
    from aggregation.disclosure.audit import AuditModel, GroupAudit, audit_targets

    _, draft, _ = scenario
    space = draft.space
    status = draft.status.copy()
    status.ravel()[status.ravel() == CellStatus.PUBLISHED] = CellStatus.SECONDARY
    view = published_view(space, status, figures_compute(space, status, POLICY), POLICY)
    mine = [t for t in audit_targets(space, status, POLICY) if t.measure == "compensation"]
    audit = GroupAudit(AuditModel(space.structure, space.atoms, [view], ("compensation",)), mine)
    audit.run()
    assert all(t.high_ok() for t in mine)
    assert audit.solver.solves <= 5 < len(mine) / 10


def test_a_capped_worst_ratio_refinement_reports_a_lower_bound_and_the_same_verdict(
    scenario, monkeypatch
):
    """Refinement only tightens the reported worst ratio: with no refinement LPs at all (here
    by counting the release as large and giving large releases none) the certificate gives
    the same verdict and a worst ratio no higher than the refined one."""
    _, draft, _ = scenario
    space, status, policy = draft.space, draft.status, draft.policy
    view = published_view(space, status, draft.figures, policy)
    refined, _ = audit_release(space, status, view, policy)
    monkeypatch.setattr(audit_module, "WORST_RATIO_LARGE", space.size)
    monkeypatch.setattr(audit_module, "WORST_RATIO_LPS_LARGE", 0)
    capped, _ = audit_release(space, status, view, policy)
    assert capped.passed == refined.passed
    assert capped.cells_short == refined.cells_short
    assert capped.exact_disclosures == refined.exact_disclosures
    # Here refinement matters (0.10 from witnesses alone, 0.14 refined): the check can fail.
    assert capped.worst_protection_ratio < refined.worst_protection_ratio
    assert capped.lps < refined.lps
    assert not capped.worst_ratio_exact


def test_batches_push_hidden_cells_both_ways_and_settle_the_scenario_in_few_lps(scenario):
    """Two hidden cells that share a published total move in opposite directions, so a batch
    that pushed every target down (then every target up) settled one of each pair per LP: 7
    headcount and 6 pay LPs on the scenario. Pushing open targets both ways in one batch takes
    5 and 4, with every target settled by batches alone (no single-target LP). A secondary
    cell now needs an interval 1% of its value wide (not only a non-zero one), which costs
    each group up to three batches more."""
    from aggregation.disclosure.audit import MEASURE_GROUPS, AuditModel, GroupAudit, audit_targets

    _, draft, _ = scenario
    space, status = draft.space, draft.status
    view = published_view(space, status, draft.figures, POLICY)
    solves = {}
    for group in MEASURE_GROUPS[:2]:
        mine = [t for t in audit_targets(space, status, POLICY) if t.measure in group]
        audit = GroupAudit(AuditModel(space.structure, space.atoms, [view], group), mine)
        audit.run()
        assert not any(t.short() for t in mine)
        assert not any(t.low_exact or t.high_exact for t in mine)
        solves[group[0]] = audit.solver.solves
    assert solves["headcount"] <= 7 and solves["compensation"] <= 7


def test_a_single_target_lp_pushed_far_enough_settles_the_same_targets_as_the_exact_bound(
    scenario, monkeypatch
):
    """After the batches, ``run`` bounds each open target with an LP that stops at twice what
    the target needs: where it stops there, the target is settled by a witness (not marked
    exact) and the exact bound lies at least as far; where it stops short, it is the exact
    bound. Either way the verdict is the exact one. Checked on the protected release with no
    batches (targets reach their caps) and on its primary cells alone (the targets the
    batches leave open are pinned short of them)."""
    from aggregation.disclosure.audit import AuditModel, GroupAudit, audit_targets

    _, draft, _ = scenario
    space = draft.space
    primary_only = draft.status.copy()
    primary_only[primary_only == CellStatus.SECONDARY] = CellStatus.PUBLISHED
    group = ("compensation",)
    kinds = set()
    for status, batches, first in ((draft.status, False, 10), (primary_only, True, None)):
        view = published_view(space, status, figures_compute(space, status, POLICY), POLICY)
        picked = [t for t in audit_targets(space, status, POLICY) if t.measure in group][:first]
        model = AuditModel(space.structure, space.atoms, [view], group)
        pushed = GroupAudit(model, [dataclasses.replace(t) for t in picked])
        calls = []
        bound = pushed.bound

        def recording(j, side, bound=bound, calls=calls, **kwargs):
            calls.append((j, side, kwargs))
            bound(j, side, **kwargs)

        pushed.bound = recording
        with monkeypatch.context() as m:
            if not batches:
                m.setattr(audit_module, "BATCH_MIN", len(picked))
            pushed.run()
        assert calls and all(kwargs == {"far_enough": True} for _, _, kwargs in calls)
        exact = GroupAudit(model, [dataclasses.replace(t) for t in picked])
        for j, side, _ in calls:
            exact.bound(j, side)
            p, e = pushed.targets[j], exact.targets[j]
            assert p.ok(side) == e.ok(side)
            tol = 1e-6 * max(1.0, e.value) + SLACK
            # ``further``: lower on the low side, higher on the high side.
            further = 1.0 if side == "low" else -1.0
            got, truth = getattr(p, side), getattr(e, side)
            stop = pushed.push_floor[j] if side == "low" else pushed.push_cap[j]
            assert getattr(e, f"{side}_exact") and further * truth <= further * got + tol
            if getattr(p, f"{side}_exact"):
                assert abs(got - truth) <= tol
            else:
                assert further * got <= further * stop + tol
            kinds.add(getattr(p, f"{side}_exact"))
    # Both outcomes occur, so the checks above can fail.
    assert kinds == {True, False}
