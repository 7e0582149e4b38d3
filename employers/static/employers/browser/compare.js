// The browser form of the benchmark (employers/client/benchmark.py): the employer's own
// figures, computed here from the file it loaded, beside the compact's published cells (DESIGN
// §6 release contract), and the gap between them, by rules that are the benchmark's own:
// - each row is compared with the finest of the employer's groups that publishes it: its
//   industry, then its size band, then all employers (comparisonGroups); a row no group
//   publishes says "not published" and why (suppressed, withheld, not in the release);
// - means from exact sums; medians interpolated from pay brackets as the compact's are
//   (histogram.js mirrors protocol/histogram.py); the gap of a row is (your mean - the
//   compact's mean) / the compact's mean; a gender gap is (men - women) / men
//   (protocol/paygap.py); percentages rounded as Python rounds.
// Only published cells carry compact figures, never read as 0. Nothing here sends anything.

import { binIndex, interpolatedMedian } from "./histogram.js";

export const TABLES = [["gender"], ["job_category"], ["job_category", "gender"]];
const TITLES = { gender: "By gender", job_category: "By job category", "job_category,gender": "By job category and gender" };
export const SUPPRESSED = "suppressed to protect small groups";
export const WITHHELD = "withheld (one employer's figures would dominate it)";
export const ABSENT = "not in the release";

// Python's format(x, ".0f") and "%.1f": nearest, exact ties to even.
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
export const count = (n) => (n === null || n === undefined ? "—" : Number(n).toLocaleString("en-US"));
export const months = (m) => (m === null || m === undefined ? "—" : pyFixed(Number(m), 1));
export const percent = (v) => `${pyFixed(100 * v, 1)}%`;
export const signedPercent = (v) => `${v >= 0 ? "+" : ""}${percent(v)}`;
const same = (v) => pyFixed(Math.abs(v) * 100, 1) === "0.0";

// benchmark.gap_in_words: a gender gap as what it means for women.
export function gapWords(v) {
  if (v === null || v === undefined) return "not known";
  if (same(v)) return "the same";
  return `${percent(Math.abs(v))} ${v > 0 ? "less" : "more"}`;
}

// benchmark.difference_in_words: your mean against the compact's.
export function differenceWords(v) {
  if (v === null || v === undefined) return "—";
  if (same(v)) return "the same";
  return `${percent(Math.abs(v))} ${v > 0 ? "higher" : "lower"}`;
}

// protocol/paygap.gap.
export function gap(reference, other) {
  if (reference === null || reference === undefined || other === null || other === undefined || reference <= 0) return null;
  return (reference - other) / reference;
}

// CohortKey.label.
export function cohortLabel(cohort) {
  if (cohort.kind === "all") return "All employers";
  return `${cohort.kind === "industry" ? "Industry" : "Size band"}: ${cohort.value}`;
}
const cohortKey = (c) => (c.kind === "all" ? "all" : `${c.kind}:${c.value}`);

// benchmark.comparison_groups: the employer's groups the release has, finest first.
export function comparisonGroups(release, employer) {
  const cohorts = [];
  const seen = new Set();
  for (const table of release.tables || []) {
    const c = table.cohort || {};
    if (!seen.has(cohortKey(c))) {
      seen.add(cohortKey(c));
      cohorts.push(c);
    }
  }
  const out = [];
  for (const [kind, value] of [["industry", employer.industry], ["size", employer.size_band]]) {
    if (!value) continue;
    const found = cohorts.find((c) => c.kind === kind && (c.value === value || (c.covers || []).includes(value)));
    if (found) out.push(found);
  }
  const all = cohorts.find((c) => c.kind === "all");
  if (all) out.push(all);
  return out;
}

const sameDims = (a, b) => a.length === b.length && a.every((d, i) => b[i] === d);
const labelKey = (labels) => labels.join("\u0000");

