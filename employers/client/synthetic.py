"""Synthetic employee-level extracts for demos, tests and benchmarks.

Guarantees:
- :func:`synthetic_employees` is a pure function of its arguments: the same ``seed`` gives the
  same frame, row for row, on every machine (NumPy's PCG64 generator).
- Columns carry the template's headers (see :func:`template_headers`) and the taxonomy's
  labels; money is in dollars rounded to cents, tenure in whole months, hours in half hours.
- Pay is lognormal around a realistic median per job category, lowered by ``gender_gap`` (log
  points) for women and ``race_gap`` for people of colour, and rising with tenure, so the
  figures downstream show gaps of a known size.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from employers.client.aliases import aliases_for
from protocol.taxonomy import DEFAULT_TAXONOMY, load

# Median annual pay (dollars) and share of the workforce, by job category in taxonomy order.
JOB_MEDIAN_PAY = (185_000, 108_000, 92_000, 66_000, 56_000, 48_000, 60_000, 43_000, 37_000, 35_000)
JOB_SHARE = (0.03, 0.10, 0.30, 0.08, 0.08, 0.12, 0.06, 0.07, 0.06, 0.10)
RACE_SHARE = (0.12, 0.55, 0.10, 0.01, 0.12, 0.02, 0.01, 0.03, 0.04)
GENDER_SHARE = (0.48, 0.50, 0.02)
PAY_SIGMA = 0.32


def template_headers(taxonomy: str = DEFAULT_TAXONOMY) -> dict[str, str]:
    """Field -> header text of the employee-level template."""
    return {c.field: c.label for c in aliases_for(taxonomy).columns}


def synthetic_employees(
    *,
    n: int,
    seed: int,
    gender_gap: float = 0.08,
    race_gap: float = 0.05,
    bonus_share: float = 0.3,
    with_hours: bool = True,
    taxonomy: str = DEFAULT_TAXONOMY,
) -> pd.DataFrame:
    """``n`` employees of one employer, one row each, with the template's column names."""
    if n < 0:
        raise ValueError("n must be 0 or more")
    tax = load(taxonomy)
    rng = np.random.default_rng(seed)
    job = rng.choice(len(JOB_SHARE), size=n, p=JOB_SHARE)
    race = rng.choice(len(RACE_SHARE), size=n, p=RACE_SHARE)
    gender = rng.choice(len(GENDER_SHARE), size=n, p=GENDER_SHARE)
    tenure = np.minimum(rng.exponential(60.0, size=n), 480).round().astype(np.int64)
    white = tax.index_of("race_ethnicity", "white")
    female = tax.index_of("gender", "female")
    log_pay = (
        np.log(np.asarray(JOB_MEDIAN_PAY, dtype=float)[job])
        - gender_gap * (gender == female)
        - race_gap * (race != white)
        + 0.04 * np.log1p(tenure / 12.0)
        + rng.normal(0.0, PAY_SIGMA, size=n)
    )
    pay = np.round(np.exp(log_pay), 2)
    manager = job <= 1
    gets_bonus = rng.random(n) < np.where(manager, min(1.0, bonus_share * 2), bonus_share)
    bonus = np.where(gets_bonus, np.round(pay * rng.lognormal(-2.6, 0.5, size=n), 2), 0.0)
    headers = template_headers(taxonomy)
    frame = pd.DataFrame({
        headers["employee_id"]: [f"E{seed % 100000:05d}-{i:07d}" for i in range(n)],
        headers["job_category"]: np.asarray(tax.labels("job_category"), dtype=object)[job],
        headers["race_ethnicity"]: np.asarray(tax.labels("race_ethnicity"), dtype=object)[race],
        headers["gender"]: np.asarray(tax.labels("gender"), dtype=object)[gender],
        headers["compensation"]: pay,
        headers["performance_pay"]: bonus,
        headers["tenure_months"]: tenure,
    })
    if with_hours:
        frame[headers["hours"]] = np.clip(np.round(rng.normal(2080, 120, size=n) * 2) / 2, 500, 3500)
    return frame


def write_csv(frame: pd.DataFrame, path: str | Path, *, delimiter: str = ",", encoding: str = "utf-8",
              dollars: bool = False) -> Path:
    """Write an extract as CSV; ``dollars`` formats money as $85,000.00 instead of 85000.00."""
    out = frame.copy()
    money = [c for c in out.columns if c in _money_headers()]
    for column in money:
        # Text already in a cell (a test's deliberate junk) is written as it is.
        pattern = "${:,.2f}" if dollars else "{:.2f}"
        out[column] = [pattern.format(v) if isinstance(v, int | float) else v for v in out[column]]
    path = Path(path)
    out.to_csv(path, index=False, sep=delimiter, encoding=encoding, lineterminator="\n")
    return path


def write_xlsx(frame: pd.DataFrame, path: str | Path, *, title_rows: tuple[str, ...] = (), sheet: str = "Employees") -> Path:
    """Write an extract as XLSX (numbers as numbers), optionally below a few title rows."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    for title in title_rows:
        worksheet.append([title])
    worksheet.append([str(c) for c in frame.columns])
    columns = [frame[c].tolist() for c in frame.columns]
    for row in zip(*columns, strict=True):
        worksheet.append(list(row))
    path = Path(path)
    workbook.save(path)
    return path


def _money_headers() -> set[str]:
    headers = template_headers()
    return {headers["compensation"], headers["performance_pay"]}
