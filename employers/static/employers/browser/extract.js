// Validation of an employee-level extract, from raw cells to the people who count: the rules
// of employers/client/columns.py (which column is which field) and extract.py (IDs, categories
// and measures, one exclusion reason per row: its first problem in column order).

import { parseCell, parseCsvColumn, Status } from "./decimals.js";
import { EXAMPLES_PER_KIND, Issue, IssueLog, clean } from "./issues.js";
import { DIMENSIONS } from "./rules.js";
import { unusable } from "./sources.js";
import { aliasKey, closeMatch, grouped, pyStr, pyStrip, shown } from "./text.js";

export const CATEGORY_FIELDS = ["job_category", "race_ethnicity", "gender"];
export const MEASURE_FIELDS = ["compensation", "performance_pay", "tenure_months", "hours"];

const MONEY_EXPECTED = "an amount in dollars such as 85000 or $85,000.00";
const NUMBER_EXPECTED = {
  compensation: MONEY_EXPECTED,
  performance_pay: MONEY_EXPECTED,
  tenure_months: "a number of months such as 27 or 27.5",
  hours: "a number of hours such as 2080",
};
const PROBLEMS = [
  [Status.BLANK, "blank", "a value (this column is required)"],
  [Status.NOT_A_NUMBER, "not_a_number", null],
  [Status.NEGATIVE, "negative", "a value of 0 or more"],
  [Status.TOO_MANY_DECIMALS, "too_many_decimals", "at most 2 decimal places"],
];

// --- columns.py ----------------------------------------------------------------------------

function positionOf(header, headers) {
  let i = headers.indexOf(header);
  if (i >= 0) return i;
  i = headers.findIndex((h) => aliasKey(h) === aliasKey(header) && aliasKey(h));
  return i >= 0 ? i : null;
}

function closestHeader(header, headers) {
  const keys = new Map();
  for (const h of headers) if (aliasKey(h)) keys.set(aliasKey(h), h);
  const match = closeMatch(aliasKey(header), [...keys.keys()], 0.6);
  return match === null ? null : keys.get(match);
}

const headerList = (headers) => headers.filter((h) => h).map((h) => `'${clean(h)}'`).join(", ");

// columns.column_map_resolve: overrides first (the page's "this column is ..." choices), then aliases.
export function columnMapResolve({ headers, aliases, overrides = {}, file, sheet }) {
  const positions = new Map();
  for (const [field, header] of Object.entries(overrides)) {
    const position = positionOf(header, headers);
    if (position === null) {
      const closest = closestHeader(header, headers);
      throw unusable(file, "mapped_column_missing", `a column headed '${clean(header)}' (from the mapping of ${field})`,
        { sheet, value: `headers ${headerList(headers)}`, detail: closest ? `did you mean '${clean(closest)}'?` : null });
    }
    const clash = [...positions].find(([, p]) => p === position);
    if (clash) {
      throw unusable(file, "column_mapped_twice", "each column mapped to one field",
        { sheet, value: `column '${clean(headers[position])}' mapped to ${clash[0]} and ${field}` });
    }
    positions.set(field, position);
  }
  const taken = new Set(positions.values());
  const candidates = new Map();
  headers.forEach((header, i) => {
    const field = header ? aliases.fieldOfHeader(header) : null;
    if (field && !positions.has(field) && !taken.has(i)) {
      if (!candidates.has(field)) candidates.set(field, []);
      candidates.get(field).push(i);
    }
  });
  for (const [field, found] of candidates) {
    if (found.length > 1) {
      const names = found.map((i) => `'${clean(headers[i])}'`).join(" and ");
      throw unusable(file, "ambiguous_column", `one column for ${field}`,
        { sheet, value: `columns ${names}`, detail: "say which one to use" });
    }
    positions.set(field, found[0]);
  }
  for (const spec of aliases.columns) {
    if (spec.required && !positions.has(spec.field)) throw missingColumn(spec.field, headers, aliases, file, sheet);
  }
  const byField = {};
  const headersByField = {};
  for (const [field, i] of positions) {
    byField[field] = i;
    headersByField[field] = headers[i];
  }
  return { positions: byField, headers: headersByField };
}

