// Opening an employer's file in the browser, as employers/client/sniffing.py and csvfile.py do: the kind by
// its first bytes, the encoding (UTF-8 with or without BOM, else strict Windows-1252), the
// delimiter and header row from the first 64 KiB, then every record below the header, with
// the row numbers a person sees. Problems that make a file unreadable throw Unusable.

import { Issue, clean } from "./issues.js";
import { aliasKey, forPath, grouped, pyStr, pyStrip } from "./text.js";

const SAMPLE_BYTES = 64 * 1024;
export const HEADER_SEARCH_ROWS = 30;
const DELIMITERS = [",", ";", "\t", "|"];
const MIN_HEADER_MATCHES = 2;
const WORKBOOK_SUFFIXES = [".xlsx", ".xlsm"];
// Bytes that Python's strict cp1252 codec refuses (WHATWG's decoder maps them to C1 controls).
const CP1252_HOLES = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);

export class Unusable extends Error {
  constructor(issue) {
    super(issue.message);
    this.issue = issue;
  }
}

export function unusable(file, code, expected, extra = {}) {
  return new Unusable(new Issue({ severity: "error", code, file, expected, ...extra }));
}

export function headerScore(cells, aliases) {
  const fields = new Set();
  for (const cell of cells) {
    if (typeof cell === "string" && pyStrip(cell)) {
      const key = aliasKey(cell);
      const found = aliases.columnByKey.get(key) || (aliases.unsupportedByKey.has(key) && key);
      if (found) fields.add(found);
    }
  }
  return fields.size;
}

export function findHeader(rows, aliases) {
  let best = null;
  rows.slice(0, HEADER_SEARCH_ROWS).forEach((cells, index) => {
    const score = headerScore(cells, aliases);
    if (score >= MIN_HEADER_MATCHES && (best === null || score > best.score)) best = { rowIndex: index, score };
  });
  return best;
}

function suffixOf(name) {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot).toLowerCase() : "";
}

function startsWith(bytes, magic) {
  return magic.every((b, i) => bytes[i] === b);
}

// sources.sniff_kind: "workbook" or "text" from the first bytes.
export function sniffKind(bytes, name, display) {
  if (bytes.length === 0) {
    throw unusable(display, "empty_file", "a CSV or XLSX file with a header row and one row per employee",
      { value: "an empty file (0 bytes)" });
  }
  const suffix = suffixOf(name);
  if (startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) {
    throw unusable(display, "legacy_xls", "an .xlsx workbook or a CSV file",
      { value: "an Excel 97-2003 (.xls) file", detail: "open it in Excel and save as .xlsx or CSV" });
  }
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) {
    const names = zipNames(bytes);
    if (names === null) throw unusable(display, "broken_zip", "an .xlsx workbook or a CSV file", { value: "a damaged zip archive" });
    if (!names.has("xl/workbook.xml")) {
      throw unusable(display, "zip_not_xlsx", "an .xlsx workbook or a CSV file", {
        value: "a zip archive that is not an Excel workbook",
        detail: `it holds ${names.size} file(s) but no xl/workbook.xml`,
      });
    }
    if (![...WORKBOOK_SUFFIXES, ""].includes(suffix)) {
      throw unusable(display, "misnamed_file", "a name ending in .xlsx for an Excel workbook",
        { value: `an Excel workbook named ${forPath(name)}`, detail: "rename it to .xlsx" });
    }
    return "workbook";
  }
  if (WORKBOOK_SUFFIXES.includes(suffix)) {
    throw unusable(display, "misnamed_file", "an Excel workbook, as the name .xlsx says", {
      value: "a file that is not a workbook (no zip signature)",
      detail: "if it is a CSV export, rename it to .csv; otherwise save it again from Excel as .xlsx",
    });
  }
  return "text";
}

// The names in a zip's central directory, or null for a damaged archive.
function zipNames(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  const count = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  const names = new Set();
  const decoder = new TextDecoder();
  for (let k = 0; k < count; k++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== 0x02014b50) return null;
    const nameLength = view.getUint16(at + 28, true);
    const extra = view.getUint16(at + 30, true);
    const comment = view.getUint16(at + 32, true);
    names.add(decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength)));
    at += 46 + nameLength + extra + comment;
  }
  return names;
}

