"""Secondary suppression spends its cells where the reports lose least.

The reports (aggregation/metrics/gaps.py) read the Female and Male cells of the job x gender,
race x gender and gender tables; secondary suppression must prefer finest cells, Nonbinary
cells and the other margins.
"""

from __future__ import annotations

import numpy as np
from conftest import scenario_population

from aggregation.disclosure.primary import CellStatus, primary_suppress
from aggregation.disclosure.secondary import (
    identities,
    protect_cells,
    protection_levels,
    singleton_pass,
    suppression_cost,
)
from aggregation.disclosure.space import ReleaseSpace
from populations.totals import population_cohorts

KEY_TABLES = {("job_category", "gender"), ("race_ethnicity", "gender"), ("gender",)}


def is_key(structure, i: int) -> bool:
    dims = structure.tables[structure.table_of[i]].dims
    return not dims or (dims in KEY_TABLES and structure.labels[i]["gender"] in ("Female", "Male"))


def space_of_scenario() -> ReleaseSpace:
    cohorts = population_cohorts(scenario_population(), min_cohort_employers=5, kinds=("industry",))
    return ReleaseSpace(cohorts)


def test_report_cells_cost_more_than_any_finer_or_nonbinary_cell():
    space = space_of_scenario()
    structure = space.structure
    cost = suppression_cost(space)
    n = space.n_cells
    key = np.array([is_key(structure, i) for i in range(n)] * space.n_cohorts)
    assert key.sum() == space.n_cohorts * (20 + 18 + 2 + 1)
    # The cheapest report cell costs more than five of the dearest other cells.
    assert cost[key].min() > 5 * cost[~key].max() / 2
    finest = np.tile(structure.depth == structure.depth.max(), space.n_cohorts)
    nonbinary = np.array(
        [structure.labels[i].get("gender") == "Nonbinary" for i in range(n)] * space.n_cohorts)
    other_margins = ~key & ~finest & ~nonbinary
    assert cost[finest | nonbinary].max() < cost[other_margins].min()
    assert cost[other_margins].max() < cost[key].min()


def test_a_hidden_nonbinary_cell_is_covered_without_touching_a_report_cell():
    """One hidden Nonbinary job x gender cell: every identity holding it gets a second hidden
    member, and none of them is a Female/Male report cell."""
    space = space_of_scenario()
    structure = space.structure
    status, _ = primary_suppress(space.cohorts, _policy())
    status[:] = np.where(status == CellStatus.ZERO, CellStatus.ZERO, CellStatus.PUBLISHED)
    jg = next(t for t in structure.tables if t.dims == ("job_category", "gender"))
    target = next(
        i for i in jg.cells
        if structure.labels[i]["gender"] == "Nonbinary" and status[0, i] == CellStatus.PUBLISHED
    )
    status[0, target] = CellStatus.PRIMARY
    before = status.copy()
    added = singleton_pass(space, status, suppression_cost(space))
    assert added > 0
    flat = status.ravel()
    hidden = (flat == CellStatus.PRIMARY) | (flat == CellStatus.SECONDARY)
    holding = [m for m in identities(space) if target in m.tolist()]
    assert len(holding) >= 3  # its job row, its gender column, its finest cells
    for members in holding:
        assert hidden[members].sum() >= 2
        for g in members[(flat[members] == CellStatus.SECONDARY)
                         & (before.ravel()[members] == CellStatus.PUBLISHED)]:
            i = space.split(g)[1]
            assert not is_key(structure, i), structure.cell_key(i)


def key_cells_hidden(space, status) -> int:
    flat = status.ravel()
    return sum(
        1 for g in np.flatnonzero(flat == CellStatus.SECONDARY)
        if is_key(space.structure, space.split(g)[1])
    )


def test_protection_hides_fewer_report_cells_than_a_flat_cost():
    """The same primary cells protected with the report-aware cost and with one unit a cell:
    the report-aware pattern hides fewer Female/Male report cells and cohort totals."""
    space = space_of_scenario()
    primary, _ = primary_suppress(space.cohorts, _policy())
    levels = protection_levels(space, primary, _policy(), ("headcount", "compensation"))
    assert levels
    flat_cost = np.ones(space.size)
    hidden_key = {}
    for name, cost in (("report", suppression_cost(space)), ("flat", flat_cost)):
        status = primary.copy()
        singleton_pass(space, status, cost)
        protect_cells(space, status, list(levels), cost, stats={})
        hidden_key[name] = key_cells_hidden(space, status)
    assert hidden_key["report"] < hidden_key["flat"], hidden_key


def _policy():
    from conftest import POLICY

    return POLICY
