"""Employer populations as the disclosure engine sees them: per-employer cell sums, cohort totals.

Guarantees:
- ``population_generate`` is a pure function of its arguments and seed; it draws people, so
  every sum, employer count, dominance term and histogram it derives is exactly what the real
  employer-side vectors of the same people would add up to.
- ``population_cohorts`` builds exact ``CohortTotals`` (all, each industry, each size band) from
  a population; dominance terms are exact integers (no float on the way).
- ``population_from_people`` turns drawn people (``populations.realistic``) into a
  ``Population``; ``cohorts_unmasked`` gives the cohorts the service would unmask for it: the
  family ``aggregation.cohort_guard.cohorts_propose`` chooses, as a real cycle does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aggregation.cohort_guard import cohorts_propose
from aggregation.disclosure.cohorts import CohortTotals, atom_name
from aggregation.disclosure.tables import TableStructure, structure_for
from populations.realistic import People, people_draw, roster_realistic

SIZE_EDGES = (1, 50, 200, 500)
JOB_BASE_PAY = (220_000, 130_000, 100_000, 70_000, 60_000, 50_000, 60_000, 45_000, 38_000, 35_000)
JOB_SHARE = (0.03, 0.10, 0.25, 0.08, 0.08, 0.14, 0.07, 0.09, 0.06, 0.10)
RACE_SHARE = (0.12, 0.55, 0.12, 0.005, 0.12, 0.015, 0.007, 0.03, 0.033)
GENDER_SHARE = (0.48, 0.51, 0.01)
GENDER_PAY = (0.93, 1.0, 0.9)


@dataclass(frozen=True)
class Population:
    """Employers and their people.

    Per employer: ``industry``/``size_band`` (indexes into the taxonomy lists) and the
    per-finest-cell sums ``headcount``, ``comp`` (cents), ``perf`` (cents), ``tenure``
    (hundredths of a month), shaped (employers, 270); ``rows`` says whether the employer sent
    employee-level rows (only those feed histograms). ``person_*`` describe every person.
    """

    industry: np.ndarray
    size_band: np.ndarray
    headcount: np.ndarray
    comp: np.ndarray
    perf: np.ndarray
    tenure: np.ndarray
    rows: np.ndarray
    person_employer: np.ndarray
    person_cell: np.ndarray
    person_comp: np.ndarray

    @property
    def n_employers(self) -> int:
        return len(self.industry)


def population_from_people(people: People, *, rows: np.ndarray, industry: np.ndarray,
                           structure: TableStructure | None = None) -> Population:
    """The per-employer cell sums of drawn people (``rows``: employers that sent rows)."""
    structure = structure or structure_for()
    tax = structure.layout.taxonomy
    nr, ng = len(tax.labels("race_ethnicity")), len(tax.labels("gender"))
    n_emp = len(rows)
    cell = (people.job * nr + people.race) * ng + people.gender
    index = people.employer * structure.n_finest + cell

    def per_employer(values: np.ndarray) -> np.ndarray:
        flat = _int_bincount(index, values, n_emp * structure.n_finest)
        return flat.reshape(n_emp, structure.n_finest)

    sizes = np.bincount(people.employer, minlength=n_emp)
    return Population(
        industry=np.asarray(industry, dtype=np.int64),
        size_band=size_band_of(sizes),
        headcount=per_employer(np.ones(len(cell), dtype=np.int64)),
        comp=per_employer(people.comp_cents),
        perf=per_employer(people.perf_cents),
        tenure=per_employer(people.tenure_hundredths),
        rows=np.asarray(rows, dtype=bool),
        person_employer=people.employer,
        person_cell=cell,
        person_comp=people.comp_cents,
    )


def population_realistic(n_employers: int, *, seed: int) -> Population:
    """A realistic compact (``populations.realistic``) as per-employer cell sums."""
    roster = roster_realistic(n_employers, seed=seed)
    people = people_draw(roster, seed=seed + 1)
    return population_from_people(people, rows=roster.rows, industry=roster.industry)


def cohorts_unmasked(
    pop: Population, *, min_cohort_employers: int = 8, structure: TableStructure | None = None
) -> list[CohortTotals]:
    """The cohorts a cycle of this population unmasks: the guarded family of
    ``cohorts_propose`` (all, then each industry and size band that keeps it safe)."""
    structure = structure or structure_for()
    tax = structure.layout.taxonomy
    members = {
        e: (tax.industries[i], tax.size_bands[s])
        for e, (i, s) in enumerate(zip(pop.industry, pop.size_band, strict=True))
    }
    family = cohorts_propose(members, min_employers=min_cohort_employers)
    atom_of = _atoms_of(pop, tax)
    out = []
    for cohort in family:
        chosen = np.zeros(pop.n_employers, dtype=bool)
        chosen[sorted(cohort.members)] = True
        out.append(cohort_from_population(
            pop, chosen, kind=cohort.kind, value=cohort.value,
            atoms=frozenset(atom_of[chosen].tolist()), structure=structure,
        ))
    return out


def _atoms_of(pop: Population, tax) -> np.ndarray:
    return np.array(
        [atom_name(tax.industries[i], tax.size_bands[s])
         for i, s in zip(pop.industry, pop.size_band, strict=True)]
    )


def size_band_of(sizes: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.asarray(SIZE_EDGES), sizes, side="right") - 1


def population_generate(
    *,
    sizes: np.ndarray,
    industries: np.ndarray,
    seed: int,
    row_share: float = 0.8,
    structure: TableStructure | None = None,
) -> Population:
    """People for employers of the given sizes and industries (indexes), drawn reproducibly."""
    structure = structure or structure_for()
    rng = np.random.default_rng(seed)
    sizes = np.asarray(sizes, dtype=np.int64)
    n_emp = len(sizes)
    nj, nr, ng = len(JOB_SHARE), len(RACE_SHARE), len(GENDER_SHARE)
    job_p = rng.dirichlet(np.asarray(JOB_SHARE) * 20, size=n_emp)
    race_p = rng.dirichlet(np.asarray(RACE_SHARE) * 60, size=n_emp)
    person_employer = np.repeat(np.arange(n_emp), sizes)
    n_people = len(person_employer)
    u = rng.random((3, n_people))
    job = (u[0][:, None] > np.cumsum(job_p, axis=1)[person_employer]).sum(axis=1)
    race = (u[1][:, None] > np.cumsum(race_p, axis=1)[person_employer]).sum(axis=1)
    gender = np.searchsorted(np.cumsum(GENDER_SHARE), u[2], side="right")
    job, race, gender = (np.minimum(a, n - 1) for a, n in ((job, nj), (race, nr), (gender, ng)))
    cell = (job * nr + race) * ng + gender
    employer_factor = rng.lognormal(0.0, 0.2, n_emp)
    pay = (
        np.asarray(JOB_BASE_PAY)[job]
        * np.asarray(GENDER_PAY)[gender]
        * employer_factor[person_employer]
        * rng.lognormal(0.0, 0.25, n_people)
    )
    comp = np.minimum(np.round(pay * 100), 10**10).astype(np.int64)
    bonus = rng.random(n_people) < 0.4
    perf = np.where(bonus, np.round(comp * 0.08 * rng.lognormal(0, 0.5, n_people)), 0).astype(
        np.int64
    )
    tenure = np.minimum(rng.exponential(6000.0, n_people), 120_000).astype(np.int64)

    def per_employer(values: np.ndarray) -> np.ndarray:
        index = person_employer * structure.n_finest + cell
        flat = _int_bincount(index, values, n_emp * structure.n_finest)
        return flat.reshape(n_emp, structure.n_finest)

    ones = np.ones(n_people, dtype=np.int64)
    return Population(
        industry=np.asarray(industries, dtype=np.int64),
        size_band=size_band_of(sizes),
        headcount=per_employer(ones),
        comp=per_employer(comp),
        perf=per_employer(perf),
        tenure=per_employer(tenure),
        rows=rng.random(n_emp) < row_share,
        person_employer=person_employer,
        person_cell=cell,
        person_comp=comp,
    )


def _int_bincount(index: np.ndarray, values: np.ndarray, length: int) -> np.ndarray:
    """Exact int64 bincount (numpy's weighted bincount goes through float64)."""
    out = np.zeros(length, dtype=np.int64)
    np.add.at(out, index, values.astype(np.int64))
    return out



def exact_square_sums(x: np.ndarray) -> tuple[int, ...]:
    """Column sums of x^2 as exact Python ints, for non-negative int64 x below 2^42."""
    x = np.asarray(x, dtype=np.int64)
    if x.size and (x.min() < 0 or x.max() >= 1 << 42):
        raise ValueError("exact_square_sums takes values in [0, 2^42)")
    hi, lo = x >> 21, x & ((1 << 21) - 1)
    a = (hi * hi).sum(axis=0)
    b = (hi * lo).sum(axis=0)
    c = (lo * lo).sum(axis=0)
    return tuple((int(p) << 42) + (int(q) << 22) + int(r) for p, q, r in zip(a, b, c, strict=True))


def _table_cells(structure: TableStructure, finest: np.ndarray) -> np.ndarray:
    """Per-employer table-cell sums: (employers, 270) -> (employers, 440), exact int64."""
    return np.asarray((structure.finest.astype(np.int64) @ finest.T).T, dtype=np.int64)


def cohort_from_population(
    pop: Population,
    members: np.ndarray,
    *,
    kind: str,
    value: str | None,
    atoms: frozenset[str],
    structure: TableStructure | None = None,
    n_bins: int | None = None,
    comp_bins_cents: np.ndarray | None = None,
) -> CohortTotals:
    """Exact cohort totals of the employers where ``members`` is true."""
    structure = structure or structure_for()
    tax = structure.layout.taxonomy
    edges = (
        comp_bins_cents
        if comp_bins_cents is not None
        else np.asarray(tax.compensation_bins_dollars, dtype=np.int64) * 100
    )
    n_bins = n_bins or len(edges)
    members = np.asarray(members, dtype=bool)
    h = _table_cells(structure, pop.headcount[members])
    c = _table_cells(structure, pop.comp[members])
    p = _table_cells(structure, pop.perf[members])
    t = _table_cells(structure, pop.tenure[members])
    rows = pop.rows[members]
    people = members[pop.person_employer] & pop.rows[pop.person_employer]
    hist = np.zeros((len(structure.layout.scopes["hist_cell"]), n_bins), dtype=np.int64)
    finest_hist_cells = _finest_to_hist(structure)
    bins = np.searchsorted(edges, pop.person_comp[people], side="right") - 1
    for slot in range(finest_hist_cells.shape[1]):
        np.add.at(hist, (finest_hist_cells[pop.person_cell[people], slot], bins), 1)
    return CohortTotals(
        kind=kind,
        value=value,
        atoms=atoms,
        headcount=h.sum(axis=0),
        comp_sum=c.sum(axis=0),
        perf_sum=p.sum(axis=0),
        tenure_sum=t.sum(axis=0),
        employers=(h > 0).sum(axis=0).astype(np.int64),
        headcount_dominance=exact_square_sums(h),
        comp_dominance=exact_square_sums(c),
        perf_dominance=exact_square_sums(p),
        row_headcount=h[rows].sum(axis=0),
        row_employers=(h[rows] > 0).sum(axis=0).astype(np.int64),
        comp_hist=hist,
        structure=structure,
    )


def _finest_to_hist(structure: TableStructure) -> np.ndarray:
    """(270, 2): the J x G and the R x G histogram cell of every finest cell."""
    labels = structure.layout.scopes["cell"]
    hist_labels = structure.layout.scopes["hist_cell"]
    out = np.zeros((len(labels), 2), dtype=np.int64)
    for f, lab in enumerate(labels):
        jg = next(i for i, h in enumerate(hist_labels) if set(h) == {"job_category", "gender"}
                  and h["job_category"] == lab["job_category"] and h["gender"] == lab["gender"])
        rg = next(i for i, h in enumerate(hist_labels) if set(h) == {"race_ethnicity", "gender"}
                  and h["race_ethnicity"] == lab["race_ethnicity"] and h["gender"] == lab["gender"])
        out[f] = (jg, rg)
    return out


def population_cohorts(
    pop: Population,
    *,
    structure: TableStructure | None = None,
    min_cohort_employers: int = 8,
    kinds: tuple[str, ...] = ("industry", "size"),
) -> list[CohortTotals]:
    """"all", and every industry and size band (of ``kinds``) with enough employers."""
    structure = structure or structure_for()
    tax = structure.layout.taxonomy
    atom_of = np.array(
        [atom_name(tax.industries[i], tax.size_bands[s])
         for i, s in zip(pop.industry, pop.size_band, strict=True)]
    )
    out = [
        cohort_from_population(
            pop, np.ones(pop.n_employers, bool), kind="all", value=None,
            atoms=frozenset(atom_of.tolist()), structure=structure,
        )
    ]
    for kind, codes, names in (
        ("industry", pop.industry, tax.industries),
        ("size", pop.size_band, tax.size_bands),
    ):
        if kind not in kinds:
            continue
        for idx, name in enumerate(names):
            members = codes == idx
            if members.sum() < min_cohort_employers:
                continue
            out.append(
                cohort_from_population(
                    pop, members, kind=kind, value=name,
                    atoms=frozenset(atom_of[members].tolist()), structure=structure,
                )
            )
    return out


def cohort_members(
    pop: Population, cohorts: list[CohortTotals], *, structure: TableStructure | None = None
) -> dict[tuple[str, str | None], np.ndarray]:
    """Which employers make up each cohort (by its atoms)."""
    tax = (structure or structure_for()).layout.taxonomy
    atom_of = np.array(
        [atom_name(tax.industries[i], tax.size_bands[s])
         for i, s in zip(pop.industry, pop.size_band, strict=True)]
    )
    return {c.key: np.isin(atom_of, sorted(c.atoms)) for c in cohorts}
