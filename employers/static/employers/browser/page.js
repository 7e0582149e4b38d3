// The employer's browser page: choose a file, check it, seal it, submit it, keep the receipt;
// after publication, compare the file with the release. Everything from the file is put on the
// page with textContent (never as HTML), and the only requests are to this origin: the rule
// files, the cycle key, the sealed envelope, the public release, and then the confirmation page.

import { checkFile } from "./check.js";
import { issuesCsv } from "./issues.js";
import { compareCsv, compareModel } from "./compare.js";
import { renderCompare } from "./compare-view.js";
import { Layout } from "./layout.js";
import { rulesLoad } from "./rules.js";
import { fingerprint, fingerprintDisplay, fromBase64, seal, x25519Supported } from "./sealing.js";
import { groupedDollars, groupedHundredths, totalsLines } from "./totals.js";
import { vectorFrom } from "./vector.js";

const config = JSON.parse(document.getElementById("browser-config").textContent);
const $ = (id) => document.getElementById(id);
const state = { rules: null, layout: null, layoutId: null, result: null, fileName: null, busy: false };
const MAX_ISSUES_SHOWN = 1000;

function el(tag, text = null, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function setStatus(text) {
  const status = $("status");
  status.textContent = text;
  status.hidden = !text;
}

// The error summary at the top: a heading, a sentence, links to the rows concerned; focused.
function showProblems(text, items = []) {
  const box = $("error-summary");
  $("error-summary-text").textContent = text;
  const list = $("error-summary-list");
  list.replaceChildren(...items.map(({ label, target }) => {
    const li = el("li");
    if (target) {
      const a = el("a", label, { href: `#${target}` });
      a.addEventListener("click", (event) => {
        event.preventDefault();
        const row = $(target);
        row.classList.add("target");
        row.focus();
      });
      li.append(a);
    } else li.textContent = label;
    return li;
  }));
  box.hidden = false;
  box.focus();
}

function clearProblems() {
  $("error-summary").hidden = true;
  $("error-summary-list").replaceChildren();
}

const plural = (n, one, many = one + "s") => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

async function ensureRules() {
  if (state.rules) return;
  state.rules = await rulesLoad(config.rules);
  state.layout = new Layout(state.rules.taxonomy);
  state.layoutId = await state.layout.layoutId();
}

function renderIssues(result) {
  const tbody = $("issues-table").querySelector("tbody");
  const shownIssues = result.issues.slice(0, MAX_ISSUES_SHOWN);
  tbody.replaceChildren(...shownIssues.map((issue, k) => {
    const tr = el("tr", null, { id: `issue-${k}`, tabindex: "-1" });
    tr.append(
      el("td", issue.severity, { class: `sev-${issue.severity}` }),
      el("td", [issue.file, issue.sheet && `sheet '${issue.sheet}'`, issue.cell && `cell ${issue.cell}`].filter(Boolean).join(", ")),
      el("td", issue.row ?? "", { class: "num" }),
      el("td", issue.column ?? ""),
      el("td", issue.value ?? ""),
      el("td", issue.expected + (issue.detail ? ` (${issue.detail})` : "")),
    );
    return tr;
  }));
  const total = result.errorCount + result.warningCount;
  $("issues-note").textContent = total > shownIssues.length
    ? `${plural(total, "problem")} in all; the first ${shownIssues.length.toLocaleString("en-US")} are listed (at most 200 of each kind). The download has every one.`
    : "";
  $("issues-download").textContent = `Download all ${plural(total, "problem")} (CSV)`;
  $("kinds-table").querySelector("tbody").replaceChildren(...["error", "warning"].flatMap((severity) =>
    result.log.kindSummary(severity).map(({ what, count, unit }) => {
      const tr = el("tr");
      tr.append(el("td", severity, { class: `sev-${severity}` }), el("th", what, { scope: "row" }),
        el("td", plural(count, unit), { class: "num" }));
      return tr;
    })));
  // A file that could not be read has one problem: the kinds and the download add nothing.
  $("kinds-table").hidden = $("issues-download").hidden = result.status === "unusable";
  $("issues-block").hidden = result.issues.length === 0;
}

// The whole list of problems as a CSV, made when asked for (it can hold millions of rows).
function downloadIssues() {
  const result = state.result;
  if (!result) return;
  const url = URL.createObjectURL(new Blob([issuesCsv(result.log.all())], { type: "text/csv;charset=utf-8" }));
  const link = el("a", null, { href: url, download: `problems-${result.file.replace(/\.[^.]*$/, "")}.csv` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// The error summary: one line per kind of error, with its count and a link to its first row
// in the table; a kind of one is its own message.
function errorSummaryItems(result) {
  const target = (issue) => {
    const k = issue ? result.issues.indexOf(issue) : -1;
    return k >= 0 && k < MAX_ISSUES_SHOWN ? `issue-${k}` : null;
  };
  const items = result.log.kindSummary("error").map(({ what, count, example, unit }) => {
    if (count === 1 && example) return { label: example.message, target: target(example) };
    const first = example ? [example.cell ? `cell ${example.cell}` : example.row !== null ? `row ${example.row}` : null,
      example.value !== null ? `found ${example.value}` : null].filter(Boolean).join(", ") : "";
    return { label: `${what}: ${plural(count, unit)}${first ? ` (first: ${first})` : ""}`, target: target(example) };
  });
  if (result.warningCount) {
    items.push({ label: `Also ${plural(result.warningCount, "warning")}: accepted, but look at them in the list of problems.`, target: "issues-title" });
  }
  return items;
}

function renderPreview(result) {
  const tax = state.rules.taxonomy;
  const table = $("preview-table");
  const head = el("tr");
  head.append(el("th", "Job category", { scope: "col" }), ...tax.labels("gender").map((g) => el("th", g, { scope: "col", class: "num" })), el("th", "Total", { scope: "col", class: "num" }));
  table.querySelector("thead").replaceChildren(head);
  const rows = result.summary.headcount_by_job_gender.map((counts, j) => {
    const tr = el("tr");
    tr.append(el("th", tax.labels("job_category")[j], { scope: "row" }), ...counts.map((c) => el("td", c.toLocaleString("en-US"), { class: "num" })),
      el("td", counts.reduce((a, b) => a + b, 0).toLocaleString("en-US"), { class: "num" }));
    return tr;
  });
  table.querySelector("tbody").replaceChildren(...rows);
  $("preview-block").hidden = false;
}

// The reconciliation totals (check's "Totals to reconcile with payroll"), one row per gender.
function renderTotals(result) {
  const s = result.summary;
  const rows = s.kind === "extract";
  const heads = ["", "People", "Compensation", "Performance pay", ...(rows ? ["Receiving it"] : []), "Tenure (months)"];
  const head = el("tr");
  head.append(...heads.map((h, k) => el(k ? "th" : "td", h, k ? { scope: "col", class: "num" } : {})));
  $("totals-table").querySelector("thead").replaceChildren(head);
  $("totals-table").querySelector("tbody").replaceChildren(...totalsLines(s.totals).map((line) => {
    const tr = el("tr", null, line.label === "Total" ? { class: "total" } : {});
    tr.append(el("th", line.label, { scope: "row" }), el("td", line.people.toLocaleString("en-US"), { class: "num" }),
      el("td", groupedDollars(line.compensation), { class: "num" }), el("td", groupedDollars(line.performance_pay), { class: "num" }),
      ...(rows ? [el("td", line.performance_pay_recipients.toLocaleString("en-US"), { class: "num" })] : []),
      el("td", groupedHundredths(line.tenure_months), { class: "num" }));
    return tr;
  }));
  $("totals-note").textContent = rows
    ? `Of the ${plural(s.rows_used, "row")} used; ${s.rows_excluded ? `${plural(s.rows_excluded, "row")} left out ${s.rows_excluded === 1 ? "is" : "are"} not in these totals` : "no row was left out"}. Compare them with your payroll system's totals for the same people.`
    : "From the workbook's data sheets (not its Totals Check sheet). Compare them with your payroll system's totals.";
  $("totals-block").hidden = false;
}

function renderFacts(result) {
  const s = result.summary;
  const facts = s.kind === "workbook"
    ? [["Kind", `Boston workbook (${s.layout})`], ["People", s.people.toLocaleString("en-US")]]
    : [["Kind", "employee-level extract"], ...(s.sheet ? [["Sheet", s.sheet]] : []), ["Rows read", s.rows_read.toLocaleString("en-US")],
      ["Rows used", s.rows_used.toLocaleString("en-US")], ["Rows left out", s.rows_excluded.toLocaleString("en-US")],
      ...Object.entries(s.excluded).map(([why, n]) => [`  left out: ${why}`, n.toLocaleString("en-US")]),
      ["Blank rows skipped", s.blank_rows.toLocaleString("en-US")],
      ["Columns", Object.entries(s.columns).map(([f, h]) => `${f} ← '${h}'`).join("; ")]];
  $("check-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", k), el("dd", v)]));
}

async function checkChosenFile() {
  clearProblems();
  const input = $("extract");
  const file = input.files && input.files[0];
  if (!file) {
    showProblems("Choose a file to check.", [{ label: "Choose your payroll extract", target: "extract" }]);
    return;
  }
  // A new file starts over: nothing from the previous check or receipt stays on show.
  $("results").hidden = true;
  if ($("seal-section")) $("seal-section").hidden = true;
  if ($("compare-output")) $("compare-output").replaceChildren();
  state.result = null;
  state.overrides = {};
  setStatus(`Reading and checking ${file.name} on this computer…`);
  await ensureRules();
  try {
    state.bytes = new Uint8Array(await file.arrayBuffer());
  } catch (exc) {
    // Browsers refuse to read a file that changed after it was chosen; choosing it again works
    // once the input is emptied (the same name chosen again would fire no change).
    input.value = "";
    setStatus("");
    showProblems(`${file.name} could not be read${exc.name === "NotReadableError" ? ": it changed after you chose it" : ""}. Choose it again.`,
      [{ label: "Choose your payroll extract", target: "extract" }]);
    return;
  }
  state.fileName = file.name;
  await runCheck();
}

// Check the chosen file's bytes with the columns chosen so far; show the outcome.
async function runCheck() {
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))); // let the status show
  const result = checkFile(state.bytes, state.fileName, state.rules, state.overrides);
  state.result = result;
  renderColumns(result);
  $("results").hidden = false;
  renderIssues(result);
  if (result.status === "unusable") {
    $("check-summary").textContent = `${result.file} could not be read.`;
    $("check-facts").replaceChildren();
    $("preview-block").hidden = true;
    $("totals-block").hidden = true;
  } else {
    renderFacts(result);
    renderTotals(result);
    renderPreview(result);
    $("check-summary").textContent = result.ok
      ? `${result.file}: no errors${result.warningCount ? `, ${plural(result.warningCount, "warning")}` : ""}. ${plural(result.summary.people, "person", "people")} will count.`
      : `${result.file}: ${plural(result.errorCount, "error")} and ${plural(result.warningCount, "warning")}. Fix the errors and check again; nothing can be sealed until then.`;
  }
  document.body.dataset.checks = String(Number(document.body.dataset.checks || 0) + 1); // checks done so far
  const seal = $("seal-section");
  if (result.ok) {
    setStatus(`${result.file} passed the check.`);
    if (seal) {
      seal.hidden = false;
      $("step-seal").focus();
    } else $("step-check").focus();
    return;
  }
  if (seal) seal.hidden = true;
  setStatus("");
  if (result.status === "unusable") {
    showProblems("The file cannot be checked:", [{ label: result.issues[0].message, target: "issue-0" }]
      .concat(result.headers ? [{ label: "Choose which column is which, below", target: "columns-title" }] : []));
    return;
  }
  const kinds = result.log.kindSummary("error").length;
  showProblems(`${plural(result.errorCount, "error")}${kinds > 1 ? ` of ${kinds} kinds` : ""} must be fixed before sealing:`,
    errorSummaryItems(result));
}

