"""Exact parsing of amounts with at most two decimal places into integer hundredths.

Money becomes cents, tenure hundredths of a month, hours hundredths of an hour: one parser.

Guarantees:
- Text is parsed digit by digit into an integer (vectorised over a character matrix, in
  chunks of bounded memory), never through a float. Accepted forms: ``85000``, ``85000.5``,
  ``$85,000.00``, ``85 000,50`` and ``85.000,50`` (the rightmost of ``.``/``,`` is the decimal
  mark when 1-2 digits follow it, or when it is a lone ``.``); grouping separators must sit
  before groups of three digits. ``(1,200.00)`` and ``-5`` are recognised as negative.
- Numbers that arrive as binary floats (XLSX cells, DataFrames) are converted with
  ``rint(x * 100)``; for |x| < 10^12 that is exactly the decimal with two places the float
  stands for. A float farther than 0.001 of a hundredth from such a decimal has a real third
  decimal and is refused like text with three decimals; closer than that it is floating-point
  noise from a spreadsheet formula (``=A1*1.1``) and is rounded to the hundredth.
- Every value gets a :class:`Status`; the hundredths of a value whose status is not ``OK``
  are 0 and must not be used.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum

import numpy as np
import pandas as pd

MAX_TEXT_CHARS = 32
MAX_INTEGER_DIGITS = 12
CHUNK_ROWS = 262_144
FLOAT_NOISE_HUNDREDTHS = 1e-3
_POW10 = np.array([10**k for k in range(19)], dtype=np.int64)
_SPACES = (0x20, 0x09, 0xA0, 0x2007, 0x2009, 0x202F, 0x0)


class Status(IntEnum):
    OK = 0
    BLANK = 1
    NOT_A_NUMBER = 2
    NEGATIVE = 3
    TOO_MANY_DECIMALS = 4
    TOO_LARGE = 5


@dataclass(frozen=True)
class Parsed:
    """Hundredths (int64) and a :class:`Status` (int8) per value."""

    hundredths: np.ndarray
    status: np.ndarray


def _last_position(mask: np.ndarray, idx: np.ndarray) -> np.ndarray:
    return np.where(mask, idx, -1).max(axis=1)


def _parse_chunk(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parse an (n, w) uint32 code-point matrix (NUL-padded) into hundredths and status."""
    n, w = m.shape
    idx = np.arange(w)
    digit = (m >= 48) & (m <= 57)
    dot, comma = m == 46, m == 44
    minus, lpar, rpar, dollar = m == 45, m == 40, m == 41, m == 36
    space = np.isin(m, _SPACES)
    allowed = digit | dot | comma | minus | lpar | rpar | dollar | space
    content = ~space
    status = np.full(n, Status.OK, dtype=np.int8)

    first = np.where(content.any(axis=1), content.argmax(axis=1), 0)
    last = _last_position(content, idx)
    rows = np.arange(n)
    first_ch, last_ch = m[rows, first], m[rows, np.maximum(last, 0)]
    n_minus, n_lpar, n_rpar = minus.sum(1), lpar.sum(1), rpar.sum(1)
    signed = n_minus + n_lpar + n_rpar > 0
    minus_form = (n_minus == 1) & (n_lpar + n_rpar == 0) & ((first_ch == 45) | (last_ch == 45))
    paren_form = (n_minus == 0) & (n_lpar == 1) & (n_rpar == 1) & (first_ch == 40) & (last_ch == 41)
    first_digit = np.where(digit.any(axis=1), digit.argmax(axis=1), w)
    dollar_ok = (dollar.sum(1) == 0) | ((dollar.sum(1) == 1) & (_last_position(dollar, idx) < first_digit))

    after = np.cumsum(digit[:, ::-1], axis=1)[:, ::-1] - digit  # digits strictly to the right
    n_dot, n_comma = dot.sum(1), comma.sum(1)
    last_dot, last_comma = _last_position(dot, idx), _last_position(comma, idx)
    after_dot = np.where(last_dot >= 0, after[rows, np.maximum(last_dot, 0)], 0)
    after_comma = np.where(last_comma >= 0, after[rows, np.maximum(last_comma, 0)], 0)
    comma_decimal = (n_dot == 0) & (n_comma == 1) & np.isin(after_comma, (1, 2))
    dot_decimal = (n_dot > 0) & ((n_comma == 0) | (last_dot > last_comma))
    both_comma_decimal = (n_dot > 0) & (n_comma > 0) & (last_comma > last_dot)
    decimal_is_comma = comma_decimal | both_comma_decimal
    separators_ok = np.where(dot_decimal, n_dot == 1, True) & np.where(both_comma_decimal, n_comma == 1, True)
    frac = np.where(dot_decimal, after_dot, np.where(decimal_is_comma, after_comma, 0))
    grouping = np.where(dot_decimal[:, None], comma, np.where(decimal_is_comma[:, None], dot, comma))
    # Grouping separators: the digits of the integer part to the right of each must be 3, 6, 9...
    right = np.where(grouping, after - frac[:, None], 0)
    groups = grouping.sum(1)
    grouping_ok = (
        ~(grouping & ((right <= 0) | (right % 3 != 0))).any(axis=1)
        & (right.max(axis=1) == 3 * groups)
        & (right.sum(axis=1) == 3 * groups * (groups + 1) // 2)
    )
    # Significant digits of the integer part (leading zeros do not count).
    int_digits = np.maximum(np.where(digit & (m != 48), after + 1, 0).max(axis=1) - frac, 0)

    well_formed = (
        allowed.all(axis=1) & digit.any(axis=1) & dollar_ok & separators_ok & grouping_ok
        & (~signed | minus_form | paren_form)
    )
    status[~well_formed] = Status.NOT_A_NUMBER
    status[well_formed & signed] = Status.NEGATIVE
    ok = status == Status.OK
    status[ok & (frac > 2)] = Status.TOO_MANY_DECIMALS
    status[(status == Status.OK) & (int_digits > MAX_INTEGER_DIGITS)] = Status.TOO_LARGE
    status[~content.any(axis=1)] = Status.BLANK

    good = status == Status.OK
    exponent = np.clip(after - frac[:, None] + 2, 0, 18)
    place = np.where(digit & good[:, None], _POW10[exponent], 0)
    values = ((m.astype(np.int64) - 48) * place).sum(axis=1)
    return np.where(good, values, 0), status


def _simple_rows(mt: np.ndarray) -> np.ndarray:
    """Rows (columns of the transposed matrix) made of digits and at most one '.', with a digit."""
    digit = (mt - mt.dtype.type(48)) < 10  # unsigned: wraps below '0'
    dot = mt == 46
    plain = (digit | dot | (mt == 0)).all(axis=0)
    return plain & (dot.sum(axis=0) <= 1) & digit.any(axis=0)


def _parse_simple(mt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Digits with an optional '.', by Horner's rule over character positions (w x n input)."""
    w, n = mt.shape
    value = np.zeros(n, dtype=np.int64)
    step = np.empty(n, dtype=np.int64)
    frac = np.zeros(n, dtype=np.int64)
    significant = np.zeros(n, dtype=np.int64)  # integer digits from the first non-zero one
    started = np.zeros(n, dtype=bool)
    after_dot = np.zeros(n, dtype=bool)
    zero = mt.dtype.type(48)
    for k in range(w):
        digits = mt[k] - zero
        is_digit = digits < 10
        np.multiply(value, 10, out=step)
        step += digits
        np.copyto(value, step, where=is_digit)
        frac += is_digit & after_dot
        started |= is_digit & (digits > 0) & ~after_dot
        significant += started & is_digit & ~after_dot
        after_dot |= mt[k] == 46
    # A value is trusted only with at most 12 integer and 2 decimal digits, far from int64's
    # limit; anything longer may have wrapped above and is refused by its status.
    status = np.where(frac > 2, Status.TOO_MANY_DECIMALS, Status.OK).astype(np.int8)
    kept = np.minimum(frac, 2)
    status[(status == Status.OK) & (significant > MAX_INTEGER_DIGITS)] = Status.TOO_LARGE
    return np.where(status == Status.OK, value * _POW10[2 - kept], 0), status


def _char_matrix(chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(n, w) matrix of character codes (uint8 for ASCII, else uint32) and each text's length.

    Texts are cut at ``MAX_TEXT_CHARS + 1`` characters; a length above ``MAX_TEXT_CHARS``
    means the text was too long to be a number.
    """
    width = MAX_TEXT_CHARS + 1
    try:
        fixed = chunk.astype(f"S{width}")
        code_type = np.uint8
    except UnicodeEncodeError:
        fixed = chunk.astype(f"U{width}")
        code_type = np.uint32
    lengths = np.strings.str_len(fixed)
    used = max(1, int(lengths.max(initial=1)))
    return fixed.view(code_type).reshape(len(chunk), width)[:, :used], lengths


_SCIENTIFIC = re.compile(r"\s*\+?\s*((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?)\s*")


def _parse_scientific(texts: np.ndarray, values: np.ndarray, codes: np.ndarray) -> None:
    """Re-read, exactly through Decimal, the rare texts refused only for a leading '+' or an
    exponent (1.2E+05, as spreadsheets write large numbers): the forms a numeric CSV column
    accepts, so that a value reads the same whatever its neighbours are."""
    for i in np.flatnonzero(codes == Status.NOT_A_NUMBER):
        text = texts[i]
        match = _SCIENTIFIC.fullmatch(text) if len(text) <= MAX_TEXT_CHARS and ("+" in text or "e" in text.lower()) else None
        if match is None:
            continue
        cents = Decimal(match.group(1)) * 100
        if cents >= Decimal(10) ** (MAX_INTEGER_DIGITS + 2):
            codes[i] = Status.TOO_LARGE
        elif cents != cents.to_integral_value():
            codes[i] = Status.TOO_MANY_DECIMALS
        else:
            values[i], codes[i] = int(cents), Status.OK


def parse_text(texts: np.ndarray) -> Parsed:
    """Parse an array of str into hundredths (every element must be a str; '' is blank)."""
    texts = np.asarray(texts, dtype=object)
    n = len(texts)
    hundredths = np.zeros(n, dtype=np.int64)
    status = np.zeros(n, dtype=np.int8)
    for start in range(0, n, CHUNK_ROWS):
        m, lengths = _char_matrix(texts[start : start + CHUNK_ROWS])
        mt = np.ascontiguousarray(m.T)
        values = np.zeros(len(lengths), dtype=np.int64)
        codes = np.zeros(len(lengths), dtype=np.int8)
        simple = _simple_rows(mt)
        if simple.all():
            values, codes = _parse_simple(mt)
        else:
            if simple.any():
                values[simple], codes[simple] = _parse_simple(mt[:, simple])
            values[~simple], codes[~simple] = _parse_chunk(m[~simple].astype(np.uint32))
        too_long = lengths > MAX_TEXT_CHARS
        codes[too_long], values[too_long] = Status.NOT_A_NUMBER, 0
        _parse_scientific(texts[start : start + len(lengths)], values, codes)
        hundredths[start : start + len(lengths)] = values
        status[start : start + len(lengths)] = codes
    return Parsed(hundredths, status)


def parse_floats(values: np.ndarray, *, parsed_from_text: bool = False) -> Parsed:
    """Parse binary floats into hundredths, refusing a real third decimal.

    A float typed into a spreadsheet may carry formula noise, so anything within
    ``FLOAT_NOISE_HUNDREDTHS`` of a whole hundredth counts as that hundredth. A float that a
    CSV reader parsed from text (``parsed_from_text``) carries at most the rounding of that
    parse, so only 8 units in the last place are allowed: any text with a third to eighth
    decimal is refused, exactly as the text parser refuses it.
    """
    x = np.asarray(values, dtype=np.float64)
    status = np.zeros(len(x), dtype=np.int8)
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = x * 100.0
        nearest = np.rint(scaled)
        tolerance = 8 * np.spacing(np.maximum(np.abs(scaled), 1.0)) if parsed_from_text else FLOAT_NOISE_HUNDREDTHS
        noisy = np.abs(scaled - nearest) > tolerance
    status[np.isnan(x)] = Status.BLANK
    status[np.isinf(x)] = Status.NOT_A_NUMBER
    finite = np.isfinite(x)
    status[finite & (np.abs(x) >= 10.0**MAX_INTEGER_DIGITS)] = Status.TOO_LARGE
    status[(status == Status.OK) & (x < 0)] = Status.NEGATIVE
    status[(status == Status.OK) & noisy] = Status.TOO_MANY_DECIMALS
    good = status == Status.OK
    return Parsed(np.where(good, nearest, 0).astype(np.int64), status)


def parse_integers(values: np.ndarray) -> Parsed:
    """Parse exact integers (int64) into hundredths."""
    x = np.asarray(values, dtype=np.int64)
    status = np.where(x < 0, Status.NEGATIVE, np.where(np.abs(x) >= 10**MAX_INTEGER_DIGITS, Status.TOO_LARGE, Status.OK)).astype(np.int8)
    return Parsed(np.where(status == Status.OK, x * 100, 0), status)


def parse_cells(cells: np.ndarray, *, parsed_from_text: bool = False) -> Parsed:
    """Parse spreadsheet, DataFrame or CSV cells of any mix of types into hundredths.

    Numeric dtypes take the float or integer path whole; an all-text array the text path;
    other object arrays are split by the type of each cell (str, int, float, blank); anything
    else (a date, a boolean) is not a number. ``parsed_from_text``: see :func:`parse_floats`.
    """
    arr = np.asarray(cells)
    if arr.dtype.kind in "iu":
        return parse_integers(arr)
    if arr.dtype.kind == "f":
        return parse_floats(arr, parsed_from_text=parsed_from_text)
    if arr.dtype.kind in "US":
        return parse_text(arr.astype(object))
    arr = arr.astype(object)
    if pd.api.types.infer_dtype(arr, skipna=False) == "string":
        return parse_text(arr)
    kinds = _cell_kinds(arr)
    hundredths = np.zeros(len(arr), dtype=np.int64)
    status = np.full(len(arr), Status.NOT_A_NUMBER, dtype=np.int8)
    for kind, parser in ((0, parse_text), (1, parse_integers), (2, parse_floats)):
        where = kinds == kind
        if where.any():
            subset = arr[where] if kind != 1 else arr[where].astype(np.int64)
            parsed = parse_floats(subset, parsed_from_text=parsed_from_text) if kind == 2 else parser(subset)
            hundredths[where], status[where] = parsed.hundredths, parsed.status
    status[kinds == 3] = Status.BLANK
    return Parsed(hundredths, status)


def _cell_kinds(arr: np.ndarray) -> np.ndarray:
    """:func:`_cell_kind` of every cell; the common exact types are told apart without a
    Python call per cell (``map(type, ...)`` runs in C)."""
    types = np.fromiter(map(type, arr), dtype=object, count=len(arr))
    kinds = np.full(len(arr), -1, dtype=np.int8)
    # Elementwise comparison of type objects (exact types: bool, a subclass of int, is not int).
    kinds[np.equal(types, str)] = 0
    kinds[np.equal(types, int)] = 1
    kinds[np.equal(types, float)] = 2
    kinds[(kinds == 2) & pd.isna(arr)] = 3
    rest = np.flatnonzero(kinds < 0)
    kinds[rest] = [_cell_kind(v) for v in arr[rest]]
    return kinds


def _cell_kind(value: object) -> int:
    """0 text, 1 integer, 2 float, 3 blank, 4 anything else."""
    if value is None:
        return 3
    if isinstance(value, str):
        return 0
    if isinstance(value, bool | dt.date | dt.time | dt.timedelta):
        return 4
    if isinstance(value, int | np.integer):
        return 1
    if isinstance(value, float | np.floating):
        return 3 if np.isnan(value) else 2
    return 4
