"""Test data builders shared across test packages."""

from __future__ import annotations

import dataclasses

import numpy as np

from protocol.layout import Layout, VectorBuilder


def random_vector(layout: Layout, rng: np.random.Generator, *, scale: int = 10**6) -> np.ndarray:
    """A plausible-looking vector: one submission, random counts and sums, some wide values."""
    builder = VectorBuilder(layout)
    builder.set("submissions", [1])
    for name in ("headcount", "comp_sum", "perf_sum", "tenure_sum"):
        builder.set(name, rng.integers(0, scale, size=layout.block(name).values))
    builder.set("comp_sumsq", [int(x) * 10**20 for x in rng.integers(0, scale, size=270)])
    builder.set("within_zty", [int(x) - scale // 2 for x in rng.integers(0, scale, size=21)])
    return builder.elements()


_SYNTHETIC: dict = {}


def synthetic_vectors(n: int, *, seed: int = 0, size: int = 120) -> list[np.ndarray]:
    """Vectors of ``n`` realistic synthetic employers (extract → check → vector), cached."""
    from employers.client.check import check_frame
    from employers.client.synthetic import synthetic_employees
    from employers.client.vector import vector_from
    from protocol.layout import layout_for

    key = (n, seed, size)
    if key not in _SYNTHETIC:
        layout = layout_for()
        vectors = []
        for i in range(n):
            result = check_frame(synthetic_employees(n=size + 37 * i, seed=seed * 1000 + i))
            assert result.ok
            vectors.append(vector_from(result, layout))
        _SYNTHETIC[key] = vectors
    return [v.copy() for v in _SYNTHETIC[key]]


_RELEASES: dict = {}


def synthetic_release(n: int = 10, *, seed: int = 0) -> tuple[dict, list[np.ndarray]]:
    """A real, audited release document (one cohort, "all") of ``n`` synthetic employers, with
    its metrics, and the employers' vectors; cached."""
    from aggregation.disclosure.cohorts import atom_name, cohort_totals_from_aggregate
    from aggregation.disclosure.export import release_document
    from aggregation.disclosure.policy import DisclosurePolicy
    from aggregation.disclosure.release import release_build
    from aggregation.services.releases import release_metrics
    from protocol.layout import Aggregate, layout_for
    from protocol.release import release_to_json
    from protocol.sealing import ring_add

    key = (n, seed)
    if key not in _RELEASES:
        vectors = synthetic_vectors(n, seed=seed)
        total = vectors[0]
        for v in vectors[1:]:
            total = ring_add(total, v)
        aggregate = Aggregate(layout_for(), total)
        cohort = cohort_totals_from_aggregate(aggregate, kind="all", value=None, atoms={atom_name("IT", "500+")})
        policy = DisclosurePolicy()
        draft = release_build(cohorts=[cohort], policy=policy)
        document = release_document(draft, cycle="2026", taxonomy="compact-2026", participants=n)
        document = dataclasses.replace(document, metrics=release_metrics(document, {"all": aggregate}, policy))
        _RELEASES[key] = (release_to_json(document), vectors)
    document, vectors = _RELEASES[key]
    import copy

    return copy.deepcopy(document), [v.copy() for v in vectors]


def altered_after_sealing(doc: dict) -> dict:
    """A sealed file whose masked vector changed by one character (always a different one:
    the masked vector is random and may start with any base64 character)."""
    masked = doc["masked_vector"]
    return {**doc, "masked_vector": ("B" if masked[0] == "A" else "A") + masked[1:]}
