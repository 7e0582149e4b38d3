// The aggregated Boston workbook (BWWC template, 2023 and 2024 layouts), checked as
// employers/client/workbook.py checks it: sheets, race and gender headers and job rows found
// by text through the alias tables; the template's matching rule per cell; totals from the
// data sheets, with a warning where the "Totals Check" sheet's cached figures disagree.

import { parseCell, Status, STATUS_NAMES } from "./decimals.js";
import { Issue, clean } from "./issues.js";
import { sheetRows, unusable } from "./sources.js";
import { aliasKey, grouped, grouped2, pyStrip, shown } from "./text.js";

const MEASURES = ["headcount", "compensation", "performance_pay", "tenure"];
export const SHEET_NAMES = {
  headcount: "1.Number of Employees",
  compensation: "2.Compensation",
  performance_pay: "3.Performance Pay",
  tenure: "4.Tenure",
};
const LAYOUT_RACES = {
  "bwwc-2023": ["hispanic", "white", "black", "nhpi", "asian", "aian", "two_or_more", "unreported"],
  "bwwc-2024": ["hispanic", "white", "black", "nhpi", "asian", "mena", "aian", "two_or_more", "unreported"],
};
const TOTALS_SHEET = "Totals Check";
const HEADER_SEARCH_ROWS = 30;
const MIN_RACE_HEADERS = 3;

const sheetKey = (name) => aliasKey(name).replace(/^[0-9]+/, "");

export function workbookSheets(names) {
  const wanted = new Map(Object.entries(SHEET_NAMES).map(([k, v]) => [sheetKey(v), k]));
  const found = {};
  for (const name of names) {
    const measure = wanted.get(sheetKey(name));
    if (measure && !(measure in found)) found[measure] = name;
  }
  return found;
}

function columnLetter(index) {
  let letters = "";
  index += 1;
  while (index) {
    const rem = (index - 1) % 26;
    index = Math.floor((index - 1) / 26);
    letters = String.fromCharCode(65 + rem) + letters;
  }
  return letters;
}

const rowOf = (ref) => Number(ref.replace(/^[A-Z]+/, ""));
const text = (cell) => (typeof cell === "string" ? pyStrip(cell) : "");
const keyOf = (j, r, g) => `${j},${r},${g}`;

function locate(rows, aliases) {
  const tax = aliases.taxonomy;
  let raceRow = null, races = new Map();
  for (let r = 0; r < Math.min(rows.length, HEADER_SEARCH_ROWS); r++) {
    const found = new Map();
    rows[r].forEach((v, c) => {
      if (!text(v)) return;
      const i = aliases.valueIndex("race_ethnicity", text(v));
      if (i !== null) found.set(c, i);
    });
    if (found.size >= MIN_RACE_HEADERS) {
      raceRow = r;
      races = found;
      break;
    }
  }
  if (raceRow === null) return { positions: new Map(), raceCodes: [], missing: ["a header row of race/ethnicity groups"], headers: new Map() };
  const starts = [...races.keys()].sort((a, b) => a - b);
  const columnsOf = new Map(), headers = new Map(), missing = [];
  const genderRow = raceRow + 1 < rows.length ? rows[raceRow + 1] : [];
  const raceCodes = starts.map((c) => tax.race_ethnicity[races.get(c)].code);
  starts.forEach((start, k) => {
    const end = k + 1 < starts.length ? starts[k + 1] : Math.max(genderRow.length, start + 1);
    const race = races.get(start);
    const genders = new Map();
    for (let c = start; c < Math.min(end, genderRow.length); c++) {
      const g = aliases.valueIndex("gender", text(genderRow[c]));
      if (g !== null && !genders.has(g)) genders.set(g, c);
    }
    tax.gender.forEach((gcat, g) => {
      if (!genders.has(g)) missing.push(`a ${gcat.label} column under '${clean(rows[raceRow][start])}'`);
    });
    for (const [g, c] of genders) {
      for (let j = 0; j < tax.job_category.length; j++) {
        columnsOf.set(keyOf(j, race, g), [j, race, g, c]);
        headers.set(keyOf(j, race, g), `${clean(rows[raceRow][start])} / ${clean(genderRow[c])}`);
      }
    }
  });
  const labelCol = Math.min(...starts) > 0 ? Math.min(...starts) - 1 : 0;
  const jobRows = new Map();
  for (let r = raceRow + 2; r < Math.min(rows.length, raceRow + 2 + 40); r++) {
    const cells = rows[r];
    const j = labelCol < cells.length ? aliases.valueIndex("job_category", text(cells[labelCol])) : null;
    if (j !== null && !jobRows.has(j)) jobRows.set(j, r);
  }
  tax.job_category.forEach((cat, j) => {
    if (!jobRows.has(j)) missing.push(`a row for ${cat.label}`);
  });
  const positions = new Map();
  for (const [key, [j, race, g, c]] of columnsOf) if (jobRows.has(j)) positions.set(key, { j, race, g, row: jobRows.get(j), col: c });
  return { positions, raceCodes, missing, headers };
}

