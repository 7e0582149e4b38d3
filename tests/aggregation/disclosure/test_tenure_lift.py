"""The headcount-and-tenure attacker solved as headcount alone, then lifted (``TenureLift``).

Its answers must be those of the group's own LP: every exact bound the same, and a headcount
solution only accepted when a tenure table fits under it.
"""

from __future__ import annotations

import numpy as np
from conftest import POLICY

from aggregation.disclosure.audit import AuditModel, GroupAudit, TenureLift, audit_targets
from aggregation.disclosure.figures import figures_compute
from aggregation.disclosure.release import published_view

GROUP = ("headcount", "tenure")


def _setup(scenario):
    _, draft, _ = scenario
    space, status = draft.space, draft.status
    view = published_view(space, status, figures_compute(space, status, POLICY), POLICY)
    targets = [t for t in audit_targets(space, status, POLICY) if t.measure == "headcount"]
    return space, view, targets


def _fresh(targets):
    return [type(t)(**vars(t)) for t in targets]


def _exact_bounds(audit: GroupAudit, picks) -> list[tuple[float, float]]:
    out = []
    for j in picks:
        audit.bound(j, "low")
        audit.bound(j, "high")
        t = audit.targets[j]
        assert t.low_exact and t.high_exact
        out.append((t.low, t.high))
    return out


def test_lifted_bounds_are_the_bounds_of_the_headcount_and_tenure_lp(scenario):
    space, view, targets = _setup(scenario)
    picks = [j for j, t in enumerate(targets) if t.primary][:12] + [
        j for j, t in enumerate(targets) if not t.primary][:6]
    assert len(picks) >= 12
    lift = TenureLift(space.structure, space.atoms, [view])
    lifted = _exact_bounds(GroupAudit(lift.model, _fresh(targets), solver=lift), picks)
    full = _exact_bounds(
        GroupAudit(AuditModel(space.structure, space.atoms, [view], GROUP), _fresh(targets)), picks
    )
    assert lift.lifted > 0
    # Unbounded cells (high = inf) must be unbounded in both.
    np.testing.assert_allclose(lifted, full, rtol=1e-5, atol=1e-5)
    assert np.isfinite(np.asarray(full)).sum() > len(picks)


def test_a_headcount_table_with_no_room_for_the_published_tenure_does_not_lift(scenario):
    space, view, targets = _setup(scenario)
    lift = TenureLift(space.structure, space.atoms, [view])
    x = lift.solver.solve()
    assert x is not None and lift.lifts(x)
    # Nobody anywhere: no tenure fits, yet published cells show tenure.
    assert not lift.lifts(np.zeros_like(x))


def test_when_nothing_lifts_the_group_lp_answers_alike(scenario, monkeypatch):
    space, view, targets = _setup(scenario)
    picks = [j for j, t in enumerate(targets) if t.primary][:6]
    lift = TenureLift(space.structure, space.atoms, [view])
    monkeypatch.setattr(lift, "lifts", lambda x: False)
    fallen = _exact_bounds(GroupAudit(lift.model, _fresh(targets), solver=lift), picks)
    full = _exact_bounds(
        GroupAudit(AuditModel(space.structure, space.atoms, [view], GROUP), _fresh(targets)), picks
    )
    assert lift.lifted == 0 and lift.fallbacks == 2 * len(picks)
    np.testing.assert_allclose(fallen, full, rtol=1e-6, atol=1e-6)


def test_lifted_bounds_match_the_group_lp_with_an_earlier_release_in_the_model(scenario):
    """An earlier release adds a second view: its own cell unknowns, and its own atom blocks
    for the atoms that changed since. The lift maps every one of those columns."""
    from dataclasses import replace

    space, view, targets = _setup(scenario)
    changed = frozenset(sorted(space.atoms)[:1])
    earlier = replace(view, changed_atoms=changed, exact_headcount=None)
    views = [view, earlier]
    lift = TenureLift(space.structure, space.atoms, views)
    full_model = AuditModel(space.structure, space.atoms, views, GROUP)
    assert lift.model.n_blocks == len(space.atoms) + 1
    picks = [j for j, t in enumerate(targets) if t.primary][:8]
    lifted = _exact_bounds(GroupAudit(lift.model, _fresh(targets), solver=lift), picks)
    full = _exact_bounds(GroupAudit(full_model, _fresh(targets)), picks)
    assert lift.lifted > 0
    np.testing.assert_allclose(lifted, full, rtol=1e-5, atol=1e-5)
