// Checking an employer's file in the browser: the entry point that mirrors
// employers/client/check.py (check_extract). Nothing throws for a problem the user can cause:
// an unreadable file gives status "unusable" with one issue saying why; row and cell problems
// give errors; any error blocks sealing.

import { checkPeople, columnMapResolve, columnsRecognised } from "./extract.js";
import { Issue, IssueLog, clean } from "./issues.js";
import { forPath } from "./text.js";
import {
  HEADER_SEARCH_ROWS, Unusable, findHeader, openWorkbook, pyRepr, readSheetTable, readTextTable, sheetRows, sniffKind, unusable,
} from "./sources.js";
import { totalsFromCells, totalsFromRows } from "./totals.js";
import { SHEET_NAMES, checkWorkbook, workbookSheets } from "./workbook.js";

export class CheckResult {
  constructor({ file, taxonomy, log, summary = null, people = null, cells = null, columnMap = null }) {
    Object.assign(this, { file, taxonomy, summary, people, cells, columnMap });
    this.issues = log.kept;
    this.log = log;
  }

  get errorCount() { return this.log.errorCount; }
  get warningCount() { return this.log.warningCount; }
  get status() { return this.summary === null ? "unusable" : this.errorCount ? "errors" : "ok"; }
  get ok() { return this.status === "ok"; }
  get errors() { return this.issues.filter((i) => i.severity === "error"); }
  get warnings() { return this.issues.filter((i) => i.severity === "warning"); }

  asDict() {
    return {
      file: this.file, taxonomy: this.taxonomy, status: this.status, error_count: this.errorCount,
      warning_count: this.warningCount, summary: this.summary, issue_counts: this.log.countList(),
      issues: this.issues.map((i) => i.asDict()),
    };
  }
}

function byJobGender(job, gender, tax) {
  const nj = tax.job_category.length, ng = tax.gender.length;
  const out = Array.from({ length: nj }, () => new Array(ng).fill(0));
  for (let i = 0; i < job.length; i++) out[job[i]][gender[i]]++;
  return out;
}

function requireRows(table) {
  if (table.rowNumbers.length === 0) {
    throw unusable(table.file, "no_rows", "one row per employee below the header row", {
      sheet: table.sheet === null ? null : clean(table.sheet),
      value: `a header on row ${table.headerRow} and no data rows` + (table.blankRows ? ` (${table.blankRows.toLocaleString("en-US")} blank rows)` : ""),
    });
  }
}

function fromTable(table, aliases, overrides, log) {
  requireRows(table);
  let columns;
  try {
    columns = columnMapResolve({ headers: table.headers, aliases, overrides, file: table.file,
      sheet: table.sheet === null ? null : clean(table.sheet) });
  } catch (exc) {
    if (exc instanceof Unusable) { // so that the page can offer a choice, keeping what it found
      exc.headers = table.headers;
      exc.found = columnsRecognised({ headers: table.headers, aliases, overrides });
    }
    throw exc;
  }
  const checked = checkPeople(table, columns, aliases, log);
  if (checked.rowsUsed === 0 && !log.errorCount) {
    log.add(new Issue({ severity: "error", code: "no_rows_used", file: table.file,
      sheet: table.sheet === null ? null : clean(table.sheet),
      value: `${checked.rowsRead.toLocaleString("en-US")} rows, every one left out`,
      expected: "at least one employee who can be counted", detail: "see the warnings" }));
  }
  const summary = {
    kind: "extract", layout: null, sheet: table.sheet === null ? null : clean(table.sheet),
    rows_read: checked.rowsRead, rows_used: checked.rowsUsed,
    rows_excluded: Object.values(checked.excluded).reduce((a, b) => a + b, 0), excluded: checked.excluded,
    blank_rows: checked.blankRows, people: checked.rowsUsed,
    headcount_by_job_gender: byJobGender(checked.people.job, checked.people.gender, aliases.taxonomy),
    columns: Object.fromEntries(Object.entries(columns.headers).map(([f, h]) => [f, clean(h)])),
    totals: totalsFromRows(checked.people, aliases.taxonomy),
  };
  const result = new CheckResult({ file: table.file, taxonomy: aliases.taxonomy.name, log, summary, people: checked.people, columnMap: columns });
  result.headers = table.headers;
  return result;
}

function checkWorkbookFile(bytes, file, aliases, overrides, log, maxRows) {
  const workbook = openWorkbook(bytes, file);
  const names = workbook.names;
  if (Object.keys(workbookSheets(names)).length) {
    const checked = checkWorkbook(workbook, names, { file, aliases, log });
    const tax = aliases.taxonomy;
    const nj = tax.job_category.length, nr = tax.race_ethnicity.length, ng = tax.gender.length;
    const byJg = Array.from({ length: nj }, () => new Array(ng).fill(0));
    checked.cells.headcount.forEach((h, k) => { byJg[Math.floor(k / (nr * ng))][k % ng] += h; });
    const summary = {
      kind: "workbook", layout: checked.layout, sheet: null, rows_read: 0, rows_used: 0, rows_excluded: 0, excluded: {},
      blank_rows: 0, people: checked.cells.headcount.reduce((a, b) => a + b, 0), headcount_by_job_gender: byJg, columns: {},
      totals: totalsFromCells(checked.cells, tax),
    };
    return new CheckResult({ file, taxonomy: tax.name, log, summary, cells: checked.cells });
  }
  let best = null;
  for (const name of names) {
    const match = findHeader(sheetRows(workbook, name, HEADER_SEARCH_ROWS), aliases);
    if (match && (best === null || match.score > best.match.score)) best = { name, match };
  }
  if (best === null) {
    const sheets = Object.values(SHEET_NAMES).map((v) => `'${v}'`).join(", ");
    throw unusable(file, "unrecognised_workbook",
      "an employee-level sheet (a header row naming columns such as 'Employee ID', 'Gender', " +
      `'Annual Compensation') or the Boston wage-gap workbook (sheets ${sheets})`, {
        value: `sheets ${names.map((n) => pyRepr(clean(n))).join(", ")}`,
        detail: "no sheet has such a header row in its first 30 rows, and none of the Boston data sheets is there",
      });
  }
  const table = readSheetTable(workbook, file, best.name, best.match.rowIndex, maxRows);
  return fromTable(table, aliases, overrides, log);
}

// check_extract for the bytes of a file the user picked. ``overrides``: {field: header}.
export function checkFile(bytes, name, aliases, overrides = {}) {
  const file = forPath(name);
  const log = new IssueLog();
  const maxRows = Number(aliases.taxonomy.bounds.max_employees_per_employer);
  try {
    if (sniffKind(bytes, name, file) === "text") return fromTable(readTextTable(bytes, file, aliases, maxRows), aliases, overrides, log);
    return checkWorkbookFile(bytes, file, aliases, overrides, log, maxRows);
  } catch (exc) {
    if (!(exc instanceof Unusable)) throw exc;
    const single = new IssueLog();
    single.add(exc.issue);
    const result = new CheckResult({ file, taxonomy: aliases.taxonomy.name, log: single });
    result.headers = exc.headers || null;
    result.found = exc.found || {};
    return result;
  }
}
