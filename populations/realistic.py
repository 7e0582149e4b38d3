"""Realistic compacts: the employers and people a city would actually see, drawn reproducibly.

A friendly population (similar employers, even industries) hides what makes disclosure
control hard. This one has, for any size and seed:

- employers spread unevenly over the taxonomy's 12 industries (a few large industries, many
  with fewer than 8 employers), with one industry of exactly 6 employers when there are
  enough employers for it;
- employer sizes lognormal between 10 and 20,000 people, a few employers of many thousands,
  the 500+ band holding over 90% of the people;
- one employer holding about 85% of one job category's pay across the compact;
- one employer with no women; small and single-person cells wherever they fall;
- some employers sending the aggregated workbook (no employee rows).

Guarantees:
- ``roster_realistic`` and ``people_draw`` are pure functions of their arguments: the same
  seed gives the same employers and people on every machine (NumPy's PCG64).
- ``People`` holds one entry per person, with exact integer money (cents) and tenure
  (hundredths of a month) within the vector's bounds (``docs/vector.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

INDUSTRIES = 12
SIZE_EDGES = (1, 50, 200, 500)
SIZE_MIN, SIZE_MAX = 10, 20_000
# Median annual pay (dollars) and workforce share per job category, in taxonomy order.
JOB_PAY = (205_000, 125_000, 98_000, 68_000, 58_000, 50_000, 62_000, 45_000, 38_000, 35_000)
JOB_SHARE = (0.03, 0.10, 0.27, 0.08, 0.08, 0.13, 0.06, 0.08, 0.06, 0.11)
RACE_SHARE = (0.12, 0.55, 0.12, 0.005, 0.12, 0.015, 0.007, 0.03, 0.033)
GENDER_SHARE = (0.48, 0.51, 0.01)
# Log-pay points below white men (gender: Female, Male, Nonbinary; race: taxonomy order).
GENDER_GAP = (0.09, 0.0, 0.06)
RACE_GAP = (0.07, 0.0, 0.09, 0.06, 0.02, 0.05, 0.08, 0.05, 0.03)
DOMINANT_SHARE = 0.85
FEMALE, MALE = 0, 1


@dataclass(frozen=True)
class Roster:
    """Employers of a compact: industry index, size (people), rows sent, and the planted cases.

    ``dominant`` is the employer that holds about 85% of job category ``dominant_job``'s pay;
    ``no_women`` the employer with no women (-1 where the compact is too small for them).
    """

    industry: np.ndarray
    size: np.ndarray
    rows: np.ndarray
    dominant: int
    dominant_job: int
    no_women: int

    @property
    def n_employers(self) -> int:
        return len(self.size)

    @property
    def size_band(self) -> np.ndarray:
        return np.searchsorted(np.asarray(SIZE_EDGES), self.size, side="right") - 1


@dataclass(frozen=True)
class People:
    """One entry per person: employer, job, race, gender (taxonomy indexes) and exact figures."""

    employer: np.ndarray
    job: np.ndarray
    race: np.ndarray
    gender: np.ndarray
    comp_cents: np.ndarray
    perf_cents: np.ndarray
    tenure_hundredths: np.ndarray

    def of(self, employer: int) -> np.ndarray:
        """Indexes of one employer's people."""
        return np.flatnonzero(self.employer == employer)


def industry_counts(n: int, rng: np.random.Generator) -> np.ndarray:
    """Employers per industry: uneven (Zipf-like weights in a random order), many industries
    below 8 employers, and one of exactly 6 when ``n`` allows it."""
    weights = 1.0 / np.arange(1, INDUSTRIES + 1) ** 1.1
    weights = rng.permutation(weights * rng.uniform(0.7, 1.3, INDUSTRIES))
    counts = np.floor(weights / weights.sum() * n).astype(np.int64)
    for j in rng.choice(INDUSTRIES, n - int(counts.sum()), p=weights / weights.sum()):
        counts[j] += 1
    if n >= 20 and 6 not in counts:
        # The industry nearest 6 employers gives or takes the difference from the largest.
        j = int(np.argmin(np.abs(counts - 6) + 100 * (counts == counts.max())))
        big = int(np.argmax(counts))
        counts[big] += counts[j] - 6
        counts[j] = 6
    return counts


