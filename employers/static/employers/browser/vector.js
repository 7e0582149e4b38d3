// One employer's statistics vector (docs/vector.md), bit-identical to
// employers/client/vector.py's vector_from for the same checked input: exact integer sums
// (JS numbers only while they stay below 2^53, BigInt beyond), half-even rounding of exact
// rationals, the regression's Y from Math.log in IEEE double as the Python client does.

import { rint } from "./decimals.js";
import { binIndex } from "./histogram.js";
import { DIMENSIONS } from "./rules.js";
import { HISTOGRAM_DIMENSION_SETS, LIMBS, QUARTILES, TABLE_DIMENSION_SETS, regressionGroupRegressors, regressionWithinRegressors } from "./layout.js";

const WIDE_MODULUS = 1n << 128n;
const LIMB_MASK = (1n << 32n) - 1n;
const FLUSH = 2 ** 52;

export class NotSealable extends Error {}

// Exact per-group sums of integers below 2^52 in magnitude: a float accumulator per group,
// moved into a BigInt before it could leave the range where doubles are exact.
export class ExactSums {
  constructor(n) {
    this.small = new Float64Array(n);
    this.big = new Array(n).fill(0n);
  }

  add(c, v) {
    const s = this.small[c] + v;
    if (s >= FLUSH || s <= -FLUSH) {
      this.big[c] += BigInt(s);
      this.small[c] = 0;
    } else this.small[c] = s;
  }

  totals() {
    return this.big.map((b, c) => b + BigInt(this.small[c]));
  }
}

// Exact per-group sums of squares of integers |v| < 2^46: v = a 2^20 + b, three exact sums.
class ExactSquareSums {
  constructor(n) {
    this.hh = new ExactSums(n);
    this.hl = new ExactSums(n);
    this.ll = new ExactSums(n);
  }

  add(c, v) {
    const x = Math.abs(v);
    const a = Math.floor(x / 1048576), b = x - a * 1048576;
    this.hh.add(c, a * a);
    this.hl.add(c, a * b);
    this.ll.add(c, b * b);
  }

  totals() {
    const hh = this.hh.totals(), hl = this.hl.totals(), ll = this.ll.totals();
    return hh.map((h, c) => (h << 40n) + (hl[c] << 21n) + ll[c]);
  }
}

export function roundHalfEvenDiv(numerator, denominator) {
  let q = numerator / denominator;
  let r = numerator % denominator;
  if (r < 0n) { // floor division, as Python's divmod
    q -= 1n;
    r += denominator;
  }
  const twice = 2n * r;
  if (twice > denominator || (twice === denominator && (q & 1n) === 1n)) q += 1n;
  return q;
}

class VectorBuilder {
  constructor(layout) {
    this.layout = layout;
    this.elements = new BigUint64Array(layout.length);
  }

  set(name, values) {
    const block = this.layout.block(name);
    const count = block.cells * block.width;
    if (values.length !== count) throw new Error(`Block ${name} needs ${count} values, got ${values.length}`);
    for (let i = 0; i < count; i++) {
      const v = BigInt(values[i]);
      if (block.wide) {
        const u = ((v % WIDE_MODULUS) + WIDE_MODULUS) % WIDE_MODULUS;
        for (let k = 0; k < LIMBS; k++) this.elements[block.offset + i * LIMBS + k] = (u >> BigInt(32 * k)) & LIMB_MASK;
      } else {
        if (v < 0n || v >= 1n << 64n) throw new Error(`Block ${name} holds a value outside [0, 2^64)`);
        this.elements[block.offset + i] = v;
      }
    }
  }
}

function shape(tax) {
  return DIMENSIONS.map((d) => tax.categories(d).length);
}

// Per-cell values summed into every table cell, tables in layout order.
function tableValues(cellValues, tax) {
  const [nj, nr, ng] = shape(tax);
  const sizes = { job_category: nj, race_ethnicity: nr, gender: ng };
  const out = [];
  for (const dims of TABLE_DIMENSION_SETS) {
    const size = dims.reduce((a, d) => a * sizes[d], 1);
    const part = new Array(size).fill(0n);
    for (let j = 0; j < nj; j++) {
      for (let r = 0; r < nr; r++) {
        for (let g = 0; g < ng; g++) {
          const coord = { job_category: j, race_ethnicity: r, gender: g };
          let index = 0;
          for (const d of dims) index = index * sizes[d] + coord[d];
          part[index] += BigInt(cellValues[(j * nr + r) * ng + g]);
        }
      }
    }
    out.push(...part);
  }
  return out;
}

