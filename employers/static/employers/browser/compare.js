// The browser form of the benchmark: the employer's own figures, computed here from the file
// it loaded, beside the compact's published cells (DESIGN §6 release contract). Tables by job
// category x gender, gender and job category, for the cohort "all" and for the employer's own
// industry and size cohorts when the release has them. Only published cells carry compact
// figures; a suppressed cell reads "suppressed", never 0. Nothing here sends anything.

const WANTED = [["job_category", "gender"], ["gender"], ["job_category"]];
const TITLES = { "job_category,gender": "by job category and gender", gender: "by gender", job_category: "by job category" };

const money = (dollars) => (dollars === null ? "—" : "$" + Math.round(dollars).toLocaleString("en-US"));
const count = (n) => (n === null || n === undefined ? "—" : Number(n).toLocaleString("en-US"));
const months = (m) => (m === null || m === undefined ? "—" : Number(m).toFixed(1));

// The employer's own sums per (job, gender) group, and each group's pay list for medians.
function ownGroups(result, tax) {
  const ng = tax.gender.length, nr = tax.race_ethnicity.length;
  const groups = new Map();
  const group = (j, g) => {
    const key = `${j},${g}`;
    if (!groups.has(key)) groups.set(key, { j, g, n: 0, comp: 0, perf: 0, tenure: 0, pay: [] });
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
      s.pay.push(p.compensation[i]);
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
      s.pay = null; // a workbook has no rows, hence no median
    });
  }
  return [...groups.values()];
}

function median(values) {
  if (!values || !values.length) return null;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return (sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2) / 100;
}

// The own figures of the table cell given by {dimension: index}.
function ownFigures(groups, where) {
  const members = groups.filter((s) => Object.entries(where).every(([d, i]) => (d === "job_category" ? s.j : s.g) === i));
  const n = members.reduce((a, s) => a + s.n, 0);
  if (!n) return { n: 0, mean: null, median: null, perf: null, tenure: null };
  const sum = (f) => members.reduce((a, s) => a + s[f], 0);
  const rows = members.every((s) => s.pay !== null);
  return {
    n, mean: sum("comp") / n / 100, perf: sum("perf") / n / 100, tenure: sum("tenure") / n / 100,
    median: rows ? median(members.flatMap((s) => s.pay)) : null,
  };
}

function cohortTitle(cohort) {
  if (cohort.kind === "all") return "all employers";
  return `${cohort.kind === "industry" ? "industry" : "size band"} ${cohort.value}`;
}

export function compareTables(result, release, tax, employer) {
  const groups = ownGroups(result, tax);
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
    const columns = [
      { label: dims.map((d) => (d === "job_category" ? "Job category" : "Gender")).join(" / ") },
      { label: "Your people", num: true, mine: true }, { label: "Your mean pay", num: true, mine: true },
      { label: "Your median pay", num: true, mine: true }, { label: "Your mean performance pay", num: true, mine: true },
      { label: "Your mean tenure (months)", num: true, mine: true },
      { label: "Compact people", num: true }, { label: "Compact mean pay", num: true }, { label: "Compact median pay", num: true },
      { label: "Compact mean performance pay", num: true }, { label: "Compact mean tenure (months)", num: true },
    ];
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
      const own = ownFigures(groups, where);
      const label = dims.map((d) => String(cell[d])).join(" / ");
      const mine = [count(own.n), money(own.mean), money(own.median), money(own.perf), months(own.tenure)];
      const theirs = cell.status === "published"
        ? [count(cell.headcount), money(cell.compensation_mean ?? null), money(cell.compensation_median ?? null),
          money(cell.performance_pay_mean ?? null), months(cell.tenure_mean_months)]
        : ["suppressed", "suppressed", "suppressed", "suppressed", "suppressed"];
      rows.push([label, ...mine, ...theirs]);
    }
    sections.push({
      id: `compare-${t}`,
      title: `${result.file} and the compact, ${TITLES[dims.join(",")]}: ${cohortTitle(table.cohort)}`,
      columns, rows,
      note: result.people ? null : "A Boston workbook holds totals, not rows, so your medians cannot be computed.",
    });
  });
  if (!sections.length) {
    sections.push({ id: "compare-none", title: "Nothing to compare", columns: [{ label: "" }], rows: [],
      note: "The release has no table by job category and gender for your cohorts." });
  }
  return sections;
}
