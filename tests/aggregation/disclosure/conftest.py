"""Shared populations and releases for the disclosure tests (built once per session)."""

from __future__ import annotations

import numpy as np
import pytest
from attacker import Release

from aggregation.disclosure import DisclosurePolicy, release_build, release_document
from populations.totals import (
    cohort_members,
    population_cohorts,
    population_generate,
)
from protocol.release import cohort_key, release_to_json

POLICY = DisclosurePolicy()


def scenario_population(seed: int = 7):
    """Two industries of eight employers each, with the edge cases the attacks need.

    Employer 0 is dominant (about 90% of its industry's people); employers 1 and 2 are the only
    ones with many people in industry 1's smaller cells, so two-employer cells abound; the
    rest are small. Sizes put employers in two size bands per industry.
    """
    sizes = np.array([900, 40, 35, 12, 9, 8, 20, 15, 60, 55, 45, 30, 25, 120, 14, 11])
    industries = np.array([0] * 8 + [1] * 8)
    return population_generate(sizes=sizes, industries=industries, seed=seed)


def publish_every_cohort(cohorts) -> dict[str, str]:
    """The office's plan override that publishes every cohort: the attack scenarios need the
    cohorts a cautious plan would leave out."""
    return {cohort_key(c.kind, c.value): "publish" for c in cohorts if c.kind != "all"}


def build(pop, *, kinds=("industry",)):
    cohorts = population_cohorts(pop, min_cohort_employers=5, kinds=kinds)
    draft = release_build(cohorts=cohorts, policy=POLICY, choices=publish_every_cohort(cohorts))
    document = release_to_json(release_document(draft, cycle="2026", taxonomy="compact-2026",
                               participants=pop.n_employers))
    release = Release(document=document, population=pop,
                      members=cohort_members(pop, cohorts),
                      employer_ids=np.arange(pop.n_employers))
    return draft, release


@pytest.fixture(scope="session")
def scenario():
    """The scenario population, its release draft and its published release."""
    pop = scenario_population()
    draft, release = build(pop)
    return pop, draft, release