// The browser's form of the client's --map: a choice of the file's columns for each field.
function renderColumns(result) {
  const block = $("columns-block");
  if (!result.headers) {
    block.hidden = true;
    return;
  }
  // A refused mapping still knows the columns it recognised: only the others read "Not found".
  const found = result.columnMap ? result.columnMap.headers : (result.found || {});
  const fields = state.rules.columns.map((spec) => {
    const id = `column-${spec.field}`;
    const select = el("select", null, { id, name: spec.field });
    const missing = spec.required ? "Not found: choose its column" : "Not found (optional)";
    select.append(el("option", found[spec.field] ? `Found: ${found[spec.field]}` : missing, { value: "" }));
    const seen = new Set();
    for (const header of result.headers) {
      if (!header || seen.has(header)) continue;
      seen.add(header);
      const option = el("option", header);
      option.value = header;
      select.append(option);
    }
    select.value = state.overrides[spec.field] || "";
    return [el("label", `${spec.label}${spec.required ? "" : " (optional)"}`, { for: id }), select];
  });
  $("columns-fields").replaceChildren(...fields.flat());
  block.open = result.status === "unusable" || Object.keys(state.overrides).length > 0;
  block.hidden = false;
}

async function checkWithColumns() {
  clearProblems();
  if (!state.bytes) return;
  const overrides = {};
  for (const spec of state.rules.columns) {
    const value = $(`column-${spec.field}`).value;
    if (value) overrides[spec.field] = value;
  }
  state.overrides = overrides;
  $("results").hidden = true;
  if ($("seal-section")) $("seal-section").hidden = true;
  setStatus(`Checking ${state.fileName} again with the columns you chose…`);
  await runCheck();
}