def roster_realistic(n_employers: int, *, seed: int, row_share: float = 0.8) -> Roster:
    """``n_employers`` employers of a realistic compact (module docstring)."""
    if n_employers < 1:
        raise ValueError("A compact needs at least one employer.")
    rng = np.random.default_rng(seed)
    industry = np.repeat(np.arange(INDUSTRIES), industry_counts(n_employers, rng))
    industry = rng.permutation(industry)
    size = np.clip(rng.lognormal(np.log(180.0), 1.6, n_employers), SIZE_MIN, SIZE_MAX)
    # A few very large employers, so that the 500+ band holds most people as in a real city.
    giants = max(1, n_employers // 15)
    order = np.argsort(-size)
    size[order[:giants]] = rng.uniform(6_000, SIZE_MAX, giants)
    size = size.astype(np.int64)
    _raise_large_share(size, rng)
    rows = rng.random(n_employers) < row_share
    dominant = int(order[0])
    rows[dominant] = True
    dominant_job = int(rng.choice([6, 7, 8, 9]))
    candidates = [e for e in np.argsort(size) if e != dominant and size[e] >= 30]
    no_women = int(candidates[len(candidates) // 2]) if n_employers >= 3 and candidates else -1
    return Roster(industry=industry, size=size, rows=rows, dominant=dominant,
                  dominant_job=dominant_job, no_women=no_women)


def _raise_large_share(size: np.ndarray, rng: np.random.Generator, share: float = 0.9) -> None:
    """Grow the 500+ employers until they hold over ``share`` of the people (in place)."""
    large = size >= SIZE_EDGES[-1]
    if not large.any():
        size[np.argmax(size)] = SIZE_EDGES[-1]
        large = size >= SIZE_EDGES[-1]
    for _ in range(50):
        if size[large].sum() > share * size.sum():
            return
        grow = large & (size < SIZE_MAX)
        if not grow.any():
            return
        size[grow] = np.minimum((size[grow] * rng.uniform(1.2, 1.5, grow.sum())).astype(np.int64),
                                SIZE_MAX)


def people_draw(roster: Roster, *, seed: int) -> People:
    """Everyone who works for the roster's employers, with pay, performance pay and tenure."""
    rng = np.random.default_rng(seed)
    n_emp = roster.n_employers
    employer = np.repeat(np.arange(n_emp), roster.size)
    n = len(employer)
    job_p = rng.dirichlet(np.asarray(JOB_SHARE) * 15, size=n_emp)
    race_p = rng.dirichlet(np.asarray(RACE_SHARE) * 40, size=n_emp)
    job = _draw(job_p[employer], rng)
    race = _draw(race_p[employer], rng)
    gender = rng.choice(len(GENDER_SHARE), size=n, p=GENDER_SHARE)
    if roster.no_women >= 0:
        gender[(employer == roster.no_women) & (gender == FEMALE)] = MALE
    employer_factor = rng.lognormal(0.0, 0.2, n_emp)
    tenure = np.minimum(rng.exponential(60.0, n), 480.0)
    log_pay = (np.log(np.asarray(JOB_PAY, dtype=float)[job])
               - np.asarray(GENDER_GAP)[gender] - np.asarray(RACE_GAP)[race]
               + np.log(employer_factor[employer]) + 0.05 * np.log1p(tenure / 12.0)
               + rng.normal(0.0, 0.3, n))
    comp = np.minimum(np.round(np.exp(log_pay) * 100), 10**10).astype(np.int64)
    _plant_dominance(job, comp, employer, roster.dominant, roster.dominant_job, rng)
    manager = job <= 1
    bonus = rng.random(n) < np.where(manager, 0.7, 0.35)
    perf = np.where(bonus, np.round(comp * rng.lognormal(-2.6, 0.5, n)), 0).astype(np.int64)
    return People(employer=employer, job=job, race=race, gender=gender, comp_cents=comp,
                  perf_cents=perf, tenure_hundredths=np.round(tenure * 100).astype(np.int64))


def _draw(p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One category per row of probabilities ``p``."""
    u = rng.random(len(p))[:, None]
    return np.minimum((u > np.cumsum(p, axis=1)).sum(axis=1), p.shape[1] - 1)


def _plant_dominance(job, comp, employer, dominant, dominant_job, rng) -> None:
    """Give the dominant employer about ``DOMINANT_SHARE`` of one job category's pay (in place).

    Enough of its own people move into the job to reach the share; if it has too few people
    for that, other employers' people in the job move to the neighbouring job instead."""
    own = employer == dominant
    in_job = job == dominant_job
    theirs = comp[in_job & ~own].sum()
    wanted = theirs * DOMINANT_SHARE / (1 - DOMINANT_SHARE)
    pool = rng.permutation(np.flatnonzero(own & ~in_job))
    have = comp[own & in_job].sum()
    reach = np.searchsorted(np.cumsum(comp[pool]), max(wanted - have, 0.0))
    job[pool[: reach + 1]] = dominant_job
    mine = comp[own & (job == dominant_job)].sum()
    others = rng.permutation(np.flatnonzero((job == dominant_job) & ~own))
    allowed = mine * (1 - DOMINANT_SHARE) / DOMINANT_SHARE
    moved = others[np.cumsum(comp[others]) > allowed]
    job[moved] = dominant_job - 1
