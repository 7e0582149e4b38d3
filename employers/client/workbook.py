"""The aggregated Boston workbook (BWWC wage-gap template, 2023 and 2024 editions).

The workbook has four data sheets (``1.Number of Employees``, ``2.Compensation``,
``3.Performance Pay``, ``4.Tenure``), each a table of job categories (rows, by name) x
race/ethnicity (a header row) x gender (the row below it), holding cell totals: people,
dollars, dollars, months. The 2023 edition has 8 race groups, the 2024 edition adds Middle
Eastern/North African.

Guarantees:
- Sheets are found by name (ignoring the leading number, case and punctuation), races,
  genders and job categories by header text through the alias tables, never by position; a
  race group the edition lacks (MENA in 2023) is zero.
- A workbook that differs from both editions is refused with the edition it is closest to and
  each difference (missing sheet, race column, gender column, job row).
- Totals are computed from the data sheets (the template's own "Totals Check" sheet leaves
  MENA out in 2024); cached figures on that sheet that disagree are reported as a warning.
- The template's matching rule is applied per cell: people > 0 needs compensation > 0 and
  tenure > 0; no people needs 0 compensation, performance pay and tenure. Blank cells,
  non-numbers, fractions of people and values beyond the ring bounds (per-person averages
  above the per-person limits) are errors; averages above the soft maximums are warnings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from employers.client.aliases import Aliases, alias_key, soft_maximums
from employers.client.decimals import Status, parse_cells
from employers.client.issues import Issue, IssueLog, clean, shown
from employers.client.unusable import unusable
from employers.client.xlsxfile import sheet_rows

MEASURES = ("headcount", "compensation", "performance_pay", "tenure")
SHEET_NAMES = {
    "headcount": "1.Number of Employees",
    "compensation": "2.Compensation",
    "performance_pay": "3.Performance Pay",
    "tenure": "4.Tenure",
}
EDITION_RACES = {
    "bwwc-2023": ("hispanic", "white", "black", "nhpi", "asian", "aian", "two_or_more", "unreported"),
    "bwwc-2024": ("hispanic", "white", "black", "nhpi", "asian", "mena", "aian", "two_or_more", "unreported"),
}
TOTALS_SHEET = "Totals Check"
HEADER_SEARCH_ROWS = 30
MIN_RACE_HEADERS = 3


def _sheet_key(name: str) -> str:
    return alias_key(name).lstrip("0123456789")


def workbook_sheets(sheet_names: list[str]) -> dict[str, str]:
    """Measure -> sheet name, for the data sheets a workbook has."""
    wanted = {_sheet_key(v): k for k, v in SHEET_NAMES.items()}
    found: dict[str, str] = {}
    for name in sheet_names:
        measure = wanted.get(_sheet_key(name))
        if measure and measure not in found:
            found[measure] = name
    return found


@dataclass(frozen=True)
class CellTotals:
    """One employer's totals per (job, race, gender) cell, row-major in taxonomy order."""

    headcount: np.ndarray
    compensation: np.ndarray
    performance_pay: np.ndarray
    tenure: np.ndarray


@dataclass(frozen=True)
class WorkbookCheck:
    edition: str
    cells: CellTotals
    cell_refs: dict


@dataclass(frozen=True)
class _Grid:
    """Where a data sheet keeps its cells: (job, race, gender) -> (row, column), and headers."""

    positions: dict[tuple[int, int, int], tuple[int, int]]
    race_codes: tuple[str, ...]
    missing: tuple[str, ...]
    headers: dict[tuple[int, int, int], str]


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _row_of(ref: str) -> int:
    return int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


def _text(cell) -> str:
    return cell.strip() if isinstance(cell, str) else ""


