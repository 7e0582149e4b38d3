// Reconciliation totals (employers/client/reconciliation.py): the people who count, their total pay,
// performance pay and tenure, overall and per gender, exact (integer cents and hundredths of a
// month summed through BigInt), given as decimal strings with two places.

import { ExactSums } from "./vector.js";

// totals.hundredths_text: 8500050 -> "85000.50".
export function hundredthsText(value) {
  const v = BigInt(value);
  const sign = v < 0n ? "-" : "";
  const a = v < 0n ? -v : v;
  return `${sign}${a / 100n}.${String(a % 100n).padStart(2, "0")}`;
}

const grouping = (digits) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");

// totals.grouped_dollars / grouped_hundredths, from the decimal string.
export function groupedDollars(text) {
  const [sign, whole, part] = text.match(/^(-?)(\d+)\.(\d\d)$/).slice(1);
  return `${sign}$${grouping(whole)}.${part}`;
}

export function groupedHundredths(text) {
  const [sign, whole, part] = text.match(/^(-?)(\d+)\.(\d\d)$/).slice(1);
  return `${sign}${grouping(whole)}.${part}`;
}

function line(label, people, comp, perf, recipients, tenure) {
  return {
    label, people: Number(people), compensation: hundredthsText(comp), performance_pay: hundredthsText(perf),
    performance_pay_recipients: recipients === null ? null : Number(recipients), tenure_months: hundredthsText(tenure),
  };
}

function withTotal(parts, labels, rows) {
  const sum = (k) => parts.reduce((a, p) => a + p[k], 0n);
  const byGender = parts.map((p, g) => line(labels[g], p.people, p.comp, p.perf, rows ? p.recipients : null, p.tenure));
  return {
    total: line("Total", sum("people"), sum("comp"), sum("perf"), rows ? sum("recipients") : null, sum("tenure")),
    by_gender: byGender,
  };
}

// totals.totals_from_rows: the used rows (cents and hundredths in Float64Arrays).
export function totalsFromRows(people, tax) {
  const ng = tax.gender.length;
  const comp = new ExactSums(ng), perf = new ExactSums(ng), tenure = new ExactSums(ng);
  const count = new Array(ng).fill(0), recipients = new Array(ng).fill(0);
  for (let i = 0; i < people.gender.length; i++) {
    const g = people.gender[i];
    count[g]++;
    comp.add(g, people.compensation[i]);
    perf.add(g, people.performancePay[i]);
    tenure.add(g, people.tenure[i]);
    if (people.performancePay[i] > 0) recipients[g]++;
  }
  const [c, p, t] = [comp.totals(), perf.totals(), tenure.totals()];
  const parts = count.map((n, g) => ({ people: BigInt(n), comp: c[g], perf: p[g], recipients: BigInt(recipients[g]), tenure: t[g] }));
  return withTotal(parts, tax.labels("gender"), true);
}

// totals.totals_from_cells: a workbook's cells, row-major job x race x gender.
export function totalsFromCells(cells, tax) {
  const ng = tax.gender.length;
  const parts = Array.from({ length: ng }, () => ({ people: 0n, comp: 0n, perf: 0n, tenure: 0n }));
  cells.headcount.forEach((h, k) => {
    const part = parts[k % ng];
    part.people += BigInt(h);
    part.comp += BigInt(cells.compensation[k]);
    part.perf += BigInt(cells.performancePay[k]);
    part.tenure += BigInt(cells.tenure[k]);
  });
  return withTotal(parts, tax.labels("gender"), false);
}

// The totals' lines in display order: each gender, then the total.
export const totalsLines = (totals) => [...totals.by_gender, totals.total];
