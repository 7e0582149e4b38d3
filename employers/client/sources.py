"""Opening an employer's file: what kind it is, its encoding and delimiter, its header row.

Guarantees:
- The kind of file is decided by its first bytes, not its name: a zip holding
  ``xl/workbook.xml`` is a workbook, text is CSV. A name that contradicts the content (a CSV
  renamed ``.xlsx``, a zip of something else, a legacy ``.xls``) is refused with a message
  saying what the file really is.
- Nothing is read in full before the first 64 KiB have shown that the file is text in UTF-8
  (with or without BOM) or Windows-1252/Latin-1 and that a header row exists among the first
  30 rows, so a large junk file is refused after reading 64 KiB. At most
  ``bounds.max_employees_per_employer`` data rows are ever loaded.
- Row numbers are the ones a person sees: the 1-based record number in a text editor or Excel
  (a quoted field spanning lines counts once; blank lines count).
- Every problem that makes the file unreadable raises :class:`Unusable` carrying one
  :class:`~employers.client.issues.Issue`; callers turn it into a check result.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from employers.client.aliases import Aliases, alias_key
from employers.client.issues import Issue, clean

SAMPLE_BYTES = 64 * 1024
HEADER_SEARCH_ROWS = 30
DELIMITERS = (",", ";", "\t", "|")
MIN_HEADER_MATCHES = 2
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


class Unusable(Exception):
    """The file cannot be checked at all; ``issue`` says why and what to do."""

    def __init__(self, issue: Issue):
        super().__init__(issue.message)
        self.issue = issue

    def __reduce__(self):  # so that it crosses a process boundary intact
        return (Unusable, (self.issue,))


def unusable(file: str, code: str, expected: str, *, value: str | None = None, sheet: str | None = None,
             row: int | None = None, column: str | None = None, detail: str | None = None) -> Unusable:
    return Unusable(Issue(severity="error", code=code, file=file, expected=expected, value=value,
                          sheet=sheet, row=row, column=column, detail=detail))


@dataclass(frozen=True)
class RawTable:
    """The data rows under a header row, one array of cell values per column: object arrays,
    int64/float64 arrays for numeric CSV columns, pandas categoricals for category columns."""

    file: str
    sheet: str | None
    header_row: int
    headers: tuple[str, ...]
    columns: tuple[np.ndarray, ...]
    row_numbers: np.ndarray
    blank_rows: int
    parsed_from_text: bool = False

    @property
    def rows(self) -> int:
        return len(self.row_numbers)


@dataclass(frozen=True)
class HeaderMatch:
    row_index: int
    score: int


def header_score(cells: list, aliases: Aliases) -> int:
    """How many distinct extract columns (or known unsupported ones) a row names."""
    fields = set()
    for cell in cells:
        if isinstance(cell, str) and cell.strip():
            key = alias_key(cell)
            found = aliases.column_by_key.get(key) or (key in aliases.unsupported_by_key and key)
            if found:
                fields.add(found)
    return len(fields)


def find_header(rows: list[list], aliases: Aliases) -> HeaderMatch | None:
    """The first row with the most column names (at least two), or None."""
    best: HeaderMatch | None = None
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = header_score(cells, aliases)
        if score >= MIN_HEADER_MATCHES and (best is None or score > best.score):
            best = HeaderMatch(index, score)
    return best


def sniff_kind(path: Path, display: str) -> str:
    """``workbook`` or ``text``, from the first bytes; refuses empty files and misnamed ones."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise unusable(display, "unreadable_file", "a file this program can read",
                       detail=clean(exc.strerror or type(exc).__name__)) from None
    if size == 0:
        raise unusable(display, "empty_file", "a CSV or XLSX file with a header row and one row per employee",
                       value="an empty file (0 bytes)")
    suffix = path.suffix.lower()
    if head.startswith(OLE_MAGIC):
        raise unusable(display, "legacy_xls", "an .xlsx workbook or a CSV file",
                       value="an Excel 97-2003 (.xls) file", detail="open it in Excel and save as .xlsx or CSV")
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            raise unusable(display, "broken_zip", "an .xlsx workbook or a CSV file",
                           value="a damaged zip archive") from None
        if "xl/workbook.xml" not in names:
            raise unusable(display, "zip_not_xlsx", "an .xlsx workbook or a CSV file",
                           value="a zip archive that is not an Excel workbook",
                           detail=f"it holds {len(names)} file(s) but no xl/workbook.xml")
        if suffix not in WORKBOOK_SUFFIXES + ("",):
            raise unusable(display, "misnamed_file", "a name ending in .xlsx for an Excel workbook",
                           value=f"an Excel workbook named {clean(path.name)}", detail="rename it to .xlsx")
        return "workbook"
    if suffix in WORKBOOK_SUFFIXES:
        raise unusable(display, "misnamed_file", "an Excel workbook, as the name .xlsx says",
                       value="a file that is not a workbook (no zip signature)",
                       detail="if it is a CSV export, rename it to .csv; otherwise save it again from Excel as .xlsx")
    return "text"


