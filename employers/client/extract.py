"""Validation of an employee-level extract: from raw cells to the people who count.

Guarantees:
- Every data row is either used or excluded, and an excluded row carries exactly one reason
  (its first problem in column order); ``rows_read == rows_used + sum(excluded.values())``.
- A row is excluded when any of its cells has an error, and also when its compensation is 0
  (a warning: annualised pay of a person employed on the snapshot date cannot be 0, so the row
  is taken for a missing value and left out rather than counted as an unpaid person).
- Values beyond the taxonomy's ``bounds`` are errors; values beyond the soft maximums of
  ``_checks-<taxonomy>.json`` are warnings and the row is used.
- Blank race/ethnicity counts as Unreported (a warning); a blank performance pay is 0; a blank
  or 0 hours value means "hours not given". Other blanks in required columns are errors.
- Work is vectorised over columns; only the unique spellings of a category column and at most
  ``EXAMPLES_PER_KIND`` issues per kind are handled one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from employers.client.aliases import Aliases, soft_maximums
from employers.client.columns import ColumnMap
from employers.client.decimals import Parsed, Status, parse_cells
from employers.client.issues import EXAMPLES_PER_KIND, Issue, IssueLog, clean, shown
from employers.client.rawtable import RawTable
from protocol.taxonomy import DIMENSIONS


@dataclass(frozen=True)
class People:
    """The used rows of an extract, one array per field, in file order.

    Categories are positions in taxonomy order; money is in cents, tenure in hundredths of a
    month, hours in hundredths of an hour (0 where ``hours_given`` is False).
    """

    job: np.ndarray
    race: np.ndarray
    gender: np.ndarray
    compensation: np.ndarray
    performance_pay: np.ndarray
    tenure: np.ndarray
    hours: np.ndarray
    hours_given: np.ndarray

    def __len__(self) -> int:
        return len(self.compensation)


@dataclass(frozen=True)
class ExtractCheck:
    people: People
    rows_read: int
    rows_used: int
    excluded: dict[str, int]
    blank_rows: int


MONEY_EXPECTED = "an amount in dollars such as 85000 or $85,000.00"
NUMBER_EXPECTED = {
    "compensation": MONEY_EXPECTED,
    "performance_pay": MONEY_EXPECTED,
    "tenure_months": "a number of months such as 27 or 27.5",
    "hours": "a number of hours such as 2080",
}
PROBLEMS = {
    Status.BLANK: ("blank", "a value (this column is required)"),
    Status.NOT_A_NUMBER: ("not_a_number", None),
    Status.NEGATIVE: ("negative", "a value of 0 or more"),
    Status.TOO_MANY_DECIMALS: ("too_many_decimals", "at most 2 decimal places"),
    Status.TOO_LARGE: ("beyond_bounds", None),
}


ID_FIELDS = ("employee_id",)
CATEGORY_FIELDS = ("job_category", "race_ethnicity", "gender")
MEASURE_FIELDS = ("compensation", "performance_pay", "tenure_months", "hours")


@dataclass
class _Rows:
    """Per-row state while checking: the first exclusion reason of each row."""

    table: RawTable
    log: IssueLog
    reason: np.ndarray
    reasons: list[str] = field(default_factory=lambda: [""])

    def report(self, mask: np.ndarray, *, severity: str, code: str, column: str, expected: str,
               values: np.ndarray | None, reason: str | None, detail=None) -> None:
        """Record issues for the rows in ``mask``; exclude them under ``reason`` unless None."""
        rows = np.flatnonzero(mask)
        if len(rows) == 0:
            return
        if reason is not None:
            self.reasons.append(reason)
            fresh = rows[self.reason[rows] == 0]
            self.reason[fresh] = len(self.reasons) - 1
        examples = [
            Issue(severity=severity, code=code, file=self.table.file, sheet=_sheet(self.table),
                  row=int(self.table.row_numbers[i]), column=clean(column), expected=expected,
                  value=None if values is None else shown(values[i]),
                  detail=detail(i) if callable(detail) else detail)
            for i in rows[:EXAMPLES_PER_KIND]
        ]
        self.log.add_many(examples, total=len(rows))


@dataclass
class FieldGroupCheck:
    """The checked values of one group of fields, each row's first exclusion reason (0 = none,
    else an index into ``reasons``) and the issues found. Groups are checked independently,
    possibly in different processes, and combined by :func:`combine_groups`."""

    values: dict[str, np.ndarray]
    reason: np.ndarray
    reasons: list[str]
    log: IssueLog


def _sheet(table: RawTable) -> str | None:
    return None if table.sheet is None else clean(table.sheet)


def check_ids(table: RawTable, columns: ColumnMap, aliases: Aliases) -> FieldGroupCheck:
    """Employee IDs: blank, duplicate."""
    rows = _Rows(table, IssueLog(), np.zeros(table.rows, dtype=np.int16))
    field_id = "employee_id"
    _check_ids(rows, table.columns[columns.positions[field_id]], columns.headers[field_id])
    return FieldGroupCheck({}, rows.reason, rows.reasons, rows.log)


def check_categories(table: RawTable, columns: ColumnMap, aliases: Aliases) -> FieldGroupCheck:
    """The three category columns, mapped to taxonomy positions through the alias tables."""
    rows = _Rows(table, IssueLog(), np.zeros(table.rows, dtype=np.int16))
    values = {d: _check_category(rows, aliases, d, table.columns[columns.positions[d]], columns.headers[d])
              for d in DIMENSIONS}
    return FieldGroupCheck(values, rows.reason, rows.reasons, rows.log)


def check_measures(table: RawTable, columns: ColumnMap, aliases: Aliases) -> FieldGroupCheck:
    """Compensation, performance pay, tenure and hours: parsed, bounded, soft maximums."""
    n = table.rows
    rows = _Rows(table, IssueLog(), np.zeros(n, dtype=np.int16))
    tax = aliases.taxonomy
    bounds, soft = tax.bounds, soft_maximums(tax.name)
    limits = {
        "compensation": (bounds["max_compensation_dollars"], f"at most ${bounds['max_compensation_dollars']:,} (the compact's limit per person)",
                         soft["compensation_dollars"], f"usually at most ${soft['compensation_dollars']:,}", False),
        "performance_pay": (bounds["max_performance_pay_dollars"], f"at most ${bounds['max_performance_pay_dollars']:,} (the compact's limit per person)",
                            soft["performance_pay_dollars"], f"usually at most ${soft['performance_pay_dollars']:,}", True),
        "tenure_months": (bounds["max_tenure_months"], f"at most {bounds['max_tenure_months']:,} months (100 years)",
                          soft["tenure_months"], f"usually at most {soft['tenure_months']} months (50 years)", False),
        "hours": (bounds["max_annual_hours"], f"at most {bounds['max_annual_hours']:,} hours (every hour of a leap year)",
                  soft["annual_hours"], f"usually at most {soft['annual_hours']:,} hours a year", True),
    }
    values = {}
    for fld, (bound, bound_text, soft_max, soft_text, blank_ok) in limits.items():
        if fld not in columns.positions:
            values[fld] = np.zeros(n, dtype=np.int64)
            continue
        raw = table.columns[columns.positions[fld]]
        parsed = parse_cells(raw, parsed_from_text=table.parsed_from_text)
        values[fld] = _check_number(rows, fld, columns.headers[fld], raw, parsed, bound * 100, bound_text,
                                    soft_max * 100, soft_text, blank_ok=blank_ok)
    if "hours" in columns.positions:
        values["hours_filled"] = _filled(table.columns[columns.positions["hours"]])
    return FieldGroupCheck(values, rows.reason, rows.reasons, rows.log)


def combine_groups(table: RawTable, columns: ColumnMap, groups: list[FieldGroupCheck], log: IssueLog) -> ExtractCheck:
    """Merge the ids, categories and measures groups (in that order: a row's reason is its
    first problem in column order) and decide which rows are used.

    ``table`` must hold the measure columns (it gives the rows' numbers and the values shown
    in the zero-pay and zero-hours warnings).
    """
    reason = np.zeros(table.rows, dtype=np.int16)
    reasons = [""]
    values: dict[str, np.ndarray] = {}
    for group in groups:
        shifted = np.where(group.reason > 0, group.reason + len(reasons) - 1, 0).astype(np.int16)
        reason = np.where(reason > 0, reason, shifted).astype(np.int16)
        reasons += group.reasons[1:]
        values.update(group.values)
        log.merge(group.log)
    rows = _Rows(table, log, reason, reasons)
    comp, hours = values["compensation"], values["hours"]
    header = columns.headers["compensation"]
    rows.report((comp == 0) & (rows.reason == 0), severity="warning", code="zero_compensation", column=header,
                expected="annual compensation above 0", values=table.columns[columns.positions["compensation"]],
                reason=f"{header}: 0, row left out",
                detail="the row is left out; annualise the pay of part-year staff, or remove people not employed on the snapshot date")
    if "hours" in columns.positions:
        rows.report((hours == 0) & values["hours_filled"] & (rows.reason == 0), severity="warning",
                    code="zero_hours", column=columns.headers["hours"], expected="hours above 0, or a blank cell",
                    values=table.columns[columns.positions["hours"]], reason=None,
                    detail="0 hours is read as 'hours not given'")
    used = rows.reason == 0
    hours_given = hours > 0
    people = People(
        job=values["job_category"][used], race=values["race_ethnicity"][used],
        gender=values["gender"][used], compensation=comp[used],
        performance_pay=values["performance_pay"][used], tenure=values["tenure_months"][used],
        hours=np.where(hours_given, hours, 0)[used], hours_given=hours_given[used],
    )
    counts = np.bincount(rows.reason, minlength=len(rows.reasons))
    excluded = {rows.reasons[k]: int(c) for k, c in enumerate(counts) if k > 0 and c > 0}
    return ExtractCheck(people=people, rows_read=table.rows, rows_used=int(used.sum()), excluded=excluded,
                        blank_rows=table.blank_rows)


def check_people(table: RawTable, columns: ColumnMap, aliases: Aliases, log: IssueLog) -> ExtractCheck:
    """Check every row of ``table``; return the used rows and the exclusion counts."""
    groups = [check(table, columns, aliases) for check in (check_ids, check_categories, check_measures)]
    return combine_groups(table, columns, groups, log)


def _filled(raw: np.ndarray) -> np.ndarray:
    return ~((raw == "") | pd.isna(raw))


def _text_of(value: object) -> str:
    """A cell as stripped text; an integral float (an Excel number) without '.0'."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _as_text(values: np.ndarray, *, parsed_from_text: bool) -> np.ndarray:
    """Cells as stripped text; a CSV's text columns hold only str, which is the fast case."""
    out = np.empty(len(values), dtype=object)
    out[:] = [v.strip() for v in values] if parsed_from_text else [_text_of(v) for v in values]
    return out


def _check_ids(rows: _Rows, raw: np.ndarray, header: str) -> None:
    ids = _as_text(raw, parsed_from_text=rows.table.parsed_from_text)
    blank = ids == ""
    rows.report(blank, severity="error", code="blank", column=header,
                expected="an employee ID on every row", values=raw, reason=f"{header}: blank")
    # Index.duplicated is several times faster than factorize; where the first occurrence of
    # an ID is needed (the message of a duplicate), only rows with a repeated ID are visited.
    index = pd.Index(ids, dtype=object)
    duplicate = index.duplicated(keep="first") & ~blank
    first: dict[str, int] = {}
    if duplicate.any():
        for i in np.flatnonzero(index.isin(set(ids[duplicate]))):
            first.setdefault(ids[i], int(i))
    row_numbers = rows.table.row_numbers
    rows.report(duplicate, severity="error", code="duplicate_id", column=header,
                expected="each employee ID once", values=raw, reason=f"{header}: duplicate",
                detail=lambda i: f"the same ID is on row {int(row_numbers[first[ids[i]]])}")


def _check_category(rows: _Rows, aliases: Aliases, dimension: str, raw: np.ndarray, header: str) -> np.ndarray:
    codes, uniques = pd.factorize(raw, use_na_sentinel=False)
    index_of_unique = np.full(len(uniques), -1, dtype=np.int16)
    blank_unique = np.zeros(len(uniques), dtype=bool)
    for u, value in enumerate(uniques):
        text = _text_of(value)
        if text == "":
            blank_unique[u] = True
            fallback = aliases.blank_index(dimension)
            index_of_unique[u] = -1 if fallback is None else fallback
        else:
            found = aliases.value_index(dimension, text)
            index_of_unique[u] = -1 if found is None else found
    index = index_of_unique[codes]
    blank = blank_unique[codes]
    labels = aliases.taxonomy.labels(dimension)
    if aliases.blank_index(dimension) is not None:
        label = labels[aliases.blank_index(dimension)]
        rows.report(blank, severity="warning", code="blank_category", column=header,
                    expected=f"a {dimension.replace('_', '/')} value", values=raw, reason=None,
                    detail=f"counted as {label}")
    else:
        rows.report(blank, severity="error", code="blank", column=header,
                    expected=f"one of: {', '.join(labels)}", values=raw, reason=f"{header}: blank")
    unknown = (index < 0) & ~blank
    suggestion = {u: aliases.suggest_value(dimension, str(uniques[u])) for u in np.unique(codes[unknown])}
    rows.report(unknown, severity="error", code="unknown_category", column=header,
                expected=f"one of: {', '.join(labels)}", values=raw, reason=f"{header}: unknown value",
                detail=lambda i: f"did you mean '{suggestion[codes[i]]}'?" if suggestion.get(codes[i]) else None)
    return np.where(index < 0, 0, index).astype(np.int8)


def _check_number(rows: _Rows, fld: str, header: str, raw: np.ndarray, parsed: Parsed, bound: int, bound_text: str,
                  soft_max: int, soft_text: str, *, blank_ok: bool) -> np.ndarray:
    status = parsed.status
    if blank_ok:
        status = np.where(status == Status.BLANK, Status.OK, status)
    for problem, (code, expected) in PROBLEMS.items():
        if problem == Status.TOO_LARGE:
            continue
        mask = status == problem
        text = expected or NUMBER_EXPECTED[fld]
        rows.report(mask, severity="error", code=code, column=header, expected=text, values=raw,
                    reason=f"{header}: {code.replace('_', ' ')}")
    values = parsed.hundredths
    beyond = (status == Status.TOO_LARGE) | ((status == Status.OK) & (values > bound))
    rows.report(beyond, severity="error", code="beyond_bounds", column=header, expected=bound_text,
                values=raw, reason=f"{header}: beyond the compact's limit")
    high = (status == Status.OK) & (values > soft_max) & ~beyond
    rows.report(high, severity="warning", code="above_soft_maximum", column=header, expected=soft_text,
                values=raw, reason=None, detail="accepted; please double-check it")
    return np.where((status == Status.OK) & ~beyond, values, 0)
