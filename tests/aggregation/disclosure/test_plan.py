"""The publication plan: remainders protected and audited, the headline kept, reasons given."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import POLICY
from group_attacker import attack

import aggregation.disclosure.plan as plan_module
from aggregation.disclosure import release_build, release_document
from aggregation.disclosure.cohorts import CohortError, cohort_remainder
from aggregation.disclosure.plan import plan_release
from aggregation.disclosure.primary import CellStatus, cell_reasons
from aggregation.disclosure.tables import headline_mask
from populations.totals import population_cohorts, population_generate
from protocol.release import release_to_json


def dominated_remainder():
    """Industry 0: eight employers of 60 people, published. Industry 1: six employers, too few
    to be unmasked, one of them with 400 of its 450 people, so every cell of "all minus
    industry 0" that has people is dominated, while all and industry 0 pass."""
    sizes = np.array([60] * 8 + [400, 10, 10, 10, 10, 10])
    industries = np.array([0] * 8 + [1] * 6)
    pop = population_generate(sizes=sizes, industries=industries, seed=3)
    cohorts = population_cohorts(pop, min_cohort_employers=8, kinds=("industry",))
    return pop, cohorts


def publish_industry(cohorts):
    return {f"industry:{c.value}": "publish" for c in cohorts if c.kind == "industry"}


def test_a_remainder_is_exact_in_every_field_and_refuses_overlapping_parts():
    pop, cohorts = dominated_remainder()
    whole, part = cohorts
    rest = cohort_remainder(whole, [part], kind="industry", value="other")
    mask = pop.industry == 1
    expected = population_cohorts(pop, min_cohort_employers=1, kinds=("industry",))[2]
    assert not rest.published and rest.atoms == whole.atoms - part.atoms
    assert (rest.headcount == expected.headcount).all() and (rest.employers == expected.employers).all()
    assert rest.comp_dominance == expected.comp_dominance
    total = whole.structure.cell_index_by_key()[((), ())]
    assert int(rest.headcount[total]) == int(pop.headcount[mask].sum()) == 450
    assert cell_reasons(rest, total, POLICY), "the planted remainder's total fails the rules"
    assert not cell_reasons(whole, total, POLICY) and not cell_reasons(part, total, POLICY)
    with pytest.raises(CohortError, match="not a part"):
        cohort_remainder(whole, [part, part], kind="industry", value="other")
    assert cohort_remainder(whole, [whole], kind="industry", value="other") is None


@pytest.mark.slow
def test_the_planted_dominated_remainder_is_protected_and_caught_when_ignored(monkeypatch):
    pop, cohorts = dominated_remainder()
    draft = release_build(cohorts=cohorts, policy=POLICY, choices=publish_industry(cohorts))
    assert draft.certificate.passed and draft.certificate.remainder_targets > 0
    doc = release_to_json(release_document(draft, cycle="c", taxonomy="compact-2026",
                                           participants=pop.n_employers))
    report = attack(doc, pop, POLICY, limit=15)
    remainder = [f for f in report.findings if f.remainder]
    assert remainder, "the attacker targets the remainder's failing cells"
    assert not report.short(), [f.describe() for f in report.short()[:3]]
    assert not report.exact(), [f.describe() for f in report.exact()[:3]]
    # The same release built as if the remainder did not exist: the attacker recovers it.
    monkeypatch.setattr(plan_module, "cohort_remainder", lambda *a, **k: None)
    blind = release_build(cohorts=cohorts, policy=POLICY, choices=publish_industry(cohorts))
    assert blind.certificate.passed and blind.certificate.remainder_targets == 0
    doc = release_to_json(release_document(blind, cycle="c", taxonomy="compact-2026",
                                           participants=pop.n_employers))
    caught = [f for f in attack(doc, pop, POLICY, limit=15).short() if f.remainder]
    assert caught, "ignoring the remainder must leave one of its dominated cells exposed"


