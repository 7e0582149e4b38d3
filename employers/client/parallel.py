"""Checking a large CSV on two cores: employee IDs in a forked worker, the rest here.

The check of an extract splits into groups of columns that need nothing from each other
(:func:`~employers.client.extract.check_ids`, ``check_categories``, ``check_measures``). For a
large CSV a forked worker reads the ID column and looks for blanks and duplicates (hashing a
million strings is the costliest single check) while this process reads and checks the
categories and measures; :func:`~employers.client.extract.combine_groups` then merges the
groups in column order.

Guarantees:
- The result is the one the serial check gives (tests/employers/client/test_parallel.py compares them):
  same rows used and excluded with the same reasons, same values, same issues and counts.
- The parallel path is only an optimisation. By default it is taken only for a large file on
  a machine with ``fork`` and a second core free (load average); it gives up (None is
  returned, and the caller checks serially) when the file has blank rows (blank-row
  detection needs all columns at once).
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from employers.client.aliases import Aliases, aliases_for
from employers.client.columns import ColumnMap
from employers.client.csvfile import CsvDialect, read_text_columns
from employers.client.extract import (
    CATEGORY_FIELDS,
    ID_FIELDS,
    MEASURE_FIELDS,
    ExtractCheck,
    FieldGroupCheck,
    check_categories,
    check_ids,
    check_measures,
    combine_groups,
)
from employers.client.issues import IssueLog
from employers.client.rawtable import RawTable, blank_rows

PARALLEL_MIN_BYTES = 8 * 1024 * 1024


def parallel_worthwhile(path: Path) -> bool:
    """A large file, ``fork`` available, and a second core that is actually free: with the
    cores busy the worker only adds a second pass over the file (measured: 1.8 s against
    1.5 s serial with the machine's other core taken)."""
    try:
        big = path.stat().st_size >= PARALLEL_MIN_BYTES
    except OSError:
        return False
    cores = os.cpu_count() or 1
    idle = os.getloadavg()[0] <= cores - 1.5 if hasattr(os, "getloadavg") else True
    return big and cores >= 2 and idle and "fork" in multiprocessing.get_all_start_methods()


def _group_table(path: Path, display: str, dialect: CsvDialect, columns: ColumnMap, fields: tuple[str, ...],
                 max_rows: int) -> tuple[RawTable, ColumnMap, np.ndarray]:
    """The columns of ``fields`` as a table of their own, every row kept, and its blank rows."""
    present = sorted((columns.positions[f], f) for f in fields if f in columns.positions)
    cells, row_numbers = read_text_columns(path, display, dialect, positions=[p for p, _ in present],
                                           max_rows=max_rows, detect_surplus=True)
    table = RawTable(file=display, sheet=None, header_row=dialect.header_row,
                     headers=tuple(dialect.headers[p] for p, _ in present), columns=cells,
                     row_numbers=row_numbers, blank_rows=0, parsed_from_text=True)
    sub_map = ColumnMap(positions={f: i for i, (_, f) in enumerate(present)},
                        headers={f: columns.headers[f] for _, f in present})
    return table, sub_map, blank_rows(cells)


def _ids_worker(path: Path, display: str, dialect: CsvDialect, columns: ColumnMap, taxonomy: str,
                max_rows: int) -> tuple[FieldGroupCheck, np.ndarray]:
    table, sub_map, blank = _group_table(path, display, dialect, columns, ID_FIELDS, max_rows)
    return check_ids(table, sub_map, aliases_for(taxonomy)), blank


def check_text_in_parallel(path: Path, display: str, dialect: CsvDialect, columns: ColumnMap, aliases: Aliases,
                           log: IssueLog, *, max_rows: int) -> tuple[ExtractCheck, RawTable] | None:
    """Check a CSV with two processes, or return None when the serial path must do it."""
    context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            future = pool.submit(_ids_worker, path, display, dialect, columns, aliases.taxonomy.name, max_rows)
            table, sub_map, rest_blank = _group_table(path, display, dialect, columns,
                                                      CATEGORY_FIELDS + MEASURE_FIELDS, max_rows)
            rest = [check_categories(table, sub_map, aliases), check_measures(table, sub_map, aliases)]
            ids, ids_blank = future.result()
    except (UnicodeDecodeError, pd.errors.ParserError):
        return None  # the serial read retries Windows-1252 and words the error
    if table.rows == 0 or len(ids_blank) != len(rest_blank) or (ids_blank & rest_blank).any():
        return None
    return combine_groups(table, sub_map, [ids, *rest], log), table
