"""The disclosure policy: the versioned set of rules a release is built and audited under.

Guarantees:
- A policy is immutable and carries a version string that every release and certificate stamps.
- A policy with fewer than 3 employers per cell (two employers can subtract each other), fewer
  than 5 people per cell, or a non-positive protection margin cannot be constructed.
- ``dominance_factor`` is an exact fraction, so the p% test ``S^2 >= ((1+p)^2 + 1) * D`` is
  decided in integer arithmetic, never in floating point.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

MIN_EMPLOYERS_FLOOR = 3
MIN_EMPLOYEES_FLOOR = 5


class PolicyError(ValueError):
    """A disclosure policy that would not protect what the compact promises to protect."""


@dataclass(frozen=True)
class DisclosurePolicy:
    """Rules of one release. The p value is confidential: it is never written to a release.

    - ``min_employees``, ``min_employers``: threshold rules per published cell.
    - ``p_percent``: the employer-level p% rule on compensation, headcount and performance pay,
      checked with the ``sqrt(sum x^2)`` bound; also the relative protection margin the audit
      requires of every primary-suppressed cell (``protection_percent``, defaults to p).
    - ``protect_performance_pay``: performance pay gets the p% rule and the audit's margin like
      compensation. DESIGN §5 names only compensation and headcount; we add it (a bonus bill
      one employer dominates is that employer's figure). Off, the rules are DESIGN's minimum:
      the benchmark prices the difference (docs/benchmarks.md); give such a policy its own
      ``version``.
    - ``headcount_protection_people``: the absolute part of the headcount margin: a suppressed
      headcount must stay uncertain by at least this many people on each side (as far as the
      count can go down), about what rounding to 5 leaves of a published one.
    - ``median_min_employees``: medians only where at least this many people supplied rows.
    - ``exact_width_percent``: a hidden cell the attacker pins to an interval narrower than
      this share of its value is disclosed; a secondary cell that narrow protects nothing and
      is published instead, a primary one fails the audit.
    - ``insider_safe_patterns``: secondary patterns also survive any one employer fixing its
      own contributions (cells of a pattern moving down no further than ``isqrt(sum x^2)``
      below their value). Off by default: the outsider margin, 10% of the cell's value, is
      at least the protection level the p% rule asks against the second-largest contributor
      (``p x1 - (S - x1 - x2) <= p S``), as in tau-ARGUS; on, it hides far more
      (docs/decisions.md, "Insider-safe patterns").
    - rounding: headcounts to ``headcount_base``, money means to ``money_mean_dollars``,
      tenure means to ``tenure_mean_months``.
    """

    version: str = "tc-disclosure/2026.2"
    min_employees: int = 10
    min_employers: int = 5
    p_percent: int = 10
    protection_percent: int | None = None
    headcount_protection_people: int = 2
    median_min_employees: int = 20
    headcount_base: int = 5
    money_mean_dollars: int = 100
    tenure_mean_months: int = 1
    protect_performance_pay: bool = True
    exact_width_percent: float = 1.0
    insider_safe_patterns: bool = False

    def __post_init__(self) -> None:
        if not self.version or not isinstance(self.version, str):
            raise PolicyError("A disclosure policy needs a non-empty version string.")
        if self.min_employers < MIN_EMPLOYERS_FLOOR:
            raise PolicyError(
                f"min_employers={self.min_employers} is below the floor of "
                f"{MIN_EMPLOYERS_FLOOR}: with two employers in a cell each can subtract its own "
                "figures and read the other's."
            )
        if self.min_employees < MIN_EMPLOYEES_FLOOR:
            raise PolicyError(
                f"min_employees={self.min_employees} is below the floor of {MIN_EMPLOYEES_FLOOR}."
            )
        if not 0 < self.p_percent < 100:
            raise PolicyError(f"p_percent must be between 1 and 99, got {self.p_percent}.")
        if self.protection_percent is not None and not 0 < self.protection_percent < 100:
            raise PolicyError(
                f"protection_percent must be between 1 and 99, got {self.protection_percent}."
            )
        if self.headcount_protection_people < 1:
            raise PolicyError("headcount_protection_people must be at least 1.")
        if self.median_min_employees < self.min_employees:
            raise PolicyError("median_min_employees cannot be below min_employees.")
        if not 0 < self.exact_width_percent < (self.protection_percent or self.p_percent):
            raise PolicyError(
                "exact_width_percent must be positive and below the protection margin, got "
                f"{self.exact_width_percent}."
            )
        for name in ("headcount_base", "money_mean_dollars", "tenure_mean_months"):
            if getattr(self, name) < 1:
                raise PolicyError(f"{name} must be a positive integer.")

    @property
    def dominance_factor(self) -> Fraction:
        """``(1+p)^2 + 1``: a cell is safe iff ``S^2 >= dominance_factor * sum(x^2)``."""
        p = Fraction(self.p_percent, 100)
        return (1 + p) ** 2 + 1

    @property
    def protected_measures(self) -> tuple[str, ...]:
        """The measures the p% rule and the audit's margin apply to."""
        return ("headcount", "compensation") + (
            ("performance_pay",) if self.protect_performance_pay else ()
        )

    @property
    def exact_width(self) -> float:
        """``exact_width_percent`` as a fraction."""
        return self.exact_width_percent / 100

    @property
    def margin(self) -> float:
        """Relative protection the audit requires (``r_t >= margin``)."""
        return (self.protection_percent or self.p_percent) / 100

    def public_dict(self) -> dict:
        """What a release says about its policy (DESIGN §6): never the p value."""
        return {
            "version": self.version,
            "min_employees": self.min_employees,
            "min_employers": self.min_employers,
            "rounding": {"headcount": self.headcount_base},
        }


def dominance_safe(total: int, dominance: int, policy: DisclosurePolicy) -> bool:
    """The employer-level p% rule on one cell, decided exactly.

    ``(1+p) x1 + x2 <= sqrt((1+p)^2 + 1) * sqrt(sum x^2)`` (Cauchy-Schwarz), so a cell whose
    total reaches that bound has ``S - x1 - x2 >= p x1`` whatever the contributions are.
    """
    total, dominance = int(total), int(dominance)
    if total < 0 or dominance < 0:
        raise ValueError("Totals and dominance terms are non-negative sums.")
    factor = policy.dominance_factor
    return total * total * factor.denominator >= factor.numerator * dominance
