"""One employer's statistics vector (docs/vector.md) from a checked input.

    from employers.client.check import check_extract
    from protocol.layout import layout_for
    from employers.client.vector import vector_from
    elements = vector_from(check_extract("payroll.csv"), layout_for("compact-2026"))

Guarantees:
- :func:`vector_from` refuses (:class:`NotSealable`) a check result that has errors or is
  unusable, or whose taxonomy is not the layout's: any error blocks sealing.
- An employee-level extract fills every block; the aggregated workbook fills only the
  ``source: all`` blocks (submissions, workbook_submissions, headcount and the three sums,
  employers and the dominance terms) and leaves every ``rows`` block zero.
- All arithmetic is on integers (exact group sums, half-even rounding of exact rationals);
  work over rows is vectorised, loops run over cells, tie groups at quarter boundaries, or
  the 57 histogram cells only.
- Additive over people (the vector of two extracts concatenated equals the sum of their
  vectors): the per-cell sums (headcount, comp/perf/tenure sums, row_* sums,
  perf_recipients, hours_*, the three *_sumsq), the histograms and the pooled regression
  moments reg_xtx, reg_xty, reg_yty. Per-employer by definition, hence not additive:
  submissions, row_submissions, employers, row_employers, the *_dominance terms, the
  quartile blocks and the within-employer blocks.
"""

from __future__ import annotations

import numpy as np

from employers.client.check import CheckResult
from employers.client.extract import People
from employers.client.quartiles import quartile_millis
from employers.client.sufficient_statistics import (
    cell_moments,
    log_pay_fixed_point,
    regression_blocks,
    tenure_whole_months,
)
from employers.client.workbook import CellTotals
from protocol.exact import group_sums, group_sums_of_squares
from protocol.histogram import bin_index
from protocol.layout import (
    HISTOGRAM_DIMENSION_SETS,
    TABLE_DIMENSION_SETS,
    Layout,
    VectorBuilder,
)
from protocol.taxonomy import DIMENSIONS, Taxonomy


class NotSealable(ValueError):
    """The check result cannot become a vector (errors, unusable input, other taxonomy)."""


def vector_from(result: CheckResult, layout: Layout) -> np.ndarray:
    """The uint64 element array of ``layout`` for a check result without errors."""
    if result.taxonomy != layout.taxonomy.name:
        raise NotSealable(f"The input was checked against {result.taxonomy}, the layout is {layout.taxonomy.name}")
    if not result.ok:
        raise NotSealable(
            f"{result.file} has {result.error_count:,} error(s); fix them and check again before sealing"
            if result.status == "errors" else f"{result.file} could not be read; see the check's message")
    if result.people is not None:
        return vector_from_people(result.people, layout)
    assert result.cells is not None
    return vector_from_cells(result.cells, layout)


def _shape(tax: Taxonomy) -> tuple[int, ...]:
    return tuple(len(tax.categories(d)) for d in DIMENSIONS)


def _table_values(cell_values: np.ndarray, tax: Taxonomy) -> np.ndarray:
    """Per-cell values (object or int) summed into every table cell, tables in layout order."""
    cube = np.asarray(cell_values).reshape(_shape(tax))
    parts = []
    for dims in TABLE_DIMENSION_SETS:
        axes = tuple(i for i, d in enumerate(DIMENSIONS) if d not in dims)
        parts.append(np.asarray(cube.sum(axis=axes) if axes else cube).ravel())
    return np.concatenate([p.astype(object) for p in parts])


def _set_all_blocks(builder: VectorBuilder, cells: CellTotals, tax: Taxonomy, *, rows: bool) -> None:
    """The ``source: all`` blocks shared by extracts and workbooks."""
    builder.set("submissions", [1])
    builder.set("workbook_submissions", [0 if rows else 1])
    builder.set("headcount", cells.headcount)
    builder.set("comp_sum", cells.compensation)
    builder.set("perf_sum", cells.performance_pay)
    builder.set("tenure_sum", cells.tenure)
    heads = _table_values(np.asarray(cells.headcount, dtype=object), tax)
    present = np.array([1 if h > 0 else 0 for h in heads], dtype=np.int64)
    builder.set("employers", present)
    builder.set("headcount_dominance", np.array([int(h) * int(h) for h in heads], dtype=np.int64))
    for block, values in (("comp_dominance", cells.compensation), ("perf_dominance", cells.performance_pay)):
        totals = _table_values(np.asarray(values, dtype=object), tax)
        builder.set(block, [int(x) * int(x) for x in totals])
    if rows:
        builder.set("row_submissions", [1])
        builder.set("row_employers", present)


def vector_from_cells(cells: CellTotals, layout: Layout) -> np.ndarray:
    """Vector of an aggregated workbook: ``source: all`` blocks only."""
    builder = VectorBuilder(layout)
    _set_all_blocks(builder, cells, layout.taxonomy, rows=False)
    return builder.elements()


