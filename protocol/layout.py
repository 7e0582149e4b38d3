"""The statistics vector's layout: which sum sits at which position, derived from a taxonomy.

Guarantees:
- The layout is a pure function of the taxonomy; ``layout_id`` (taxonomy name + a hash of the
  block list) changes whenever any position would change, so a vector can never be read
  against the wrong layout.
- Every element is an unsigned 64-bit integer in the ring Z/2^64. Quantities that can exceed
  2^64 in aggregate ("wide" blocks: sums of squares, dominance terms, regression moments) are
  128-bit two's-complement integers split into four 32-bit limbs, one limb per element. A limb
  is below 2^32, so the sum of up to 2^32 employers' limbs never wraps; the aggregate is
  rebuilt exactly from the limb sums. See docs/vector.md for the bounds.

The employer's side fills a :class:`VectorBuilder` and calls :meth:`VectorBuilder.elements`;
the service turns a summed element array back into named blocks with :class:`Aggregate`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np

from protocol import taxonomy as taxonomy_module
from protocol.taxonomy import DIMENSIONS, Taxonomy

LIMBS = 4
LIMB_BITS = 32
WIDE_MODULUS = 1 << (LIMBS * LIMB_BITS)
LIMB_MASK = (1 << LIMB_BITS) - 1

# Tables of a release: every subset of the three dimensions, finest first. The order fixes the
# "table_cell" scope: cells of the first table, then the second, and so on.
TABLE_DIMENSION_SETS: tuple[tuple[str, ...], ...] = (
    ("job_category", "race_ethnicity", "gender"),
    ("job_category", "gender"),
    ("job_category", "race_ethnicity"),
    ("race_ethnicity", "gender"),
    ("job_category",),
    ("race_ethnicity",),
    ("gender",),
    (),
)
# Tables whose cells carry histograms, hence medians: finer tables would cost a vector
# several times larger (docs/decisions.md, "Histograms at job x gender and race x gender").
HISTOGRAM_DIMENSION_SETS: tuple[tuple[str, ...], ...] = (
    ("job_category", "gender"),
    ("race_ethnicity", "gender"),
)
QUARTILE_DIMENSION_SETS: tuple[tuple[str, ...], ...] = (("gender",), ("race_ethnicity",))
QUARTILES = 4


@dataclass(frozen=True)
class Block:
    """A named run of elements: ``cells`` cells of one scope, ``width`` values per cell.

    ``wide`` blocks hold signed 128-bit integers as four 32-bit limbs each.
    ``source`` is ``all`` when both employee rows and the aggregated workbook fill it, ``rows``
    when only employee-level rows can (it is zero for a workbook submission).
    """

    name: str
    scope: str
    cells: int
    width: int
    wide: bool
    source: str
    unit: str
    offset: int = 0

    @property
    def values(self) -> int:
        return self.cells * self.width

    @property
    def length(self) -> int:
        return self.values * (LIMBS if self.wide else 1)

    def describe(self) -> dict:
        return {
            "name": self.name,
            "scope": self.scope,
            "cells": self.cells,
            "width": self.width,
            "wide": self.wide,
            "source": self.source,
            "unit": self.unit,
            "offset": self.offset,
            "length": self.length,
        }


def _cells(tax: Taxonomy, dims: tuple[str, ...]) -> list[dict[str, str]]:
    """Cells of a table in row-major order of ``dims``, as {dimension: label}."""
    return [
        dict(zip(dims, combo, strict=True))
        for combo in itertools.product(*(tax.labels(d) for d in dims))
    ]


def regression_group_regressors(tax: Taxonomy) -> list[str]:
    """Regressors of the per-gender regressions: intercept, race and job dummies, tenure."""
    ref = tax.regression_reference
    names = ["intercept"]
    names += [f"race:{c.code}" for c in tax.race_ethnicity if c.code != ref["race_ethnicity"]]
    names += [f"job:{c.code}" for c in tax.job_category if c.code != ref["job_category"]]
    names += ["tenure_months", "tenure_months_sq"]
    return names


def regression_within_regressors(tax: Taxonomy) -> list[str]:
    """Regressors of the within-employer regression: gender dummies, then as above, no intercept."""
    ref = tax.regression_reference
    names = [f"gender:{c.code}" for c in tax.gender if c.code != ref["gender"]]
    return names + regression_group_regressors(tax)[1:]


def triangle_size(p: int) -> int:
    return p * (p + 1) // 2


class Layout:
    """The ordered blocks of one taxonomy's vector, and the cells of each scope."""

    def __init__(self, tax: Taxonomy):
        self.taxonomy = tax
        self.scopes: dict[str, list[dict[str, str]]] = {
            "employer": [{}],
            "cell": _cells(tax, TABLE_DIMENSION_SETS[0]),
            "table_cell": [c for dims in TABLE_DIMENSION_SETS for c in _cells(tax, dims)],
            "hist_cell": [c for dims in HISTOGRAM_DIMENSION_SETS for c in _cells(tax, dims)],
            "quartile_cell": [
                {"quartile": str(q + 1), **c}
                for dims in QUARTILE_DIMENSION_SETS
                for q in range(QUARTILES)
                for c in _cells(tax, dims)
            ],
            "gender": _cells(tax, ("gender",)),
        }
        p = len(regression_group_regressors(tax))
        pw = len(regression_within_regressors(tax))
        ncomp = len(tax.compensation_bins_dollars)
        nperf = len(tax.performance_pay_bins_dollars)
        fp = tax.fixed_point_bits
        spec = [
            # name, scope, width, wide, source, unit
            ("submissions", "employer", 1, False, "all", "employers"),
            ("row_submissions", "employer", 1, False, "rows", "employers"),
            ("workbook_submissions", "employer", 1, False, "all", "employers"),
            ("headcount", "cell", 1, False, "all", "people"),
            ("comp_sum", "cell", 1, False, "all", "cents"),
            ("perf_sum", "cell", 1, False, "all", "cents"),
            ("tenure_sum", "cell", 1, False, "all", "hundredths of a month"),
            ("row_headcount", "cell", 1, False, "rows", "people"),
            ("row_comp_sum", "cell", 1, False, "rows", "cents"),
            ("row_perf_sum", "cell", 1, False, "rows", "cents"),
            ("row_tenure_sum", "cell", 1, False, "rows", "hundredths of a month"),
            ("perf_recipients", "cell", 1, False, "rows", "people"),
            ("hours_headcount", "cell", 1, False, "rows", "people"),
            ("hours_sum", "cell", 1, False, "rows", "hundredths of an hour"),
            ("hours_comp_sum", "cell", 1, False, "rows", "cents"),
            ("comp_sumsq", "cell", 1, True, "rows", "cents^2"),
            ("perf_sumsq", "cell", 1, True, "rows", "cents^2"),
            ("tenure_sumsq", "cell", 1, True, "rows", "(hundredths of a month)^2"),
            ("employers", "table_cell", 1, False, "all", "employers"),
            ("row_employers", "table_cell", 1, False, "rows", "employers"),
            ("headcount_dominance", "table_cell", 1, False, "all", "people^2"),
            ("comp_dominance", "table_cell", 1, True, "all", "cents^2"),
            ("perf_dominance", "table_cell", 1, True, "all", "cents^2"),
            ("comp_hist", "hist_cell", ncomp, False, "rows", "people"),
            ("perf_hist", "hist_cell", nperf, False, "rows", "people"),
            ("quartile_millis", "quartile_cell", 1, False, "rows", "people/1000"),
            ("quartile_employers", "quartile_cell", 1, False, "rows", "employers"),
            ("quartile_dominance", "quartile_cell", 1, True, "rows", "(people/1000)^2"),
            ("reg_xtx", "gender", triangle_size(p), True, "rows", "exact"),
            ("reg_xty", "gender", p, True, "rows", f"2^-{fp}"),
            ("reg_yty", "gender", 1, True, "rows", f"2^-{2 * fp}"),
            ("within_ztz", "employer", triangle_size(pw), True, "rows", f"2^-{fp}"),
            ("within_zty", "employer", pw, True, "rows", f"2^-{2 * fp}"),
            ("within_yty", "employer", 1, True, "rows", f"2^-{2 * fp}"),
            ("within_n", "employer", 1, False, "rows", "people"),
            ("within_employers", "employer", 1, False, "rows", "employers"),
        ]
        blocks: list[Block] = []
        offset = 0
        for name, scope, width, wide, source, unit in spec:
            block = Block(
                name=name,
                scope=scope,
                cells=len(self.scopes[scope]),
                width=width,
                wide=wide,
                source=source,
                unit=unit,
                offset=offset,
            )
            blocks.append(block)
            offset += block.length
        self.blocks: tuple[Block, ...] = tuple(blocks)
        self._by_name = {b.name: b for b in blocks}
        self.length = offset

    def block(self, name: str) -> Block:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"No block {name!r} in layout {self.layout_id}") from None

    def describe(self) -> dict:
        return {
            "taxonomy": self.taxonomy.name,
            "element": "uint64 little-endian, ring Z/2^64",
            "wide": {"limbs": LIMBS, "limb_bits": LIMB_BITS, "encoding": "two's complement mod 2^128"},
            "blocks": [b.describe() for b in self.blocks],
            "length": self.length,
        }

    @cached_property
    def layout_id(self) -> str:
        # Only what fixes positions and meaning: categories, bins, regression design, blocks.
        # Alias tables and descriptions may change without changing the layout.
        tax = self.taxonomy
        canonical = json.dumps(
            {
                "taxonomy": tax.name,
                "dimensions": {d: [[c.code, c.label] for c in tax.categories(d)] for d in DIMENSIONS},
                "compensation_bins": tax.compensation_bins_dollars,
                "performance_pay_bins": tax.performance_pay_bins_dollars,
                "regression": {"reference": tax.regression_reference, "bits": tax.fixed_point_bits},
                "blocks": [b.describe() for b in self.blocks],
            },
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
        return f"{self.taxonomy.name}/{hashlib.sha256(canonical).hexdigest()[:16]}"

    def table_cell_index(self, dims: tuple[str, ...]) -> slice:
        """The slice of the ``table_cell`` scope that holds the table over ``dims``."""
        start = 0
        for candidate in TABLE_DIMENSION_SETS:
            n = len(_cells(self.taxonomy, candidate))
            if candidate == tuple(dims):
                return slice(start, start + n)
            start += n
        raise KeyError(f"No table over {dims}")

    def hist_cell_index(self, dims: tuple[str, ...]) -> slice:
        start = 0
        for candidate in HISTOGRAM_DIMENSION_SETS:
            n = len(_cells(self.taxonomy, candidate))
            if candidate == tuple(dims):
                return slice(start, start + n)
            start += n
        raise KeyError(f"No histogram table over {dims}")


@cache
def layout_for(taxonomy_name: str = taxonomy_module.DEFAULT_TAXONOMY) -> Layout:
    return Layout(taxonomy_module.load(taxonomy_name))


def split_wide(values: np.ndarray) -> np.ndarray:
    """Signed integers (|v| < 2^127, any int-like array) to an (n, 4) uint64 limb array."""
    flat = [int(v) % WIDE_MODULUS for v in np.asarray(values, dtype=object).ravel()]
    out = np.empty((len(flat), LIMBS), dtype=np.uint64)
    for i, v in enumerate(flat):
        for k in range(LIMBS):
            out[i, k] = (v >> (LIMB_BITS * k)) & LIMB_MASK
    return out


def join_wide(limbs: np.ndarray) -> np.ndarray:
    """An (n, 4) array of limb sums back to exact signed Python integers (object array)."""
    limbs = np.asarray(limbs, dtype=np.uint64).reshape(-1, LIMBS)
    out = np.empty(limbs.shape[0], dtype=object)
    for i, row in enumerate(limbs):
        total = sum(int(x) << (LIMB_BITS * k) for k, x in enumerate(row)) % WIDE_MODULUS
        out[i] = total - WIDE_MODULUS if total >= WIDE_MODULUS // 2 else total
    return out


class VectorBuilder:
    """Collects one employer's statistics block by block, then encodes them as elements.

    Blocks not set stay zero, which is also what "absent" means for a ``rows`` block of a
    workbook submission.
    """

    def __init__(self, layout: Layout):
        self.layout = layout
        self._elements = np.zeros(layout.length, dtype=np.uint64)

    def set(self, name: str, values) -> None:
        """Store a block from an array shaped (cells, width) or (cells,) of non-negative or,
        for wide blocks, signed integers."""
        block = self.layout.block(name)
        arr = np.asarray(values, dtype=object if block.wide else None)
        if arr.size != block.values:
            raise ValueError(
                f"Block {name} needs {block.values} values ({block.cells} cells x "
                f"{block.width}), got {arr.size}"
            )
        target = slice(block.offset, block.offset + block.length)
        if block.wide:
            self._elements[target] = split_wide(arr).ravel()
        else:
            flat = np.asarray(arr).ravel()
            if flat.dtype.kind == "f":
                raise TypeError(f"Block {name} takes integers, not floats")
            if flat.dtype == object:
                if any(int(v) < 0 or int(v) >= 1 << 64 for v in flat):
                    raise ValueError(f"Block {name} holds values outside [0, 2^64)")
                flat = np.array([int(v) for v in flat], dtype=np.uint64)
            elif flat.size and flat.min() < 0:
                raise ValueError(f"Block {name} holds a negative value")
            self._elements[target] = flat.astype(np.uint64)

    def elements(self) -> np.ndarray:
        return self._elements.copy()


class Aggregate:
    """Named, exact access to an element array: one employer's vector or a sum of many."""

    def __init__(self, layout: Layout, elements: np.ndarray):
        elements = np.asarray(elements, dtype=np.uint64)
        if elements.shape != (layout.length,):
            raise ValueError(
                f"A {layout.layout_id} vector has {layout.length} elements, got {elements.shape}"
            )
        self.layout = layout
        self.elements = elements

    def get(self, name: str) -> np.ndarray:
        """The block as (cells, width): int64 for plain blocks, exact Python ints for wide."""
        block = self.layout.block(name)
        raw = self.elements[block.offset : block.offset + block.length]
        if block.wide:
            return join_wide(raw).reshape(block.cells, block.width)
        if raw.size and raw.max() >= 1 << 63:
            raise OverflowError(f"Block {name} has an element beyond 2^63: not an exact sum")
        return raw.astype(np.int64).reshape(block.cells, block.width)

    def scalar(self, name: str) -> int:
        return int(self.get(name)[0, 0])