// ReleaseDocument.cells: one table's cells keyed by their labels, or null when not released.
function cellsOf(release, cohort, dims) {
  const table = (release.tables || []).find((t) => t.cohort && cohortKey(t.cohort) === cohortKey(cohort) && sameDims(t.dimensions || [], dims));
  if (!table) return null;
  return new Map((table.cells || []).map((cell) => [labelKey(dims.map((d) => String(cell[d]))), cell]));
}

const usable = (cell) => Boolean(cell) && cell.status === "published" && typeof cell.compensation_mean === "number";

function reason(found) {
  if (found.some((c) => c && c.status !== "published")) return SUPPRESSED;
  if (found.some((c) => c && (c.withheld || []).includes("compensation_mean"))) return WITHHELD;
  if (found.some((c) => c)) return "nobody in the compact's groups";
  return ABSENT;
}

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
    median: rows && hist.some((h) => h) ? interpolatedMedian(hist, edges) : null,
  };
}

// The (labels, {dimension: index}) of every cell of a table, in taxonomy order.
function tableCells(dims, tax) {
  let out = [{ labels: [], where: {} }];
  for (const d of dims) {
    const labels = tax.labels(d);
    out = out.flatMap((c) => labels.map((l, i) => ({ labels: [...c.labels, l], where: { ...c.where, [d]: i } })));
  }
  return out;
}

function where(cohort) {
  if (cohort.kind === "all") return "across all employers in the compact";
  if (cohort.kind === "industry") return `among the compact's employers in ${cohort.value}`;
  return `among the compact's employers of ${cohort.value} people`;
}