function csrfToken() {
  return config.csrf_token;
}

async function fetchJson(url, options = {}) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json", ...(options.headers || {}) }, ...options });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return { response, body };
}

async function sealAndSubmit() {
  clearProblems();
  if (state.busy) return;
  const result = state.result;
  if (!result || !result.ok) {
    showProblems("Check a file without errors first.", [{ label: "Choose your payroll extract", target: "extract" }]);
    return;
  }
  if (!$("fingerprint-ok").checked) {
    showProblems("Confirm that you compared the fingerprint.", [{ label: "Tick the box once the fingerprint matches", target: "fingerprint-ok" }]);
    return;
  }
  if (!(await x25519Supported())) {
    showProblems("This browser cannot seal (no X25519 in WebCrypto). Use a current Chrome, Edge, Firefox or Safari, or the Python client.");
    return;
  }
  state.busy = true;
  $("submit-button").disabled = true;
  try {
    setStatus("Fetching the cycle key…");
    const { response: keyResponse, body: target } = await fetchJson(config.cycle_key_url);
    if (!keyResponse.ok) throw new Error(target?.detail || `The cycle key could not be fetched (${keyResponse.status}).`);
    if (target.layout !== state.layoutId) {
      throw new Error(`The cycle expects vector layout ${target.layout}, but this page makes ${state.layoutId}. Reload the page.`);
    }
    const fp = await fingerprint(fromBase64(target.office_key.public_key));
    const shownFp = $("fingerprint").textContent.trim();
    if (fingerprintDisplay(fp) !== shownFp) {
      throw new Error(`The office key is ${fingerprintDisplay(fp)}, not the ${shownFp} shown on this page. Do not submit: ask the equity office.`);
    }
    setStatus(`Building the statistics vector and sealing it as version ${target.next_version}…`);
    const elements = vectorFrom(result, state.layout);
    const envelope = await seal(elements, target);
    setStatus("Submitting the sealed vector…");
    const { response, body } = await fetchJson(config.submissions_url, {
      method: "POST", body: JSON.stringify(envelope),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    });
    if (response.status !== 201) throw new Error(body?.detail || `The service refused the submission (${response.status}).`);
    showReceipt(body); // the button stays disabled while the receipt opens: no second version by a second click
  } catch (exc) {
    setStatus("");
    showProblems(exc.message || String(exc));
    state.busy = false;
    $("submit-button").disabled = false;
  }
}

