// Text rules shared with the Python client, one function per Python function it mirrors:
// alias_key (aliases.py), for_terminal / shown / clean (sanitise.py, issues.py), difflib's
// SequenceMatcher.ratio and get_close_matches, Python's str() of a float.
// Nothing here touches the DOM: file text is only ever shown through textContent.

const MAX_SHOWN = 80;
const NEEDS_ESCAPE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const COMBINING = /\p{M}/gu;
const NOT_ALNUM = /[^a-z0-9]+/g;

// aliases.alias_key: NFKD, combining marks dropped, casefolded, only a-z and 0-9 kept.
// casefold differs from toLowerCase, among letters that end in a-z, only for sharp s.
export function aliasKey(text) {
  return String(text).normalize("NFKD").replace(COMBINING, "").replace(/[ßẞ]/g, "ss")
    .toLowerCase().replace(NOT_ALNUM, "");
}

function escapeChar(ch) {
  const named = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
  if (named[ch]) return named[ch];
  const code = ch.codePointAt(0);
  const hex = code.toString(16);
  return code < 0x100 ? "\\x" + hex.padStart(2, "0") : "\\u" + hex.padStart(4, "0");
}

// sanitise.for_terminal: controls and format characters as visible escapes, cut to length.
export function forTerminal(text, maxLength = MAX_SHOWN) {
  let chars = Array.from(String(text));
  if (maxLength !== null && chars.length > maxLength) chars = chars.slice(0, maxLength).concat(["\u2026"]);
  return chars.map((ch) => (NEEDS_ESCAPE.test(ch) ? escapeChar(ch) : ch)).join("");
}

export const clean = (text) => forTerminal(text);

// sanitise.for_csv_cell: a leading = + - @ tab or CR (after spaces) gets a quote prefix.
export function forCsvCell(text) {
  const raw = String(text);
  return /^ *[=+\-@\t\r]/.test(raw) ? "'" + forTerminal(raw, null) : forTerminal(raw, null);
}

// sanitise.for_path: a long path shortened in its directory part, at a separator, never in the
// file name (lengths in code points, as Python counts them).
export function forPath(text, maxLength = MAX_SHOWN) {
  const raw = Array.from(String(text));
  if (raw.length <= maxLength) return forTerminal(raw.join(""), null);
  let cut = -1;
  raw.forEach((ch, i) => { if (ch === "/" || ch === "\\") cut = i; });
  const directory = raw.slice(0, cut + 1), name = raw.slice(cut + 1);
  if (!directory.length) return forTerminal(name.join(""), null);
  const room = maxLength - name.length - 1;
  let tail = room > 0 ? directory.slice(directory.length - room) : [];
  const start = tail.findIndex((ch) => ch === "/" || ch === "\\");
  tail = start >= 0 ? tail.slice(start) : directory.slice(-1);
  return forTerminal("\u2026" + tail.join("") + name.join(""), null);
}

// Python's str() of a float: repr, exponent below 1e-4 and from 1e16.
export function pyFloat(x) {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return x.toFixed(1);
  const [mantissa, expText] = x.toExponential().split("e");
  const exp = Number(expText);
  if (exp >= -4 && exp < 16) {
    const digits = mantissa.replace("-", "").replace(".", "");
    const sign = x < 0 ? "-" : "";
    if (exp < 0) return sign + "0." + "0".repeat(-exp - 1) + digits;
    const whole = digits.padEnd(exp + 1, "0");
    const intPart = whole.slice(0, exp + 1);
    const frac = digits.slice(exp + 1);
    return sign + intPart + "." + (frac || "0");
  }
  const e = Math.abs(exp).toString().padStart(2, "0");
  return `${mantissa}e${exp < 0 ? "-" : "+"}${e}`;
}

// What str(value) gives for a cell value as the Python client holds it.
export function pyStr(value) {
  if (value === null || value === undefined) return "None";
  if (typeof value === "number") return pyFloat(value);
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return pyDatetime(value);
  return String(value);
}

