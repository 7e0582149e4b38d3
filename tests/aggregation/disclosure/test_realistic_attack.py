"""The independent attacker (``group_attacker.py``, not the audit code) on realistic compacts:
no exact disclosure, no primary or failing remainder cell below the margin, and every bound
the audit certified is at least as tight as the attacker's (the audit knows more)."""

from __future__ import annotations

import pytest
from conftest import POLICY
from group_attacker import attack

from aggregation.disclosure import release_build, release_document
from populations.totals import cohorts_unmasked, population_realistic
from protocol.release import release_to_json

TOL = 1e-6


@pytest.mark.slow
@pytest.mark.parametrize(("employers", "seed", "limit"), [(40, 1, 6), (40, 2, 6)])
def test_the_attacker_agrees_with_the_audit_on_a_realistic_compact(employers, seed, limit):
    pop = population_realistic(employers, seed=seed)
    draft = release_build(cohorts=cohorts_unmasked(pop), policy=POLICY)
    certificate = draft.certificate
    assert certificate.passed and certificate.exact_disclosures == 0, certificate.failures[:3]
    document = release_to_json(release_document(draft, cycle="c", taxonomy="compact-2026",
                                                participants=employers))
    report = attack(document, pop, POLICY, limit=limit, seed=seed)
    assert report.findings
    assert not report.exact(), [f.describe() for f in report.exact()[:3]]
    assert not report.short(), [f.describe() for f in report.short()[:3]]
    worst = report.worst_primary_ratio()
    if worst is not None and certificate.worst_protection_ratio is not None:
        assert worst >= certificate.worst_protection_ratio * (1 - TOL)
    # Target by target: the audit's bounds are attacker-feasible tables, so never wider.
    index = draft.space.structure.cell_index_by_key()
    targets = {(t.cell, t.measure): t for t in draft.targets}
    keys = {c.key: k for k, c in enumerate(draft.cohorts) if c.published}
    compared = 0
    for f in report.findings:
        if f.remainder:
            continue
        structure_dims = next(t.dims for t in draft.space.structure.tables if set(t.dims) == set(f.dims))
        named = dict(zip(f.dims, f.labels, strict=True))
        i = index[(structure_dims, tuple(named[d] for d in structure_dims))]
        t = targets.get((draft.space.index(keys[f.cohort], i), f.measure))
        if t is None:
            continue
        compared += 1
        scale = max(1.0, t.value)
        assert f.low <= t.low + TOL * scale and f.high >= min(t.high, 1e12) - TOL * scale, f.describe()
    assert compared
