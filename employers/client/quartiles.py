"""Pay quarters (UK regulation 13) as thousandths of people, exactly as docs/vector.md says.

The employer's people are ranked by compensation and cut into four equal quarters; people on
the same pay who straddle a boundary are shared between quarters in proportion. In rank units
x4 person i spans [4i, 4i + 4) and the boundaries sit at n, 2n, 3n, so every overlap is an
integer. For a tie group of size t and quarter q, a category with c members of the group gets
``round_half_even(1000 * c * overlap_q / (4 t))`` millis.

Guarantee: the result is computed with integers only. Tie groups that lie inside one quarter
(all but at most three) get exactly 1000 millis per member, vectorised; only the groups that
straddle a boundary are handled one at a time.
"""

from __future__ import annotations

import numpy as np

from protocol.exact import round_half_even_div

QUARTERS = 4


def _sorted_by_pay(pay: np.ndarray, categories: list[tuple[np.ndarray, int]]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Pay in ascending order and each categorisation's codes in the same order. Pay and codes
    are packed into one int64 and sorted together (a plain sort is faster than argsort plus
    gathers); any order within a tie will do."""
    bits = [max(1, int(k - 1).bit_length()) for _, k in categories]
    if len(pay) and int(pay.max()) < 1 << (62 - sum(bits)) and int(pay.min()) >= 0:
        key = pay.copy()
        for (codes, _), b in zip(categories, bits, strict=True):
            key = (key << b) | codes.astype(np.int64)
        key.sort()
        ranked = []
        for b in reversed(bits):
            ranked.append(key & ((1 << b) - 1))
            key = key >> b
        return key, ranked[::-1]
    order = np.argsort(pay)
    return pay[order], [codes[order] for codes, _ in categories]


def quartile_millis(compensation: np.ndarray, categories: list[tuple[np.ndarray, int]]) -> list[np.ndarray]:
    """Millis per (quarter, category) for each categorisation given as (codes, number of codes).

    Returns one int64 array of shape (4, k) per categorisation, quarter outermost.
    """
    n = len(compensation)
    out = [np.zeros((QUARTERS, k), dtype=np.int64) for _, k in categories]
    if n == 0:
        return out
    pay, ranked_codes = _sorted_by_pay(np.asarray(compensation, dtype=np.int64), categories)
    starts = np.flatnonzero(np.r_[True, pay[1:] != pay[:-1]])
    sizes = np.diff(np.r_[starts, n])
    group_of = np.repeat(np.arange(len(starts)), sizes)
    lo, hi = 4 * starts, 4 * (starts + sizes)  # each group's span in rank units x4
    quarter_lo = lo // n  # the quarter of the span's start: boundaries at n, 2n, 3n
    inside = hi <= (quarter_lo + 1) * n
    whole = inside[group_of]
    for ranked, (_, k), table in zip(ranked_codes, categories, out, strict=True):
        flat = quarter_lo[group_of[whole]] * k + ranked[whole]
        table += 1000 * np.bincount(flat, minlength=QUARTERS * k).reshape(QUARTERS, k)
    for g in np.flatnonzero(~inside):
        members = slice(starts[g], starts[g] + sizes[g])
        t = int(sizes[g])
        for q in range(QUARTERS):
            overlap = max(0, min(int(hi[g]), (q + 1) * n) - max(int(lo[g]), q * n))
            if overlap == 0:
                continue
            for ranked, (_, k), table in zip(ranked_codes, categories, out, strict=True):
                counts = np.bincount(ranked[members], minlength=k)
                for cat in np.flatnonzero(counts):
                    table[q, cat] += round_half_even_div(1000 * int(counts[cat]) * overlap, 4 * t)
    return out
