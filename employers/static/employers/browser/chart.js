// employers/client/charts.py in the page: horizontal bars of percentages, one group of bars per
// label around a zero line, built as SVG elements (no markup strings, no style attributes, so
// the page's CSP holds). The same layout, colours and text alternative as the PDF's charts: a
// <title> and a <desc> naming every value, a legend, and a missing value never drawn as 0.

import { signedPercent } from "./compare.js";

export const YOU_COLOUR = "#1F1F1F";
export const COMPACT_COLOUR = "#9A9A9A";
const MISSING_COLOUR = "#595959";
// "wide" is the PDF's layout (labels left of the bars); "narrow", for a phone, puts each label
// on its own line above its bars so that the text stays readable at 390 px.
const LAYOUTS = {
  wide: { width: 760, labelEnd: 330, plotStart: 380, plotEnd: 700, labelsAbove: false },
  narrow: { width: 380, labelEnd: 4, plotStart: 50, plotEnd: 320, labelsAbove: true },
};
const BAR = 12, BAR_GAP = 2, ROW_PAD = 8, LINE = 12, LEGEND = 26, AXIS = 42;
const NS = "http://www.w3.org/2000/svg";

function svgEl(tag, attrs = {}, text = null) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== null) node.textContent = text;
  return node;
}

// charts.nice_ticks.
export function niceTicks(low, high) {
  const span = high - low || 0.1;
  const raw = span / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw * (1 - 1e-9));
  const first = Math.floor(low / step + 1e-9);
  const last = Math.max(Math.ceil(high / step - 1e-9), first + 1); // charts.nice_ticks: at least two ticks
  const out = [];
  for (let k = first; k <= last; k++) out.push(Math.round(k * step * 1e10) / 1e10);
  return out;
}

// charts.wrap.
function wrap(label, width = 34) {
  if (label.length <= width || !label.includes(" ")) return [label];
  const middle = label.length / 2;
  let cut = -1;
  for (let i = 0; i < label.length; i++) if (label[i] === " " && (cut < 0 || Math.abs(i - middle) < Math.abs(cut - middle))) cut = i;
  return [label.slice(0, cut), label.slice(cut + 1)];
}

// series: [{name, colour, values}] with one value (a fraction, or null) per label; toward:
// what a bar to the left and to the right means, written under the axis.
export function barsSvg({ labels, series, title, description, missing, chartId, toward = ["", ""], layout = "wide" }) {
  const { width: WIDTH, labelEnd: LABEL_END, plotStart: PLOT_START, plotEnd: PLOT_END, labelsAbove } = LAYOUTS[layout];
  const values = series.flatMap((s) => s.values.filter((v) => v !== null && v !== undefined));
  const ticks = niceTicks(Math.min(0, ...values), Math.max(0, ...values));
  const low = ticks[0], high = ticks[ticks.length - 1];
  const x = (v) => Math.round((PLOT_START + (v - low) / (high - low) * (PLOT_END - PLOT_START)) * 100) / 100;
  const n = series.length;
  const bars = n * BAR + (n - 1) * BAR_GAP;
  const row = labelsAbove ? LINE + 4 + bars + 2 * ROW_PAD : Math.max(bars, 2 * LINE) + 2 * ROW_PAD;
  const height = LEGEND + row * labels.length + AXIS;
  const svg = svgEl("svg", { viewBox: `0 0 ${WIDTH} ${height}`, role: "img", class: `bars bars-${layout}`,
    "aria-labelledby": `${chartId}-title ${chartId}-desc`, "font-family": "DejaVu Sans, Verdana, sans-serif", "font-size": 11 });
  svg.append(svgEl("title", { id: `${chartId}-title` }, title), svgEl("desc", { id: `${chartId}-desc` }, description));
  let at = PLOT_START;
  for (const s of series) {
    svg.append(svgEl("rect", { x: at, y: 6, width: 12, height: 12, fill: s.colour }), svgEl("text", { x: at + 17, y: 16 }, s.name));
    at += 17 + 7 * s.name.length + 20;
  }
  const top = LEGEND, bottom = LEGEND + row * labels.length;
  for (const t of ticks) {
    svg.append(svgEl("line", { x1: x(t), y1: top, x2: x(t), y2: bottom, stroke: t === 0 ? "#1F1F1F" : "#D0D0D0", "stroke-width": 1 }),
      svgEl("text", { x: x(t), y: bottom + 16, "text-anchor": "middle", fill: "#404040" }, t ? signedPercent(t).replace(".0%", "%") : "0%"));
  }
  const [leftNote, rightNote] = toward;
  if (leftNote) svg.append(svgEl("text", { x: x(0) - 6, y: bottom + 34, "text-anchor": "end", fill: "#404040" }, `← ${leftNote}`));
  if (rightNote) svg.append(svgEl("text", { x: x(0) + 6, y: bottom + 34, fill: "#404040" }, `${rightNote} →`));
  labels.forEach((label, i) => {
    const y0 = top + i * row;
    let barsTop;
    if (labelsAbove) {
      svg.append(svgEl("text", { x: LABEL_END, y: y0 + ROW_PAD + LINE - 2, "font-weight": "bold" }, label));
      barsTop = y0 + ROW_PAD + LINE + 4;
    } else {
      const lines = wrap(label);
      const first = y0 + row / 2 - (lines.length - 1) * LINE / 2 + 4;
      lines.forEach((line, k) => svg.append(svgEl("text", { x: LABEL_END, y: first + k * LINE, "text-anchor": "end" }, line)));
      barsTop = y0 + (row - bars) / 2;
    }
    series.forEach((s, k) => {
      const v = s.values[i];
      const y = barsTop + k * (BAR + BAR_GAP);
      if (v === null || v === undefined) {
        svg.append(svgEl("text", { x: x(0) + 4, y: y + 10, fill: MISSING_COLOUR, "font-style": "italic", "font-size": 10, class: "missing" }, missing));
        return;
      }
      const [left, right] = [x(0), x(v)].sort((a, b) => a - b);
      const rect = svgEl("rect", { x: left, y, width: Math.round((right - left) * 100) / 100, height: BAR, fill: s.colour, class: "bar" });
      rect.append(svgEl("title", {}, `${s.name}, ${label}: ${signedPercent(v)}`));
      svg.append(rect, svgEl("text", { x: v >= 0 ? right + 4 : left - 4, y: y + 10, "text-anchor": v >= 0 ? "start" : "end", "font-size": 10 }, signedPercent(v)));
    });
  });
  return svg;
}
