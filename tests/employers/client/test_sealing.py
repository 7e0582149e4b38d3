"""Sealing: masks hide the vector, sums unmask exactly, bindings refuse any swap."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.layout import Aggregate, VectorBuilder, layout_for
from protocol.sealing import (
    SEED_BYTES,
    SealingError,
    elements_from_bytes,
    envelope_parse,
    mask_expand,
    new_private_key,
    ring_add,
    seal,
    seed_open,
)

LAYOUT = layout_for()
KEY = new_private_key()


def _seal(elements, *, employer=1, version=1, key=KEY, **kw):
    return seal(
        elements=elements, public_key=key.public_key(), cycle="2026", employer=employer, version=version,
        taxonomy="compact-2026", layout=LAYOUT.layout_id, **kw,
    )


def _unmask(envelopes, key=KEY) -> np.ndarray:
    total = np.zeros(LAYOUT.length, dtype=np.uint64)
    masks = np.zeros(LAYOUT.length, dtype=np.uint64)
    for doc in envelopes:
        env = envelope_parse(doc)
        total = ring_add(total, elements_from_bytes(env.masked_bytes))
        seed = seed_open(binding=env.binding, sealed_seed=env.sealed_seed, private_key=key)
        masks = ring_add(masks, mask_expand(seed, LAYOUT.length))
    return ring_add(total, masks)


def _bounded_vectors(draw_ints, n):
    """n vectors whose plain sums reach 2^63 - 1 and wide sums (2^127 - 1) exactly at the bound."""
    vectors = []
    plain_total, wide_total = (1 << 63) - 1, (1 << 127) - 1
    plain_parts = [plain_total // n] * n
    plain_parts[0] += plain_total - sum(plain_parts)
    wide_parts = [wide_total // n] * n
    wide_parts[0] += wide_total - sum(wide_parts)
    for i in range(n):
        b = VectorBuilder(LAYOUT)
        b.set("submissions", [1])
        b.set("comp_sum", [plain_parts[i]] + draw_ints(269))
        b.set("comp_dominance", [wide_parts[i]] + [-(v + 1) for v in draw_ints(439)])
        vectors.append(b.elements())
    return vectors


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 12), seed=st.integers(0, 2**32 - 1))
def test_the_unmasked_sum_equals_the_plain_sum_exactly_even_at_the_bounds(n, seed):
    rng = np.random.default_rng(seed)
    vectors = _bounded_vectors(lambda k: [int(x) for x in rng.integers(0, 1000, size=k)], n)
    result = Aggregate(LAYOUT, _unmask([_seal(v, employer=i + 1) for i, v in enumerate(vectors)]))
    expected = [Aggregate(LAYOUT, v) for v in vectors]
    assert result.scalar("submissions") == n
    assert result.get("comp_sum")[0, 0] == (1 << 63) - 1
    assert result.get("comp_dominance")[0, 0] == (1 << 127) - 1
    assert list(result.get("comp_sum").ravel()) == list(
        np.sum([e.get("comp_sum").ravel().astype(object) for e in expected], axis=0)
    )
    assert list(result.get("comp_dominance").ravel()) == list(
        np.sum([e.get("comp_dominance").ravel() for e in expected], axis=0)
    )


def test_a_masked_vector_looks_random_and_never_contains_the_values():
    builder = VectorBuilder(LAYOUT)
    builder.set("submissions", [1])
    builder.set("comp_sum", [8_500_000] * 270)
    doc = _seal(builder.elements())
    masked = elements_from_bytes(envelope_parse(doc).masked_bytes)
    assert 8_500_000 not in set(masked.tolist())
    # Each byte value appears about equally often (a crude but effective randomness check).
    counts = np.bincount(np.frombuffer(masked.tobytes(), dtype=np.uint8), minlength=256)
    assert counts.min() > 0.8 * counts.mean() and counts.max() < 1.2 * counts.mean()


def test_two_seals_of_the_same_vector_differ():
    v = np.ones(LAYOUT.length, dtype=np.uint64)
    assert _seal(v)["masked_vector"] != _seal(v)["masked_vector"]


@pytest.mark.parametrize("field", ["cycle", "employer", "version", "taxonomy", "layout", "key_fingerprint", "masked_sha256"])
def test_a_seed_opens_only_under_its_own_binding(field):
    env = envelope_parse(_seal(np.ones(LAYOUT.length, dtype=np.uint64)))
    changed = {"employer": 99, "version": 7}.get(field, "x" * 10)
    swapped = dataclasses.replace(env.binding, **{field: changed})
    with pytest.raises(SealingError, match="does not open under its binding"):
        seed_open(binding=swapped, sealed_seed=env.sealed_seed, private_key=KEY)
    assert len(seed_open(binding=env.binding, sealed_seed=env.sealed_seed, private_key=KEY)) == SEED_BYTES


def test_the_wrong_office_key_cannot_open_a_seed():
    env = envelope_parse(_seal(np.ones(LAYOUT.length, dtype=np.uint64)))
    with pytest.raises(SealingError):
        seed_open(binding=env.binding, sealed_seed=env.sealed_seed, private_key=new_private_key())


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(masked_vector=d["masked_vector"][:-8] + "AAAAAAA="), "altered after sealing"),
        (lambda d: d.update(masked_vector="not base64!"), "not valid base64"),
        (lambda d: d.update(sealed_seed=d["sealed_seed"][:-4]), "not valid base64|bytes instead of"),
        (lambda d: d.update(format="something/1"), "not a Talent Compact sealed file"),
        (lambda d: d.pop("employer"), "lacks employer"),
        (lambda d: d.update(version=0), "positive whole number"),
        (lambda d: d.update(version=True), "positive whole number"),
    ],
)
def test_a_tampered_or_malformed_envelope_is_refused_with_a_reason(mutate, message):
    doc = copy.deepcopy(_seal(np.ones(LAYOUT.length, dtype=np.uint64)))
    mutate(doc)
    with pytest.raises(SealingError, match=message):
        envelope_parse(doc)


def test_an_envelope_is_refused_when_not_an_object():
    with pytest.raises(SealingError, match="JSON object"):
        envelope_parse([1, 2])
