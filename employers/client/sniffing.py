"""What kind of file an employer gave, and where its header row is.

Guarantees:
- The kind of file is decided by its first bytes, not its name: a zip holding
  ``xl/workbook.xml`` is a workbook, text is CSV. A name that contradicts the content (a CSV
  renamed ``.xlsx``, a zip of something else, a legacy ``.xls``) is refused with a message
  saying what the file really is.
- The header row is the first row among the first 30 naming the most extract columns (at
  least two), whatever the file's title rows above it.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from employers.client.aliases import Aliases, alias_key
from employers.client.issues import clean
from employers.client.sanitise import for_path
from employers.client.unusable import unusable

HEADER_SEARCH_ROWS = 30
MIN_HEADER_MATCHES = 2
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


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
                           value=f"an Excel workbook named {for_path(path.name)}", detail="rename it to .xlsx")
        return "workbook"
    if suffix in WORKBOOK_SUFFIXES:
        raise unusable(display, "misnamed_file", "an Excel workbook, as the name .xlsx says",
                       value="a file that is not a workbook (no zip signature)",
                       detail="if it is a CSV export, rename it to .csv; otherwise save it again from Excel as .xlsx")
    return "text"
