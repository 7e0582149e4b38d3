// Problems found in an employer's input (employers/client/issues.py): where, what was found,
// what is expected, in one readable sentence; a log that keeps at most 200 examples of each
// (severity, code, column) kind and counts all of them. The page also keeps, for the download
// of the full list, how to make every issue of a kind (its rows and a maker), not the issues.

import { forCsvCell } from "./text.js";

export { clean } from "./text.js";

// issues.KIND_TITLES: what each kind of issue is, in words.
export const KIND_TITLES = {
  blank: "blank",
  blank_category: "blank",
  duplicate_id: "ID used more than once",
  unknown_category: "unknown value",
  not_a_number: "not a number",
  negative: "negative",
  too_many_decimals: "more than 2 decimal places",
  too_large: "too large",
  beyond_bounds: "beyond the compact's limit",
  above_soft_maximum: "unusually high",
  zero_compensation: "pay of 0 (row left out)",
  zero_hours: "0 hours (read as not given)",
  fractional_headcount: "not a whole number of people",
  matching_check: "the template's Matching Check fails",
  totals_check_differs: "differs from the Totals Check sheet",
  no_rows_used: "no one left to count",
  no_people: "no one to count",
};

export const kindTitle = (code) => KIND_TITLES[code] ?? code.replaceAll("_", " ");

export const EXAMPLES_PER_KIND = 200;
const FIELDS = ["severity", "code", "file", "expected", "value", "sheet", "row", "column", "cell", "detail"];

export class Issue {
  constructor(parts) {
    for (const f of FIELDS) this[f] = parts[f] ?? null;
  }

  get where() {
    const parts = [this.file];
    if (this.sheet !== null) parts.push(`sheet '${this.sheet}'`);
    if (this.cell !== null) parts.push(`cell ${this.cell}`);
    if (this.row !== null) parts.push(`row ${this.row}`);
    if (this.column !== null) parts.push(`column '${this.column}'`);
    return parts.join(", ");
  }

  get message() {
    const found = this.value === null ? "" : `found ${this.value}; `;
    const detail = this.detail === null ? "" : ` (${this.detail})`;
    return `${this.where}: ${found}expected ${this.expected}${detail}`;
  }

  asDict() {
    const out = {};
    for (const f of FIELDS) out[f] = this[f];
    out.message = this.message;
    return out;
  }
}

const kindOf = (issue) => JSON.stringify([issue.severity, issue.code, issue.column]);

export class IssueLog {
  constructor() {
    this.kept = [];
    this.counts = new Map();
    this.everything = []; // Issue values, and {length, at(k)} makers of a whole kind
  }

  add(issue, { listed = true } = {}) {
    const kind = kindOf(issue);
    const n = (this.counts.get(kind) || 0) + 1;
    this.counts.set(kind, n);
    if (n <= EXAMPLES_PER_KIND) this.kept.push(issue);
    if (listed) this.everything.push(issue);
  }

  // A kind's examples; ``total`` counts rows beyond the examples given; ``all`` ({length,
  // at(k)}) makes every issue of the kind, for the full list.
  addMany(issues, total, all = null) {
    for (const issue of issues) this.add(issue, { listed: all === null });
    if (all !== null) this.everything.push(all);
    if (issues.length && total > issues.length) {
      const kind = kindOf(issues[0]);
      this.counts.set(kind, this.counts.get(kind) + total - issues.length);
    }
  }

  // Every issue found, kind by kind, as the check found them.
  *all() {
    for (const entry of this.everything) {
      if (entry instanceof Issue) yield entry;
      else for (let k = 0; k < entry.length; k++) yield entry.at(k);
    }
  }

  // issues.kind_summary: [{what, count, example, unit}] for one severity, in the order found.
  kindSummary(severity) {
    const first = new Map();
    for (const issue of this.kept) if (!first.has(kindOf(issue))) first.set(kindOf(issue), issue);
    const out = [];
    for (const [kind, count] of this.counts) {
      const [sev, code, column] = JSON.parse(kind);
      if (sev !== severity) continue;
      const example = first.get(kind) || null;
      const place = column || (example && example.sheet) || null;
      const title = kindTitle(code);
      out.push({ what: place ? `${place}: ${title}` : title[0].toUpperCase() + title.slice(1), count, example,
        unit: example && example.cell ? "cell" : "row" });
    }
    return out;
  }

  count(severity) {
    let n = 0;
    for (const [kind, c] of this.counts) if (JSON.parse(kind)[0] === severity) n += c;
    return n;
  }

  get errorCount() { return this.count("error"); }
  get warningCount() { return this.count("warning"); }

  // [{severity, code, column, count}] in first-seen order, as CheckResult.as_dict lists them.
  countList() {
    return [...this.counts].map(([kind, count]) => {
      const [severity, code, column] = JSON.parse(kind);
      return { severity, code, column, count };
    });
  }
}

// issues.write_issues_csv, for every issue (not only the examples kept): UTF-8 with a BOM, CRLF,
// quoted as Python's csv module quotes, every cell through forCsvCell.
export const ISSUE_CSV_COLUMNS = ["severity", "code", "file", "sheet", "cell", "row", "column", "value", "expected", "detail", "message"];

function csvField(text) {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function issuesCsv(issues) {
  const lines = [ISSUE_CSV_COLUMNS.join(",")];
  for (const issue of issues) {
    const record = issue.asDict();
    lines.push(ISSUE_CSV_COLUMNS.map((k) => csvField(record[k] === null ? "" : forCsvCell(record[k]))).join(","));
  }
  return "\ufeff" + lines.join("\r\n") + "\r\n";
}
