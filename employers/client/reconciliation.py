"""Reconciliation totals: what HR compares with its payroll system before sealing.

Guarantees:
- The totals are of the people who count (the rows used, or the workbook's cells), overall and
  per gender: headcount, total compensation, total performance pay (and, for rows, how many
  people receive any), total tenure in months. Rows left out are in none of them.
- Every sum is exact (integer cents and hundredths of a month, Python integers), and is given
  as a decimal string with two places (``"1234567.89"``), so that JSON readers, the browser
  page (``totals.js``, the same rules) and the terminal show the same digits.
- The per-gender lines add up to the total line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from protocol.taxonomy import Taxonomy


def hundredths_text(value: int) -> str:
    """An exact amount in hundredths as a decimal string: 8500050 -> '85000.50'."""
    sign = "-" if value < 0 else ""
    value = abs(int(value))
    return f"{sign}{value // 100}.{value % 100:02d}"


def grouped_dollars(value: int) -> str:
    """Hundredths of a dollar as '$1,234,567.89'."""
    whole, cents = divmod(abs(int(value)), 100)
    return f"{'-' if value < 0 else ''}${whole:,}.{cents:02d}"


def grouped_hundredths(value: int) -> str:
    """Hundredths as '12,345.50' (months of tenure)."""
    whole, part = divmod(abs(int(value)), 100)
    return f"{'-' if value < 0 else ''}{whole:,}.{part:02d}"


@dataclass(frozen=True)
class TotalsLine:
    """One line of the totals: all people, or one gender's."""

    label: str
    people: int
    compensation: int  # cents
    performance_pay: int  # cents
    recipients: int | None  # people with performance pay above 0; None without rows
    tenure: int  # hundredths of a month

    def as_dict(self) -> dict:
        return {
            "label": self.label,
            "people": self.people,
            "compensation": hundredths_text(self.compensation),
            "performance_pay": hundredths_text(self.performance_pay),
            "performance_pay_recipients": self.recipients,
            "tenure_months": hundredths_text(self.tenure),
        }


@dataclass(frozen=True)
class Totals:
    """The total line and one line per gender, in taxonomy order."""

    total: TotalsLine
    by_gender: tuple[TotalsLine, ...]

    @property
    def lines(self) -> tuple[TotalsLine, ...]:
        return (*self.by_gender, self.total)

    def as_dict(self) -> dict:
        return {"total": self.total.as_dict(), "by_gender": [line.as_dict() for line in self.by_gender]}


def _line(label: str, people: int, comp, perf, recipients, tenure) -> TotalsLine:
    return TotalsLine(label=label, people=int(people), compensation=int(comp), performance_pay=int(perf),
                      recipients=None if recipients is None else int(recipients), tenure=int(tenure))


def totals_from_rows(*, gender: np.ndarray, compensation: np.ndarray, performance_pay: np.ndarray,
                     tenure: np.ndarray, taxonomy: Taxonomy) -> Totals:
    """Totals of the used rows of an extract (cents and hundredths as int64 arrays)."""
    lines = []
    for g, label in enumerate(taxonomy.labels("gender")):
        mine = gender == g
        # int64 sums are exact here: 5 million people at the $100M bound stay below 2^63.
        lines.append(_line(label, mine.sum(), compensation[mine].sum(), performance_pay[mine].sum(),
                           (performance_pay[mine] > 0).sum(), tenure[mine].sum()))
    return Totals(total=_sum_lines(lines, recipients=True), by_gender=tuple(lines))


def totals_from_cells(*, headcount: np.ndarray, compensation: np.ndarray, performance_pay: np.ndarray,
                      tenure: np.ndarray, taxonomy: Taxonomy) -> Totals:
    """Totals of a workbook's cells (row-major job x race x gender; no recipients without rows)."""
    ng = len(taxonomy.gender)
    lines = [_line(label, headcount[g::ng].sum(), compensation[g::ng].sum(), performance_pay[g::ng].sum(),
                   None, tenure[g::ng].sum())
             for g, label in enumerate(taxonomy.labels("gender"))]
    return Totals(total=_sum_lines(lines, recipients=False), by_gender=tuple(lines))


def _sum_lines(lines: list[TotalsLine], *, recipients: bool) -> TotalsLine:
    return TotalsLine(
        label="Total", people=sum(x.people for x in lines), compensation=sum(x.compensation for x in lines),
        performance_pay=sum(x.performance_pay for x in lines),
        recipients=sum(x.recipients for x in lines) if recipients else None, tenure=sum(x.tenure for x in lines),
    )
