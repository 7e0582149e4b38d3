"""The independent employer-level attacker against published releases."""

from __future__ import annotations

import numpy as np
import pytest
from attacker import Attacker, Release
from conftest import POLICY, scenario_population

from aggregation.disclosure import release_document
from aggregation.disclosure.audit import AuditCertificate
from aggregation.disclosure.figures import figures_compute
from aggregation.disclosure.primary import CellStatus, primary_suppress
from aggregation.disclosure.release import ReleaseDraft
from aggregation.disclosure.secondary import identities
from aggregation.disclosure.space import ReleaseSpace
from populations.totals import cohort_members, population_cohorts
from protocol.release import release_to_json

TOL = 1e-6
MEASURE_INDEX = {"headcount": 0, "compensation": 1}


def requirement(measure: str, value: float) -> tuple[float, float]:
    """What the policy promises of a primary cell: room (down, up) in the attacker's units."""
    need = POLICY.margin * value
    if measure == "headcount":
        need = max(need, POLICY.headcount_protection_people)
        return min(value, need), need
    return need, need


def cell_of(draft: ReleaseDraft, g: int):
    k, i = draft.space.split(g)
    dims, labels = draft.space.structure.cell_key(i)
    return draft.cohorts[k].key, dims, labels


def primary_cells(draft: ReleaseDraft, limit: int) -> list[int]:
    """The smallest primary cells of each cohort first: the ones an attack aims at."""
    flat = draft.status.ravel()
    hc = draft.space.exact["headcount"].ravel()
    cells = np.flatnonzero(flat == CellStatus.PRIMARY)
    cells = cells[hc[cells] > 0]
    return [int(g) for g in cells[np.argsort(hc[cells], kind="stable")][:limit]]


def assert_protected(attacker: Attacker, release: Release, draft: ReleaseDraft, cells) -> None:
    for g in cells:
        cohort, dims, labels = cell_of(draft, g)
        for measure, m in MEASURE_INDEX.items():
            cols = attacker.cell_columns(release, cohort, dims, labels, m)
            value = attacker.true_value(cols)
            if value <= 0:
                continue
            low, high = attacker.interval(cols)
            down, up = requirement(measure, value)
            where = f"{cohort} {dims} {labels} {measure}: {value:.4g} in [{low:.4g}, {high:.4g}]"
            assert high - low > TOL * max(1.0, value), "exact disclosure " + where
            if down >= value:
                assert low <= TOL * max(1.0, value), where
            else:
                assert value - low >= down * (1 - 1e-6), where
            assert high - value >= up * (1 - 1e-6), where


def test_the_outside_attacker_narrows_no_primary_cell_beyond_the_margin(scenario):
    pop, draft, release = scenario
    assert draft.certificate.passed
    attacker = Attacker([release])
    assert_protected(attacker, release, draft, primary_cells(draft, 6))


def test_all_minus_the_other_cohort_does_not_expose_a_cohort(scenario):
    """Industry 0 = all - industry 1: its hidden cells are attacked through "all"."""
    pop, draft, release = scenario
    attacker = Attacker([release])
    k = next(j for j, c in enumerate(draft.cohorts) if c.kind == "industry")
    cells = [g for g in primary_cells(draft, 60) if draft.space.split(g)[0] == k][:4]
    assert cells
    assert_protected(attacker, release, draft, cells)


def test_an_employer_subtracting_itself_learns_no_other_employer_within_p(scenario):
    """The dominant employer (0) knows its own figures; in hidden cells it shares, the largest
    other contributor stays uncertain by more than p% from above."""
    pop, draft, release = scenario
    attacker = Attacker([release], known=(0,))
    checked = 0
    for g in primary_cells(draft, 200):
        cohort, dims, labels = cell_of(draft, g)
        members = np.flatnonzero(release.members[cohort])
        if 0 not in members:
            continue
        finest = attacker.finest_of(dims, labels)
        comp = pop.comp[np.ix_(members, finest)].sum(axis=1)
        others = [(c, e) for c, e in zip(comp, members, strict=True) if e != 0 and c > 0]
        if not others or pop.comp[0, finest].sum() == 0:
            continue
        largest = max(others)[1]
        cols = attacker.cell_columns(release, cohort, dims, labels, 1, employers=[largest])
        value = attacker.true_value(cols)
        low, high = attacker.interval(cols)
        assert high >= value * (1 + POLICY.p_percent / 100) - TOL, (cohort, dims, labels)
        assert high - low > TOL * value
        checked += 1
        if checked == 4:
            break
    assert checked > 0