function setAllBlocks(builder, cells, tax, rows) {
  builder.set("submissions", [1]);
  builder.set("workbook_submissions", [rows ? 0 : 1]);
  builder.set("headcount", cells.headcount);
  builder.set("comp_sum", cells.compensation);
  builder.set("perf_sum", cells.performancePay);
  builder.set("tenure_sum", cells.tenure);
  const heads = tableValues(cells.headcount, tax);
  const present = heads.map((h) => (h > 0n ? 1 : 0));
  builder.set("employers", present);
  builder.set("headcount_dominance", heads.map((h) => h * h));
  builder.set("comp_dominance", tableValues(cells.compensation, tax).map((x) => x * x));
  builder.set("perf_dominance", tableValues(cells.performancePay, tax).map((x) => x * x));
  if (rows) {
    builder.set("row_submissions", [1]);
    builder.set("row_employers", present);
  }
}

export function vectorFromCells(cells, layout) {
  const builder = new VectorBuilder(layout);
  setAllBlocks(builder, cells, layout.taxonomy, false);
  return builder.elements;
}

// bin_index: the last k with lower[k] * 100 <= value.
export function vectorFromPeople(people, layout) {
  const tax = layout.taxonomy;
  const [, nr, ng] = shape(tax);
  const nCells = layout.scopes.cell.length;
  const n = people.compensation.length;
  const cell = new Int32Array(n);
  for (let i = 0; i < n; i++) cell[i] = (people.job[i] * nr + people.race[i]) * ng + people.gender[i];
  const headcount = new Array(nCells).fill(0);
  const comp = new ExactSums(nCells), perf = new ExactSums(nCells), tenure = new ExactSums(nCells);
  const recipients = new Array(nCells).fill(0), hoursHead = new Array(nCells).fill(0);
  const hours = new ExactSums(nCells), hoursComp = new ExactSums(nCells);
  const compSq = new ExactSquareSums(nCells), perfSq = new ExactSquareSums(nCells), tenureSq = new ExactSquareSums(nCells);
  for (let i = 0; i < n; i++) {
    const c = cell[i];
    headcount[c]++;
    comp.add(c, people.compensation[i]);
    perf.add(c, people.performancePay[i]);
    tenure.add(c, people.tenure[i]);
    compSq.add(c, people.compensation[i]);
    perfSq.add(c, people.performancePay[i]);
    tenureSq.add(c, people.tenure[i]);
    if (people.performancePay[i] > 0) recipients[c]++;
    if (people.hoursGiven[i]) {
      hoursHead[c]++;
      hours.add(c, people.hours[i]);
      hoursComp.add(c, people.compensation[i]);
    }
  }
  const sums = { compensation: comp.totals(), performancePay: perf.totals(), tenure: tenure.totals() };
  const builder = new VectorBuilder(layout);
  setAllBlocks(builder, { headcount, ...sums }, tax, true);
  builder.set("row_headcount", headcount);
  builder.set("row_comp_sum", sums.compensation);
  builder.set("row_perf_sum", sums.performancePay);
  builder.set("row_tenure_sum", sums.tenure);
  builder.set("perf_recipients", recipients);
  builder.set("hours_headcount", hoursHead);
  builder.set("hours_sum", hours.totals());
  builder.set("hours_comp_sum", hoursComp.totals());
  builder.set("comp_sumsq", compSq.totals());
  builder.set("perf_sumsq", perfSq.totals());
  builder.set("tenure_sumsq", tenureSq.totals());
  setHistograms(builder, people, tax);
  setQuartiles(builder, people, tax);
  setRegression(builder, people, cell, tax, nCells);
  return builder.elements;
}

