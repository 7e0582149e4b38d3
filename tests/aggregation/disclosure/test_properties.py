"""Property: on random populations the attacker narrows no primary cell beyond the margin."""

from __future__ import annotations

import numpy as np
import pytest
from attacker import Attacker, Release
from conftest import POLICY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_attacks import assert_protected, primary_cells

from aggregation.disclosure import release_build, release_document
from populations.totals import (
    cohort_members,
    population_cohorts,
    population_generate,
)
from protocol.release import release_to_json


@st.composite
def populations(draw):
    """12-20 employers in two industries, lognormal or Pareto sizes, edge cases forced: one
    employer with most of the people, and two employers alone in a size band."""
    n = draw(st.integers(12, 20))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    if draw(st.booleans()):
        sizes = rng.lognormal(3.0, 1.2, n)
    else:
        sizes = (rng.pareto(1.5, n) + 1) * 8
    sizes = np.clip(sizes.astype(int), 1, 3000)
    sizes[0] = draw(st.integers(300, 1500))  # a dominant employer
    sizes[1:3] = draw(st.integers(200, 499))  # two employers alone in the 200-499 band
    industries = np.array([i % 2 for i in range(n)])
    return population_generate(sizes=sizes, industries=industries, seed=seed)


@pytest.mark.slow
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(pop=populations())
def test_random_populations_are_protected(pop):
    cohorts = population_cohorts(pop, min_cohort_employers=5, kinds=("industry", "size"))
    draft = release_build(cohorts=cohorts, policy=POLICY)
    assert draft.certificate.passed, draft.certificate.failures[:3]
    assert draft.certificate.exact_disclosures == 0
    document = release_to_json(release_document(draft, cycle="2026", taxonomy="compact-2026",
                               participants=pop.n_employers))
    release = Release(document=document, population=pop,
                      members=cohort_members(pop, cohorts),
                      employer_ids=np.arange(pop.n_employers))
    assert_protected(Attacker([release]), release, draft, primary_cells(draft, 6))
