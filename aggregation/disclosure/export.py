"""The release export (DESIGN §6, a contract) as JSON and as CSV.

Guarantees:
- Only a draft whose audit passed is exported (``ReleaseRefused`` otherwise).
- A suppressed cell carries its labels and ``"status": "suppressed"`` and no figure at all; a
  structural zero is ``"status": "published"`` with headcount 0 and null means.
- Neither the p value nor any per-cell employer count appears anywhere in the output.
- CSV cells never start with a character a spreadsheet reads as a formula (``= + - @``, tab,
  carriage return): such text is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
import math

from aggregation.disclosure.primary import CellStatus
from aggregation.disclosure.release import ReleaseDraft

FORMAT = "talent-compact-release/1"
FIGURES = (
    ("compensation_mean", "compensation"),
    ("performance_pay_mean", "performance_pay"),
    ("tenure_mean_months", "tenure"),
)
CSV_COLUMNS = (
    "cohort_kind",
    "cohort_value",
    "dimensions",
    "job_category",
    "race_ethnicity",
    "gender",
    "status",
    "headcount",
    "compensation_mean",
    "compensation_median",
    "performance_pay_mean",
    "tenure_mean_months",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(draft: ReleaseDraft, k: int, i: int) -> dict:
    structure = draft.space.structure
    dims, labels = structure.cell_key(i)
    out: dict = dict(zip(dims, labels, strict=True))
    g = draft.space.index(k, i)
    state = draft.status[k, i]
    if state in (CellStatus.PRIMARY, CellStatus.SECONDARY):
        out["status"] = "suppressed"
        return out
    figures = draft.figures
    out["status"] = "published"
    out["headcount"] = int(figures.headcount[g])
    if state == CellStatus.ZERO:
        out.update({name: None for name, _ in FIGURES})
        return out
    out["compensation_mean"] = float(figures.means["compensation"][g])
    if not math.isnan(figures.median[g]):
        out["compensation_median"] = float(figures.median[g])
    out["performance_pay_mean"] = float(figures.means["performance_pay"][g])
    out["tenure_mean_months"] = float(figures.means["tenure"][g])
    return out


def release_to_json(draft: ReleaseDraft, *, cycle: str, taxonomy: str, participants: int) -> dict:
    """The release document of DESIGN §6 (a JSON-serialisable dict)."""
    draft.require_publishable()
    structure = draft.space.structure
    policy = draft.policy.public_dict()
    policy["rounding"].update(
        {"mean_dollars": draft.policy.money_mean_dollars,
         "tenure_months": draft.policy.tenure_mean_months}
    )
    tables = []
    for k, cohort in enumerate(draft.cohorts):
        for table in structure.tables:
            tables.append(
                {
                    "cohort": cohort.public_dict(),
                    "dimensions": list(table.dims),
                    "cells": [_cell(draft, k, i) for i in table.cells],
                }
            )
    return {
        "format": FORMAT,
        "cycle": str(cycle),
        "taxonomy": str(taxonomy),
        "participants": int(participants),
        "policy": policy,
        "tables": tables,
        "metrics": {},
        "audit": draft.certificate.public_dict(),
    }


def csv_safe(value) -> str:
    """A CSV field that no spreadsheet evaluates as a formula."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def release_to_csv(document: dict) -> str:
    """One row per cell of a release document (from ``release_to_json``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for table in document["tables"]:
        cohort = table["cohort"]
        for cell in table["cells"]:
            row = {
                "cohort_kind": cohort["kind"],
                "cohort_value": cohort.get("value"),
                "dimensions": "+".join(table["dimensions"]) or "total",
                **cell,
            }
            writer.writerow([csv_safe(row.get(col)) for col in CSV_COLUMNS])
    return buffer.getvalue()
