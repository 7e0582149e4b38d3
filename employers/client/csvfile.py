"""Reading a CSV extract: its encoding, delimiter and header row, then its columns.

Guarantees:
- Nothing is read in full before the first 64 KiB have shown that the file is text in UTF-8
  (with or without BOM) or Windows-1252/Latin-1 and that a header row exists among the first
  30 rows, so a large junk file is refused after reading 64 KiB. At most
  ``bounds.max_employees_per_employer`` data rows are ever loaded.
- Row numbers are the ones a person sees: the 1-based record number in a text editor (a quoted
  field spanning lines counts once; blank lines count).
- A row with more fields than the header is refused, whether all columns or a subset are read.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from employers.client.aliases import Aliases
from employers.client.issues import clean
from employers.client.rawtable import (
    RawTable,
    blank_cells,
    drop_blank_rows,
    refuse_too_many_rows,
)
from employers.client.sniffing import HEADER_SEARCH_ROWS, HeaderMatch, find_header
from employers.client.unusable import unusable

SAMPLE_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t", "|")


def _decode_sample(raw: bytes, display: str) -> tuple[str, str]:
    """The sample's text and the encoding to read the whole file with."""
    if b"\x00" in raw:
        raise unusable(display, "binary_file", "a CSV text file or an .xlsx workbook",
                       value="binary data (NUL bytes)")
    if raw.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(raw, final=False)
    except UnicodeDecodeError:
        encoding = "cp1252"
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            raise _undecodable(display, first_undecodable([raw])) from None
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
    if text and controls > len(text) * 0.01:
        raise unusable(display, "binary_file", "a CSV text file or an .xlsx workbook",
                       value=f"binary data ({controls} control characters in the first {len(raw)} bytes)")
    return text, encoding


