"""The pay-gap definition that every report uses (docs/metrics.md): the service's metrics and
report, and the employer's benchmark computed on its own machine.

A gap is (reference − other) / reference: of men's and women's means or medians, or of a
reference group's and another group's. It is undefined (None) where either figure is missing
or the reference is not positive.
"""

from __future__ import annotations

EU_THRESHOLD = 0.05  # Directive (EU) 2023/970, Art. 10: a gap of 5% or more calls for a joint assessment


def gap(reference: float | None, other: float | None) -> float | None:
    if reference is None or other is None or reference <= 0:
        return None
    return (reference - other) / reference
