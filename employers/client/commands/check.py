"""``check``: read an extract or workbook locally and report what would be sealed.

Exit codes: 0 no errors (warnings allowed), 1 errors (nothing can be sealed until they are
fixed), 2 unusable input (unreadable file, no header, missing column, wrong workbook layout)
or a bad mapping on the command line.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from employers.client.aliases import aliases_for
from employers.client.check import CheckResult, check_extract
from employers.client.columns import (
    ColumnMapError,
    column_map_load,
    column_map_parse,
    column_map_save,
)
from employers.client.commands import EXIT_ERRORS, EXIT_OK, EXIT_UNUSABLE
from employers.client.issues import Issue, kind_summary, write_issues_csv
from employers.client.reconciliation import Totals, grouped_dollars, grouped_hundredths
from employers.client.sanitise import for_terminal

HELP = "check an employee-level extract (CSV/XLSX) or the Boston workbook locally"
SHOWN_PER_KIND = 10


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("extract", type=Path, help="CSV or XLSX file (employee rows, or the Boston workbook)")
    parser.add_argument("--map", action="append", default=[], metavar="FIELD=HEADER",
                        help='use column HEADER for FIELD, e.g. --map compensation="Base Pay" (repeatable)')
    parser.add_argument("--mapping", type=Path, help="load a column mapping saved with --save-map")
    parser.add_argument("--save-map", type=Path, help="save the column mapping used, for next time")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    parser.add_argument("--issues-csv", type=Path, help="also write every recorded issue to this CSV")
    parser.add_argument("--taxonomy", default="compact-2026", help=argparse.SUPPRESS)


def mapping_from_args(args: argparse.Namespace) -> dict[str, str]:
    aliases = aliases_for(args.taxonomy)
    mapping = column_map_load(args.mapping, aliases=aliases) if args.mapping else {}
    mapping.update(column_map_parse(args.map, aliases=aliases))
    return mapping


def run(args: argparse.Namespace) -> int:
    try:
        mapping = mapping_from_args(args)
    except ColumnMapError as exc:
        print(for_terminal(str(exc), max_length=None))
        return EXIT_UNUSABLE
    result = check_extract(args.extract, column_map=mapping, taxonomy=args.taxonomy,
                           display_name=str(args.extract))
    if args.save_map and result.column_map is not None:
        column_map_save(args.save_map, result.column_map.as_mapping())
    if args.issues_csv:
        write_issues_csv(result.issues, args.issues_csv)
    if args.json:
        # ensure_ascii escapes every control and non-ASCII character: safe for a terminal.
        print(json.dumps(result.as_dict(), ensure_ascii=True, indent=1))
    else:
        lines = render(result)
        if args.save_map and result.column_map is not None:
            lines.append(f"Column mapping saved to {args.save_map}")
        for line in lines:
            print(for_terminal(line, max_length=None))
    return {"ok": EXIT_OK, "errors": EXIT_ERRORS, "unusable": EXIT_UNUSABLE}[result.status]


def _issue_lines(title: str, issues: tuple[Issue, ...], counts: dict, severity: str) -> list[str]:
    total = sum(n for (sev, _, _), n in counts.items() if sev == severity)
    if not total:
        return []
    lines = [f"{title} ({total:,}), by kind:"]
    for what, n, example in kind_summary(issues, counts, severity):
        unit = "cells" if example is not None and example.cell else "rows"
        lines.append(f"  {what}: {n:,} {unit if n != 1 else unit[:-1]}")
    lines.append(f"{title}, the first {SHOWN_PER_KIND} of each kind:")
    by_kind: dict[tuple, list[Issue]] = {}
    for issue in issues:
        by_kind.setdefault((issue.code, issue.column), []).append(issue)
    for (code, column), kind in by_kind.items():
        for issue in kind[:SHOWN_PER_KIND]:
            lines.append(f"  - {issue.message}")
        more = counts.get((severity, code, column), len(kind)) - min(len(kind), SHOWN_PER_KIND)
        if more > 0:
            lines.append(f"    ... and {more:,} more like this ({code}{f', column {column!r}' if column else ''})")
    return lines


def _headcount_table(result: CheckResult) -> list[str]:
    from protocol.taxonomy import load

    tax = load(result.taxonomy)
    genders = tax.labels("gender")
    width = max(len(label) for label in tax.labels("job_category"))
    lines = [f"  {'job category'.ljust(width)}  " + "  ".join(g.rjust(9) for g in genders) + "      Total"]
    assert result.summary is not None
    for label, row in zip(tax.labels("job_category"), result.summary.headcount_by_job_gender, strict=True):
        lines.append(f"  {label.ljust(width)}  " + "  ".join(f"{v:9,}" for v in row) + f"  {sum(row):9,}")
    totals = [sum(col) for col in zip(*result.summary.headcount_by_job_gender, strict=True)]
    lines.append(f"  {'Total'.ljust(width)}  " + "  ".join(f"{v:9,}" for v in totals) + f"  {sum(totals):9,}")
    return lines


def totals_table(totals: Totals, *, rows: bool) -> list[str]:
    """The reconciliation totals, one line per gender and the total, for the terminal."""
    heads = ["", "People", "Compensation", "Performance pay", *(["Receiving it"] if rows else []), "Tenure (months)"]
    body = [[line.label, f"{line.people:,}", grouped_dollars(line.compensation), grouped_dollars(line.performance_pay),
             *([f"{line.recipients:,}"] if rows else []), grouped_hundredths(line.tenure)] for line in totals.lines]
    widths = [max(len(r[k]) for r in [heads, *body]) for k in range(len(heads))]
    fmt = lambda r: "  " + "  ".join(c.ljust(w) if k == 0 else c.rjust(w) for k, (c, w) in enumerate(zip(r, widths, strict=True)))  # noqa: E731
    return [fmt(heads), *(fmt(r) for r in body)]


def _map_hint(result: CheckResult) -> str | None:
    """How to name a column on the command line, when the check could not tell which it is."""
    issue = result.issues[0]
    if issue.code not in ("missing_column", "ambiguous_column"):
        return None
    words = issue.expected.split()
    field = next((spec.field for spec in aliases_for(result.taxonomy).columns
                  if spec.field in words or issue.expected.startswith(f"a column for {spec.label} (")), "FIELD")
    return f'Say which column it is with --map {field}="HEADER" (one of the headers above), or rename that column.'


def render(result: CheckResult) -> list[str]:
    """The human-readable report of a check, one line per element."""
    if result.summary is None:
        hint = _map_hint(result)
        return [f"{result.file}: cannot be checked.", f"  {result.issues[0].message}", *([hint] if hint else []),
                "Nothing was read; fix the file and run the check again."]
    s = result.summary
    lines = []
    if s.kind == "workbook":
        lines.append(f"{result.file}: Boston wage-gap workbook, {s.layout} layout; {s.people:,} people in its cells")
    else:
        where = f", sheet '{s.sheet}'" if s.sheet else ""
        lines.append(f"{result.file}{where}: employee-level extract")
        lines.append("  columns: " + ", ".join(f"{field} <- '{header}'" for field, header in s.columns.items()))
        blank = f"; {s.blank_rows:,} blank rows skipped" if s.blank_rows else ""
        lines.append(f"Rows: {s.rows_read:,} read, {s.rows_used:,} used, {s.rows_excluded:,} excluded{blank}")
        for reason, count in sorted(s.excluded.items(), key=lambda kv: -kv[1]):
            lines.append(f"  excluded: {reason}: {count:,}")
    lines.append("Headcount by job category and gender" + (" (used rows):" if s.kind == "extract" else ":"))
    lines += _headcount_table(result)
    if s.totals is not None:
        counted = "the people used; rows left out are not in them" if s.kind == "extract" else "the workbook's cells"
        lines.append(f"Totals to reconcile with payroll ({counted}):")
        lines += totals_table(s.totals, rows=s.kind == "extract")
    lines += _issue_lines("Errors", result.errors, result.issue_counts, "error")
    lines += _issue_lines("Warnings", result.warnings, result.issue_counts, "warning")
    if result.ok:
        lines.append(f"OK: no errors ({result.warning_count:,} warnings). This input can be sealed.")
    else:
        lines.append(f"{result.error_count:,} error(s): fix them and check again; nothing can be sealed until there are none.")
    return lines
