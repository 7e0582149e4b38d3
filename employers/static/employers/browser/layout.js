// The statistics vector's layout (protocol/layout.py, docs/vector.md): blocks and
// their positions derived from the taxonomy, and the layout id, a hash of what fixes positions.
// The page refuses to seal when its layout id differs from the cycle's.

import { DIMENSIONS } from "./rules.js";

export const LIMBS = 4;
export const TABLE_DIMENSION_SETS = [
  ["job_category", "race_ethnicity", "gender"],
  ["job_category", "gender"],
  ["job_category", "race_ethnicity"],
  ["race_ethnicity", "gender"],
  ["job_category"],
  ["race_ethnicity"],
  ["gender"],
  [],
];
export const HISTOGRAM_DIMENSION_SETS = [["job_category", "gender"], ["race_ethnicity", "gender"]];
const QUARTILE_DIMENSION_SETS = [["gender"], ["race_ethnicity"]];
export const QUARTILES = 4;

function cellsOf(tax, dims) {
  let out = [{}];
  for (const d of dims) out = out.flatMap((c) => tax.labels(d).map((label) => ({ ...c, [d]: label })));
  return out;
}

export function regressionGroupRegressors(tax) {
  const ref = tax.regressionReference;
  return [
    "intercept",
    ...tax.race_ethnicity.filter((c) => c.code !== ref.race_ethnicity).map((c) => `race:${c.code}`),
    ...tax.job_category.filter((c) => c.code !== ref.job_category).map((c) => `job:${c.code}`),
    "tenure_months",
    "tenure_months_sq",
  ];
}

export function regressionWithinRegressors(tax) {
  const ref = tax.regressionReference;
  return [...tax.gender.filter((c) => c.code !== ref.gender).map((c) => `gender:${c.code}`), ...regressionGroupRegressors(tax).slice(1)];
}

const triangle = (p) => (p * (p + 1)) / 2;

// Python's json.dumps(sort_keys=True, separators=(",", ":")), ensure_ascii included.
export function canonicalJson(value) {
  if (Array.isArray(value)) return "[" + value.map(canonicalJson).join(",") + "]";
  if (value !== null && typeof value === "object") {
    return "{" + Object.keys(value).sort().map((k) => canonicalJson(k) + ":" + canonicalJson(value[k])).join(",") + "}";
  }
  if (typeof value === "string") return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (ch) => "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0"));
  return JSON.stringify(value);
}

export class Layout {
  constructor(tax) {
    this.taxonomy = tax;
    this.scopes = {
      employer: [{}],
      cell: cellsOf(tax, TABLE_DIMENSION_SETS[0]),
      table_cell: TABLE_DIMENSION_SETS.flatMap((dims) => cellsOf(tax, dims)),
      hist_cell: HISTOGRAM_DIMENSION_SETS.flatMap((dims) => cellsOf(tax, dims)),
      quartile_cell: QUARTILE_DIMENSION_SETS.flatMap((dims) => [0, 1, 2, 3].flatMap((q) => cellsOf(tax, dims).map((c) => ({ quartile: String(q + 1), ...c })))),
      gender: cellsOf(tax, ["gender"]),
    };
    const p = regressionGroupRegressors(tax).length;
    const pw = regressionWithinRegressors(tax).length;
    const ncomp = tax.compensationBins.length, nperf = tax.performancePayBins.length;
    const fp = tax.fixedPointBits;
    const spec = [
      ["submissions", "employer", 1, false, "all", "employers"],
      ["row_submissions", "employer", 1, false, "rows", "employers"],
      ["workbook_submissions", "employer", 1, false, "all", "employers"],
      ["headcount", "cell", 1, false, "all", "people"],
      ["comp_sum", "cell", 1, false, "all", "cents"],
      ["perf_sum", "cell", 1, false, "all", "cents"],
      ["tenure_sum", "cell", 1, false, "all", "hundredths of a month"],
      ["row_headcount", "cell", 1, false, "rows", "people"],
      ["row_comp_sum", "cell", 1, false, "rows", "cents"],
      ["row_perf_sum", "cell", 1, false, "rows", "cents"],
      ["row_tenure_sum", "cell", 1, false, "rows", "hundredths of a month"],
      ["perf_recipients", "cell", 1, false, "rows", "people"],
      ["hours_headcount", "cell", 1, false, "rows", "people"],
      ["hours_sum", "cell", 1, false, "rows", "hundredths of an hour"],
      ["hours_comp_sum", "cell", 1, false, "rows", "cents"],
      ["comp_sumsq", "cell", 1, true, "rows", "cents^2"],
      ["perf_sumsq", "cell", 1, true, "rows", "cents^2"],
      ["tenure_sumsq", "cell", 1, true, "rows", "(hundredths of a month)^2"],
      ["employers", "table_cell", 1, false, "all", "employers"],
      ["row_employers", "table_cell", 1, false, "rows", "employers"],
      ["headcount_dominance", "table_cell", 1, false, "all", "people^2"],
      ["comp_dominance", "table_cell", 1, true, "all", "cents^2"],
      ["perf_dominance", "table_cell", 1, true, "all", "cents^2"],
      ["comp_hist", "hist_cell", ncomp, false, "rows", "people"],
      ["perf_hist", "hist_cell", nperf, false, "rows", "people"],
      ["quartile_millis", "quartile_cell", 1, false, "rows", "people/1000"],
      ["quartile_employers", "quartile_cell", 1, false, "rows", "employers"],
      ["quartile_dominance", "quartile_cell", 1, true, "rows", "(people/1000)^2"],
      ["reg_xtx", "gender", triangle(p), true, "rows", "exact"],
      ["reg_xty", "gender", p, true, "rows", `2^-${fp}`],
      ["reg_yty", "gender", 1, true, "rows", `2^-${2 * fp}`],
      ["within_ztz", "employer", triangle(pw), true, "rows", `2^-${fp}`],
      ["within_zty", "employer", pw, true, "rows", `2^-${2 * fp}`],
      ["within_yty", "employer", 1, true, "rows", `2^-${2 * fp}`],
      ["within_n", "employer", 1, false, "rows", "people"],
      ["within_employers", "employer", 1, false, "rows", "employers"],
    ];
    let offset = 0;
    this.blocks = spec.map(([name, scope, width, wide, source, unit]) => {
      const cells = this.scopes[scope].length;
      const length = cells * width * (wide ? LIMBS : 1);
      const block = { name, scope, cells, width, wide, source, unit, offset, length };
      offset += length;
      return block;
    });
    this.byName = Object.fromEntries(this.blocks.map((b) => [b.name, b]));
    this.length = offset;
  }

  block(name) {
    const block = this.byName[name];
    if (!block) throw new Error(`No block ${name}`);
    return block;
  }

  // "compact-2026/<first 16 hex of SHA-256 of the canonical description>".
  async layoutId() {
    const tax = this.taxonomy;
    const canonical = canonicalJson({
      taxonomy: tax.name,
      dimensions: Object.fromEntries(DIMENSIONS.map((d) => [d, tax.categories(d).map((c) => [c.code, c.label])])),
      compensation_bins: tax.compensationBins,
      performance_pay_bins: tax.performancePayBins,
      regression: { reference: tax.regressionReference, bits: tax.fixedPointBits },
      blocks: this.blocks.map(({ name, scope, cells, width, wide, source, unit, offset, length }) =>
        ({ name, scope, cells, width, wide, source, unit, offset, length })),
    });
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical));
    const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    return `${tax.name}/${hex.slice(0, 16)}`;
  }
}
