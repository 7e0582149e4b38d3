"""The rows of an employee-level table as read from a file, before any check.

Both readers (:mod:`employers.client.csvfile`, :mod:`employers.client.xlsxfile`) return a
:class:`RawTable`. Guarantees: row numbers are the ones a person sees (the 1-based record in a
text editor or Excel); blank rows are dropped and counted; at most ``max_rows`` data rows are
ever kept (:func:`refuse_too_many_rows`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from employers.client.issues import clean
from employers.client.unusable import unusable


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


def refuse_too_many_rows(display: str, sheet: str | None, rows: int, max_rows: int) -> None:
    if rows > max_rows:
        raise unusable(display, "too_many_rows", f"at most {max_rows:,} employees per employer",
                       sheet=None if sheet is None else clean(sheet), value=f"more than {max_rows:,} data rows")


def blank_rows(columns: tuple[np.ndarray, ...]) -> np.ndarray:
    """Rows whose every given cell is empty."""
    candidates = np.flatnonzero(blank_cells(columns[0]))
    for column in columns[1:]:
        candidates = candidates[blank_cells(column[candidates])]
    mask = np.zeros(len(columns[0]), dtype=bool)
    mask[candidates] = True
    return mask


def drop_blank_rows(display, sheet, header_row, headers, columns, row_numbers) -> RawTable:
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


def blank_cells(column: np.ndarray) -> np.ndarray:
    """Cells that hold nothing: '', None or NaN (whitespace-only text counts as blank later)."""
    if column.dtype.kind in "iuf":
        return np.isnan(column) if column.dtype.kind == "f" else np.zeros(len(column), dtype=bool)
    return np.asarray(column == "") | np.asarray(pd.isna(column))
