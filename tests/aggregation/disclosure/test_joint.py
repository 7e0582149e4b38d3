"""A release protected by joint protection LPs passes the audit and the independent attacker.

Joint rounds take over from single-cell LPs only in large releases with many levels left; here
the thresholds are lowered so that a small release is protected that way end to end.
"""

from __future__ import annotations

import pytest
from attacker import Attacker
from conftest import build, scenario_population
from test_attacks import assert_protected, primary_cells

import aggregation.disclosure.secondary as secondary


@pytest.mark.slow
def test_a_release_protected_jointly_passes_the_audit_and_the_attacker(monkeypatch):
    calls = []
    joint = secondary.Protector.protect_jointly

    def counted(self, levels, up):
        calls.append(len(levels))
        return joint(self, levels, up)

    monkeypatch.setattr(secondary, "JOINT_MIN", 0)
    monkeypatch.setattr(secondary, "JOINT_MIN_CELLS", 0)
    monkeypatch.setattr(secondary.Protector, "protect_jointly", counted)
    pop = scenario_population(seed=3)
    draft, release = build(pop, kinds=("industry", "size"))
    assert calls and max(calls) > 20, calls
    assert draft.certificate.passed, draft.certificate.failures[:3]
    assert draft.certificate.exact_disclosures == 0
    assert_protected(Attacker([release]), release, draft, primary_cells(draft, 6))
