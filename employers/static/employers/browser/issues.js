// Problems found in an employer's input (employers/client/issues.py): where, what was found,
// what is expected, in one readable sentence; a log that keeps at most 200 examples of each
// (severity, code, column) kind and counts all of them.

export { clean } from "./text.js";

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
  }

  add(issue) {
    const kind = kindOf(issue);
    const n = (this.counts.get(kind) || 0) + 1;
    this.counts.set(kind, n);
    if (n <= EXAMPLES_PER_KIND) this.kept.push(issue);
  }

  // A kind's examples; ``total`` counts rows beyond the examples given.
  addMany(issues, total) {
    for (const issue of issues) this.add(issue);
    if (issues.length && total > issues.length) {
      const kind = kindOf(issues[0]);
      this.counts.set(kind, this.counts.get(kind) + total - issues.length);
    }
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
