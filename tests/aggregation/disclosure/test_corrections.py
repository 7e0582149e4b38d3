"""Corrections: a release after an earlier one of the same cycle."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from attacker import Attacker, Release
from conftest import POLICY

from aggregation.disclosure import PreviousRelease, release_build, release_document
from aggregation.disclosure.cohorts import atom_name
from aggregation.disclosure.figures import figures_compute
from aggregation.disclosure.history import revision_suppress
from aggregation.disclosure.primary import CellStatus, Reason, primary_suppress
from aggregation.disclosure.space import ReleaseSpace
from populations.totals import (
    Population,
    cohort_members,
    population_cohorts,
    population_generate,
)
from protocol.layout import layout_for
from protocol.release import release_from_json, release_to_json

JOINER = 16


def with_joiner(pop: Population) -> Population:
    """``pop`` and one more employer (30 people, industry 1) that submitted late."""
    late = population_generate(sizes=np.array([30]), industries=np.array([1]), seed=21)
    n = pop.n_employers
    return Population(
        **{name: np.concatenate([getattr(pop, name), getattr(late, name)])
           for name in ("industry", "size_band", "headcount", "comp", "perf", "tenure",
                        "rows", "person_cell", "person_comp")},
        person_employer=np.concatenate([pop.person_employer, late.person_employer + n]),
    )


def corrected_cohorts(pop: Population):
    """The corrected release's cohorts, each knowing whether the late employer is in it."""
    cohorts = population_cohorts(pop, min_cohort_employers=5, kinds=("industry",))
    tax = layout_for().taxonomy
    atom = atom_name(tax.industries[pop.industry[JOINER]], tax.size_bands[pop.size_band[JOINER]])
    return [replace(c, changed_employers=int(atom in c.atoms)) for c in cohorts], frozenset({atom})


@pytest.fixture(scope="module")
def first_release(scenario):
    """The scenario's release was published; then employer 16 submitted late."""
    before, draft, release = scenario
    return with_joiner(before), before, list(draft.cohorts), release.document


def test_earlier_suppressions_stay_and_changed_cells_are_hidden(first_release):
    full, before, old_cohorts, doc = first_release
    cohorts, changed_atoms = corrected_cohorts(full)
    space = ReleaseSpace(cohorts)
    status, reasons = primary_suppress(cohorts, POLICY)
    previous = PreviousRelease(document=release_from_json(doc), changed_atoms=changed_atoms)
    revision_suppress(space, status, reasons, previous, POLICY)
    figures = figures_compute(space, status, POLICY)
    index = space.structure.cell_index_by_key()
    hidden_now = {CellStatus.PRIMARY, CellStatus.SECONDARY}
    revised = 0
    for (kind, value, dims, labels), cell in previous.cells().items():
        k = next(j for j, c in enumerate(cohorts) if c.key == (kind, value))
        i = index[(dims, labels)]
        g = space.index(k, i)
        if cell.status == "suppressed":
            assert status[k, i] in hidden_now
            continue
        if status[k, i] == CellStatus.PUBLISHED:
            # A cell published again shows exactly what it showed before.
            assert figures.headcount[g] == cell.headcount
            assert figures.means["compensation"][g] == cell.compensation_mean
        if Reason.REVISION in reasons.get((k, i), ()):
            revised += 1
    assert revised > 0


def test_a_cohort_without_changed_employers_is_not_revised(first_release):
    full, before, old_cohorts, doc = first_release
    cohorts, _ = corrected_cohorts(full)
    space = ReleaseSpace(cohorts)
    status, reasons = primary_suppress(cohorts, POLICY)
    revision_suppress(space, status, reasons,
                      PreviousRelease(document=release_from_json(doc), changed_atoms=frozenset()), POLICY)
    assert not any(Reason.REVISION in why for why in reasons.values())


@pytest.mark.slow
def test_differencing_the_two_releases_does_not_recover_the_late_employer(first_release):
    full, before, old_cohorts, doc = first_release
    cohorts, changed_atoms = corrected_cohorts(full)
    draft = release_build(cohorts=cohorts, policy=POLICY,
                          previous=[PreviousRelease(document=release_from_json(doc), changed_atoms=changed_atoms)])
    assert draft.certificate.passed and draft.certificate.previous_releases == 1
    new_doc = release_to_json(release_document(draft, cycle="2026", taxonomy="compact-2026",
                              participants=full.n_employers))
    ids = np.arange(full.n_employers)
    releases = [
        Release(document=doc, population=before, members=cohort_members(before, old_cohorts),
                employer_ids=ids[ids != JOINER]),
        Release(document=new_doc, population=full, members=cohort_members(full, cohorts),
                employer_ids=ids),
    ]
    attacker = Attacker(releases)
    for dims, labels in [((), ()), (("gender",), ("Female",)), (("gender",), ("Male",))]:
        for m in (0, 1):
            cols = attacker.cell_columns(releases[1], cohorts[0].key, dims, labels, m,
                                         employers=np.array([JOINER]))
            value = attacker.true_value(cols)
            low, high = attacker.interval(cols)
            assert high - low > 1e-6 * max(value, 1.0)
            assert high >= value * (1 + POLICY.p_percent / 100) - 1e-6
