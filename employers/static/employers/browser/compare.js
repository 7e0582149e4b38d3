// The browser form of the benchmark (employers/client/benchmark.py): the employer's own
// figures, computed here from the file it loaded, beside the compact's published cells (DESIGN
// §6 release contract), and the gap between them. Tables by job category x gender, gender and
// job category, for the cohort "all" and for the employer's own industry and size cohorts when
// the release has them. The same figures as the command-line benchmark: means from exact sums,
// medians interpolated from pay brackets as the compact's are (histogram.js), the gap as the
// benchmark's "you vs them", (your mean - the compact's mean) / the compact's mean. Only
// published cells carry compact figures; a suppressed cell reads "suppressed", never 0.
// Nothing here sends anything.

import { binIndex, interpolatedMedian } from "./histogram.js";

const WANTED = [["job_category", "gender"], ["gender"], ["job_category"]];
const TITLES = { "job_category,gender": "by job category and gender", gender: "by gender", job_category: "by job category" };
const SUPPRESSED = "suppressed";

// Python's format(x, ".0f") and "%+.1f": nearest, exact ties to even.
export function pyFixed(x, digits) {
  const scale = 10 ** digits;
  const y = x * scale;
  if (Math.abs(y - Math.trunc(y)) === 0.5 && y / scale === x) {
    const down = Math.floor(y);
    return ((down % 2 === 0 ? down : down + 1) / scale).toFixed(digits);
  }
  return x.toFixed(digits);
}

const grouping = (text) => text.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
export const money = (dollars) => {
  if (dollars === null || dollars === undefined) return "—";
  const text = pyFixed(Math.abs(dollars), 0);
  return `${dollars < 0 && text !== "0" ? "-" : ""}$${grouping(text)}`;
};
const count = (n) => (n === null || n === undefined ? "—" : Number(n).toLocaleString("en-US"));
const months = (m) => (m === null || m === undefined ? "—" : pyFixed(Number(m), 1));
export const signedPercent = (d) => (d === null ? "—" : `${d >= 0 ? "+" : ""}${pyFixed(100 * d, 1)}%`);

// The employer's own sums per (job, gender) group, and each group's pay-bracket counts.
function ownGroups(result, tax) {
  const ng = tax.gender.length, nr = tax.race_ethnicity.length;
  const edges = tax.compensationBins;
  const edgesCents = edges.map((e) => e * 100);
  const groups = new Map();
  const group = (j, g) => {
    const key = `${j},${g}`;
    if (!groups.has(key)) groups.set(key, { j, g, n: 0, comp: 0, perf: 0, tenure: 0, hist: result.people ? new Array(edges.length).fill(0) : null });
    return groups.get(key);
  };
  if (result.people) {
    const p = result.people;
    for (let i = 0; i < p.compensation.length; i++) {
      const s = group(p.job[i], p.gender[i]);
      s.n++;
      s.comp += p.compensation[i];
      s.perf += p.performancePay[i];
      s.tenure += p.tenure[i];
      s.hist[binIndex(p.compensation[i], edgesCents)]++;
    }
  } else {
    const c = result.cells;
    c.headcount.forEach((h, k) => {
      if (!h) return;
      const s = group(Math.floor(k / (nr * ng)), k % ng);
      s.n += h;
      s.comp += c.compensation[k];
      s.perf += c.performancePay[k];
      s.tenure += c.tenure[k];
    });
  }
  return [...groups.values()];
}

// The own figures of the table cell given by {dimension: index}.
function ownFigures(groups, where, edges) {
  const members = groups.filter((s) => Object.entries(where).every(([d, i]) => (d === "job_category" ? s.j : s.g) === i));
  const n = members.reduce((a, s) => a + s.n, 0);
  if (!n) return { n: 0, mean: null, median: null, perf: null, tenure: null };
  const sum = (f) => members.reduce((a, s) => a + s[f], 0);
  const rows = members.every((s) => s.hist !== null);
  const hist = rows ? edges.map((_, k) => members.reduce((a, s) => a + s.hist[k], 0)) : null;
  return {
    n, mean: sum("comp") / n / 100, perf: sum("perf") / n / 100, tenure: sum("tenure") / n / 100,
    median: rows ? interpolatedMedian(hist, edges) : null,
  };
}