function closestLayout(grids, sheets, aliases) {
  const labels = Object.fromEntries(aliases.taxonomy.race_ethnicity.map((c) => [c.code, c.label]));
  let best = null;
  for (const [layout, expected] of Object.entries(LAYOUT_RACES)) {
    const diffs = MEASURES.filter((m) => !(m in sheets)).map((m) => `no sheet '${SHEET_NAMES[m]}'`);
    for (const [measure, grid] of Object.entries(grids)) {
      const at = `sheet '${clean(sheets[measure])}'`;
      diffs.push(...grid.missing.map((what) => `${at} has no ${what}`));
      if (grid.raceCodes.length) {
        diffs.push(...expected.filter((c) => !grid.raceCodes.includes(c)).map((c) => `${at} has no column for ${labels[c]}`));
        diffs.push(...grid.raceCodes.filter((c) => !expected.includes(c)).map((c) => `${at} has a column for ${labels[c]}, which this layout lacks`));
      }
    }
    if (best === null || diffs.length < best.diffs.length) best = { layout, diffs };
  }
  return best;
}

// Sorted like Python's tuples (j, race, g).
function sortedKeys(positions) {
  return [...positions.values()].sort((a, b) => a.j - b.j || a.race - b.race || a.g - b.g);
}

export function checkWorkbook(workbook, names, { file, aliases, log }) {
  const sheets = workbookSheets(names);
  const grids = {};
  for (const measure of MEASURES) {
    if (measure in sheets) grids[measure] = locate(sheetRows(workbook, sheets[measure], HEADER_SEARCH_ROWS + 60), aliases);
  }
  const { layout, diffs } = closestLayout(grids, sheets, aliases);
  if (diffs.length) {
    const year = layout.slice(-4);
    throw unusable(file, "wrong_workbook_layout", `the Boston wage-gap workbook; the closest layout is ${year}`, {
      value: `these differences from the ${year} layout: ${diffs.slice(0, 8).join("; ")}` + (diffs.length > 8 ? ` (and ${diffs.length - 8} more)` : ""),
      detail: "start again from the template, or send an employee-level extract",
    });
  }
  const values = {}, refs = {}, headers = {};
  for (const measure of MEASURES) {
    [values[measure], refs[measure]] = readMeasure(workbook, sheets[measure], grids[measure], aliases, file, log, measure);
    headers[measure] = grids[measure].headers;
  }
  const cells = applyRules(values, refs, headers, sheets, grids.headcount, aliases, file, log);
  compareTotalsSheet(workbook, names, cells, aliases, file, log);
  return { layout, cells };
}

function shape(aliases) {
  const tax = aliases.taxonomy;
  return [tax.job_category.length, tax.race_ethnicity.length, tax.gender.length];
}

function flatIndex(aliases, j, r, g) {
  const [, nr, ng] = shape(aliases);
  return (j * nr + r) * ng + g;
}

function readMeasure(workbook, sheet, grid, aliases, file, log, measure) {
  const rows = sheetRows(workbook, sheet);
  const [nj, nr, ng] = shape(aliases);
  const hundredths = new Array(nj * nr * ng).fill(0);
  const refs = new Map();
  const expected = {
    headcount: "a whole number of people, 0 if there is nobody",
    compensation: "total annual compensation of the cell in dollars, 0 if there is nobody",
    performance_pay: "total performance pay of the cell in dollars, 0 if none",
    tenure: "total months of service of the cell, 0 if there is nobody",
  }[measure];
  for (const p of sortedKeys(grid.positions)) {
    const key = keyOf(p.j, p.race, p.g);
    const raw = p.col < rows[p.row].length ? rows[p.row][p.col] : "";
    const ref = `${columnLetter(p.col)}${p.row + 1}`;
    refs.set(key, ref);
    const [value, status] = parseCell(raw);
    if (status !== Status.OK) {
      const code = status === Status.BLANK ? "blank" : STATUS_NAMES[status];
      const what = status === Status.BLANK || status === Status.NOT_A_NUMBER ? expected : {
        [Status.NEGATIVE]: "a value of 0 or more", [Status.TOO_MANY_DECIMALS]: "at most 2 decimal places",
        [Status.TOO_LARGE]: "a value within the compact's limits" }[status];
      log.add(new Issue({ severity: "error", code, file, sheet: clean(sheet), cell: ref, row: rowOf(ref),
        column: grid.headers.get(key), value: shown(raw), expected: what,
        detail: status === Status.BLANK ? "the template asks for 0, not a blank cell" : null }));
    } else if (measure === "headcount" && value % 100) {
      log.add(new Issue({ severity: "error", code: "fractional_headcount", file, sheet: clean(sheet), cell: ref,
        row: rowOf(ref), column: grid.headers.get(key), value: shown(raw), expected: "a whole number of people" }));
    }
    hundredths[flatIndex(aliases, p.j, p.race, p.g)] = status === Status.OK ? value : 0;
  }
  return [hundredths, refs];
}

