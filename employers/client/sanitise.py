"""Neutralising text that came from an employer's file before it is shown anywhere.

Text inside an extract is untrusted: a cell can hold ANSI escape sequences that repaint a
terminal, bidirectional-override characters that reorder what a reader sees, or a formula
(``=HYPERLINK(...)``, ``+cmd|...``, ``@SUM(...)``) that a spreadsheet would run when a report
is opened. Guarantees:

- :func:`for_terminal` returns text with no control characters (C0, DEL, C1), no escape
  sequences and no bidi/zero-width format characters: each is replaced by a visible escape
  (``\\x1b``, ``\\u202e``), so the reader sees that something odd was there. Long text is cut
  with an ellipsis. It is idempotent (an escape contains no control character), so text can
  pass through it at several layers. The result is also safe in JSON, in HTML after the usual
  escaping, and in log lines.
- :func:`for_path` is :func:`for_terminal` for a file's path: a long path is shortened in its
  directory part, at a separator, never in the file name, so a message always names the file.
- :func:`for_csv_cell` returns text that no spreadsheet evaluates as a formula: a leading
  ``=``, ``+``, ``-``, ``@``, tab or carriage return (after any leading spaces) gets a
  single-quote prefix (OWASP's recommendation for CSV injection), and the text passes through
  :func:`for_terminal` first.

HTML is left to the template engine's autoescaping (Django's ``{{ }}``); these two functions
are the only sanitisers of the client, used by the CLI and by every issue message.
"""

from __future__ import annotations

import unicodedata

MAX_SHOWN = 80
_FORMULA_LEADERS = ("=", "+", "-", "@", "\t", "\r")


def _escape(ch: str) -> str:
    code = ord(ch)
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if ch in named:
        return named[ch]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _needs_escape(ch: str) -> bool:
    # Cc: control characters (C0, DEL, C1, including ESC that starts ANSI sequences).
    # Cf: format characters (bidi overrides, zero-width joiners), Zl/Zp: line separators.
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")


def for_terminal(text: object, *, max_length: int | None = MAX_SHOWN) -> str:
    """Text made safe to print: controls and format characters shown as escapes, cut to length."""
    raw = str(text)
    if max_length is not None and len(raw) > max_length:
        raw = raw[:max_length] + "\u2026"
    if raw.isprintable():
        return raw
    return "".join(_escape(ch) if _needs_escape(ch) else ch for ch in raw)


def for_path(text: object, *, max_length: int = MAX_SHOWN) -> str:
    """A path made safe to print, its file name whole: ``…/2026/december/payroll-final.csv``."""
    raw = str(text)
    if len(raw) <= max_length:
        return for_terminal(raw, max_length=None)
    cut = max(raw.rfind("/"), raw.rfind("\\"))
    directory, name = raw[: cut + 1], raw[cut + 1:]
    if not directory:
        return for_terminal(name, max_length=None)
    room = max_length - len(name) - 1  # one character for the ellipsis
    tail = directory[len(directory) - room:] if room > 0 else ""
    # Start the kept part of the directory at a separator: no directory name is cut either.
    starts = [i for i, ch in enumerate(tail) if ch in "/\\"]
    tail = tail[starts[0]:] if starts else directory[-1:]
    return for_terminal("\u2026" + tail + name, max_length=None)


def for_csv_cell(text: object) -> str:
    """A CSV cell value that spreadsheets show as text, never run as a formula."""
    raw = str(text)
    if raw.lstrip(" ").startswith(_FORMULA_LEADERS):
        return "'" + for_terminal(raw, max_length=None)
    return for_terminal(raw, max_length=None)