function histCells(people, tax) {
  const codes = { job_category: people.job, race_ethnicity: people.race, gender: people.gender };
  const n = people.compensation.length;
  const out = [];
  let offset = 0;
  for (const dims of HISTOGRAM_DIMENSION_SETS) {
    const index = new Int32Array(n);
    let size = 1;
    for (const d of dims) {
      const k = tax.categories(d).length;
      for (let i = 0; i < n; i++) index[i] = index[i] * k + codes[d][i];
      size *= k;
    }
    for (let i = 0; i < n; i++) index[i] += offset;
    out.push(index);
    offset += size;
  }
  return out;
}

function setHistograms(builder, people, tax) {
  const nHist = builder.layout.scopes.hist_cell.length;
  const cells = histCells(people, tax);
  for (const [block, values, edges, onlyPositive] of [
    ["comp_hist", people.compensation, tax.compensationBins, false],
    ["perf_hist", people.performancePay, tax.performancePayBins, true],
  ]) {
    const cents = edges.map((e) => e * 100);
    const counts = new Array(nHist * edges.length).fill(0);
    for (let i = 0; i < values.length; i++) {
      if (onlyPositive && !(values[i] > 0)) continue;
      const bin = binIndex(values[i], cents);
      for (const hc of cells) counts[hc[i] * edges.length + bin]++;
    }
    builder.set(block, counts);
  }
}

// quartiles.quartile_millis: UK regulation 13 quarters, ties shared in proportion, integers only.
export function quartileMillis(pay, categories) {
  const n = pay.length;
  const out = categories.map(([, k]) => Array.from({ length: QUARTILES }, () => new Array(k).fill(0n)));
  if (n === 0) return out;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => pay[a] - pay[b]);
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && pay[order[end]] === pay[order[start]]) end++;
    const size = end - start;
    const lo = 4 * start, hi = 4 * end;
    const quarterLo = Math.floor(lo / n);
    if (hi <= (quarterLo + 1) * n) {
      for (let m = start; m < end; m++) {
        categories.forEach(([codes], t) => { out[t][quarterLo][codes[order[m]]] += 1000n; });
      }
    } else {
      for (let q = 0; q < QUARTILES; q++) {
        const overlap = Math.max(0, Math.min(hi, (q + 1) * n) - Math.max(lo, q * n));
        if (overlap === 0) continue;
        categories.forEach(([codes, k], t) => {
          const counts = new Array(k).fill(0);
          for (let m = start; m < end; m++) counts[codes[order[m]]]++;
          counts.forEach((c, cat) => {
            if (c) out[t][q][cat] += roundHalfEvenDiv(1000n * BigInt(c) * BigInt(overlap), 4n * BigInt(size));
          });
        });
      }
    }
    start = end;
  }
  return out;
}

function setQuartiles(builder, people, tax) {
  const [byGender, byRace] = quartileMillis(people.compensation,
    [[people.gender, tax.gender.length], [people.race, tax.race_ethnicity.length]]);
  const millis = [...byGender.flat(), ...byRace.flat()];
  builder.set("quartile_millis", millis);
  builder.set("quartile_employers", millis.map((v) => (v > 0n ? 1 : 0)));
  builder.set("quartile_dominance", millis.map((v) => v * v));
}

// Y: round_half_even(ln(dollars) * 2^bits) in IEEE double, as regression.log_pay_fixed_point.
export function logPayFixedPoint(cents, bits) {
  return rint(Math.log(cents / 100) * 2 ** bits);
}