def test_the_plan_says_why_each_cohort_is_left_out_and_the_office_can_override_it():
    pop, cohorts = dominated_remainder()
    plan = plan_release(cohorts, POLICY)
    decisions = {d.cohort: d for d in plan.decisions}
    assert decisions["all"].action == "publish"
    industry = decisions["industry:" + cohorts[1].value]
    assert industry.reason.startswith("published" if industry.action == "publish" else "not published")
    dropped = plan_release(cohorts, POLICY, choices={industry.cohort: "drop"})
    office = {d.cohort: d for d in dropped.decisions}[industry.cohort]
    assert (office.action, office.chosen_by) == ("drop", "office")
    assert [c.kind for c in dropped.cohorts] == ["all"]
    kept = plan_release(cohorts, POLICY, choices={industry.cohort: "publish"})
    assert {d.cohort: d for d in kept.decisions}[industry.cohort].chosen_by == "office"
    assert [c.published for c in kept.cohorts] == [True, True, False], "all, industry, remainder"
    with pytest.raises(ValueError, match="'publish' or 'drop'"):
        plan_release(cohorts, POLICY, choices={industry.cohort: "maybe"})


def test_headline_cells_that_pass_are_locked_and_a_failing_remainder_blocks_its_member():
    pop, cohorts = dominated_remainder()
    plan = plan_release(cohorts, POLICY)
    whole = cohorts[0]
    n = whole.structure.n_cells
    safe = np.array([whole.headcount[i] > 0 and not cell_reasons(whole, i, POLICY) for i in range(n)])
    assert (plan.locked[:n] == (headline_mask(whole.structure) & safe)).all()
    assert not plan.locked[n:].any()


@pytest.mark.slow
def test_a_build_keeps_every_headline_cell_that_all_employers_alone_would_keep():
    """DESIGN §5.7 on a realistic compact: a headline cell that passes the rules is hidden
    only where all employers alone must hide it (a failing headline cell whose every identity
    partner is a headline cell), never to protect another cohort."""
    from populations.totals import cohorts_unmasked, population_realistic

    pop = population_realistic(40, seed=5)
    cohorts = cohorts_unmasked(pop)
    draft = release_build(cohorts=cohorts, policy=POLICY)
    alone = release_build(cohorts=[c for c in cohorts if c.kind == "all"], policy=POLICY)
    n = draft.space.n_cells
    head = headline_mask(draft.space.structure)
    kept_alone = alone.status[0] == CellStatus.PUBLISHED
    hidden_here = (draft.status[0] != CellStatus.PUBLISHED) & head & kept_alone
    assert not hidden_here.any(), [draft.space.structure.cell_key(i) for i in np.flatnonzero(hidden_here)]
    assert draft.headline_hidden == 0
    assert draft.utility.headline_published >= alone.utility.headline_published
    assert n == 440


@pytest.mark.slow
def test_where_headline_cells_must_go_the_gender_margin_stays_so_the_overall_gaps_are_stated(monkeypatch):
    """All employers' own failing cells (Operatives, one employer dominant) force headline
    cells out: the Female and Male gender margin, which the overall gaps read, is the dearest of
    them (``LOCKED_RANK``), and with every locked cell priced alike one of the two goes."""
    from aggregation.disclosure import secondary
    from populations.totals import cohorts_unmasked, population_realistic

    cohorts = cohorts_unmasked(population_realistic(40, seed=2))

    def margin_published(draft) -> dict[str, bool]:
        structure = draft.space.structure
        return {structure.labels[i]["gender"]: bool(draft.status[0][i] == CellStatus.PUBLISHED)
                for i in range(structure.n_cells)
                if structure.tables[structure.table_of[i]].dims == ("gender",)}

    draft = release_build(cohorts=cohorts, policy=POLICY)
    assert draft.certificate.passed and draft.utility.headline_published < draft.utility.headline_safe
    assert margin_published(draft)["Female"] and margin_published(draft)["Male"]
    monkeypatch.setattr(secondary, "LOCKED_RANK", {})
    flat = release_build(cohorts=cohorts, policy=POLICY)
    assert not (margin_published(flat)["Female"] and margin_published(flat)["Male"])
