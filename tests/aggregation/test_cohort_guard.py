"""The cohort guard, played against a curious service that wants one employer's vector."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregation.cohort_guard import (
    Cohort,
    cohorts_propose,
    family_check,
    family_smallest_isolation,
)

MIN = 8


def members(n: int, seed: int = 0) -> dict[int, tuple[str, str]]:
    rng = random.Random(seed)
    return {i: (rng.choice("ABCDE"), rng.choice(["1-49", "50-199", "500+"])) for i in range(n)}


def everyone(n: int) -> Cohort:
    return Cohort("all", None, frozenset(range(n)))


def test_a_cohort_of_one_is_refused():
    problems = family_check([everyone(40), Cohort("industry", "X", frozenset({7}))], min_employers=MIN)
    assert any("has 1 employer(s); the minimum is 8" in p for p in problems)


def test_all_and_all_but_one_are_refused_because_they_difference_to_one_employer():
    all_but = Cohort("industry", "almost", frozenset(range(1, 40)))
    problems = family_check([everyone(40), all_but], min_employers=MIN)
    assert problems and "1 employer(s) isolated by +1×[all] -1×[industry:almost]" in problems[0]


def test_all_minus_the_published_industries_is_caught_when_the_rest_is_small():
    # Three big industries and one of 5 employers: "all" minus the three isolates the five.
    groups = [range(0, 10), range(10, 20), range(20, 30)]
    cohorts = [everyone(35)] + [Cohort("industry", str(i), frozenset(g)) for i, g in enumerate(groups)]
    isolation = family_smallest_isolation(cohorts, limit=MIN)
    assert isolation is not None and isolation.employers == frozenset(range(30, 35))


def test_two_overlapping_cohorts_cannot_be_used_to_single_out_their_intersection():
    # Industry A (12) and size S (12) share 3 employers; with "all", is A∩S recoverable? No:
    # sums of A, S and all span no indicator of the intersection.
    a = frozenset(range(0, 12))
    s = frozenset(range(9, 21))
    cohorts = [everyone(40), Cohort("industry", "A", a), Cohort("size", "S", s)]
    assert family_check(cohorts, min_employers=MIN) == []
    # But A and "A plus three more" difference down to three.
    assert family_check([everyone(40), Cohort("industry", "A", a), Cohort("size", "A3", a | {30, 31, 32})],
                        min_employers=MIN)


def test_the_service_proposes_only_families_the_office_accepts():
    for seed in range(5):
        m = members(70, seed)
        family = cohorts_propose(m, min_employers=MIN)
        assert family[0].kind == "all"
        assert family_check(family, min_employers=MIN) == []
        assert all(len(c.members) >= MIN for c in family)


def test_too_few_employers_means_nothing_is_proposed():
    assert cohorts_propose(members(MIN - 1), min_employers=MIN) == []


@settings(max_examples=25, deadline=None)
@given(n=st.integers(MIN, 60), seed=st.integers(0, 10**6))
def test_no_combination_of_an_accepted_family_isolates_a_small_group_brute_force(n, seed):
    m = members(n, seed)
    family = cohorts_propose(m, min_employers=MIN)
    # Independent check by brute force: every combination with small integer weights.
    for weights in itertools.product((-1, 0, 1), repeat=min(len(family), 6)):
        if not any(weights):
            continue
        touched = {
            e for e in m
            if sum(w for w, c in zip(weights, family, strict=False) if e in c.members) != 0
        }
        assert not touched or len(touched) >= MIN


@pytest.mark.parametrize("minimum", [3, 5, 8])
def test_the_minimum_is_respected_exactly(minimum):
    cohorts = [everyone(30), Cohort("industry", "X", frozenset(range(minimum, 30)))]
    # all − X = the first `minimum` employers: allowed exactly at the minimum.
    assert family_check(cohorts, min_employers=minimum) == []
    assert family_check(cohorts, min_employers=minimum + 1)