function setRegression(builder, people, cell, tax, nCells) {
  const bits = tax.fixedPointBits;
  const sums = Array.from({ length: 8 }, () => new ExactSums(nCells)); // n, m..m^4, Y, mY, m^2 Y
  const yy = new ExactSquareSums(nCells);
  for (let i = 0; i < people.compensation.length; i++) {
    if (!(people.compensation[i] > 0)) continue;
    const c = cell[i];
    const y = logPayFixedPoint(people.compensation[i], bits);
    const m = Math.floor((people.tenure[i] + 50) / 100);
    const m2 = m * m;
    sums[0].add(c, 1);
    sums[1].add(c, m);
    sums[2].add(c, m2);
    sums[3].add(c, m2 * m);
    sums[4].add(c, m2 * m2);
    sums[5].add(c, y);
    sums[6].add(c, y * m);
    sums[7].add(c, y * m2);
    yy.add(c, y);
  }
  const t = sums.map((s) => s.totals());
  const ySquared = yy.totals();
  const xnames = regressionGroupRegressors(tax), znames = regressionWithinRegressors(tax);
  const p = xnames.length, pz = znames.length, ng = tax.gender.length, nr = tax.race_ethnicity.length;
  const xtx = Array.from({ length: ng }, () => Array.from({ length: p }, () => new Array(p).fill(0n)));
  const xty = Array.from({ length: ng }, () => new Array(p).fill(0n));
  const yty = new Array(ng).fill(0n);
  const ztz = Array.from({ length: pz }, () => new Array(pz).fill(0n));
  const zty = new Array(pz).fill(0n), sz = new Array(pz).fill(0n);
  let n = 0n, sy = 0n, syy = 0n;
  // Which of (1, m, m^2) each regressor is for people of a cell, or -1 for a dummy that is 0.
  const design = (names, j, r, g) => {
    const tags = new Set(["intercept", `job:${tax.job_category[j].code}`, `race:${tax.race_ethnicity[r].code}`, `gender:${tax.gender[g].code}`]);
    return names.map((name) => (name === "tenure_months" ? 1 : name === "tenure_months_sq" ? 2 : tags.has(name) ? 0 : -1));
  };
  for (let c = 0; c < nCells; c++) {
    const count = t[0][c];
    if (count === 0n) continue;
    const g = c % ng, r = Math.floor(c / ng) % nr, j = Math.floor(c / (ng * nr));
    const powers = [t[0][c], t[1][c], t[2][c], t[3][c], t[4][c]];
    const ym = [t[5][c], t[6][c], t[7][c]];
    const a = design(xnames, j, r, g), b = design(znames, j, r, g);
    for (let i = 0; i < p; i++) {
      if (a[i] < 0) continue;
      for (let k = 0; k < p; k++) if (a[k] >= 0) xtx[g][i][k] += powers[a[i] + a[k]];
      xty[g][i] += ym[a[i]];
    }
    yty[g] += ySquared[c];
    for (let i = 0; i < pz; i++) {
      if (b[i] < 0) continue;
      for (let k = 0; k < pz; k++) if (b[k] >= 0) ztz[i][k] += powers[b[i] + b[k]];
      zty[i] += ym[b[i]];
      sz[i] += powers[b[i]];
    }
    n += count;
    sy += ym[0];
    syy += ySquared[c];
  }
  const upper = (matrix, size) => {
    const out = [];
    for (let i = 0; i < size; i++) for (let k = i; k < size; k++) out.push(matrix[i][k]);
    return out;
  };
  builder.set("reg_xtx", xtx.flatMap((m) => upper(m, p)));
  builder.set("reg_xty", xty.flat());
  builder.set("reg_yty", yty);
  if (n < 2n) {
    builder.set("within_n", [0]);
    builder.set("within_employers", [0]);
    return;
  }
  const scale = 1n << BigInt(bits);
  const wz = [];
  for (let i = 0; i < pz; i++) for (let k = i; k < pz; k++) wz.push(roundHalfEvenDiv((n * ztz[i][k] - sz[i] * sz[k]) * scale, n));
  builder.set("within_ztz", wz);
  builder.set("within_zty", zty.map((v, i) => roundHalfEvenDiv((n * v - sz[i] * sy) * scale, n)));
  builder.set("within_yty", [roundHalfEvenDiv(n * syy - sy * sy, n)]);
  builder.set("within_n", [n]);
  builder.set("within_employers", [1]);
}

// vector.vector_from: refuses a result with errors, or checked against another taxonomy.
export function vectorFrom(result, layout) {
  if (result.taxonomy !== layout.taxonomy.name) throw new NotSealable(`The input was checked against ${result.taxonomy}, the layout is ${layout.taxonomy.name}`);
  if (!result.ok) {
    throw new NotSealable(result.status === "errors"
      ? `${result.file} has ${result.errorCount.toLocaleString("en-US")} error(s); fix them and check again before sealing`
      : `${result.file} could not be read; see the check's message`);
  }
  return result.people !== null ? vectorFromPeople(result.people, layout) : vectorFromCells(result.cells, layout);
}