def _locate(rows: list[list], aliases: Aliases) -> _Grid:
    """Find the race header row, gender row and job rows of one data sheet."""
    tax = aliases.taxonomy
    race_row, races = None, {}
    for r, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = {c: aliases.value_index("race_ethnicity", _text(v)) for c, v in enumerate(cells) if _text(v)}
        found = {c: i for c, i in found.items() if i is not None}
        if len(found) >= MIN_RACE_HEADERS:
            race_row, races = r, found
            break
    if race_row is None:
        return _Grid({}, (), ("a header row of race/ethnicity groups",), {})
    starts = sorted(races)
    positions, headers, missing = {}, {}, []
    gender_row = rows[race_row + 1] if race_row + 1 < len(rows) else []
    race_codes = tuple(tax.race_ethnicity[races[c]].code for c in starts)
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else max(len(gender_row), start + 1)
        race = races[start]
        genders = {}
        for c in range(start, min(end, len(gender_row))):
            g = aliases.value_index("gender", _text(gender_row[c]))
            if g is not None and g not in genders:
                genders[g] = c
        for g, gcat in enumerate(tax.gender):
            if g not in genders:
                missing.append(f"a {gcat.label} column under '{clean(rows[race_row][start])}'")
        for g, c in genders.items():
            for j in range(len(tax.job_category)):
                positions[(j, race, g)] = (-1, c)
                headers[(j, race, g)] = f"{clean(rows[race_row][start])} / {clean(gender_row[c])}"
    label_col = min(starts) - 1 if min(starts) > 0 else 0
    job_rows = {}
    for r in range(race_row + 2, min(len(rows), race_row + 2 + 40)):
        cells = rows[r]
        j = aliases.value_index("job_category", _text(cells[label_col])) if label_col < len(cells) else None
        if j is not None and j not in job_rows:
            job_rows[j] = r
    for j, cat in enumerate(tax.job_category):
        if j not in job_rows:
            missing.append(f"a row for {cat.label}")
    positions = {(j, r, g): (job_rows[j], c) for (j, r, g), (_, c) in positions.items() if j in job_rows}
    return _Grid(positions, race_codes, tuple(missing), headers)


def _closest_edition(grids: dict[str, _Grid], sheets: dict[str, str], aliases: Aliases) -> tuple[str, list[str]]:
    """The edition with the fewest differences, and those differences."""
    labels = {c.code: c.label for c in aliases.taxonomy.race_ethnicity}
    best: tuple[int, str, list[str]] | None = None
    for edition, expected_races in EDITION_RACES.items():
        diffs = [f"no sheet '{SHEET_NAMES[m]}'" for m in MEASURES if m not in sheets]
        for measure, grid in grids.items():
            where = f"sheet '{clean(sheets[measure])}'"
            diffs += [f"{where} has no {what}" for what in grid.missing]
            if grid.race_codes:
                diffs += [f"{where} has no column for {labels[c]}" for c in expected_races if c not in grid.race_codes]
                diffs += [f"{where} has a column for {labels[c]}, which this layout lacks" for c in grid.race_codes if c not in expected_races]
        if best is None or len(diffs) < best[0]:
            best = (len(diffs), edition, diffs)
    assert best is not None
    return best[1], best[2]


def check_workbook(workbook, sheet_names: list[str], *, file: str, aliases: Aliases, log: IssueLog) -> WorkbookCheck:
    """Read and check the four data sheets; refuse a workbook of neither edition."""
    sheets = workbook_sheets(sheet_names)
    grids = {m: _locate(sheet_rows(workbook, name, nrows=HEADER_SEARCH_ROWS + 60), aliases) for m, name in sheets.items()}
    edition, diffs = _closest_edition(grids, sheets, aliases)
    if diffs:
        raise unusable(file, "wrong_workbook_layout", f"the Boston wage-gap workbook; the closest layout is {edition[-4:]}",
                       value=f"these differences from the {edition[-4:]} layout: {'; '.join(diffs[:8])}"
                       + (f" (and {len(diffs) - 8} more)" if len(diffs) > 8 else ""),
                       detail="start again from the template, or send an employee-level extract")
    values, refs, headers = {}, {}, {}
    for measure in MEASURES:
        values[measure], refs[measure] = _read_measure(workbook, sheets[measure], grids[measure], aliases, file, log, measure)
        headers[measure] = grids[measure].headers
    cells = _apply_rules(values, refs, headers, sheets, aliases, file, log)
    _compare_totals_sheet(workbook, sheet_names, cells, aliases, file, log)
    return WorkbookCheck(edition=edition, cells=cells, cell_refs=refs)


