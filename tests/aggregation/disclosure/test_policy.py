"""Policy validation and the exact p% (dominance) rule."""

from fractions import Fraction

import pytest

from aggregation.disclosure import DisclosurePolicy, PolicyError
from aggregation.disclosure.policy import dominance_safe

POLICY = DisclosurePolicy()


@pytest.mark.parametrize("min_employers", [2, 1, 0])
def test_it_refuses_a_policy_with_fewer_than_three_employers_per_cell(min_employers):
    with pytest.raises(PolicyError, match="floor of 3"):
        DisclosurePolicy(min_employers=min_employers)


def test_it_accepts_the_floor_of_three_employers():
    assert DisclosurePolicy(min_employers=3).min_employers == 3


@pytest.mark.parametrize(
    "kwargs",
    [{"min_employees": 4}, {"p_percent": 0}, {"p_percent": 100}, {"version": ""},
     {"headcount_protection_people": 0}, {"median_min_employees": 9}, {"headcount_base": 0}],
)
def test_it_refuses_policies_that_would_not_protect(kwargs):
    with pytest.raises(PolicyError):
        DisclosurePolicy(**kwargs)


def test_the_dominance_factor_is_exact():
    assert POLICY.dominance_factor == Fraction(221, 100)


def test_the_p_rule_boundary_is_decided_exactly():
    # S^2 * 100 >= 221 * D: equality is safe, one more unit of D is not.
    assert dominance_safe(221, 22_100, POLICY)
    assert not dominance_safe(221, 22_101, POLICY)
    assert dominance_safe(15, 100, POLICY)
    assert not dominance_safe(14, 100, POLICY)


def test_the_p_rule_boundary_holds_beyond_float_precision():
    total = 221 * 10**18
    dominance = 22_100 * 10**36
    assert dominance_safe(total, dominance, POLICY)
    assert not dominance_safe(total, dominance + 1, POLICY)
    # A float test cannot tell these apart.
    assert float(total) ** 2 * 100 == float(221 * (dominance + 1))


def test_two_equal_employers_always_fail_and_five_equal_ones_pass():
    x = 1_234_567
    assert not dominance_safe(2 * x, 2 * x * x, POLICY)
    assert dominance_safe(5 * x, 5 * x * x, POLICY)


def test_one_dominant_employer_fails_although_the_cell_is_large():
    contributions = [900] + [10] * 10
    total = sum(contributions)
    assert not dominance_safe(total, sum(c * c for c in contributions), POLICY)


def test_the_public_policy_never_shows_p():
    public = DisclosurePolicy(p_percent=17).public_dict()
    assert public == {"version": "tc-disclosure/2026.2", "min_employees": 10,
                      "min_employers": 5, "rounding": {"headcount": 5}}
    assert "17" not in repr(public)