function cohortTitle(cohort) {
  if (cohort.kind === "all") return "all employers";
  return `${cohort.kind === "industry" ? "industry" : "size band"} ${cohort.value}`;
}

// benchmark.benchmark_rows' "difference": your mean against the compact's, where both exist.
function difference(own, cell) {
  if (cell.status !== "published" || own.mean === null) return null;
  const theirs = cell.compensation_mean;
  return typeof theirs === "number" && theirs ? (own.mean - theirs) / theirs : null;
}

// The column groups of every comparison table; `gap` columns carry the difference.
export const GROUPS = [
  { label: "People", columns: [{ label: "You", mine: true }, { label: "The compact" }] },
  { label: "Mean pay", columns: [{ label: "You", mine: true }, { label: "The compact" }, { label: "Gap", gap: true }] },
  { label: "Median pay", columns: [{ label: "You", mine: true }, { label: "The compact" }] },
  { label: "Mean performance pay", columns: [{ label: "You", mine: true }, { label: "The compact" }] },
  { label: "Mean tenure (months)", columns: [{ label: "You", mine: true }, { label: "The compact" }] },
];

export function compareTables(result, release, tax, employer) {
  const groups = ownGroups(result, tax);
  const edges = tax.compensationBins;
  const labelIndex = {
    job_category: new Map(tax.labels("job_category").map((l, i) => [l, i])),
    gender: new Map(tax.labels("gender").map((l, i) => [l, i])),
  };
  const relevant = (cohort) => cohort.kind === "all"
    || (cohort.kind === "industry" && cohort.value === employer.industry)
    || (cohort.kind === "size" && cohort.value === employer.size_band);
  const sections = [];
  (release.tables || []).forEach((table, t) => {
    const dims = table.dimensions || [];
    if (!WANTED.some((w) => w.length === dims.length && w.every((d, i) => dims[i] === d))) return;
    if (!table.cohort || !relevant(table.cohort)) return;
    const rows = [];
    for (const cell of table.cells || []) {
      const where = {};
      let known = true;
      for (const d of dims) {
        const i = labelIndex[d].get(cell[d]);
        if (i === undefined) known = false;
        where[d] = i;
      }
      if (!known) continue;
      const own = ownFigures(groups, where, edges);
      const shown = cell.status === "published";
      const theirs = (value, format) => (shown ? format(value ?? null) : SUPPRESSED);
      rows.push({
        label: dims.map((d) => String(cell[d])).join(" / "),
        own, compact: shown ? cell : null, difference: difference(own, cell),
        values: [count(own.n), theirs(cell.headcount, count),
          money(own.mean), theirs(cell.compensation_mean, money), signedPercent(difference(own, cell)),
          money(own.median), theirs(cell.compensation_median, money),
          money(own.perf), theirs(cell.performance_pay_mean, money),
          months(own.tenure), theirs(cell.tenure_mean_months, months)],
      });
    }
    sections.push({
      id: `compare-${t}`,
      title: `${result.file} and the compact, ${TITLES[dims.join(",")]}: ${cohortTitle(table.cohort)}`,
      heading: dims.map((d) => (d === "job_category" ? "Job category" : "Gender")).join(" / "),
      cohort: cohortTitle(table.cohort), rows,
      note: result.people ? null : "A Boston workbook holds totals, not rows, so your medians cannot be computed.",
    });
  });
  return sections;
}

// The comparison as CSV rows (header first), for the download.
export function compareCsv(sections) {
  const header = ["table", "cohort", "group", ...GROUPS.flatMap((g) => g.columns.map((c) => `${g.label}: ${c.label}`))];
  const quote = (v) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  const lines = [header.map(quote).join(",")];
  for (const section of sections) {
    for (const row of section.rows) lines.push([section.heading, section.cohort, row.label, ...row.values].map(quote).join(","));
  }
  return "\ufeff" + lines.join("\r\n") + "\r\n";
}