# --- text (CSV) -----------------------------------------------------------------------------


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
        except UnicodeDecodeError as exc:
            raise unusable(display, "unknown_encoding", "text in UTF-8 or Windows-1252 (Latin-1)",
                           value=f"byte 0x{raw[exc.start]:02x} at offset {exc.start}",
                           detail="save the file again as 'CSV UTF-8'") from None
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


@dataclass(frozen=True)
class TextLayout:
    """How to read a CSV. ``numeric`` columns (the measures) are left to pandas' C number
    parser, every other column is read as text; see :func:`column_options`."""

    encoding: str
    delimiter: str
    header_row: int
    headers: tuple[str, ...]
    skip_lines: int
    numeric: tuple[int, ...] = ()
    categorical: tuple[int, ...] = ()


def column_options(layout: TextLayout, positions: list[int]) -> dict:
    """read_csv options: text columns as str with nothing taken for missing (category columns
    as pandas categoricals: a few distinct spellings, each stored once); numeric columns
    inferred (a column of plain numbers becomes int64/float64 without a Python object per
    cell, anything else stays text), with only an empty cell taken for missing."""
    numeric = [p for p in positions if p in layout.numeric]
    return {
        "dtype": {p: "category" if p in layout.categorical else object
                  for p in positions if p not in layout.numeric},
        "keep_default_na": False,
        "na_filter": bool(numeric),
        "na_values": {p: [""] for p in numeric},
    }


def sniff_text(path: Path, display: str, aliases: Aliases) -> TextLayout:
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
    return TextLayout(encoding, delimiter, match.row_index + 1, headers, line_after[match.row_index])


def _header_expectation(aliases: Aliases) -> str:
    labels = ", ".join(f"'{c.label}'" for c in aliases.columns)
    return f"a header row with columns such as {labels}"


def read_text_table(path: Path, display: str, layout: TextLayout, *, max_rows: int) -> RawTable:
    """Read a CSV below its header row, blank rows dropped; text cells are str ('' for
    missing), numeric columns numbers where the whole column is plain numbers."""
    columns, row_numbers = read_text_columns(path, display, layout, positions=list(range(len(layout.headers))),
                                             max_rows=max_rows)
    table = _drop_blank_rows(display, None, layout.header_row, layout.headers, columns, row_numbers)
    return dataclasses.replace(table, parsed_from_text=True)


def read_text_columns(path: Path, display: str, layout: TextLayout, *, positions: list[int],
                      max_rows: int, detect_surplus: bool = False) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """The columns at ``positions`` (ascending) of every data row, blank rows included, and
    the rows' numbers.

    Reading a subset of the columns, pandas drops surplus fields silently; ``detect_surplus``
    reads one sentinel column past the header and refuses the file if any row reaches it, so
    that a subset read refuses exactly the files a full read refuses.
    """
    width = len(layout.headers)
    if detect_surplus and positions != list(range(width)):
        return _read_with_sentinel(path, display, layout, positions, max_rows)
    try:
        frame = _read_csv(path, layout, layout.encoding, max_rows, positions)
    except UnicodeDecodeError:
        if layout.encoding == "cp1252":
            raise
        try:
            frame = _read_csv(path, layout, "cp1252", max_rows, positions)
        except UnicodeDecodeError as exc:
            raise unusable(display, "unknown_encoding", "text in UTF-8 or Windows-1252 (Latin-1)",
                           value=f"a byte that is neither ({clean(exc.reason)})",
                           detail="save the file again as 'CSV UTF-8'") from None
    except pd.errors.ParserError as exc:
        raise unusable(display, "malformed_csv", f"every row to have at most {len(layout.headers)} fields, like the header",
                       value=clean(str(exc).strip()), detail="check for an unquoted delimiter in a value") from None
    _refuse_too_many(display, None, len(frame), max_rows)
    columns = _text_columns(frame, positions)
    return columns, np.arange(len(frame), dtype=np.int64) + layout.header_row + 1


def _refuse_too_many(display: str, sheet: str | None, rows: int, max_rows: int) -> None:
    if rows > max_rows:
        raise unusable(display, "too_many_rows", f"at most {max_rows:,} employees per employer",
                       sheet=None if sheet is None else clean(sheet), value=f"more than {max_rows:,} data rows")


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