def _sample_records(text: str, delimiter: str) -> tuple[list[list[str]], list[int]]:
    """Records of the sample and the physical line after each (complete records only)."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    records, line_after = [], []
    try:
        for record in reader:
            records.append(record)
            line_after.append(reader.line_num)
            if len(records) >= HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        pass
    return records, line_after


# The bytes Python's strict Windows-1252 codec refuses; every other byte is a character.
CP1252_HOLES = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


def first_undecodable(chunks) -> str | None:
    """Where the first byte that neither UTF-8 nor Windows-1252 can read is, as a person
    finds it in a text editor: ``byte 0x81 on line 12, column 7``.

    Windows-1252 is tried last, so its refusal is the one reported: the first of the five bytes
    it leaves undefined. Lines are physical lines (``\n``); the column counts the characters
    before the byte on its line, read as UTF-8 where that line's start is UTF-8, else as
    Windows-1252 (a BOM is not a character). ``chunks`` are consecutive pieces of the file.
    """
    lines, start = 0, b""
    for chunk in chunks:
        found = CP1252_HOLES.search(chunk)
        head = chunk if found is None else chunk[: found.start()]
        newlines = head.count(b"\n")
        start = head[head.rfind(b"\n") + 1:] if newlines else start + head
        lines += newlines
        if found is not None:
            if lines == 0 and start.startswith(codecs.BOM_UTF8):
                start = start[len(codecs.BOM_UTF8):]
            try:
                before = start.decode("utf-8")
            except UnicodeDecodeError:
                before = start.decode("cp1252")
            return f"byte 0x{chunk[found.start()]:02x} on line {lines + 1:,}, column {len(before) + 1:,}"
    return None


def _chunks(path: Path, size: int = 1 << 20):
    with path.open("rb") as handle:
        while chunk := handle.read(size):
            yield chunk


def _undecodable(display: str, where: str | None):
    return unusable(display, "unknown_encoding", "text in UTF-8 or Windows-1252 (Latin-1)",
                    value=where or "a byte that is neither", detail="save the file again as 'CSV UTF-8'")


@dataclass(frozen=True)
class CsvDialect:
    """How to read a CSV. ``numeric`` columns (the measures) are left to pandas' C number
    parser, every other column is read as text; see :func:`column_options`."""

    encoding: str
    delimiter: str
    header_row: int
    headers: tuple[str, ...]
    skip_lines: int
    numeric: tuple[int, ...] = ()
    categorical: tuple[int, ...] = ()


def column_options(dialect: CsvDialect, positions: list[int]) -> dict:
    """read_csv options: text columns as str with nothing taken for missing (category columns
    as pandas categoricals: a few distinct spellings, each stored once); numeric columns
    inferred (a column of plain numbers becomes int64/float64 without a Python object per
    cell, anything else stays text), with only an empty cell taken for missing."""
    numeric = [p for p in positions if p in dialect.numeric]
    return {
        "dtype": {p: "category" if p in dialect.categorical else object
                  for p in positions if p not in dialect.numeric},
        "keep_default_na": False,
        "na_filter": bool(numeric),
        "na_values": {p: [""] for p in numeric},
    }


def sniff_text(path: Path, display: str, aliases: Aliases) -> CsvDialect:
    """Encoding, delimiter and header row of a CSV, from its first 64 KiB."""
    with path.open("rb") as handle:
        raw = handle.read(SAMPLE_BYTES)
    text, encoding = _decode_sample(raw, display)
    if not text.strip():
        raise unusable(display, "empty_file", "a header row and one row per employee",
                       value="a file with only blank lines")
    best: tuple[int, str, HeaderMatch, list[list[str]], list[int]] | None = None
    for delimiter in DELIMITERS:
        records, line_after = _sample_records(text, delimiter)
        match = find_header(records, aliases)
        if match and (best is None or match.score > best[0]):
            best = (match.score, delimiter, match, records, line_after)
    if best is None:
        first = text.splitlines()[0] if text.splitlines() else ""
        raise unusable(display, "no_header", _header_expectation(aliases),
                       value=f"first line {clean(first)!r}" if first else None,
                       detail=f"no row among the first {HEADER_SEARCH_ROWS} names two of these columns")
    _, delimiter, match, records, line_after = best
    headers = tuple(h.strip() for h in records[match.row_index])
    return CsvDialect(encoding, delimiter, match.row_index + 1, headers, line_after[match.row_index])


def _header_expectation(aliases: Aliases) -> str:
    labels = ", ".join(f"'{c.label}'" for c in aliases.columns)
    return f"a header row with columns such as {labels}"


def read_text_table(path: Path, display: str, dialect: CsvDialect, *, max_rows: int) -> RawTable:
    """Read a CSV below its header row, blank rows dropped; text cells are str ('' for
    missing), numeric columns numbers where the whole column is plain numbers."""
    columns, row_numbers = read_text_columns(path, display, dialect, positions=list(range(len(dialect.headers))),
                                             max_rows=max_rows)
    table = drop_blank_rows(display, None, dialect.header_row, dialect.headers, columns, row_numbers)
    return dataclasses.replace(table, parsed_from_text=True)


def read_text_columns(path: Path, display: str, dialect: CsvDialect, *, positions: list[int],
                      max_rows: int, detect_surplus: bool = False) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """The columns at ``positions`` (ascending) of every data row, blank rows included, and
    the rows' numbers.

    Reading a subset of the columns, pandas drops surplus fields silently; ``detect_surplus``
    reads one sentinel column past the header and refuses the file if any row reaches it, so
    that a subset read refuses exactly the files a full read refuses.
    """
    width = len(dialect.headers)
    if detect_surplus and positions != list(range(width)):
        return _read_with_sentinel(path, display, dialect, positions, max_rows)
    try:
        frame = _read_csv(path, dialect, dialect.encoding, max_rows, positions)
    except UnicodeDecodeError:
        try:
            if dialect.encoding == "cp1252":
                raise
            frame = _read_csv(path, dialect, "cp1252", max_rows, positions)
        except UnicodeDecodeError:
            raise _undecodable(display, first_undecodable(_chunks(path))) from None
    except pd.errors.ParserError as exc:
        raise unusable(display, "malformed_csv", f"every row to have at most {len(dialect.headers)} fields, like the header",
                       value=clean(str(exc).strip()), detail="check for an unquoted delimiter in a value") from None
    refuse_too_many_rows(display, None, len(frame), max_rows)
    columns = _text_columns(frame, positions)
    return columns, np.arange(len(frame), dtype=np.int64) + dialect.header_row + 1


class _PrefixedStream(io.RawIOBase):
    """A binary stream of ``prefix`` followed by ``handle`` from its current position."""

    def __init__(self, prefix: bytes, handle):
        self._prefix, self._handle = prefix, handle

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n], self._prefix = self._prefix[:n], self._prefix[n:]
            return n
        data = self._handle.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _read_with_sentinel(path: Path, display: str, dialect: CsvDialect, positions: list[int],
                        max_rows: int) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Read a subset of columns plus a sentinel column past the header; refuse the file if any
    row has a field there. A first line of ``width + 1`` empty fields, put before the data, makes the
    sentinel exist even when no row reaches it (pandas refuses a usecols it never sees)."""
    width = len(dialect.headers)
    wanted = {*positions, width}
    with path.open("rb") as handle:
        for _ in range(dialect.skip_lines):
            handle.readline()
        # Empty fields: they create the sentinel column without swaying any column's type.
        stream = io.BufferedReader(_PrefixedStream(dialect.delimiter.encode() * width + b"\n", handle))
        encoding = "utf-8" if dialect.encoding == "utf-8-sig" else dialect.encoding
        # A decoding or tokenising error propagates: the caller then reads the whole file,
        # which retries Windows-1252 and words the error, exactly as without a subset.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            frame = pd.read_csv(stream, sep=dialect.delimiter, header=None, names=list(range(width + 1)),
                                usecols=lambda c: c in wanted, skip_blank_lines=False, encoding=encoding,
                                **column_options(dialect, [*positions, width]),
                                engine="c", nrows=max_rows + 2, index_col=False)
    frame = frame.iloc[1:]
    refuse_too_many_rows(display, None, len(frame), max_rows)
    columns = _text_columns(frame, [*positions, width])
    row_numbers = np.arange(len(frame), dtype=np.int64) + dialect.header_row + 1
    surplus = np.flatnonzero(~blank_cells(columns[-1]))
    if len(surplus):
        raise unusable(display, "malformed_csv", f"every row to have at most {width} fields, like the header",
                       value=f"Expected {width} fields in line {int(row_numbers[surplus[0]])}, saw more",
                       detail="check for an unquoted delimiter in a value")
    return columns[:-1], row_numbers