// csvfile.first_undecodable: the first byte strict Windows-1252 refuses, by line and column as
// a text editor shows them (the column counts the characters before it on its line, read as
// UTF-8 where that is UTF-8, else as Windows-1252; a BOM is not a character).
export function firstUndecodable(bytes) {
  let lineStart = 0, lines = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x0a) {
      lines++;
      lineStart = i + 1;
    } else if (CP1252_HOLES.has(b)) {
      let start = bytes.subarray(lineStart, i);
      if (lines === 0 && start[0] === 0xef && start[1] === 0xbb && start[2] === 0xbf) start = start.subarray(3);
      let before;
      try {
        before = decodeUtf8(start);
      } catch {
        before = new TextDecoder("windows-1252").decode(start);
      }
      const column = Array.from(before).length + 1;
      return `byte 0x${b.toString(16).padStart(2, "0")} on line ${grouped(lines + 1)}, column ${grouped(column)}`;
    }
  }
  return null;
}

function decodeCp1252(bytes, display) {
  const where = firstUndecodable(bytes);
  if (where !== null) {
    throw unusable(display, "unknown_encoding", "text in UTF-8 or Windows-1252 (Latin-1)", {
      value: where, detail: "save the file again as 'CSV UTF-8'",
    });
  }
  return new TextDecoder("windows-1252").decode(bytes);
}

function decodeUtf8(bytes, stream = false) {
  return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes, { stream });
}

// The file's first 64 KiB as text (sources._decode_sample: UTF-8 if they decode, a multi-byte
// character cut at the end allowed, else Windows-1252) and the whole file's text (UTF-8 when
// it all decodes, else Windows-1252, as read_csv is retried).
function decodeText(bytes, display) {
  const head = bytes.subarray(0, SAMPLE_BYTES);
  if (head.includes(0)) {
    throw unusable(display, "binary_file", "a CSV text file or an .xlsx workbook", { value: "binary data (NUL bytes)" });
  }
  let sample;
  try {
    sample = decodeUtf8(head, true);
  } catch {
    sample = decodeCp1252(head, display);
  }
  let controls = 0, length = 0;
  for (const ch of sample) {
    const c = ch.codePointAt(0);
    length++;
    if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) controls++;
  }
  if (length && controls > length * 0.01) {
    throw unusable(display, "binary_file", "a CSV text file or an .xlsx workbook", {
      value: `binary data (${controls} control characters in the first ${head.length} bytes)`,
    });
  }
  let text;
  try {
    text = decodeUtf8(bytes);
  } catch {
    text = decodeCp1252(bytes, display);
  }
  return { text, sample };
}

// Records of CSV text the way pandas' C tokenizer reads them: quotes open a field only at its
// start, "" inside quotes is a quote, text after a closing quote joins the field, a quote
// inside unquoted text is kept, CR, LF and CRLF end a record, a blank line is a record of one
// empty field. ``limit`` stops early.
export function csvRecords(text, delimiter, limit = Infinity) {
  const records = [];
  const n = text.length;
  let i = 0;
  while (i < n && records.length < limit) {
    const record = [];
    for (;;) { // one field per turn; unquoted text is sliced, not copied character by character
      let field = "";
      if (text[i] === '"') {
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) { // an unclosed quote runs to the end of the file
            field += text.slice(i);
            i = n;
            break;
          }
          field += text.slice(i, q);
          if (text[q + 1] === '"') {
            field += '"';
            i = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
      }
      const start = i;
      while (i < n) {
        const ch = text[i];
        if (ch === delimiter || ch === "\n" || ch === "\r") break;
        i++;
      }
      field += text.slice(start, i);
      record.push(field);
      if (i < n && text[i] === delimiter) {
        i++;
        if (i < n) continue;
        record.push("");
      }
      break;
    }
    records.push(record);
    if (text[i] === "\r") i += text[i + 1] === "\n" ? 2 : 1;
    else if (text[i] === "\n") i++;
  }
  return records;
}

// sources.sniff_text plus read_text_table: header row, delimiter, and the data records.
export function readTextTable(bytes, display, aliases, maxRows) {
  const { text, sample } = decodeText(bytes, display);
  if (!pyStrip(sample)) {
    throw unusable(display, "empty_file", "a header row and one row per employee", { value: "a file with only blank lines" });
  }
  let best = null;
  for (const delimiter of DELIMITERS) {
    const records = csvRecords(sample, delimiter, HEADER_SEARCH_ROWS);
    const match = findHeader(records, aliases);
    if (match && (best === null || match.score > best.match.score)) best = { delimiter, match, records };
  }
  if (best === null) {
    const first = sample.split(/\r\n|\r|\n/)[0] || "";
    const labels = aliases.columns.map((c) => `'${c.label}'`).join(", ");
    throw unusable(display, "no_header", `a header row with columns such as ${labels}`, {
      value: first ? `first line ${pyRepr(clean(first))}` : null,
      detail: `no row among the first ${HEADER_SEARCH_ROWS} names two of these columns`,
    });
  }
  const { delimiter, match } = best;
  const all = csvRecords(text, delimiter);
  const headers = all[match.rowIndex].map((h) => pyStrip(h));
  const width = headers.length;
  const headerRow = match.rowIndex + 1;
  const data = all.slice(match.rowIndex + 1);
  if (data.length > maxRows) {
    throw unusable(display, "too_many_rows", `at most ${maxRows.toLocaleString("en-US")} employees per employer`,
      { value: `more than ${maxRows.toLocaleString("en-US")} data rows` });
  }
  data.forEach((record, k) => {
    if (record.length > width) {
      throw unusable(display, "malformed_csv", `every row to have at most ${width} fields, like the header`, {
        value: `Expected ${width} fields in line ${headerRow + 1 + k}, saw ${record.length}`,
        detail: "check for an unquoted delimiter in a value",
      });
    }
  });
  const columns = headers.map((_, j) => data.map((record) => (j < record.length ? record[j] : "")));
  const rowNumbers = data.map((_, k) => headerRow + 1 + k);
  return dropBlankRows({ file: display, sheet: null, headerRow, headers, columns, rowNumbers, fromText: true });
}