def _read_with_sentinel(path: Path, display: str, layout: TextLayout, positions: list[int],
                        max_rows: int) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Read a subset of columns plus a sentinel column past the header; refuse the file if any
    row has a field there. A first line of ``width + 1`` empty fields, put before the data, makes the
    sentinel exist even when no row reaches it (pandas refuses a usecols it never sees)."""
    width = len(layout.headers)
    wanted = {*positions, width}
    with path.open("rb") as handle:
        for _ in range(layout.skip_lines):
            handle.readline()
        # Empty fields: they create the sentinel column without swaying any column's type.
        stream = io.BufferedReader(_PrefixedStream(layout.delimiter.encode() * width + b"\n", handle))
        encoding = "utf-8" if layout.encoding == "utf-8-sig" else layout.encoding
        # A decoding or tokenising error propagates: the caller then reads the whole file,
        # which retries Windows-1252 and words the error, exactly as without a subset.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            frame = pd.read_csv(stream, sep=layout.delimiter, header=None, names=list(range(width + 1)),
                                usecols=lambda c: c in wanted, skip_blank_lines=False, encoding=encoding,
                                **column_options(layout, [*positions, width]),
                                engine="c", nrows=max_rows + 2, index_col=False)
    frame = frame.iloc[1:]
    _refuse_too_many(display, None, len(frame), max_rows)
    columns = _text_columns(frame, [*positions, width])
    row_numbers = np.arange(len(frame), dtype=np.int64) + layout.header_row + 1
    surplus = np.flatnonzero(~_blank_cells(columns[-1]))
    if len(surplus):
        raise unusable(display, "malformed_csv", f"every row to have at most {width} fields, like the header",
                       value=f"Expected {width} fields in line {int(row_numbers[surplus[0]])}, saw more",
                       detail="check for an unquoted delimiter in a value")
    return columns[:-1], row_numbers


def blank_rows(columns: tuple[np.ndarray, ...]) -> np.ndarray:
    """Rows whose every given cell is empty."""
    candidates = np.flatnonzero(_blank_cells(columns[0]))
    for column in columns[1:]:
        candidates = candidates[_blank_cells(column[candidates])]
    mask = np.zeros(len(columns[0]), dtype=bool)
    mask[candidates] = True
    return mask


def _read_csv(path: Path, layout: TextLayout, encoding: str, max_rows: int, positions: list[int]) -> pd.DataFrame:
    # pandas silently drops the surplus fields of the first data row (with a warning) where it
    # raises for any later row; both are the same mistake, so the warning becomes an error.
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            return _read_csv_frame(path, layout, encoding, max_rows, positions)
        except pd.errors.ParserWarning:
            raise pd.errors.ParserError(
                f"Expected {len(layout.headers)} fields in line {layout.skip_lines + 1}, saw more") from None


def _read_csv_frame(path: Path, layout: TextLayout, encoding: str, max_rows: int, positions: list[int]) -> pd.DataFrame:
    width = len(layout.headers)
    everything = positions == list(range(width))
    return pd.read_csv(
        path,
        sep=layout.delimiter,
        header=None,
        names=list(range(max(width, max(positions) + 1))),
        usecols=None if everything else positions,
        skiprows=layout.skip_lines,
        skip_blank_lines=False,
        **column_options(layout, positions),
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


def _drop_blank_rows(display, sheet, header_row, headers, columns, row_numbers) -> RawTable:
    blank = blank_rows(columns)
    if blank.any():
        keep = ~blank
        columns, row_numbers = tuple(c[keep] for c in columns), row_numbers[keep]
    return RawTable(
        file=display,
        sheet=sheet,
        header_row=header_row,
        headers=tuple(headers),
        columns=tuple(columns),
        row_numbers=row_numbers,
        blank_rows=int(blank.sum()),
    )


def _blank_cells(column: np.ndarray) -> np.ndarray:
    """Cells that hold nothing: '', None or NaN (whitespace-only text counts as blank later)."""
    if column.dtype.kind in "iuf":
        return np.isnan(column) if column.dtype.kind == "f" else np.zeros(len(column), dtype=bool)
    return np.asarray(column == "") | np.asarray(pd.isna(column))


# --- workbooks ------------------------------------------------------------------------------


@dataclass
class OpenWorkbook:
    """A workbook opened with python-calamine (the fastest reader installed). calamine parses
    a whole sheet when it is first asked for, so parsed sheets are kept for later calls."""

    calamine: object
    sheet_names: list[str]
    parsed: dict = dataclasses.field(default_factory=dict)


def open_workbook(path: Path, display: str) -> OpenWorkbook:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise unusable(display, "unreadable_workbook", "an .xlsx workbook Excel can open",
                       detail=clean(str(exc))) from None
    return OpenWorkbook(workbook, list(workbook.sheet_names))


def sheet_rows(workbook: OpenWorkbook, name: str, *, nrows: int | None = None) -> list[list]:
    """Cells of a sheet from A1 on (row index 0 is Excel row 1); '' for an empty cell."""
    if name not in workbook.parsed:
        workbook.parsed[name] = workbook.calamine.get_sheet_by_name(name)
    return workbook.parsed[name].to_python(skip_empty_area=False, nrows=nrows)


def read_sheet_table(workbook, display: str, sheet: str, header_index: int, *, max_rows: int) -> RawTable:
    """The data rows of an employee-level sheet below its header row."""
    rows = sheet_rows(workbook, sheet, nrows=header_index + 2 + max_rows)
    header = [str(c).strip() if c is not None else "" for c in rows[header_index]]
    data = rows[header_index + 1 :]
    _refuse_too_many(display, sheet, len(data), max_rows)
    width = len(header)
    columns = []
    for j in range(width):
        col = np.empty(len(data), dtype=object)
        col[:] = [r[j] if j < len(r) else "" for r in data]
        columns.append(col)
    row_numbers = np.arange(len(data), dtype=np.int64) + header_index + 2
    return _drop_blank_rows(display, sheet, header_index + 1, header, tuple(columns), row_numbers)
