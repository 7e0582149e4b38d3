"""The release export (DESIGN §6, a contract): the typed release document of a draft, and CSV.

Guarantees:
- Only a draft whose audit passed is exported (``ReleaseRefused`` otherwise).
- A suppressed cell carries its labels and ``"status": "suppressed"`` and no figure at all; a
  structural zero is ``"status": "published"`` with headcount 0 and null means.
- Neither the p value nor any per-cell employer count appears anywhere in the output.
- A cohort the plan does not publish (a remainder) has no table; the plan's decisions, with
  their reasons, and the utility block are part of the document.
- CSV cells never start with a character a spreadsheet reads as a formula (``= + - @``, tab,
  carriage return): such text is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
import math

from aggregation.disclosure.primary import CellStatus
from aggregation.disclosure.release import ReleaseDraft
from protocol.release import CohortKey, ReleaseCell, ReleaseDocument, ReleaseTable

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


def _cell(draft: ReleaseDraft, k: int, i: int) -> ReleaseCell:
    structure = draft.space.structure
    dims, labels = structure.cell_key(i)
    named = dict(zip(dims, labels, strict=True))
    g = draft.space.index(k, i)
    state = draft.status[k, i]
    if state in (CellStatus.PRIMARY, CellStatus.SECONDARY):
        return ReleaseCell(labels=named, status="suppressed")
    figures = draft.figures
    headcount = int(figures.headcount[g])
    if state == CellStatus.ZERO:
        return ReleaseCell(labels=named, status="published", headcount=headcount)
    return ReleaseCell(
        labels=named,
        status="published",
        headcount=headcount,
        compensation_mean=float(figures.means["compensation"][g]),
        compensation_median=None if math.isnan(figures.median[g]) else float(figures.median[g]),
        performance_pay_mean=float(figures.means["performance_pay"][g]),
        tenure_mean_months=float(figures.means["tenure"][g]),
    )


def release_document(draft: ReleaseDraft, *, cycle: str, taxonomy: str, participants: int) -> ReleaseDocument:
    """The release document of DESIGN §6 (written as JSON by ``protocol.release.release_to_json``)."""
    draft.require_publishable()
    structure = draft.space.structure
    policy = draft.policy.public_dict()
    policy["rounding"].update(
        {"mean_dollars": draft.policy.money_mean_dollars,
         "tenure_months": draft.policy.tenure_mean_months}
    )
    tables = []
    for k, cohort in enumerate(draft.cohorts):
        if not cohort.published:
            continue
        for table in structure.tables:
            tables.append(
                ReleaseTable(
                    cohort=CohortKey(**cohort.public_dict()),
                    dimensions=tuple(table.dims),
                    cells=tuple(_cell(draft, k, i) for i in table.cells),
                )
            )
    return ReleaseDocument(
        cycle=str(cycle),
        taxonomy=str(taxonomy),
        participants=int(participants),
        policy=policy,
        tables=tuple(tables),
        metrics={},
        audit=draft.certificate.public_dict(),
        plan={} if draft.plan is None else draft.plan.as_dict(),
        utility={} if draft.utility is None else draft.utility.as_dict(),
    )


def csv_safe(value) -> str:
    """A CSV field that no spreadsheet evaluates as a formula."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def release_to_csv(document: ReleaseDocument) -> str:
    """One row per cell of a release document."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for table in document.tables:
        for cell in table.cells:
            row = {
                "cohort_kind": table.cohort.kind,
                "cohort_value": table.cohort.value,
                "dimensions": "+".join(table.dimensions) or "total",
                **cell.fields(),
            }
            writer.writerow([csv_safe(row.get(col)) for col in CSV_COLUMNS])
    return buffer.getvalue()
