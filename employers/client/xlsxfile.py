"""Reading an .xlsx workbook: its sheets' cells, and an employee-level sheet as a table.

Guarantees: a workbook Excel cannot open is :class:`~employers.client.unusable.Unusable`; row
numbers are Excel's; at most ``max_rows`` data rows are read from a sheet.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from employers.client.issues import clean
from employers.client.rawtable import RawTable, drop_blank_rows, refuse_too_many_rows
from employers.client.unusable import unusable


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
    refuse_too_many_rows(display, sheet, len(data), max_rows)
    width = len(header)
    columns = []
    for j in range(width):
        col = np.empty(len(data), dtype=object)
        col[:] = [r[j] if j < len(r) else "" for r in data]
        columns.append(col)
    row_numbers = np.arange(len(data), dtype=np.int64) + header_index + 2
    return drop_blank_rows(display, sheet, header_index + 1, header, tuple(columns), row_numbers)