// The confirmation page of the version just received is its printable receipt.
function showReceipt(receipt) {
  setStatus(`Version ${receipt.version} received. Opening its receipt…`);
  window.location.assign(config.submission_url.replace("{version}", String(receipt.version)));
}

// The published release, downloaded once per page (a click after the first reuses it), with
// its progress in the status line.
function releaseGet() {
  if (!state.release) {
    state.release = releaseDownload().catch((exc) => {
      state.release = null; // a failed download is tried again on the next click
      throw exc;
    });
  }
  return state.release;
}

async function releaseDownload() {
  setStatus("Downloading the published release…");
  const response = await fetch(config.release_url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) {
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    throw new Error(body?.detail || `The release could not be fetched (${response.status}).`);
  }
  const total = Number(response.headers.get("Content-Length")) || 0;
  const progress = $("compare-progress");
  progress.hidden = false;
  if (total) progress.max = total;
  else progress.removeAttribute("value");
  const chunks = [];
  let received = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    if (total) progress.value = received;
    const kb = (n) => `${Math.round(n / 1024).toLocaleString("en-US")} KB`;
    setStatus(total ? `Downloading the published release: ${kb(received)} of ${kb(total)}…` : `Downloading the published release: ${kb(received)}…`);
  }
  progress.hidden = true;
  const bytes = new Uint8Array(received);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Error("The release could not be read (it is not JSON). Try again later.");
  }
}