def test_a_coalition_of_two_cannot_pin_down_a_third_employer(scenario):
    pop, draft, release = scenario
    attacker = Attacker([release], known=(1, 2))
    checked = 0
    for g in primary_cells(draft, 200):
        cohort, dims, labels = cell_of(draft, g)
        members = np.flatnonzero(release.members[cohort])
        finest = attacker.finest_of(dims, labels)
        others = [e for e in members if e not in (1, 2) and pop.headcount[e, finest].sum() > 0]
        if not {1, 2} & set(members) or not others:
            continue
        cols = attacker.cell_columns(release, cohort, dims, labels, 0, employers=others[:1])
        low, high = attacker.interval(cols)
        assert high - low > TOL, (cohort, dims, labels)
        checked += 1
        if checked == 3:
            break
    assert checked > 0


def test_a_planted_release_with_primary_suppression_only_is_caught():
    """The attacker can fail: publishing everything but the primary cells leaks."""
    pop = scenario_population(seed=11)
    cohorts = population_cohorts(pop, min_cohort_employers=5, kinds=("industry",))
    space = ReleaseSpace(cohorts)
    status, reasons = primary_suppress(cohorts, POLICY)
    figures = figures_compute(space, status, POLICY)
    flat = status.ravel()
    lonely = [int(m[flat[m] == CellStatus.PRIMARY][0]) for m in identities(space)
              if (flat[m] == CellStatus.PRIMARY).sum() == 1]
    assert lonely
    certificate = AuditCertificate(
        policy_version=POLICY.version, passed=True, worst_protection_ratio=None,
        worst_measure=None, worst_ratio_exact=True, exact_disclosures=0, cells_short=0,
        narrowest_interval=None, remainder_targets=0,
        targets=0, lps=0, suppressed_primary=0, suppressed_secondary=0, published=0,
        structural_zeros=0, previous_releases=0, solver="planted")
    planted = ReleaseDraft(cohorts=tuple(cohorts), policy=POLICY, status=status,
                           reasons=reasons, figures=figures, certificate=certificate,
                           space=space)
    doc = release_to_json(release_document(planted, cycle="2026", taxonomy="compact-2026", participants=16))
    release = Release(document=doc, population=pop, members=cohort_members(pop, cohorts),
                      employer_ids=np.arange(pop.n_employers))
    attacker = Attacker([release])
    caught = []
    for g in lonely[:5]:
        k, i = space.split(g)
        dims, labels = space.structure.cell_key(i)
        cols = attacker.cell_columns(release, cohorts[k].key, dims, labels, 0)
        value = attacker.true_value(cols)
        low, high = attacker.interval(cols)
        down, up = requirement("headcount", value)
        if value - low < down * (1 - 1e-6) or high - value < up * (1 - 1e-6):
            caught.append((cohorts[k].key, dims, labels, value, low, high))
    assert caught, "the attacker should break a primary-only release"


def test_the_audit_is_never_more_generous_than_the_attacker(scenario):
    """The audit's attacker is at least as strong: its intervals sit inside the attacker's."""
    pop, draft, release = scenario
    attacker = Attacker([release])
    exact = [t for t in draft.targets if t.low_exact and t.measure in MEASURE_INDEX][:4]
    exact += [t for t in draft.targets if t.high_exact and t.measure in MEASURE_INDEX][:4]
    assert exact
    for t in exact:
        cohort, dims, labels = cell_of(draft, t.cell)
        cols = attacker.cell_columns(release, cohort, dims, labels, MEASURE_INDEX[t.measure])
        low, high = attacker.interval(cols)
        slack = 1e-6 * max(1.0, t.value)
        if t.low_exact:
            assert t.low >= low - slack
        if t.high_exact:
            assert t.high <= high + slack


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