// What the page can still say about the columns when column_map_resolve refuses them: each
// field whose column is known (chosen on the page, or the one header its aliases match), so
// that the column chooser keeps what it found and asks only for the rest.
export function columnsRecognised({ headers, aliases, overrides = {} }) {
  const found = {};
  const taken = new Set();
  for (const [field, header] of Object.entries(overrides)) {
    const position = positionOf(header, headers);
    if (position !== null && !taken.has(position)) {
      found[field] = headers[position];
      taken.add(position);
    }
  }
  const candidates = new Map();
  headers.forEach((header, i) => {
    const field = header ? aliases.fieldOfHeader(header) : null;
    if (field && !(field in found) && !taken.has(i)) candidates.set(field, [...(candidates.get(field) || []), i]);
  });
  for (const [field, at] of candidates) if (at.length === 1) found[field] = headers[at[0]];
  return found;
}

function missingColumn(field, headers, aliases, file, sheet) {
  const spec = aliases.column(field);
  const present = headers.map((h) => aliases.unsupportedByKey.get(aliasKey(h))).filter((u) => u && u.instead === field);
  let detail;
  if (present.length) detail = present[0].message;
  else {
    // A header that is another field's own name is that field's column, not a lead.
    const closest = aliases.suggestColumn(field, headers.filter((h) => !aliases.fieldOfHeader(h)));
    detail = closest ? `closest header in the file: '${clean(closest)}'` : null;
  }
  const examples = spec.aliases.slice(0, 4).map((a) => `'${a}'`).join(", ");
  return unusable(file, "missing_column", `a column for ${spec.label} (${examples}, ...)`,
    { sheet, value: `headers ${headerList(headers)}`, detail });
}

// --- extract.py ----------------------------------------------------------------------------

// extract._text_of: a cell as stripped text; an integral number without '.0'.
function textOf(value) {
  if (value === null || value === undefined || (typeof value === "number" && Number.isNaN(value))) return "";
  if (typeof value === "string") return pyStrip(value);
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value).toString();
  return pyStrip(pyStr(value));
}

class Rows {
  constructor(table, log) {
    this.table = table;
    this.log = log;
    this.reason = new Int32Array(table.rowNumbers.length);
    this.reasons = [""];
  }

  // Record issues for the rows in ``rows`` (indices); exclude them under ``reason`` unless null.
  report(rows, { severity, code, column, expected, values, reason, detail = null }) {
    if (!rows.length) return;
    if (reason !== null) {
      this.reasons.push(reason);
      for (const i of rows) if (this.reason[i] === 0) this.reason[i] = this.reasons.length - 1;
    }
    const sheet = this.table.sheet === null ? null : clean(this.table.sheet);
    const make = (i) => new Issue({
      severity, code, file: this.table.file, sheet, row: this.table.rowNumbers[i], column: clean(column), expected,
      value: values === null ? null : shown(values[i]), detail: typeof detail === "function" ? detail(i) : detail,
    });
    this.log.addMany(rows.slice(0, EXAMPLES_PER_KIND).map(make), rows.length, { length: rows.length, at: (k) => make(rows[k]) });
  }
}

const where = (n, predicate) => {
  const out = [];
  for (let i = 0; i < n; i++) if (predicate(i)) out.push(i);
  return out;
};

function checkIds(rows, raw, header) {
  const ids = raw.map((v) => (rows.table.fromText ? pyStrip(v) : textOf(v)));
  const n = ids.length;
  rows.report(where(n, (i) => ids[i] === ""), { severity: "error", code: "blank", column: header,
    expected: "an employee ID on every row", values: raw, reason: `${header}: blank` });
  const first = new Map();
  const duplicate = [];
  for (let i = 0; i < n; i++) {
    if (ids[i] === "") continue;
    if (first.has(ids[i])) duplicate.push(i);
    else first.set(ids[i], i);
  }
  rows.report(duplicate, { severity: "error", code: "duplicate_id", column: header, expected: "each employee ID once",
    values: raw, reason: `${header}: duplicate`,
    detail: (i) => `the same ID is on row ${rows.table.rowNumbers[first.get(ids[i])]}` });
}