def _shape(aliases: Aliases) -> tuple[int, int, int]:
    tax = aliases.taxonomy
    return len(tax.job_category), len(tax.race_ethnicity), len(tax.gender)


def _read_measure(workbook, sheet, grid: _Grid, aliases: Aliases, file: str, log: IssueLog, measure: str):
    rows = sheet_rows(workbook, sheet)
    shape = _shape(aliases)
    hundredths = np.zeros(shape, dtype=np.int64)
    refs = {}
    keys = sorted(grid.positions)
    raw = np.empty(len(keys), dtype=object)
    for k, key in enumerate(keys):
        r, c = grid.positions[key]
        raw[k] = rows[r][c] if c < len(rows[r]) else ""
        refs[key] = f"{_column_letter(c)}{r + 1}"
    parsed = parse_cells(raw)
    expected = {
        "headcount": "a whole number of people, 0 if there is nobody",
        "compensation": "total annual compensation of the cell in dollars, 0 if there is nobody",
        "performance_pay": "total performance pay of the cell in dollars, 0 if none",
        "tenure": "total months of service of the cell, 0 if there is nobody",
    }[measure]
    for k, key in enumerate(keys):
        status = Status(parsed.status[k])
        if status != Status.OK:
            code = "blank" if status == Status.BLANK else status.name.lower()
            what = expected if status in (Status.BLANK, Status.NOT_A_NUMBER) else {
                Status.NEGATIVE: "a value of 0 or more", Status.TOO_MANY_DECIMALS: "at most 2 decimal places",
                Status.TOO_LARGE: "a value within the compact's limits"}[status]
            log.add(Issue(severity="error", code=code, file=file, sheet=clean(sheet), cell=refs[key],
                          row=_row_of(refs[key]), column=grid.headers[key],
                          value=shown(raw[k]), expected=what,
                          detail="the template asks for 0, not a blank cell" if status == Status.BLANK else None))
        elif measure == "headcount" and parsed.hundredths[k] % 100:
            log.add(Issue(severity="error", code="fractional_headcount", file=file, sheet=clean(sheet), cell=refs[key],
                          row=_row_of(refs[key]), column=grid.headers[key],
                          value=shown(raw[k]), expected="a whole number of people"))
        hundredths[key] = parsed.hundredths[k]
    return hundredths, refs