// str() of the date or datetime calamine gives for a date cell; SheetJS makes dates in local time.
function pyDatetime(d) {
  const two = (n) => String(n).padStart(2, "0");
  const day = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
  if (!d.getHours() && !d.getMinutes() && !d.getSeconds() && !d.getMilliseconds()) return day; // a whole day: a date
  const text = `${day} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  return d.getMilliseconds() ? `${text}.${String(d.getMilliseconds() * 1000).padStart(6, "0")}` : text;
}

// Python str.strip(): whitespace as Python counts it (not U+FEFF, which JS trims).
const PY_SPACE = "[\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const STRIP = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, "g");
export function pyStrip(text) {
  return String(text).replace(STRIP, "");
}

// issues.shown: how a value from the file appears inside a message.
export function shown(value) {
  if (value === null || value === undefined || (typeof value === "number" && Number.isNaN(value))) return "a blank cell";
  let text;
  if (typeof value === "number" && Number.isInteger(value)) text = BigInt(value).toString();
  else text = pyStr(value);
  if (pyStrip(text) === "") return "a blank cell";
  return "'" + forTerminal(text) + "'";
}

// Thousands separators as Python's format spec "," (integers).
export function grouped(n) {
  const s = BigInt(n).toString();
  const neg = s.startsWith("-");
  const digits = neg ? s.slice(1) : s;
  return (neg ? "-" : "") + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

// Python's format(x, ",.2f"): round half even on the binary value, as Python does.
export function grouped2(x) {
  const fixed = x.toFixed(2);
  const neg = fixed.startsWith("-");
  const [whole, frac] = (neg ? fixed.slice(1) : fixed).split(".");
  return (neg ? "-" : "") + whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + frac;
}

// --- difflib ------------------------------------------------------------------------------

class SequenceMatcher {
  constructor(a, b) {
    this.a = a;
    this.b = b;
    const b2j = new Map();
    for (let i = 0; i < b.length; i++) {
      const list = b2j.get(b[i]);
      if (list) list.push(i);
      else b2j.set(b[i], [i]);
    }
    const n = b.length;
    if (n >= 200) {
      const ntest = Math.floor(n / 100) + 1;
      for (const [elt, idxs] of [...b2j]) if (idxs.length > ntest) b2j.delete(elt);
    }
    this.b2j = b2j;
  }

  longest(alo, ahi, blo, bhi) {
    const { a, b, b2j } = this;
    let besti = alo, bestj = blo, bestsize = 0;
    let j2len = new Map();
    for (let i = alo; i < ahi; i++) {
      const next = new Map();
      for (const j of b2j.get(a[i]) || []) {
        if (j < blo) continue;
        if (j >= bhi) break;
        const k = (j2len.get(j - 1) || 0) + 1;
        next.set(j, k);
        if (k > bestsize) {
          besti = i - k + 1;
          bestj = j - k + 1;
          bestsize = k;
        }
      }
      j2len = next;
    }
    while (besti > alo && bestj > blo && a[besti - 1] === b[bestj - 1]) {
      besti--;
      bestj--;
      bestsize++;
    }
    while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] === b[bestj + bestsize]) bestsize++;
    return [besti, bestj, bestsize];
  }

  matches() {
    const queue = [[0, this.a.length, 0, this.b.length]];
    let total = 0;
    while (queue.length) {
      const [alo, ahi, blo, bhi] = queue.pop();
      const [i, j, k] = this.longest(alo, ahi, blo, bhi);
      if (k) {
        total += k;
        if (alo < i && blo < j) queue.push([alo, i, blo, j]);
        if (i + k < ahi && j + k < bhi) queue.push([i + k, ahi, j + k, bhi]);
      }
    }
    return total;
  }

  ratio() {
    const length = this.a.length + this.b.length;
    return length ? (2 * this.matches()) / length : 1;
  }
}

export function ratio(a, b) {
  return new SequenceMatcher(a, b).ratio();
}

// difflib.get_close_matches(word, possibilities, n=1, cutoff): the best, ties to the larger.
export function closeMatch(word, possibilities, cutoff = 0.6) {
  let best = null;
  for (const x of possibilities) {
    const score = new SequenceMatcher(x, word).ratio();
    if (score < cutoff) continue;
    if (best === null || score > best[0] || (score === best[0] && x > best[1])) best = [score, x];
  }
  return best === null ? null : best[1];
}
