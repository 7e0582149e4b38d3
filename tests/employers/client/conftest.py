"""Fixtures of the employer-client tests: small extracts written in every supported shape."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from tests.employers.client.samples import TEMPLATES


@pytest.fixture
def write_csv(tmp_path):
    def write(text: str, *, name="extract.csv", encoding="utf-8", newline="\n") -> Path:
        path = tmp_path / name
        path.write_bytes(text.replace("\n", newline).encode(encoding))
        return path

    return write


@pytest.fixture
def write_xlsx(tmp_path):
    def write(rows, *, name="extract.xlsx", title_rows=(), sheets_before=(), sheet="Data") -> Path:
        workbook = openpyxl.Workbook()
        workbook.remove(workbook.active)
        for extra in sheets_before:
            workbook.create_sheet(extra).append(["Notes", "nothing to see"])
        ws = workbook.create_sheet(sheet)
        for title in title_rows:
            ws.append([title])
        for row in rows:
            ws.append(list(row))
        path = tmp_path / name
        workbook.save(path)
        return path

    return write


@pytest.fixture
def boston_workbook(tmp_path):
    """Copy a real template and fill cells: {sheet: {cell: value}}; every other cell stays 0."""

    def fill(year: int, cells: dict[str, dict[str, object]], *, name: str | None = None) -> Path:
        path = tmp_path / (name or f"bwwc-{year}.xlsx")
        shutil.copy(TEMPLATES / f"bwwc-{year}-wage-gap-template.xlsx", path)
        workbook = openpyxl.load_workbook(path)
        for sheet, values in cells.items():
            for ref, value in values.items():
                workbook[sheet][ref] = value
        workbook.save(path)
        return path

    return fill