def _apply_rules(values, refs, headers, sheets, aliases: Aliases, file: str, log: IssueLog) -> CellTotals:
    tax = aliases.taxonomy
    bounds, soft = tax.bounds, soft_maximums(tax.name)
    people = values["headcount"] // 100
    comp, perf, tenure = values["compensation"], values["performance_pay"], values["tenure"]

    def issue(key, measure, severity, code, expected, value, detail=None):
        ref = refs[measure][key]
        log.add(Issue(severity=severity, code=code, file=file, sheet=clean(sheets[measure]), cell=ref,
                      row=_row_of(ref), column=headers[measure][key],
                      value=value, expected=expected, detail=detail))

    for key in sorted(refs["headcount"]):
        h = int(people[key])
        where = f"{h:,} people in {refs['headcount'][key]} of '{clean(sheets['headcount'])}'"
        if h > 0:
            for measure, arr in (("compensation", comp), ("tenure", tenure)):
                if arr[key] == 0:
                    issue(key, measure, "error", "matching_check", f"a value above 0, since there are {where}",
                          "0", "the template's Matching Check fails here")
        else:
            for measure, arr in (("compensation", comp), ("performance_pay", perf), ("tenure", tenure)):
                if arr[key] > 0:
                    issue(key, measure, "error", "matching_check", f"0, since {refs['headcount'][key]} of "
                          f"'{clean(sheets['headcount'])}' has nobody", f"{arr[key] / 100:,.2f}",
                          "the template's Matching Check fails here")
        if h == 0:
            continue
        for measure, arr, limit, soft_limit, unit in (
            ("compensation", comp, bounds["max_compensation_dollars"], soft["compensation_dollars"], "$"),
            ("performance_pay", perf, bounds["max_performance_pay_dollars"], soft["performance_pay_dollars"], "$"),
            ("tenure", tenure, bounds["max_tenure_months"], soft["tenure_months"], "months "),
        ):
            average = arr[key] / 100 / h
            if arr[key] > limit * 100 * h:
                issue(key, measure, "error", "beyond_bounds", f"an average of at most {unit}{limit:,} per person",
                      f"an average of {unit}{average:,.2f} over {h:,} people")
            elif arr[key] > soft_limit * 100 * h:
                issue(key, measure, "warning", "above_soft_maximum", f"an average usually at most {unit}{soft_limit:,} per person",
                      f"an average of {unit}{average:,.2f} over {h:,} people", "accepted; please double-check it")
        if h > soft["workbook_headcount_per_cell"]:
            issue(key, "headcount", "warning", "above_soft_maximum",
                  f"usually at most {soft['workbook_headcount_per_cell']:,} people in one cell", f"{h:,}",
                  "accepted; please double-check it")
    total = int(people.sum())
    if total == 0:
        log.add(Issue(severity="error", code="no_people", file=file, sheet=clean(sheets["headcount"]),
                      value="0 people in every cell", expected="the number of employees in each cell"))
    if total > bounds["max_employees_per_employer"]:
        log.add(Issue(severity="error", code="beyond_bounds", file=file, sheet=clean(sheets["headcount"]),
                      value=f"{total:,} people in all", expected=f"at most {bounds['max_employees_per_employer']:,} employees per employer"))
    return CellTotals(headcount=people.ravel(), compensation=comp.ravel(), performance_pay=perf.ravel(), tenure=tenure.ravel())


def _compare_totals_sheet(workbook, sheet_names, cells: CellTotals, aliases: Aliases, file: str, log: IssueLog) -> None:
    """Warn when cached figures on the template's Totals Check sheet differ from the data sheets."""
    name = next((s for s in sheet_names if alias_key(s) == alias_key(TOTALS_SHEET)), None)
    if name is None:
        return
    rows = sheet_rows(workbook, name, nrows=20)
    by_gender = cells.headcount.reshape(_shape(aliases)).sum(axis=(0, 1))
    for r, cells_row in enumerate(rows[:-1]):
        genders = {c: aliases.value_index("gender", _text(v)) for c, v in enumerate(cells_row)}
        genders = {c: g for c, g in genders.items() if g is not None}
        if len(genders) < 2:
            continue
        figures = rows[r + 1]
        for c, g in genders.items():
            cached = figures[c] if c < len(figures) else ""
            if isinstance(cached, int | float) and not isinstance(cached, bool) and int(cached) != int(by_gender[g]):
                label = aliases.taxonomy.gender[g].label
                log.add(Issue(severity="warning", code="totals_check_differs", file=file, sheet=clean(name),
                              cell=f"{_column_letter(c)}{r + 2}", row=r + 2, column=label, value=shown(cached),
                              expected=f"{int(by_gender[g]):,}, the sum of '{SHEET_NAMES['headcount']}' for {label}",
                              detail="the data sheets are used; the template's Totals Check leaves some groups out"))
        return
