"""Regression sufficient statistics, integer-exact (docs/vector.md, "Regression moments").

Y = round_half_even(ln(compensation dollars) * 2^24) per person, computed as
``rint(log(cents / 100) * 2^24)`` in IEEE double (the browser does the same); people with
compensation 0 are left out. Tenure for the regression is whole months, half up.

Every regressor is a function of the person's (job, race, gender) cell and tenure months m,
so a person's regressor vector is ``A_c @ (1, m, m^2)`` with a small 0/1 matrix ``A_c`` per
cell. The moments therefore follow exactly from nine per-cell integer sums (n, Sum m ... m^4,
Sum Y, Sum mY, Sum m^2 Y, Sum Y^2): ``Sum x x' = A_c M_c A_c'``. Only those sums touch the
rows (vectorised, exact); everything after is Python-integer arithmetic on 270 cells.

Guarantees: ``reg_xtx`` is exact; ``reg_xty`` has scale 2^24 and ``reg_yty`` 2^48; the
within-employer moments are demeaned exactly, ``(n Sum z_j z_k - S_j S_k) / n``, and rounded
half-even once, at scale 2^24 (z z'), 2^48 (z Y, where Y already carries 2^24) and 2^48
(Y^2, already at that scale). An employer with fewer than two people in the regression leaves
every within block zero, within_n included.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from protocol.exact import group_sums, round_half_even_div
from protocol.layout import regression_group_regressors, regression_within_regressors
from protocol.taxonomy import Taxonomy


def log_pay_fixed_point(cents: np.ndarray, bits: int) -> np.ndarray:
    """Y per person: round_half_even(ln(dollars) * 2^bits) as int64 (cents > 0)."""
    return np.rint(np.log(np.asarray(cents, dtype=np.int64) / 100.0) * float(1 << bits)).astype(np.int64)


def tenure_whole_months(tenure_hundredths: np.ndarray) -> np.ndarray:
    """Whole months, half up, from hundredths of a month (non-negative)."""
    return (np.asarray(tenure_hundredths, dtype=np.int64) + 50) // 100


@dataclass(frozen=True)
class CellMoments:
    """Per-cell exact sums: powers of m (0..4) and Y times powers of m (0..2), and Y^2."""

    m_powers: np.ndarray  # object (cells, 5): n, Sum m, Sum m^2, Sum m^3, Sum m^4
    y_moments: np.ndarray  # object (cells, 3): Sum Y, Sum mY, Sum m^2 Y
    y_squared: np.ndarray  # object (cells,): Sum Y^2


def cell_moments(cell: np.ndarray, months: np.ndarray, y: np.ndarray, n_cells: int) -> CellMoments:
    m = months.astype(np.int64)
    m2 = m * m
    powers = [np.ones_like(m), m, m2, m2 * m, m2 * m2]
    m_powers = np.array([group_sums(p, cell, n_cells) for p in powers], dtype=object).T
    y_moments = np.array([group_sums(y * p, cell, n_cells) for p in powers[:3]], dtype=object).T
    y_squared = np.array(group_sums(y * y, cell, n_cells), dtype=object)
    return CellMoments(m_powers, y_moments, y_squared)


def _design(tax: Taxonomy, names: list[str], j: int, r: int, g: int) -> np.ndarray:
    """A_c: the (p, 3) 0/1 matrix with x = A_c (1, m, m^2) for people of cell (j, r, g)."""
    a = np.zeros((len(names), 3), dtype=object)
    a[:] = 0
    tags = {"intercept", f"job:{tax.job_category[j].code}", f"race:{tax.race_ethnicity[r].code}",
            f"gender:{tax.gender[g].code}"}
    for i, name in enumerate(names):
        if name in tags:
            a[i, 0] = 1
    a[names.index("tenure_months"), 1] = 1
    a[names.index("tenure_months_sq"), 2] = 1
    return a


def _moment_matrix(powers) -> np.ndarray:
    n, s1, s2, s3, s4 = powers
    return np.array([[n, s1, s2], [s1, s2, s3], [s2, s3, s4]], dtype=object)


@dataclass(frozen=True)
class RegressionBlocks:
    reg_xtx: np.ndarray
    reg_xty: np.ndarray
    reg_yty: np.ndarray
    within_ztz: np.ndarray
    within_zty: np.ndarray
    within_yty: np.ndarray
    within_n: int
    within_employers: int


def _cells(tax: Taxonomy):
    nr, ng = len(tax.race_ethnicity), len(tax.gender)
    for j in range(len(tax.job_category)):
        for r in range(nr):
            for g in range(ng):
                yield (j * nr + r) * ng + g, j, r, g


def regression_blocks(tax: Taxonomy, moments: CellMoments) -> RegressionBlocks:
    xnames, znames = regression_group_regressors(tax), regression_within_regressors(tax)
    p, pz = len(xnames), len(znames)
    ng = len(tax.gender)
    xtx = np.zeros((ng, p, p), dtype=object)
    xty = np.zeros((ng, p), dtype=object)
    yty = np.zeros(ng, dtype=object)
    ztz, zty, sz = np.zeros((pz, pz), dtype=object), np.zeros(pz, dtype=object), np.zeros(pz, dtype=object)
    n = sy = syy = 0
    for c, j, r, g in _cells(tax):
        powers = moments.m_powers[c]
        if powers[0] == 0:
            continue
        mm, ym = _moment_matrix(powers), moments.y_moments[c]
        a, b = _design(tax, xnames, j, r, g), _design(tax, znames, j, r, g)
        xtx[g] += a @ mm @ a.T
        xty[g] += a @ ym
        yty[g] += moments.y_squared[c]
        ztz += b @ mm @ b.T
        zty += b @ ym
        sz += b @ powers[:3]
        n, sy, syy = n + powers[0], sy + ym[0], syy + moments.y_squared[c]
    iu, ju = np.triu_indices(p)
    izu, jzu = np.triu_indices(pz)
    reg_xtx = np.array([[xtx[g][i, k] for i, k in zip(iu, ju, strict=True)] for g in range(ng)], dtype=object)
    if n < 2:
        zeros = np.zeros
        return RegressionBlocks(reg_xtx, xty, yty, zeros(len(izu), dtype=object), zeros(pz, dtype=object),
                                zeros(1, dtype=object), 0, 0)
    scale = 1 << tax.fixed_point_bits
    within_ztz = np.array([round_half_even_div((n * ztz[i, k] - sz[i] * sz[k]) * scale, n)
                           for i, k in zip(izu, jzu, strict=True)], dtype=object)
    within_zty = np.array([round_half_even_div((n * zty[i] - sz[i] * sy) * scale, n) for i in range(pz)], dtype=object)
    within_yty = np.array([round_half_even_div(n * syy - sy * sy, n)], dtype=object)
    return RegressionBlocks(reg_xtx, xty, yty, within_ztz, within_zty, within_yty, int(n), 1)
