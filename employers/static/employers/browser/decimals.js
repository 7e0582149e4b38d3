// Exact parsing of amounts with at most two decimals into integer hundredths, as
// employers/client/decimals.py does: text digit by digit (never through a float), numbers that
// arrive as binary floats with rint(x * 100) and a noise tolerance, integers exactly.
// Every value gets a status; the hundredths of a value whose status is not OK are 0.

export const Status = { OK: 0, BLANK: 1, NOT_A_NUMBER: 2, NEGATIVE: 3, TOO_MANY_DECIMALS: 4, TOO_LARGE: 5 };
export const STATUS_NAMES = ["ok", "blank", "not_a_number", "negative", "too_many_decimals", "too_large"];

const MAX_TEXT_CHARS = 32;
const MAX_INTEGER_DIGITS = 12;
const FLOAT_NOISE_HUNDREDTHS = 1e-3;
const SPACES = new Set([0x20, 0x09, 0xa0, 0x2007, 0x2009, 0x202f, 0x0]);
const SCIENTIFIC = /^\s*\+?\s*((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?)\s*$/;

// Round half to even, as numpy's rint.
export function rint(x) {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// The grammar of decimals._parse_chunk for one text: $, grouping, decimal comma, parentheses.
function parseGrammar(text) {
  const m = Array.from(text, (ch) => ch.codePointAt(0));
  const w = m.length;
  const digit = m.map((c) => c >= 48 && c <= 57);
  const space = m.map((c) => SPACES.has(c));
  const allowed = m.every((c, i) => digit[i] || space[i] || c === 46 || c === 44 || c === 45 || c === 40 || c === 41 || c === 36);
  const contentIdx = [];
  for (let i = 0; i < w; i++) if (!space[i]) contentIdx.push(i);
  if (contentIdx.length === 0) return [0, Status.BLANK];
  const firstCh = m[contentIdx[0]], lastCh = m[contentIdx[contentIdx.length - 1]];
  const count = (code) => m.filter((c) => c === code).length;
  const lastPos = (code) => m.lastIndexOf(code);
  const nMinus = count(45), nLpar = count(40), nRpar = count(41);
  const signed = nMinus + nLpar + nRpar > 0;
  const minusForm = nMinus === 1 && nLpar + nRpar === 0 && (firstCh === 45 || lastCh === 45);
  const parenForm = nMinus === 0 && nLpar === 1 && nRpar === 1 && firstCh === 40 && lastCh === 41;
  const firstDigit = digit.indexOf(true) >= 0 ? digit.indexOf(true) : w;
  const nDollar = count(36);
  const dollarOk = nDollar === 0 || (nDollar === 1 && lastPos(36) < firstDigit);
  const after = new Array(w).fill(0); // digits strictly to the right
  let seen = 0;
  for (let i = w - 1; i >= 0; i--) {
    after[i] = seen;
    if (digit[i]) seen++;
  }
  const nDot = count(46), nComma = count(44);
  const lastDot = lastPos(46), lastComma = lastPos(44);
  const afterDot = lastDot >= 0 ? after[lastDot] : 0;
  const afterComma = lastComma >= 0 ? after[lastComma] : 0;
  const commaDecimal = nDot === 0 && nComma === 1 && (afterComma === 1 || afterComma === 2);
  const dotDecimal = nDot > 0 && (nComma === 0 || lastDot > lastComma);
  const bothCommaDecimal = nDot > 0 && nComma > 0 && lastComma > lastDot;
  const decimalIsComma = commaDecimal || bothCommaDecimal;
  const separatorsOk = (dotDecimal ? nDot === 1 : true) && (bothCommaDecimal ? nComma === 1 : true);
  const frac = dotDecimal ? afterDot : decimalIsComma ? afterComma : 0;
  const groupCode = dotDecimal ? 44 : decimalIsComma ? 46 : 44;
  let groups = 0, rightMax = 0, rightSum = 0, groupingBad = false;
  for (let i = 0; i < w; i++) {
    if (m[i] !== groupCode) continue;
    const right = after[i] - frac;
    groups++;
    rightMax = Math.max(rightMax, right);
    rightSum += right;
    if (right <= 0 || right % 3 !== 0) groupingBad = true;
  }
  const groupingOk = !groupingBad && rightMax === 3 * groups && rightSum === (3 * groups * (groups + 1)) / 2;
  let lead = 0;
  for (let i = 0; i < w; i++) if (digit[i] && m[i] !== 48) lead = Math.max(lead, after[i] + 1);
  const intDigits = Math.max(lead - frac, 0);
  const wellFormed = allowed && firstDigit < w && dollarOk && separatorsOk && groupingOk && (!signed || minusForm || parenForm);
  if (!wellFormed) return [0, Status.NOT_A_NUMBER];
  if (signed) return [0, Status.NEGATIVE];
  if (frac > 2) return [0, Status.TOO_MANY_DECIMALS];
  if (intDigits > MAX_INTEGER_DIGITS) return [0, Status.TOO_LARGE];
  let value = 0;
  for (let i = 0; i < w; i++) {
    if (!digit[i]) continue;
    const exponent = Math.min(Math.max(after[i] - frac + 2, 0), 18);
    if (m[i] !== 48) value += (m[i] - 48) * 10 ** exponent;
  }
  return [value, Status.OK];
}

// decimals._parse_scientific: a leading '+' or an exponent, exactly (1.2E+05).
function parseScientific(text) {
  const match = SCIENTIFIC.exec(text);
  if (!match) return null;
  const [mantissa, expText] = match[1].split(/[eE]/);
  const [whole, fraction = ""] = mantissa.split(".");
  const digits = BigInt((whole + fraction) || "0");
  const power = Number(expText || 0) - fraction.length + 2; // cents = digits * 10^power
  if (power >= 0) {
    const cents = digits * 10n ** BigInt(power);
    return cents >= 10n ** BigInt(MAX_INTEGER_DIGITS + 2) ? [0, Status.TOO_LARGE] : [Number(cents), Status.OK];
  }
  const divisor = 10n ** BigInt(-power);
  // Decimal compares the exact value: at or above 10^14 cents is too large, even with a fraction.
  if (digits >= 10n ** BigInt(MAX_INTEGER_DIGITS + 2) * divisor) return [0, Status.TOO_LARGE];
  if (digits % divisor !== 0n) return [0, Status.TOO_MANY_DECIMALS];
  return [Number(digits / divisor), Status.OK];
}

// decimals.parse_text for one str ('' is blank).
const PLAIN = /^0*(\d{0,12})(?:\.(\d{0,2}))?$/;

export function parseText(text) {
  const plain = PLAIN.exec(text); // the common 85000.50 form; the same result as the grammar
  if (plain && text.length <= MAX_TEXT_CHARS && /\d/.test(text)) {
    return [Number(plain[1] || 0) * 100 + Number((plain[2] || "").padEnd(2, "0")), Status.OK];
  }
  const length = Array.from(text).length;
  let [value, status] = length > MAX_TEXT_CHARS ? [0, Status.NOT_A_NUMBER] : parseGrammar(text);
  if (length > MAX_TEXT_CHARS) status = Status.NOT_A_NUMBER;
  if (status === Status.NOT_A_NUMBER && length <= MAX_TEXT_CHARS && (text.includes("+") || text.toLowerCase().includes("e"))) {
    const scientific = parseScientific(text);
    if (scientific) [value, status] = scientific;
  }
  return [status === Status.OK ? value : 0, status];
}

// numpy.spacing for |x| >= 1: the distance to the next float away from zero.
function spacing(x) {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const exponent = ((view.getUint16(0) >> 4) & 0x7ff) - 1023;
  return 2 ** (exponent - 52);
}

// decimals.parse_floats for one binary float; parsedFromText: a CSV number column's value.
export function parseFloat64(x, parsedFromText = false) {
  if (Number.isNaN(x)) return [0, Status.BLANK];
  if (!Number.isFinite(x)) return [0, Status.NOT_A_NUMBER];
  if (Math.abs(x) >= 10 ** MAX_INTEGER_DIGITS) return [0, Status.TOO_LARGE];
  if (x < 0) return [0, Status.NEGATIVE];
  const scaled = x * 100;
  const nearest = rint(scaled);
  const tolerance = parsedFromText ? 8 * spacing(Math.max(Math.abs(scaled), 1)) : FLOAT_NOISE_HUNDREDTHS;
  if (Math.abs(scaled - nearest) > tolerance) return [0, Status.TOO_MANY_DECIMALS];
  return [nearest, Status.OK];
}

// decimals.parse_integers for one exact integer (a bigint or a safe integer).
export function parseInteger(x) {
  const big = BigInt(x);
  if (big < 0n) return [0, Status.NEGATIVE];
  if (big >= 10n ** BigInt(MAX_INTEGER_DIGITS)) return [0, Status.TOO_LARGE];
  return [Number(big) * 100, Status.OK];
}

// pandas' C parser reads a CSV column as numbers only when every filled cell is one of these.
const PANDAS_INT = /^[ \t]*[+-]?\d+[ \t]*$/;
const PANDAS_FLOAT = /^[ \t]*(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?inf(?:inity)?)[ \t]*$/i;

// How pandas would have typed a CSV measure column: "int", "float" or "text".
export function csvColumnKind(cells) {
  let sawBlank = false, allInt = true;
  for (const cell of cells) {
    if (cell === "") {
      sawBlank = true;
      continue;
    }
    if (!PANDAS_FLOAT.test(cell)) return "text";
    if (allInt && !PANDAS_INT.test(cell)) allInt = false;
  }
  if (allInt && !sawBlank) {
    // int64 overflows fall back to floats in pandas.
    for (const cell of cells) if (BigInt(cell.trim()) >= 2n ** 63n) return "float";
    return "int";
  }
  return "float";
}

function pandasFloat(cell) {
  const t = cell.trim().toLowerCase();
  if (/^[+-]?inf(inity)?$/.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
  return Number(t);
}

// decimals.parse_cells for one column of a CSV: typed the way pandas would type it, then
// parsed by the matching path (the Python client's choice, so the same texts are refused).
export function parseCsvColumn(cells) {
  const kind = csvColumnKind(cells);
  if (kind === "int") return cells.map((c) => parseInteger(c.length < 16 ? Number(c) : BigInt(c.trim())));
  if (kind === "float") return cells.map((c) => (c === "" ? [0, Status.BLANK] : parseFloat64(pandasFloat(c), true)));
  return cells.map(parseText);
}

// decimals.parse_cells for spreadsheet cells: str, number (float), boolean, Date, null.
export function parseCell(cell) {
  if (cell === null || cell === undefined) return [0, Status.BLANK];
  if (typeof cell === "string") return parseText(cell);
  if (typeof cell === "bigint") return parseInteger(cell);
  if (typeof cell === "number") return parseFloat64(cell, false);
  return [0, Status.NOT_A_NUMBER];
}
