"""Metrics that need employee-level rows, computed from one cohort's aggregate, and published
only where the rows come from enough employers and people (docs/metrics.md).

Guarantees: each figure is withheld (``None``, with the reason in ``withheld``) unless at least
``min_employers`` employers supplied rows to it and each group has at least ``min_employees``
people; pay quarters also pass the employer-level dominance rule cell by cell.
"""

from __future__ import annotations

from aggregation.disclosure.policy import DisclosurePolicy, dominance_safe
from aggregation.metrics.regression import adjusted_gap, fit_pooled, fit_within, oaxaca_two_fold
from protocol.layout import QUARTILES, Aggregate

MIN_REGRESSION_GROUP = 100


def _basis(aggregate: Aggregate) -> dict:
    return {
        "employers": aggregate.scalar("submissions"),
        "employers_with_rows": aggregate.scalar("row_submissions"),
        "employers_with_workbook": aggregate.scalar("workbook_submissions"),
        "people": int(aggregate.get("row_headcount").sum()),
    }


def receipt_rates(aggregate: Aggregate, policy: DisclosurePolicy) -> dict[str, float | None]:
    """Share of people receiving performance pay, per gender label."""
    layout = aggregate.layout
    tax = layout.taxonomy
    genders = tax.labels("gender")
    recipients = aggregate.get("perf_recipients")[:, 0].reshape(-1, len(genders)).sum(axis=0)
    people = aggregate.get("row_headcount")[:, 0].reshape(-1, len(genders)).sum(axis=0)
    employers = aggregate.get("row_employers")[layout.table_cell_index(("gender",)), 0]
    out = {}
    for g, label in enumerate(genders):
        ok = people[g] >= policy.min_employees and employers[g] >= policy.min_employers
        out[label] = round(float(recipients[g]) / float(people[g]), 3) if ok else None
    return out


def pay_quarters(aggregate: Aggregate, policy: DisclosurePolicy) -> dict[str, list[dict]]:
    """For each quarter, the share of each gender (and race/ethnicity) among its members."""
    tax = aggregate.layout.taxonomy
    millis = aggregate.get("quartile_millis")[:, 0]
    employers = aggregate.get("quartile_employers")[:, 0]
    dominance = aggregate.get("quartile_dominance")[:, 0]
    out: dict[str, list[dict]] = {}
    start = 0
    for dim in ("gender", "race_ethnicity"):
        labels = tax.labels(dim)
        rows = []
        for q in range(QUARTILES):
            index = range(start + q * len(labels), start + (q + 1) * len(labels))
            counts = [int(millis[i]) for i in index]
            safe = all(
                c == 0 or (c >= 1000 * policy.min_employees and employers[i] >= policy.min_employers
                           and dominance_safe(c, int(dominance[i]), policy))
                for c, i in zip(counts, index, strict=True)
            )
            total = sum(counts)
            shares = {label: c / total for label, c in zip(labels, counts, strict=True)} if safe and total else None
            rows.append({"quarter": q + 1, "shares": shares})
        out[dim] = rows
        start += QUARTILES * len(labels)
    return out


def regression_metrics(aggregate: Aggregate, policy: DisclosurePolicy) -> dict:
    groups_ok = True
    xtx = aggregate.get("reg_xtx")
    tax = aggregate.layout.taxonomy
    counts = {g.code: int(xtx[i][0]) for i, g in enumerate(tax.gender)}
    if counts["female"] < MIN_REGRESSION_GROUP or counts["male"] < MIN_REGRESSION_GROUP:
        groups_ok = False
    if not groups_ok:
        return {"withheld": f"fewer than {MIN_REGRESSION_GROUP} women or men in the employee-level data"}
    pooled = adjusted_gap(fit_pooled(aggregate))
    out: dict = {"adjusted": {"pooled": pooled, "fixed_effects": None}}
    if aggregate.scalar("within_employers") >= policy.min_employers:
        out["adjusted"]["fixed_effects"] = adjusted_gap(fit_within(aggregate))
    split = oaxaca_two_fold(aggregate)
    out["oaxaca_blinder"] = {
        "gap": split.gap,
        "explained": split.explained,
        "unexplained": split.unexplained,
        "explained_share": split.explained / split.gap if split.gap else None,
        "unexplained_share": split.unexplained / split.gap if split.gap else None,
    }
    return out


def row_metrics(aggregate: Aggregate, policy: DisclosurePolicy) -> dict:
    """Everything row-based for one cohort, or the reason it is withheld."""
    basis = _basis(aggregate)
    if basis["employers_with_rows"] < policy.min_employers:
        return {
            "basis": basis,
            "withheld": f"fewer than {policy.min_employers} employers supplied employee-level data",
        }
    return {
        "basis": basis,
        "performance_pay_receipt": receipt_rates(aggregate, policy),
        "pay_quarters": pay_quarters(aggregate, policy),
        **regression_metrics(aggregate, policy),
    }