// Python's repr() of a str, for the few messages that quote with it.
export function pyRepr(text) {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const body = text.replace(/\\/g, "\\\\").replace(new RegExp(quote, "g"), "\\" + quote);
  return quote + body + quote;
}

function isBlankCell(cell) {
  return cell === "" || cell === null || cell === undefined || (typeof cell === "number" && Number.isNaN(cell));
}

function dropBlankRows(table) {
  const { columns, rowNumbers } = table;
  const keep = rowNumbers.map((_, i) => !columns.every((col) => isBlankCell(col[i])));
  const blankRows = keep.filter((k) => !k).length;
  if (!blankRows) return { ...table, blankRows: 0 };
  return {
    ...table,
    columns: columns.map((col) => col.filter((_, i) => keep[i])),
    rowNumbers: rowNumbers.filter((_, i) => keep[i]),
    blankRows,
  };
}

// --- workbooks (SheetJS, vendored) --------------------------------------------------------

export function openWorkbook(bytes, display) {
  try {
    // cellDates: date cells become Date values, which no number column accepts (as calamine).
    const book = globalThis.XLSX.read(bytes, { type: "array", cellDates: true, cellFormula: false, cellHTML: false, cellText: false });
    return { book, names: book.SheetNames.slice(), parsed: new Map() };
  } catch (exc) {
    throw unusable(display, "unreadable_workbook", "an .xlsx workbook Excel can open", { detail: clean(String(exc.message || exc)) });
  }
}

// A cell as the Python client receives it from calamine: str, number, boolean, Date, or "".
function cellValue(cell) {
  if (!cell || cell.v === undefined || cell.v === null) return "";
  if (cell.t === "e") return cell.w || "";
  return cell.v;
}

// sources.sheet_rows: cells from A1 on, up to the last cell that holds a value; "" if empty.
export function sheetRows(workbook, name, nrows = null) {
  if (!workbook.parsed.has(name)) {
    const sheet = workbook.book.Sheets[name];
    let maxR = -1, maxC = -1;
    const cells = [];
    for (const ref of Object.keys(sheet)) {
      if (ref[0] === "!") continue;
      const value = cellValue(sheet[ref]);
      if (value === "" && sheet[ref].t !== "s") continue;
      const { r, c } = globalThis.XLSX.utils.decode_cell(ref);
      cells.push([r, c, value]);
      if (r > maxR) maxR = r;
      if (c > maxC) maxC = c;
    }
    const rows = [];
    for (let r = 0; r <= maxR; r++) rows.push(new Array(maxC + 1).fill(""));
    for (const [r, c, value] of cells) rows[r][c] = value;
    workbook.parsed.set(name, rows);
  }
  const rows = workbook.parsed.get(name);
  return nrows === null ? rows : rows.slice(0, nrows);
}

// sources.read_sheet_table: the data rows of an employee-level sheet below its header.
export function readSheetTable(workbook, display, sheet, headerIndex, maxRows) {
  const rows = sheetRows(workbook, sheet);
  const header = rows[headerIndex].map((c) => (c === null || c === undefined ? "" : pyStrip(pyStr(c))));
  const data = rows.slice(headerIndex + 1);
  if (data.length > maxRows) {
    throw unusable(display, "too_many_rows", `at most ${maxRows.toLocaleString("en-US")} employees per employer`,
      { sheet: clean(sheet), value: `more than ${maxRows.toLocaleString("en-US")} data rows` });
  }
  const columns = header.map((_, j) => data.map((r) => (j < r.length ? r[j] : "")));
  const rowNumbers = data.map((_, k) => headerIndex + 2 + k);
  return dropBlankRows({ file: display, sheet, headerRow: headerIndex + 1, headers: header, columns, rowNumbers, fromText: false });
}