async function compareWithRelease() {
  clearProblems();
  const result = state.result;
  if (!result || !result.ok) {
    showProblems("Check a file without errors first; the comparison uses the file you chose.", [{ label: "Choose your payroll extract", target: "extract" }]);
    return;
  }
  if (state.busy) return;
  state.busy = true;
  $("compare-button").disabled = true;
  let release;
  try {
    release = await releaseGet();
  } catch (exc) {
    $("compare-progress").hidden = true;
    setStatus("");
    showProblems(exc.message || String(exc));
    return;
  } finally {
    state.busy = false;
    $("compare-button").disabled = false;
  }
  const model = compareModel(result, release, state.rules.taxonomy, { industry: config.industry, size_band: config.size_band });
  state.comparison = model;
  $("compare-output").replaceChildren(...renderCompare(model));
  $("compare-download").hidden = false;
  setStatus(`Compared ${result.file} with the ${release.cycle} release.`);
  $("step-compare").focus();
}

function downloadComparison() {
  if (!state.comparison) return;
  const url = URL.createObjectURL(new Blob([compareCsv(state.comparison)], { type: "text/csv;charset=utf-8" }));
  const link = el("a", null, { href: url, download: `comparison-${config.cycle}.csv` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function guard(action) {
  return async (event) => {
    event.preventDefault();
    try {
      await action();
    } catch (exc) {
      setStatus("");
      showProblems(`Something went wrong in the page: ${exc.message || exc}`);
    }
  };
}

$("file-form").addEventListener("submit", guard(checkChosenFile));
$("extract").addEventListener("change", guard(checkChosenFile));
$("columns-form").addEventListener("submit", guard(checkWithColumns));
$("issues-download").addEventListener("click", guard(downloadIssues));
if ($("seal-form")) $("seal-form").addEventListener("submit", guard(sealAndSubmit));
if ($("compare-form")) {
  $("compare-form").addEventListener("submit", guard(compareWithRelease));
  $("compare-download").addEventListener("click", guard(downloadComparison));
}
document.body.dataset.ready = "true";
