"""Checking an employer's input: the public entry points of the employer-side client.

    from employers.client.check import check_extract, check_frame
    result = check_extract("payroll.csv", column_map={"compensation": "Base Pay"})
    result.ok            # True when there is no error (warnings allowed)
    result.status        # "ok", "errors" or "unusable"
    result.errors, result.warnings   # Issue values (at most 200 kept per kind)
    result.summary       # rows read / used / excluded by reason, headcount by job x gender,
                         # reconciliation totals (people, pay, bonus, tenure) of who counts
    from employers.client.vector import vector_from
    elements = vector_from(result, layout)   # refuses a result with errors

Guarantees:
- Nothing raises for a problem the user can cause: an unreadable or unrecognisable file gives
  ``status == "unusable"`` with one issue saying why; row and cell problems give ``errors``.
- Accepted inputs: an employee-level CSV or XLSX (header row found below title rows, sheet
  found by its header), a pandas DataFrame (:func:`check_frame`; row numbers are those the
  frame would have written to CSV with a header: index position + 2), or the Boston
  aggregated workbook, 2023 or 2024 layout.
- Any error blocks sealing: :func:`employers.client.vector.vector_from` refuses a result that
  is not ``ok``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from employers.client.aliases import Aliases, aliases_for
from employers.client.columns import ColumnMap, column_map_resolve
from employers.client.csvfile import read_text_table, sniff_text
from employers.client.extract import CATEGORY_FIELDS, MEASURE_FIELDS, People, check_people
from employers.client.issues import Issue, IssueLog, clean
from employers.client.parallel import check_text_in_parallel, parallel_worthwhile
from employers.client.rawtable import RawTable
from employers.client.reconciliation import Totals, totals_from_cells, totals_from_rows
from employers.client.sanitise import for_path
from employers.client.sniffing import HEADER_SEARCH_ROWS, find_header, sniff_kind
from employers.client.unusable import Unusable, unusable
from employers.client.workbook import SHEET_NAMES, CellTotals, check_workbook, workbook_sheets
from employers.client.xlsxfile import open_workbook, read_sheet_table, sheet_rows
from protocol.taxonomy import DEFAULT_TAXONOMY

Status = Literal["ok", "errors", "unusable"]


@dataclass(frozen=True)
class CheckSummary:
    """What was read and what will count, for the person running the check."""

    kind: str
    layout: str | None
    rows_read: int
    rows_used: int
    excluded: dict[str, int]
    blank_rows: int
    headcount_by_job_gender: tuple[tuple[int, ...], ...]
    columns: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None
    totals: Totals | None = None

    @property
    def rows_excluded(self) -> int:
        return sum(self.excluded.values())

    @property
    def people(self) -> int:
        return sum(sum(row) for row in self.headcount_by_job_gender)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "layout": self.layout,
            "sheet": self.sheet,
            "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "rows_excluded": self.rows_excluded,
            "excluded": dict(self.excluded),
            "blank_rows": self.blank_rows,
            "people": self.people,
            "headcount_by_job_gender": [list(r) for r in self.headcount_by_job_gender],
            "columns": dict(self.columns),
            "totals": None if self.totals is None else self.totals.as_dict(),
        }


@dataclass(frozen=True)
class CheckResult:
    file: str
    taxonomy: str
    issues: tuple[Issue, ...]
    issue_counts: dict[tuple[str, str, str | None], int]
    summary: CheckSummary | None = None
    people: People | None = None
    cells: CellTotals | None = None
    column_map: ColumnMap | None = None

    @property
    def status(self) -> Status:
        if self.summary is None:
            return "unusable"
        return "errors" if self.error_count else "ok"

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "warning")

    @property
    def error_count(self) -> int:
        return sum(n for (sev, _, _), n in self.issue_counts.items() if sev == "error")

    @property
    def warning_count(self) -> int:
        return sum(n for (sev, _, _), n in self.issue_counts.items() if sev == "warning")

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "taxonomy": self.taxonomy,
            "status": self.status,
            "error_count": self.error_count,
            "warning_count": self.warning_count,
            "summary": None if self.summary is None else self.summary.as_dict(),
            "issue_counts": [
                {"severity": s, "code": c, "column": col, "count": n} for (s, c, col), n in self.issue_counts.items()
            ],
            "issues": [i.as_dict() for i in self.issues],
        }


def _by_job_gender(job: np.ndarray, gender: np.ndarray, aliases: Aliases) -> tuple[tuple[int, ...], ...]:
    tax = aliases.taxonomy
    nj, ng = len(tax.job_category), len(tax.gender)
    counts = np.bincount(job.astype(np.int64) * ng + gender, minlength=nj * ng).reshape(nj, ng)
    return tuple(tuple(int(x) for x in row) for row in counts)


def _unusable(file: str, taxonomy: str, issue: Issue) -> CheckResult:
    return CheckResult(file=file, taxonomy=taxonomy, issues=(issue,),
                       issue_counts={(issue.severity, issue.code, issue.column): 1})


def _from_table(table: RawTable, aliases: Aliases, overrides: dict[str, str], log: IssueLog) -> CheckResult:
    _require_rows(table)
    columns = column_map_resolve(headers=table.headers, aliases=aliases, overrides=overrides,
                                 file=table.file, sheet=table.sheet)
    return _result(table, columns, check_people(table, columns, aliases, log), aliases, log)


def _require_rows(table: RawTable) -> None:
    if table.rows == 0:
        raise unusable(table.file, "no_rows", "one row per employee below the header row",
                       sheet=None if table.sheet is None else clean(table.sheet),
                       value=f"a header on row {table.header_row} and no data rows"
                       + (f" ({table.blank_rows:,} blank rows)" if table.blank_rows else ""))


def _result(table: RawTable, columns: ColumnMap, checked, aliases: Aliases, log: IssueLog) -> CheckResult:
    people = checked.people
    if checked.rows_used == 0 and not log.error_count:
        log.add(Issue(severity="error", code="no_rows_used", file=table.file, sheet=None if table.sheet is None
                      else clean(table.sheet), value=f"{checked.rows_read:,} rows, every one left out",
                      expected="at least one employee who can be counted", detail="see the warnings"))
    summary = CheckSummary(
        kind="extract", layout=None, rows_read=checked.rows_read, rows_used=checked.rows_used,
        excluded=checked.excluded, blank_rows=checked.blank_rows,
        headcount_by_job_gender=_by_job_gender(people.job, people.gender, aliases),
        columns={f: clean(h) for f, h in columns.headers.items()},
        sheet=None if table.sheet is None else clean(table.sheet),
        totals=totals_from_rows(gender=people.gender, compensation=people.compensation,
                                performance_pay=people.performance_pay, tenure=people.tenure,
                                taxonomy=aliases.taxonomy),
    )
    return CheckResult(file=table.file, taxonomy=aliases.taxonomy.name, issues=tuple(log.kept),
                       issue_counts=dict(log.counts), summary=summary, people=people, column_map=columns)


def check_extract(path: str | Path, *, column_map: dict[str, str] | None = None,
                  taxonomy: str = DEFAULT_TAXONOMY, display_name: str | None = None,
                  parallel: bool | None = None) -> CheckResult:
    """Check a CSV, an employee-level XLSX or a Boston workbook at ``path``.

    ``parallel`` (None: decide by file size and cores) lets a large CSV be checked by two
    processes (:mod:`employers.client.parallel`); the result is the same either way.
    """
    path = Path(path)
    file = for_path(display_name or path.name)
    aliases = aliases_for(taxonomy)
    log = IssueLog()
    max_rows = int(aliases.taxonomy.bounds["max_employees_per_employer"])
    try:
        if sniff_kind(path, file) == "text":
            return _check_text_file(path, file, aliases, column_map or {}, log, max_rows, parallel)
        return _check_workbook_file(path, file, aliases, column_map or {}, log, max_rows)
    except Unusable as exc:
        return _unusable(file, taxonomy, exc.issue)


def _check_text_file(path: Path, file: str, aliases: Aliases, overrides: dict[str, str], log: IssueLog,
                     max_rows: int, parallel: bool | None) -> CheckResult:
    dialect = sniff_text(path, file, aliases)
    columns = column_map_resolve(headers=dialect.headers, aliases=aliases, overrides=overrides, file=file, sheet=None)
    dialect = dataclasses.replace(
        dialect,
        numeric=tuple(sorted(columns.positions[f] for f in MEASURE_FIELDS if f in columns.positions)),
        categorical=tuple(sorted(columns.positions[f] for f in CATEGORY_FIELDS)),
    )
    if parallel is None:
        parallel = parallel_worthwhile(path)
    done = check_text_in_parallel(path, file, dialect, columns, aliases, log, max_rows=max_rows) if parallel else None
    if done is not None:
        checked, table = done
        return _result(table, columns, checked, aliases, log)
    table = read_text_table(path, file, dialect, max_rows=max_rows)
    _require_rows(table)
    return _result(table, columns, check_people(table, columns, aliases, log), aliases, log)


def _check_workbook_file(path: Path, file: str, aliases: Aliases, overrides: dict[str, str],
                         log: IssueLog, max_rows: int) -> CheckResult:
    workbook = open_workbook(path, file)
    names = list(workbook.sheet_names)
    if workbook_sheets(names):
        checked = check_workbook(workbook, names, file=file, aliases=aliases, log=log)
        cells = checked.cells
        shape = (len(aliases.taxonomy.job_category), len(aliases.taxonomy.race_ethnicity), len(aliases.taxonomy.gender))
        by_jg = cells.headcount.reshape(shape).sum(axis=1)
        summary = CheckSummary(
            kind="workbook", layout=checked.edition, rows_read=0, rows_used=0, excluded={}, blank_rows=0,
            headcount_by_job_gender=tuple(tuple(int(x) for x in row) for row in by_jg),
            totals=totals_from_cells(headcount=cells.headcount, compensation=cells.compensation,
                                     performance_pay=cells.performance_pay, tenure=cells.tenure,
                                     taxonomy=aliases.taxonomy),
        )
        return CheckResult(file=file, taxonomy=aliases.taxonomy.name, issues=tuple(log.kept),
                           issue_counts=dict(log.counts), summary=summary, cells=cells)
    best = None
    for name in names:
        match = find_header(sheet_rows(workbook, name, nrows=HEADER_SEARCH_ROWS), aliases)
        if match and (best is None or match.score > best[1].score):
            best = (name, match)
    if best is None:
        sheets = ", ".join(f"'{v}'" for v in SHEET_NAMES.values())
        raise unusable(file, "unrecognised_workbook",
                       "an employee-level sheet (a header row naming columns such as 'Employee ID', 'Gender', "
                       f"'Annual Compensation') or the Boston wage-gap workbook (sheets {sheets})",
                       value=f"sheets {', '.join(repr(clean(n)) for n in names)}",
                       detail="no sheet has such a header row in its first 30 rows, and none of the Boston data sheets is there")
    table = read_sheet_table(workbook, file, best[0], best[1].row_index, max_rows=max_rows)
    return _from_table(table, aliases, overrides, log)


def check_frame(frame: pd.DataFrame, *, column_map: dict[str, str] | None = None,
                taxonomy: str = DEFAULT_TAXONOMY, name: str = "DataFrame") -> CheckResult:
    """Check an in-memory table with one row per employee and named columns."""
    aliases = aliases_for(taxonomy)
    file = for_path(name)
    table = RawTable(
        file=file, sheet=None, header_row=1, headers=tuple(str(c) for c in frame.columns),
        columns=tuple(_frame_column(frame.iloc[:, i]) for i in range(frame.shape[1])),
        row_numbers=np.arange(len(frame), dtype=np.int64) + 2, blank_rows=0,
    )
    try:
        return _from_table(table, aliases, column_map or {}, IssueLog())
    except Unusable as exc:
        return _unusable(file, taxonomy, exc.issue)


def _frame_column(series: pd.Series) -> np.ndarray:
    if series.dtype.kind in "iuf":
        return series.to_numpy()
    return series.to_numpy(dtype=object, na_value=None)