function checkCategory(rows, aliases, dimension, raw, header) {
  const n = raw.length;
  const uniques = new Map(); // a cell's own value -> [index or -1, blank, original]
  const keyOf = (v) => (typeof v === "string" ? "s" + v : typeof v + ":" + String(v));
  const codes = new Array(n);
  for (let i = 0; i < n; i++) {
    const key = keyOf(raw[i]);
    if (!uniques.has(key)) {
      const text = textOf(raw[i]);
      let index;
      if (text === "") {
        const fallback = aliases.blankIndex(dimension);
        index = fallback === null ? -1 : fallback;
      } else {
        const found = aliases.valueIndex(dimension, text);
        index = found === null ? -1 : found;
      }
      uniques.set(key, { index, blank: text === "", value: raw[i] });
    }
    codes[i] = uniques.get(key);
  }
  const labels = aliases.taxonomy.labels(dimension);
  const blank = where(n, (i) => codes[i].blank);
  if (aliases.blankIndex(dimension) !== null) {
    const label = labels[aliases.blankIndex(dimension)];
    rows.report(blank, { severity: "warning", code: "blank_category", column: header,
      expected: `a ${dimension.replaceAll("_", "/")} value`, values: raw, reason: null, detail: `counted as ${label}` });
  } else {
    rows.report(blank, { severity: "error", code: "blank", column: header, expected: `one of: ${labels.join(", ")}`,
      values: raw, reason: `${header}: blank` });
  }
  const suggestion = new Map();
  const unknown = where(n, (i) => codes[i].index < 0 && !codes[i].blank);
  for (const i of unknown) {
    if (!suggestion.has(codes[i])) suggestion.set(codes[i], aliases.suggestValue(dimension, pyStr(codes[i].value)));
  }
  rows.report(unknown, { severity: "error", code: "unknown_category", column: header,
    expected: `one of: ${labels.join(", ")}`, values: raw, reason: `${header}: unknown value`,
    detail: (i) => (suggestion.get(codes[i]) ? `did you mean '${suggestion.get(codes[i])}'?` : null) });
  return Int8Array.from(codes, (c) => (c.index < 0 ? 0 : c.index));
}

function checkNumber(rows, field, header, raw, parsed, bound, boundText, softMax, softText, blankOk) {
  const n = raw.length;
  const status = parsed.map(([, s]) => (blankOk && s === Status.BLANK ? Status.OK : s));
  for (const [problem, code, expected] of PROBLEMS) {
    rows.report(where(n, (i) => status[i] === problem), { severity: "error", code, column: header,
      expected: expected || NUMBER_EXPECTED[field], values: raw, reason: `${header}: ${code.replaceAll("_", " ")}` });
  }
  const value = (i) => parsed[i][0];
  const beyond = where(n, (i) => status[i] === Status.TOO_LARGE || (status[i] === Status.OK && value(i) > bound));
  const isBeyond = new Uint8Array(n);
  for (const i of beyond) isBeyond[i] = 1;
  rows.report(beyond, { severity: "error", code: "beyond_bounds", column: header, expected: boundText, values: raw,
    reason: `${header}: beyond the compact's limit` });
  rows.report(where(n, (i) => status[i] === Status.OK && value(i) > softMax && !isBeyond[i]), { severity: "warning",
    code: "above_soft_maximum", column: header, expected: softText, values: raw, reason: null,
    detail: "accepted; please double-check it" });
  return Float64Array.from({ length: n }, (_, i) => (status[i] === Status.OK && !isBeyond[i] ? value(i) : 0));
}

