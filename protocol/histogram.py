"""Histogram bins and the interpolated median (docs/vector.md, "Histograms").

Guarantee: every estimated position lies inside its person's bin, so where the middle people
fall in bins of ratio at most r the median estimate is within a factor r of the exact median.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def bin_index(values_cents: np.ndarray, lower_dollars: Sequence[int]) -> np.ndarray:
    """Bin of each value (cents): the last k with lower_dollars[k] * 100 <= value."""
    edges = np.asarray(lower_dollars, dtype=np.int64) * 100
    return np.searchsorted(edges, np.asarray(values_cents, dtype=np.int64), side="right") - 1


def _position(lower: float, upper: float | None, i: float, m: int) -> float:
    """Estimated value of the i-th (1-based, may be fractional) of m people in a bin."""
    frac = (i - 0.5) / m
    if upper is None:
        # Open top bin: no upper edge to interpolate towards; the lower edge is the honest answer.
        return lower
    if lower <= 0:
        return lower + (upper - lower) * frac
    return lower * (upper / lower) ** frac


def interpolated_median(counts: Sequence[int], lower_dollars: Sequence[int]) -> float | None:
    """The median in dollars from bin counts, or None for an empty histogram."""
    counts = [int(c) for c in counts]
    if len(counts) != len(lower_dollars):
        raise ValueError(f"{len(counts)} counts for {len(lower_dollars)} bins")
    if any(c < 0 for c in counts):
        raise ValueError("Histogram counts cannot be negative")
    n = sum(counts)
    if n == 0:
        return None
    ranks = [(n + 1) // 2] if n % 2 else [n // 2, n // 2 + 1]
    estimates = []
    for rank in ranks:
        seen = 0
        for k, c in enumerate(counts):
            if seen + c >= rank:
                upper = lower_dollars[k + 1] if k + 1 < len(lower_dollars) else None
                estimates.append(_position(lower_dollars[k], upper, rank - seen, c))
                break
            seen += c
    return float(sum(estimates) / len(estimates))


def band_counts(counts: Sequence[int], bin_lower: Sequence[int], band_lower: Sequence[int]) -> list[int]:
    """Collapse fine bins into coarser bands whose edges are all bin edges (e.g. EEO-1 bands)."""
    missing = sorted(set(band_lower) - set(bin_lower))
    if missing:
        raise ValueError(f"Band edges {missing} are not bin edges")
    band_of_bin = np.searchsorted(np.asarray(band_lower), np.asarray(bin_lower), side="right") - 1
    out = [0] * len(band_lower)
    for band, c in zip(band_of_bin, counts, strict=True):
        out[int(band)] += int(c)
    return out
