"""Plain words for the public report's figures that a sentence template cannot get right alone.

Pure. Guarantees: every sentence is true for any sign and size of its inputs (a share of a gap
below 0 or above 100%, a gap near zero, women paid more than men, a figure withheld), speaks in
percent of pay, and never in log units.

The Oaxaca–Blinder parts arrive in log points (differences of mean log pay, docs/metrics.md):
a log difference ``x`` is the ratio ``e^x`` of geometric means, so "women's typical pay is
``1 − e^−x`` below men's". The split of the gap into shares is additive in log points, which is
why shares are taken there and each part is then stated in percent of pay on its own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

NEAR_ZERO = 0.005  # below half a percent of pay, a difference reads as "about the same"
CHARACTERISTICS = "job category, race/ethnicity and tenure"


def _pay_percent(log_points: float) -> float:
    """How far women's typical pay is from men's, in percent of men's (always ≥ 0)."""
    return 100 * abs(1 - math.exp(-log_points))


def _women_relative(log_points: float) -> str:
    """"women are paid about 7.1% less than men", for a men-minus-women difference."""
    if abs(log_points) < NEAR_ZERO:
        return "women and men are paid about the same"
    return f"women are paid about {_pay_percent(log_points):.1f}% {'less' if log_points > 0 else 'more'} than men"


def decomposition_wording(split: Mapping | None, *, withheld: str | None = None) -> str:
    """The sentence under "How much of the gap do jobs and tenure explain?".

    ``split`` holds ``gap``, ``explained`` and ``unexplained`` (men minus women, log points;
    ``gap = explained + unexplained``); None or a missing part means the split is not published,
    and ``withheld`` says why.
    """
    parts = [None if split is None else split.get(k) for k in ("gap", "explained", "unexplained")]
    if any(p is None or not math.isfinite(p) for p in parts):
        reason = f": {withheld}" if withheld else ""
        return f"This split of the gap is not published{reason}."
    gap, explained, unexplained = parts
    same_traits = f"Between women and men with the same {CHARACTERISTICS}, {_women_relative(unexplained)}"
    if abs(gap) < NEAR_ZERO:
        out = "Women's and men's typical pay differ by less than half a percent, so there is no gap to split."
        if abs(unexplained) < NEAR_ZERO:
            return out
        return f"{out} {same_traits}."
    lower = gap > 0
    overall = f"Women's typical pay is {_pay_percent(gap):.1f}% {'below' if lower else 'above'} men's."
    share = explained / gap
    if share < 0:
        # The characteristics point the other way: they would predict the opposite gap.
        return (f"{overall} Differences in {CHARACTERISTICS} do not account for any of it: if anything, "
                f"women's jobs, race/ethnicity and tenure would predict {'higher' if lower else 'lower'} pay for "
                "women than for men. "
                f"{same_traits}, a wider gap than the overall one.")
    if share > 1:
        # The characteristics predict more than the whole gap; like for like it is reversed or gone.
        return (f"{overall} Differences in {CHARACTERISTICS} more than account for it: on their own they would "
                f"put women's pay {_pay_percent(explained):.1f}% {'below' if lower else 'above'} men's. "
                f"{same_traits}.")
    explained_pct = round(100 * share)
    if explained_pct == 0:
        split_words = (f"Almost none of that difference comes from differences in {CHARACTERISTICS}; "
                       "nearly all of it remains between women and men who are alike in these respects.")
    elif explained_pct == 100:
        split_words = (f"Almost all of that difference comes from differences in {CHARACTERISTICS}; "
                       "hardly any remains between women and men who are alike in these respects.")
    else:
        split_words = (f"About {explained_pct}% of that difference comes from differences in {CHARACTERISTICS}; "
                       f"the other {100 - explained_pct}% remains between women and men who are alike in "
                       "these respects.")
    return f"{overall} {split_words} Comparing like with like, {_women_relative(unexplained)}."


def change_wording(now: float | None, before: float | None, *, before_label: str) -> str:
    """A gap's change since an earlier cycle, in percentage points: "down 1.2 points from 14.0%
    in 2025". Gaps are fractions (0.14 is 14%)."""
    if now is None or before is None:
        return "no comparison: withheld in one of the two years"
    points = round(100 * (now - before), 1)
    then = f"{100 * before:.1f}% in {before_label}"
    if points == 0:
        return f"unchanged from {then}"
    return f"{'up' if points > 0 else 'down'} {abs(points):.1f} points from {then}"
