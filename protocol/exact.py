"""Exact integer arithmetic for the statistics vector: group sums and half-even rounding.

Guarantees:
- :func:`group_sums` adds int64 values with |v| < 2^62 per group exactly, for up to 2^26 rows
  (67 million; the client refuses more than 5 million): each value is split into limbs of
  ``52 - bit_length(n)`` bits, at least 26 (the top limb signed), each limb is summed with
  ``np.bincount``, whose float64 accumulator is exact because every partial sum stays below
  2^52, and the limb sums are recombined as Python integers. (``np.add.at`` on int64 is exact
  too but several times slower.)
- :func:`group_sums_of_squares` does the same for squares of values 0 <= v < 2^40 (cents up to
  the $100M bound are below 2^34), whose squares do not fit in int64.
- :func:`round_half_even_div` is exact rational rounding of Python integers.
"""

from __future__ import annotations

import numpy as np

_SQ_BITS = 20


LIMB_BITS = 26
MAX_ROWS = 1 << 26


def group_sums(values: np.ndarray, groups: np.ndarray, n_groups: int) -> list[int]:
    """Exact sum of ``values`` (int64, |v| < 2^62) per group 0..n_groups-1, as Python ints."""
    values = np.asarray(values, dtype=np.int64)
    if len(values) > MAX_ROWS:
        raise OverflowError(f"group_sums takes at most {MAX_ROWS} values")
    top = int(np.abs(values).max()) if len(values) else 0
    if top >= 1 << 62:
        raise OverflowError("group_sums takes values below 2^62 in magnitude")
    # n values below 2^bits sum below 2^52, where float64 is exact: the fewer the rows, the
    # wider the limbs (32 bits for a million rows, so most quantities take one or two).
    bits = max(LIMB_BITS, 52 - max(1, len(values)).bit_length())
    totals = [0] * n_groups
    shift, rest = 0, values
    while True:
        last = top < (1 << (shift + bits))
        limb = rest if last else rest & ((1 << bits) - 1)  # the last limb keeps the sign
        sums = np.bincount(groups, weights=limb.astype(np.float64), minlength=n_groups)
        totals = [t + (int(x) << shift) for t, x in zip(totals, sums, strict=True)]
        if last:
            return totals
        rest, shift = rest >> bits, shift + bits


def group_sums_of_squares(values: np.ndarray, groups: np.ndarray, n_groups: int) -> list[int]:
    """Exact sum of v^2 per group for 0 <= v < 2^40."""
    values = np.asarray(values, dtype=np.int64)
    if len(values) and (int(values.min()) < 0 or int(values.max()) >= 1 << 40):
        raise OverflowError("group_sums_of_squares takes values in [0, 2^40)")
    if not len(values) or int(values.max()) < 1 << 31:
        return group_sums(values * values, groups, n_groups)  # squares below 2^62
    high, low = values >> _SQ_BITS, values & ((1 << _SQ_BITS) - 1)
    hh = group_sums(high * high, groups, n_groups)
    hl = group_sums(high * low, groups, n_groups)
    ll = group_sums(low * low, groups, n_groups)
    return [(a << (2 * _SQ_BITS)) + (b << (_SQ_BITS + 1)) + c for a, b, c in zip(hh, hl, ll, strict=True)]


def round_half_even_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, ties to even (denominator > 0)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient
