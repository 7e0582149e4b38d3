"""Problems found in an employer's input, as values a person can act on.

Guarantees:
- An :class:`Issue` names where (file, sheet, row as the user sees it in Excel or a text
  editor, column header as written in the file, cell reference for workbooks), what was found
  (``value``, already passed through :func:`~employers.client.sanitise.for_terminal`) and what
  is expected. ``message`` is one readable sentence built from those parts, with no control
  characters in it, so it can go to a terminal, a log or a web page as is.
- ``severity`` is ``error`` (blocks sealing; the row, if any, is excluded) or ``warning``
  (accepted, flagged). ``code`` is a stable machine-readable kind, for tests and the browser.
- :class:`IssueLog` keeps at most ``examples_per_kind`` issues of each (code, column) kind but
  counts all of them, so a file with a million bad rows neither exhausts memory nor hides how
  many rows are affected.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Literal

from employers.client.sanitise import for_terminal

Severity = Literal["error", "warning"]
EXAMPLES_PER_KIND = 200


@dataclass(frozen=True)
class Issue:
    severity: Severity
    code: str
    file: str
    expected: str
    value: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    cell: str | None = None
    detail: str | None = None

    @property
    def where(self) -> str:
        parts = [f"{self.file}"]
        if self.sheet is not None:
            parts.append(f"sheet '{self.sheet}'")
        if self.cell is not None:
            parts.append(f"cell {self.cell}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    @property
    def message(self) -> str:
        found = "" if self.value is None else f"found {self.value}; "
        detail = "" if self.detail is None else f" ({self.detail})"
        return f"{self.where}: {found}expected {self.expected}{detail}"

    def as_dict(self) -> dict:
        return {**asdict(self), "message": self.message}


# What each kind of issue is, in words, for summaries that group issues by kind ("Gender:
# unknown value, 3,333 rows"). The browser page has the same table (issues.js).
KIND_TITLES = {
    "blank": "blank",
    "blank_category": "blank",
    "duplicate_id": "ID used more than once",
    "unknown_category": "unknown value",
    "not_a_number": "not a number",
    "negative": "negative",
    "too_many_decimals": "more than 2 decimal places",
    "too_large": "too large",
    "beyond_bounds": "beyond the compact's limit",
    "above_soft_maximum": "unusually high",
    "zero_compensation": "pay of 0 (row left out)",
    "zero_hours": "0 hours (read as not given)",
    "fractional_headcount": "not a whole number of people",
    "matching_check": "the template's Matching Check fails",
    "totals_check_differs": "differs from the Totals Check sheet",
    "no_rows_used": "no one left to count",
    "no_people": "no one to count",
}


def kind_title(code: str) -> str:
    """The words for a kind of issue; the code itself, spaced, for a kind without a title."""
    return KIND_TITLES.get(code, code.replace("_", " "))


def kind_summary(issues: Iterable[Issue], counts: dict, severity: str) -> list[tuple[str, int, Issue | None]]:
    """One line per kind of ``severity`` in the order first found: (what, how many, first example).

    ``what`` names the column (or sheet, or the file) and the kind: ``Gender: unknown value``.
    """
    first: dict[tuple, Issue] = {}
    for issue in issues:
        first.setdefault((issue.severity, issue.code, issue.column), issue)
    out = []
    for (sev, code, column), n in counts.items():
        if sev != severity:
            continue
        example = first.get((sev, code, column))
        place = column or (example.sheet if example is not None and example.sheet else None)
        out.append((f"{place}: {kind_title(code)}" if place else kind_title(code).capitalize(), n, example))
    return out


def shown(value: object) -> str:
    """How a value from the file appears inside a message: quoted, escaped, cut to length."""
    if value is None or (isinstance(value, float) and value != value):
        return "a blank cell"
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number cell: 9000.0 was typed 9000
    text = str(value)
    if text.strip() == "":
        return "a blank cell"
    return "'" + for_terminal(text) + "'"


def clean(text: object) -> str:
    """File text (a header, a sheet or file name) made safe for a message, unquoted."""
    return for_terminal(text)


@dataclass
class IssueLog:
    """Collects issues of one check, capped per kind, counted in full."""

    examples_per_kind: int = EXAMPLES_PER_KIND
    kept: list[Issue] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    def add(self, issue: Issue) -> None:
        kind = (issue.severity, issue.code, issue.column)
        self.counts[kind] += 1
        if self.counts[kind] <= self.examples_per_kind:
            self.kept.append(issue)

    def add_many(self, issues: Iterable[Issue], *, total: int | None = None) -> None:
        """Add a kind's examples; ``total`` counts rows beyond the examples given."""
        issues = list(issues)
        for issue in issues:
            self.add(issue)
        if issues and total is not None and total > len(issues):
            first = issues[0]
            self.counts[(first.severity, first.code, first.column)] += total - len(issues)

    def merge(self, other: IssueLog) -> None:
        """Add another log's issues and counts, keeping the per-kind cap."""
        kept = Counter((i.severity, i.code, i.column) for i in self.kept)
        for issue in other.kept:
            kind = (issue.severity, issue.code, issue.column)
            if kept[kind] < self.examples_per_kind:
                kept[kind] += 1
                self.kept.append(issue)
        self.counts.update(other.counts)

    @property
    def error_count(self) -> int:
        return sum(n for (sev, _, _), n in self.counts.items() if sev == "error")

    @property
    def warning_count(self) -> int:
        return sum(n for (sev, _, _), n in self.counts.items() if sev == "warning")


ISSUE_CSV_COLUMNS = ("severity", "code", "file", "sheet", "cell", "row", "column", "value", "expected", "detail", "message")


def write_issues_csv(issues: Iterable[Issue], path) -> None:
    """Issues as a CSV a spreadsheet can open safely: every cell through ``for_csv_cell``."""
    import csv
    from pathlib import Path

    from employers.client.sanitise import for_csv_cell

    with Path(path).open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(ISSUE_CSV_COLUMNS)
        for issue in issues:
            record = issue.as_dict()
            writer.writerow(["" if record[k] is None else for_csv_cell(record[k]) for k in ISSUE_CSV_COLUMNS])
