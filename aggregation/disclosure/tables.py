"""The cells of a release's tables and the linear relations between them.

Guarantees:
- ``TableStructure`` is derived from the vector layout (``protocol.layout``), so table
  cell ``i`` here is element ``i`` of every ``table_cell`` block of an aggregate.
- ``finest`` is the exact 0/1 map from table cells to the 270 finest cells (job x race x
  gender): every table cell's additive quantities are the sum of its finest cells'.
- ``relations`` lists every "parent = sum of children" identity between cells of different
  tables of one cohort; ``hist_parts`` says which histogram cells add up to a table cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy import sparse

from protocol.layout import (
    HISTOGRAM_DIMENSION_SETS,
    TABLE_DIMENSION_SETS,
    Layout,
    layout_for,
)


@dataclass(frozen=True)
class Table:
    """One table of a release: its dimensions and its cells' slice of the table-cell scope."""

    dims: tuple[str, ...]
    cells: range


@dataclass(frozen=True)
class Relation:
    """``parent = sum(children)`` for every additive quantity, within one cohort."""

    parent: int
    children: tuple[int, ...]


class TableStructure:
    """Table cells of one layout: labels, finest-cell membership, relations, histograms."""

    def __init__(self, layout: Layout):
        self.layout = layout
        tax = layout.taxonomy
        self.labels: tuple[dict[str, str], ...] = tuple(layout.scopes["table_cell"])
        self.tables: tuple[Table, ...] = tuple(
            Table(dims=dims, cells=range(s.start, s.stop))
            for dims in TABLE_DIMENSION_SETS
            for s in [layout.table_cell_index(dims)]
        )
        self.n_cells = len(self.labels)
        finest_labels = layout.scopes["cell"]
        self.n_finest = len(finest_labels)
        self.table_of = np.empty(self.n_cells, dtype=np.int64)
        rows, cols = [], []
        for ti, table in enumerate(self.tables):
            for i in table.cells:
                self.table_of[i] = ti
                key = self.labels[i]
                for f, flabel in enumerate(finest_labels):
                    if all(flabel[d] == key[d] for d in table.dims):
                        rows.append(i)
                        cols.append(f)
        self.finest = sparse.csr_matrix(
            (np.ones(len(rows)), (rows, cols)), shape=(self.n_cells, self.n_finest)
        )
        self.finest_members: tuple[np.ndarray, ...] = tuple(
            self.finest.indices[self.finest.indptr[i] : self.finest.indptr[i + 1]]
            for i in range(self.n_cells)
        )
        self.relations = tuple(self._relations())
        self.hist_capable = np.array(
            [any(set(t.dims) <= set(h) for h in HISTOGRAM_DIMENSION_SETS)
             for t in (self.tables[k] for k in self.table_of)],
            dtype=bool,
        )
        self.hist_parts = self._hist_parts(tax)
        self.depth = np.array([len(self.tables[k].dims) for k in self.table_of], dtype=np.int64)

    def _cell_index(self, dims: tuple[str, ...], key: dict[str, str]) -> int:
        table = next(t for t in self.tables if t.dims == dims)
        for i in table.cells:
            if all(self.labels[i][d] == key[d] for d in dims):
                return i
        raise KeyError((dims, key))

    def _relations(self):
        for table in self.tables:
            for drop in table.dims:
                parent_dims = tuple(d for d in table.dims if d != drop)
                groups: dict[int, list[int]] = {}
                for i in table.cells:
                    key = self.labels[i]
                    parent = self._cell_index(parent_dims, key)
                    groups.setdefault(parent, []).append(i)
                for parent, children in groups.items():
                    yield Relation(parent=parent, children=tuple(children))

    def _hist_parts(self, tax) -> dict[int, tuple[int, ...]]:
        """Table cell -> the hist cells (J x G then R x G) whose histograms add up to it."""
        hist_labels = self.layout.scopes["hist_cell"]
        offsets = {}
        start = 0
        for dims in HISTOGRAM_DIMENSION_SETS:
            n = int(np.prod([len(tax.labels(d)) for d in dims]))
            offsets[dims] = range(start, start + n)
            start += n
        parts: dict[int, tuple[int, ...]] = {}
        for i in range(self.n_cells):
            if not self.hist_capable[i]:
                continue
            dims = self.tables[self.table_of[i]].dims
            source = next(h for h in HISTOGRAM_DIMENSION_SETS if set(dims) <= set(h))
            key = self.labels[i]
            parts[i] = tuple(
                h for h in offsets[source] if all(hist_labels[h][d] == key[d] for d in dims)
            )
        return parts

    def cell_key(self, i: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(dims, labels) identifying cell ``i`` independently of any layout."""
        dims = self.tables[self.table_of[i]].dims
        return dims, tuple(self.labels[i][d] for d in dims)

    def cell_index_by_key(self) -> dict[tuple[tuple[str, ...], tuple[str, ...]], int]:
        return {self.cell_key(i): i for i in range(self.n_cells)}


# The all-employers headline (DESIGN §5.7): the grand total, and the Female and Male cells of
# the gender margin, job x gender and race x gender.
HEADLINE_TABLES = frozenset({(), ("gender",), ("job_category", "gender"), ("race_ethnicity", "gender")})
HEADLINE_GENDERS = frozenset({"Female", "Male"})


def headline_mask(structure: TableStructure) -> np.ndarray:
    """Which table cells are headline cells (when they belong to the all-employers cohort)."""
    out = np.zeros(structure.n_cells, dtype=bool)
    for i in range(structure.n_cells):
        dims = structure.tables[structure.table_of[i]].dims
        if dims in HEADLINE_TABLES and (not dims or structure.labels[i].get("gender") in HEADLINE_GENDERS):
            out[i] = True
    return out


@cache
def structure_for(taxonomy_name: str | None = None) -> TableStructure:
    layout = layout_for() if taxonomy_name is None else layout_for(taxonomy_name)
    return TableStructure(layout)