export function compareModel(result, release, tax, employer) {
  const groups = ownGroups(result, tax);
  const edges = tax.compensationBins;
  const cohorts = comparisonGroups(release, employer);
  const kinds = new Set(cohorts.map((c) => c.kind));
  const asked = [["industry", employer.industry], ["size", employer.size_band]].filter(([, v]) => v);
  const genderIndex = (label) => tax.labels("gender").indexOf(label);

  const tables = TABLES.map((dims) => {
    const published = cohorts.map((c) => cellsOf(release, c, dims));
    const rows = [];
    for (const { labels, where: at } of tableCells(dims, tax)) {
      const own = ownFigures(groups, at, edges);
      if (!own.n) continue;
      const found = published.map((cells) => (cells ? cells.get(labelKey(labels)) : undefined));
      const k = found.findIndex(usable);
      const row = { label: labels.join(", "), own, cohort: null, compact: null, difference: null, notPublished: null, passedOver: [] };
      if (k >= 0) {
        const theirs = found[k].compensation_mean;
        Object.assign(row, {
          cohort: cohorts[k], compact: found[k], passedOver: cohorts.slice(0, k),
          difference: own.mean !== null && theirs ? (own.mean - theirs) / theirs : null,
        });
      } else Object.assign(row, { notPublished: reason(found), passedOver: cohorts });
      rows.push(row);
    }
    return { dims, id: `compare-${dims.join("-")}`, title: TITLES[dims.join(",")],
      heading: dims.map((d) => (d === "job_category" ? "Job category" : "Gender")).join(" × "), rows };
  });

  // The headline: the employer's own gender gap, then each group's from its gender table.
  const [female, male] = [genderIndex("Female"), genderIndex("Male")];
  const ownMen = ownFigures(groups, { gender: male }, edges), ownWomen = ownFigures(groups, { gender: female }, edges);
  const statements = [];
  const ownMean = gap(ownMen.mean, ownWomen.mean);
  if (ownMean === null) {
    statements.push({ who: "Your organisation", figure: "—",
      text: `Your extract has no ${ownWomen.n ? "men" : "women"}, so it has no gender pay gap to compare.` });
  } else {
    const median = gap(ownMen.median, ownWomen.median);
    statements.push({ who: "Your organisation", figure: gapWords(ownMean),
      text: `Women at your organisation are paid ${gapWords(ownMean)} than men on average (mean annual pay)${median === null ? "" : `; at the median, ${gapWords(median)}`}.` });
  }
  for (const cohort of cohorts) {
    const cells = cellsOf(release, cohort, ["gender"]) || new Map();
    const m = cells.get("Male"), w = cells.get("Female");
    const figure = (name) => (m && w && m.status === "published" && w.status === "published"
      ? gap(typeof m[name] === "number" ? m[name] : null, typeof w[name] === "number" ? w[name] : null) : null);
    const mean = figure("compensation_mean"), median = figure("compensation_median");
    if (mean === null) {
      statements.push({ who: cohortLabel(cohort), figure: "not published",
        text: `The gender pay gap ${where(cohort)} is not published, because it has too few people or employers or one employer dominates it.` });
      continue;
    }
    statements.push({ who: cohortLabel(cohort), figure: gapWords(mean),
      text: `Women ${where(cohort)} are paid ${gapWords(mean)} than men on average (mean annual pay)${median === null ? "" : `; at the median, ${gapWords(median)}`}.` });
  }

  // benchmark.job_gender_gaps: per job category, the gender gap at the employer and in the
  // finest group that publishes both women's and men's means.
  const jobTables = cohorts.map((c) => cellsOf(release, c, ["job_category", "gender"]) || new Map());
  const gaps = [];
  tax.labels("job_category").forEach((job, j) => {
    const m = ownFigures(groups, { job_category: j, gender: male }, edges);
    const w = ownFigures(groups, { job_category: j, gender: female }, edges);
    if (!m.n && !w.n) return;
    const row = { job, own: gap(m.mean, w.mean), compact: null, cohort: null };
    for (let k = 0; k < cohorts.length; k++) {
      const cm = jobTables[k].get(labelKey([job, "Male"])), cw = jobTables[k].get(labelKey([job, "Female"]));
      if (usable(cm) && usable(cw)) {
        Object.assign(row, { compact: gap(cm.compensation_mean, cw.compensation_mean), cohort: cohorts[k] });
        break;
      }
    }
    gaps.push(row);
  });

  return {
    file: result.file, cycle: release.cycle,
    groups: cohorts.map(cohortLabel),
    missing: asked.filter(([kind]) => !kinds.has(kind)).map(([kind, value]) => cohortLabel({ kind, value })),
    headline: statements, tables, gaps,
    note: result.people ? null : "A Boston workbook holds totals, not rows, so your medians cannot be computed.",
  };
}

// The comparison as CSV (header first), for the download: plain numbers (whole dollars,
// months and percentages to one decimal), empty where there is none.
export const CSV_HEADER = ["table", "group",
  "you: people", "you: mean pay ($)", "you: median pay ($)", "you: mean performance pay ($)", "you: mean tenure (months)",
  "the compact: people", "the compact: mean pay ($)", "the compact: median pay ($)", "the compact: mean performance pay ($)",
  "the compact: mean tenure (months)", "gap: your mean pay vs the compact's (%)", "compared with", "not published because"];

export function compareCsv(model) {
  const num = (v, digits) => (v === null || v === undefined ? "" : pyFixed(Number(v), digits));
  const quote = (v) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  const lines = [CSV_HEADER.map(quote).join(",")];
  for (const table of model.tables) {
    for (const row of table.rows) {
      const c = row.compact || {};
      lines.push([table.heading, row.label,
        String(row.own.n), num(row.own.mean, 0), num(row.own.median, 0), num(row.own.perf, 0), num(row.own.tenure, 1),
        num(c.headcount, 0), num(c.compensation_mean, 0), num(c.compensation_median, 0), num(c.performance_pay_mean, 0),
        num(c.tenure_mean_months, 1), row.difference === null ? "" : pyFixed(100 * row.difference, 1),
        row.cohort ? cohortLabel(row.cohort) : "", row.notPublished || ""].map(quote).join(","));
    }
  }
  return "\ufeff" + lines.join("\r\n") + "\r\n";
}