def _cell_index(people: People, tax: Taxonomy) -> np.ndarray:
    _, nr, ng = _shape(tax)
    return (people.job.astype(np.int64) * nr + people.race) * ng + people.gender


def _exact(values: list[int]) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def vector_from_people(people: People, layout: Layout) -> np.ndarray:
    """Vector of an employee-level extract: every block."""
    tax = layout.taxonomy
    n_cells = len(layout.scopes["cell"])
    cell = _cell_index(people, tax)
    builder = VectorBuilder(layout)
    sums = {
        "compensation": _exact(group_sums(people.compensation, cell, n_cells)),
        "performance_pay": _exact(group_sums(people.performance_pay, cell, n_cells)),
        "tenure": _exact(group_sums(people.tenure, cell, n_cells)),
    }
    headcount = np.bincount(cell, minlength=n_cells).astype(np.int64)
    _set_all_blocks(builder, CellTotals(headcount=headcount, **sums), tax, rows=True)
    builder.set("row_headcount", headcount)
    builder.set("row_comp_sum", sums["compensation"])
    builder.set("row_perf_sum", sums["performance_pay"])
    builder.set("row_tenure_sum", sums["tenure"])
    builder.set("perf_recipients", np.bincount(cell[people.performance_pay > 0], minlength=n_cells))
    given = people.hours_given
    builder.set("hours_headcount", np.bincount(cell[given], minlength=n_cells))
    builder.set("hours_sum", _exact(group_sums(people.hours[given], cell[given], n_cells)))
    builder.set("hours_comp_sum", _exact(group_sums(people.compensation[given], cell[given], n_cells)))
    builder.set("comp_sumsq", group_sums_of_squares(people.compensation, cell, n_cells))
    builder.set("perf_sumsq", group_sums_of_squares(people.performance_pay, cell, n_cells))
    builder.set("tenure_sumsq", group_sums_of_squares(people.tenure, cell, n_cells))
    _set_histograms(builder, people, tax)
    _set_quartiles(builder, people, tax)
    _set_regression(builder, people, cell, tax, n_cells)
    return builder.elements()


def _hist_cells(people: People, tax: Taxonomy) -> list[np.ndarray]:
    """Per person, the hist_cell of each histogram table (J x G, then R x G), offset."""
    codes = {"job_category": people.job, "race_ethnicity": people.race, "gender": people.gender}
    out, offset = [], 0
    for dims in HISTOGRAM_DIMENSION_SETS:
        index = np.zeros(len(people), dtype=np.int64)
        size = 1
        for d in dims:
            k = len(tax.categories(d))
            index = index * k + codes[d]
            size *= k
        out.append(index + offset)
        offset += size
    return out


def _set_histograms(builder: VectorBuilder, people: People, tax: Taxonomy) -> None:
    n_hist = len(builder.layout.scopes["hist_cell"])
    hist_cells = _hist_cells(people, tax)
    for block, values, edges, mask in (
        ("comp_hist", people.compensation, tax.compensation_bins_dollars, np.ones(len(people), dtype=bool)),
        ("perf_hist", people.performance_pay, tax.performance_pay_bins_dollars, people.performance_pay > 0),
    ):
        bins = bin_index(values[mask], edges)
        counts = np.zeros(n_hist * len(edges), dtype=np.int64)
        for hc in hist_cells:
            counts += np.bincount(hc[mask] * len(edges) + bins, minlength=n_hist * len(edges))
        builder.set(block, counts)


def _set_quartiles(builder: VectorBuilder, people: People, tax: Taxonomy) -> None:
    by_gender, by_race = quartile_millis(
        people.compensation,
        [(people.gender.astype(np.int64), len(tax.gender)), (people.race.astype(np.int64), len(tax.race_ethnicity))],
    )
    # The quartile_cell scope: quarter x gender (quarter outermost), then quarter x race.
    millis = np.concatenate([by_gender.ravel(), by_race.ravel()])
    builder.set("quartile_millis", millis)
    builder.set("quartile_employers", (millis > 0).astype(np.int64))
    builder.set("quartile_dominance", [int(v) * int(v) for v in millis])


def _set_regression(builder: VectorBuilder, people: People, cell: np.ndarray, tax: Taxonomy, n_cells: int) -> None:
    paid = people.compensation > 0
    y = log_pay_fixed_point(people.compensation[paid], tax.fixed_point_bits)
    months = tenure_whole_months(people.tenure[paid])
    blocks = regression_blocks(tax, cell_moments(cell[paid], months, y, n_cells))
    for name in ("reg_xtx", "reg_xty", "reg_yty", "within_ztz", "within_zty", "within_yty"):
        builder.set(name, getattr(blocks, name))
    builder.set("within_n", [blocks.within_n])
    builder.set("within_employers", [blocks.within_employers])