function applyRules(values, refs, headers, sheets, grid, aliases, file, log) {
  const bounds = aliases.taxonomy.bounds, soft = aliases.softMaximums;
  const people = values.headcount.map((h) => Math.floor(h / 100));
  const { compensation: comp, performance_pay: perf, tenure } = values;
  const issue = (key, measure, severity, code, expected, value, detail = null) => {
    const ref = refs[measure].get(key);
    log.add(new Issue({ severity, code, file, sheet: clean(sheets[measure]), cell: ref, row: rowOf(ref),
      column: headers[measure].get(key), value, expected, detail }));
  };
  for (const p of sortedKeys(grid.positions)) {
    const key = keyOf(p.j, p.race, p.g);
    const k = flatIndex(aliases, p.j, p.race, p.g);
    const h = people[k];
    const hcRef = refs.headcount.get(key);
    const at = `${grouped(h)} people in ${hcRef} of '${clean(sheets.headcount)}'`;
    if (h > 0) {
      for (const [measure, arr] of [["compensation", comp], ["tenure", tenure]]) {
        if (arr[k] === 0) issue(key, measure, "error", "matching_check", `a value above 0, since there are ${at}`, "0", "the template's Matching Check fails here");
      }
    } else {
      for (const [measure, arr] of [["compensation", comp], ["performance_pay", perf], ["tenure", tenure]]) {
        if (arr[k] > 0) {
          issue(key, measure, "error", "matching_check", `0, since ${hcRef} of '${clean(sheets.headcount)}' has nobody`,
            grouped2(arr[k] / 100), "the template's Matching Check fails here");
        }
      }
    }
    if (h === 0) continue;
    for (const [measure, arr, limit, softLimit, unit] of [
      ["compensation", comp, bounds.max_compensation_dollars, soft.compensation_dollars, "$"],
      ["performance_pay", perf, bounds.max_performance_pay_dollars, soft.performance_pay_dollars, "$"],
      ["tenure", tenure, bounds.max_tenure_months, soft.tenure_months, "months "],
    ]) {
      const average = arr[k] / 100 / h;
      if (arr[k] > limit * 100 * h) {
        issue(key, measure, "error", "beyond_bounds", `an average of at most ${unit}${grouped(limit)} per person`,
          `an average of ${unit}${grouped2(average)} over ${grouped(h)} people`);
      } else if (arr[k] > softLimit * 100 * h) {
        issue(key, measure, "warning", "above_soft_maximum", `an average usually at most ${unit}${grouped(softLimit)} per person`,
          `an average of ${unit}${grouped2(average)} over ${grouped(h)} people`, "accepted; please double-check it");
      }
    }
    if (h > soft.workbook_headcount_per_cell) {
      issue(key, "headcount", "warning", "above_soft_maximum", `usually at most ${grouped(soft.workbook_headcount_per_cell)} people in one cell`,
        grouped(h), "accepted; please double-check it");
    }
  }
  const total = people.reduce((a, b) => a + b, 0);
  if (total === 0) {
    log.add(new Issue({ severity: "error", code: "no_people", file, sheet: clean(sheets.headcount),
      value: "0 people in every cell", expected: "the number of employees in each cell" }));
  }
  if (total > bounds.max_employees_per_employer) {
    log.add(new Issue({ severity: "error", code: "beyond_bounds", file, sheet: clean(sheets.headcount),
      value: `${grouped(total)} people in all`, expected: `at most ${grouped(bounds.max_employees_per_employer)} employees per employer` }));
  }
  return { headcount: people, compensation: comp, performancePay: perf, tenure };
}

function compareTotalsSheet(workbook, names, cells, aliases, file, log) {
  const name = names.find((s) => aliasKey(s) === aliasKey(TOTALS_SHEET));
  if (name === undefined) return;
  const rows = sheetRows(workbook, name, 20);
  const ng = shape(aliases)[2];
  const byGender = new Array(ng).fill(0);
  cells.headcount.forEach((h, k) => { byGender[k % ng] += h; });
  for (let r = 0; r < rows.length - 1; r++) {
    const genders = new Map();
    rows[r].forEach((v, c) => {
      const g = aliases.valueIndex("gender", text(v));
      if (g !== null) genders.set(c, g);
    });
    if (genders.size < 2) continue;
    const figures = rows[r + 1];
    for (const [c, g] of genders) {
      const cached = c < figures.length ? figures[c] : "";
      if (typeof cached === "number" && Math.trunc(cached) !== byGender[g]) {
        const label = aliases.taxonomy.gender[g].label;
        log.add(new Issue({ severity: "warning", code: "totals_check_differs", file, sheet: clean(name),
          cell: `${columnLetter(c)}${r + 2}`, row: r + 2, column: label, value: shown(cached),
          expected: `${grouped(byGender[g])}, the sum of '${SHEET_NAMES.headcount}' for ${label}`,
          detail: "the data sheets are used; the template's Totals Check leaves some groups out" }));
      }
    }
    return;
  }
}