// extract.check_people: every row of ``table`` checked; the used rows and the exclusion counts.
export function checkPeople(table, columns, aliases, log) {
  const n = table.rowNumbers.length;
  const groups = [];
  const values = {};
  // IDs, then categories, then measures: each group has its own reasons, merged in that order.
  const ids = new Rows(table, new IssueLog());
  checkIds(ids, table.columns[columns.positions.employee_id], columns.headers.employee_id);
  groups.push(ids);
  const cats = new Rows(table, new IssueLog());
  for (const d of DIMENSIONS) values[d] = checkCategory(cats, aliases, d, table.columns[columns.positions[d]], columns.headers[d]);
  groups.push(cats);
  const measures = new Rows(table, new IssueLog());
  const tax = aliases.taxonomy;
  const bounds = tax.bounds, soft = aliases.softMaximums;
  const limits = {
    compensation: [bounds.max_compensation_dollars, `at most $${grouped(bounds.max_compensation_dollars)} (the compact's limit per person)`,
      soft.compensation_dollars, `usually at most $${grouped(soft.compensation_dollars)}`, false],
    performance_pay: [bounds.max_performance_pay_dollars, `at most $${grouped(bounds.max_performance_pay_dollars)} (the compact's limit per person)`,
      soft.performance_pay_dollars, `usually at most $${grouped(soft.performance_pay_dollars)}`, true],
    tenure_months: [bounds.max_tenure_months, `at most ${grouped(bounds.max_tenure_months)} months (100 years)`,
      soft.tenure_months, `usually at most ${soft.tenure_months} months (50 years)`, false],
    hours: [bounds.max_annual_hours, `at most ${grouped(bounds.max_annual_hours)} hours (every hour of a leap year)`,
      soft.annual_hours, `usually at most ${grouped(soft.annual_hours)} hours a year`, true],
  };
  for (const [field, [bound, boundText, softMax, softText, blankOk]] of Object.entries(limits)) {
    if (!(field in columns.positions)) {
      values[field] = new Float64Array(n);
      continue;
    }
    const raw = table.columns[columns.positions[field]];
    const parsed = table.fromText ? parseCsvColumn(raw) : raw.map(parseCell);
    values[field] = checkNumber(measures, field, columns.headers[field], raw, parsed, bound * 100, boundText,
      softMax * 100, softText, blankOk);
  }
  groups.push(measures);

  const rows = new Rows(table, log);
  for (const group of groups) {
    const shift = rows.reasons.length - 1;
    for (let i = 0; i < n; i++) if (rows.reason[i] === 0 && group.reason[i] > 0) rows.reason[i] = group.reason[i] + shift;
    rows.reasons.push(...group.reasons.slice(1));
    mergeLog(log, group.log);
  }
  const comp = values.compensation, hours = values.hours;
  const header = columns.headers.compensation;
  rows.report(where(n, (i) => comp[i] === 0 && rows.reason[i] === 0), { severity: "warning", code: "zero_compensation",
    column: header, expected: "annual compensation above 0", values: table.columns[columns.positions.compensation],
    reason: `${header}: 0, row left out`,
    detail: "the row is left out; annualise the pay of part-year staff, or remove people not employed on the snapshot date" });
  if ("hours" in columns.positions) {
    const rawHours = table.columns[columns.positions.hours];
    const filled = (i) => !(rawHours[i] === "" || rawHours[i] === null || (typeof rawHours[i] === "number" && Number.isNaN(rawHours[i])));
    rows.report(where(n, (i) => hours[i] === 0 && filled(i) && rows.reason[i] === 0), { severity: "warning",
      code: "zero_hours", column: columns.headers.hours, expected: "hours above 0, or a blank cell", values: rawHours,
      reason: null, detail: "0 hours is read as 'hours not given'" });
  }
  const used = where(n, (i) => rows.reason[i] === 0);
  const pick = (arr, Type) => Type.from(used, (i) => arr[i]);
  const people = {
    job: pick(values.job_category, Int8Array),
    race: pick(values.race_ethnicity, Int8Array),
    gender: pick(values.gender, Int8Array),
    compensation: pick(comp, Float64Array),
    performancePay: pick(values.performance_pay, Float64Array),
    tenure: pick(values.tenure_months, Float64Array),
    hours: pick(hours, Float64Array),
    hoursGiven: Uint8Array.from(used, (i) => (hours[i] > 0 ? 1 : 0)),
  };
  const counts = new Array(rows.reasons.length).fill(0);
  for (let i = 0; i < n; i++) counts[rows.reason[i]]++;
  const excluded = {};
  counts.forEach((c, k) => {
    if (k > 0 && c > 0) excluded[rows.reasons[k]] = c;
  });
  return { people, rowsRead: n, rowsUsed: used.length, excluded, blankRows: table.blankRows };
}

// IssueLog.merge: the other log's issues and counts, keeping the per-kind cap.
function mergeLog(log, other) {
  const kept = new Map();
  for (const i of log.kept) {
    const kind = JSON.stringify([i.severity, i.code, i.column]);
    kept.set(kind, (kept.get(kind) || 0) + 1);
  }
  for (const issue of other.kept) {
    const kind = JSON.stringify([issue.severity, issue.code, issue.column]);
    if ((kept.get(kind) || 0) < EXAMPLES_PER_KIND) {
      kept.set(kind, (kept.get(kind) || 0) + 1);
      log.kept.push(issue);
    }
  }
  for (const [kind, c] of other.counts) log.counts.set(kind, (log.counts.get(kind) || 0) + c);
  log.everything.push(...other.everything);
}