def _read_csv(path: Path, dialect: CsvDialect, encoding: str, max_rows: int, positions: list[int]) -> pd.DataFrame:
    # pandas silently drops the surplus fields of the first data row (with a warning) where it
    # raises for any later row; both are the same mistake, so the warning becomes an error.
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            return _read_csv_frame(path, dialect, encoding, max_rows, positions)
        except pd.errors.ParserWarning:
            raise pd.errors.ParserError(
                f"Expected {len(dialect.headers)} fields in line {dialect.skip_lines + 1}, saw more") from None


def _read_csv_frame(path: Path, dialect: CsvDialect, encoding: str, max_rows: int, positions: list[int]) -> pd.DataFrame:
    width = len(dialect.headers)
    everything = positions == list(range(width))
    return pd.read_csv(
        path,
        sep=dialect.delimiter,
        header=None,
        names=list(range(max(width, max(positions) + 1))),
        usecols=None if everything else positions,
        skiprows=dialect.skip_lines,
        skip_blank_lines=False,
        **column_options(dialect, positions),
        encoding=encoding,
        engine="c",
        nrows=max_rows + 1,
        index_col=False,
    )


def _text_columns(frame: pd.DataFrame, positions: list[int]) -> tuple[np.ndarray, ...]:
    """int64/float64 arrays for columns pandas read as numbers, else object arrays of str.

    Missing cells become '' in text columns and NaN in numeric ones (both mean blank). In a
    column read as plain text (dtype object) NaN only pads a row with fewer fields than the
    header, and such a row is missing the last column too, so only those rows are looked at.
    """
    last = frame[positions[-1]].to_numpy()
    short = np.flatnonzero(pd.isna(last)) if last.dtype.kind in "fO" else np.zeros(0, dtype=np.int64)
    columns = []
    for i in positions:
        series = frame[i]
        if series.dtype.kind in "iuf":
            columns.append(series.to_numpy())
            continue
        if isinstance(series.dtype, pd.CategoricalDtype):
            columns.append(_filled_categorical(series.array))
            continue
        column = series.to_numpy(dtype=object)
        where = short if series.dtype == object else np.arange(len(column))
        where = where[pd.isna(column[where])]
        if len(where):
            column = column.copy()  # pandas hands out read-only views
            column[where] = ""
        columns.append(column)
    return tuple(columns)


def _filled_categorical(values: pd.Categorical) -> pd.Categorical:
    """A category column with '' for cells missing in short rows."""
    if not values.isna().any():
        return values
    if "" not in values.categories:
        values = values.add_categories([""])
    return values.fillna("")
