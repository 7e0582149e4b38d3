// The compare view of the browser page: the model of compare.js as the benchmark report lays
// it out (employers/client/templates/benchmark.html): the gender gap headline in words, the two
// charts with their numbers, and one table per breakdown with "you", "the compact" and "the
// gap" columns and the group each row is compared with. Text is set with textContent only.

import { COMPACT_COLOUR, YOU_COLOUR, barsSvg } from "./chart.js";
import { cohortLabel, count, differenceWords, gapWords, money } from "./compare.js";

function el(tag, text = null, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

// Performance pay and tenure are in the CSV download; the table keeps to what fits a screen.
const MEASURES = ["People", "Mean pay", "Median pay"];

function headline(model) {
  const wrap = el("div", null, { class: "headline", id: "compare-headline" });
  for (const h of model.headline) {
    const box = el("div", null, { class: "stat" });
    box.append(el("span", h.who, { class: "who" }), el("b", h.figure), el("p", h.text));
    wrap.append(box);
  }
  return wrap;
}

// A chart in both layouts; the stylesheet shows the one that fits the screen (the other is
// display: none, so neither a reader nor a screen reader meets it twice).
function figure(chart, caption, note) {
  const fig = el("figure", null, { class: "chart-figure" });
  fig.append(el("figcaption", caption), barsSvg(chart),
    barsSvg({ ...chart, chartId: `${chart.chartId}-narrow`, layout: "narrow" }), el("p", note, { class: "muted" }));
  return fig;
}

function gapTable(model) {
  const table = el("table", null, { id: "compare-gaps", class: "compare" });
  table.append(el("caption", "The gender pay gap by job category (the numbers of the chart)", { id: "compare-gaps-title" }));
  const head = el("tr");
  for (const h of ["Job category", "At your organisation, women are paid", "In the compact, women are paid", "Compared with"]) {
    head.append(el("th", h, { scope: "col", class: h === "Job category" || h === "Compared with" ? "" : "num" }));
  }
  const thead = el("thead");
  thead.append(head);
  const tbody = el("tbody");
  for (const g of model.gaps) {
    const tr = el("tr");
    tr.append(el("th", g.job, { scope: "row" }), el("td", g.own === null ? "—" : gapWords(g.own), { class: "num" }),
      g.compact === null ? el("td", "not published", { class: "num suppressed" }) : el("td", gapWords(g.compact), { class: "num" }),
      el("td", g.cohort ? cohortLabel(g.cohort) : "—"));
    tbody.append(tr);
  }
  table.append(thead, tbody);
  return table;
}

function scrolling(node, label) {
  const scroll = el("div", null, { class: "scroll", tabindex: "0", role: "region", "aria-label": label });
  scroll.append(node);
  return scroll;
}

function comparisonTable(section) {
  const table = el("table", null, { class: "compare" });
  const top = el("tr");
  top.append(el("th", section.heading, { scope: "col", rowspan: "2" }),
    el("th", "You", { scope: "colgroup", colspan: String(MEASURES.length), class: "group mine" }),
    el("th", "The compact", { scope: "colgroup", colspan: String(MEASURES.length), class: "group" }),
    el("th", "The gap: your mean pay vs the compact's", { scope: "col", rowspan: "2", class: "num gap" }),
    el("th", "Compared with", { scope: "col", rowspan: "2" }));
  const second = el("tr");
  for (const mine of [true, false]) for (const m of MEASURES) second.append(el("th", m, { scope: "col", class: mine ? "num mine" : "num" }));
  const thead = el("thead");
  thead.append(top, second);
  const tbody = el("tbody");
  for (const row of section.rows) {
    const tr = el("tr");
    const o = row.own;
    tr.append(el("th", row.label, { scope: "row" }),
      ...[count(o.n), money(o.mean), money(o.median)].map((v) => el("td", v, { class: "num mine" })));
    if (row.compact) {
      const c = row.compact;
      tr.append(...[count(c.headcount), money(c.compensation_mean), money(c.compensation_median ?? null)].map((v) => el("td", v, { class: "num" })),
      el("td", differenceWords(row.difference), { class: "num gap" }));
      const via = el("td", cohortLabel(row.cohort), { class: "via" });
      if (row.passedOver.length) via.append(el("span", `not published for ${row.passedOver.map(cohortLabel).join(", ")}`, { class: "muted" }));
      tr.append(via);
    } else {
      tr.append(el("td", `not published: ${row.notPublished}`, { colspan: String(MEASURES.length + 1), class: "suppressed" }), el("td", "—"));
    }
    tbody.append(tr);
  }
  table.append(thead, tbody);
  return table;
}

export function renderCompare(model) {
  const nodes = [headline(model),
    el("p", "A gender pay gap is the difference between men's and women's pay, as a share of men's pay (the compact's definition). "
      + "\u201c10.0% less\u201d means women are paid 90 cents for every dollar paid to men; \u201cmore\u201d means women are paid more. "
      + "Pay is annual compensation without bonus.", { class: "muted" })];
  if (model.missing.length) nodes.push(el("p", `Not published separately (too few employers), so not compared: ${model.missing.join(", ")}.`, { class: "muted" }));
  if (model.groups.length) {
    nodes.push(el("p", `Each row is compared with the most specific of your groups that publishes it: ${model.groups.join(", then ")}. `
      + "Where a group suppresses a row to protect small groups, the next group is used and the row says so.", { class: "muted", id: "compare-groups" }));
  }
  const gapChart = {
    labels: model.gaps.map((g) => g.job),
    series: [{ name: "Your organisation", colour: YOU_COLOUR, values: model.gaps.map((g) => g.own) },
      { name: "The compact", colour: COMPACT_COLOUR, values: model.gaps.map((g) => g.compact) }],
    title: "Gender pay gap by job category: yours and the compact's",
    description: "Bars to the right: women are paid less than men (mean annual pay); to the left: more. "
      + model.gaps.map((g) => `${g.job}: women paid ${gapWords(g.own)} at your organisation, ${gapWords(g.compact)} in the compact.`).join(" "),
    missing: "—", chartId: "compare-chart-gender-gap", toward: ["women paid more", "women paid less"],
  };
  nodes.push(figure(gapChart, "Gender pay gap by job category: yours and the compact's",
    "Bars to the right: women are paid less than men (mean annual pay); to the left, more. \u201c—\u201d: one side has no women or no men, or the compact does not publish them."),
  scrolling(gapTable(model), "Table: the gender pay gap by job category"));
  for (const section of model.tables) {
    const wrap = el("section", null, { "aria-labelledby": section.id, class: "compare-table" });
    wrap.append(el("h3", section.title, { id: section.id }));
    if (section.dims.length === 1 && section.dims[0] === "job_category") {
      const chart = {
        labels: section.rows.map((r) => r.label),
        series: [{ name: "Your mean pay compared with the compact's", colour: YOU_COLOUR, values: section.rows.map((r) => r.difference) }],
        title: "Your mean pay compared with the compact's, by job category",
        description: "Bars to the right: your mean annual pay is higher than the compact's group's; to the left: lower. "
          + section.rows.map((r) => `${r.label}: ${differenceWords(r.difference)}${r.cohort ? ` than ${cohortLabel(r.cohort)}` : ""}.`).join(" "),
        missing: "not published", chartId: "compare-chart-difference", toward: ["yours lower", "yours higher"],
      };
      wrap.append(figure(chart, "Your mean pay compared with the compact's, by job category",
        "Bars to the right: your mean annual pay is higher than the compact's; to the left, lower. Each job category is compared with the group named in the table below."));
    }
    wrap.append(scrolling(comparisonTable(section), `Table: ${section.title.toLowerCase()}`));
    nodes.push(wrap);
  }
  if (model.note) nodes.push(el("p", model.note, { class: "muted" }));
  return nodes;
}
