"""Payroll extracts of a realistic compact, for the demo: one template-shaped frame per employer.

Guarantees:
- ``compact_draw`` is a pure function of its arguments and seed: the roster (industry, size) and
  every person of ``populations.realistic``, with its planted cases (a dominant employer in one
  job, an employer with no women, uneven industries, lognormal sizes).
- ``extract_frame`` is one employer's people with the employee-level template's column names,
  pay and performance pay in dollars and cents, tenure in whole months: what an HR system
  exports, so the demo sends it through the real check, vector and sealing path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from employers.client.synthetic import template_headers
from populations.realistic import People, Roster, people_draw, roster_realistic
from protocol.taxonomy import load


@dataclass(frozen=True)
class Compact:
    roster: Roster
    people: People
    industries: tuple[str, ...]
    size_bands: tuple[str, ...]


def compact_draw(n_employers: int, *, seed: int, taxonomy: str = "compact-2026") -> Compact:
    """A realistic compact of ``n_employers``: who they are and everyone they employ."""
    tax = load(taxonomy)
    roster = roster_realistic(n_employers, seed=seed)
    people = people_draw(roster, seed=seed + 1)
    return Compact(
        roster=roster, people=people,
        industries=tuple(tax.industries[i] for i in roster.industry),
        size_bands=tuple(tax.size_bands[s] for s in roster.size_band),
    )


def extract_frame(compact: Compact, employer: int, *, taxonomy: str = "compact-2026") -> pd.DataFrame:
    """One employer's extract (one row a person) with the template's headers."""
    tax = load(taxonomy)
    headers = template_headers(taxonomy)
    p = compact.people
    mine = p.of(employer)
    return pd.DataFrame({
        headers["employee_id"]: [f"D{employer:03d}-{i:06d}" for i in range(len(mine))],
        headers["job_category"]: np.asarray(tax.labels("job_category"), dtype=object)[p.job[mine]],
        headers["race_ethnicity"]: np.asarray(tax.labels("race_ethnicity"), dtype=object)[p.race[mine]],
        headers["gender"]: np.asarray(tax.labels("gender"), dtype=object)[p.gender[mine]],
        headers["compensation"]: p.comp_cents[mine] / 100,
        headers["performance_pay"]: p.perf_cents[mine] / 100,
        headers["tenure_months"]: np.round(p.tenure_hundredths[mine] / 100).astype(np.int64),
    })
