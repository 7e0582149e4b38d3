"""Pay quarters, exact sums and regression moments, each against an independent computation."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from employers.client.check import check_frame
from employers.client.quartiles import quartile_millis
from employers.client.sufficient_statistics import log_pay_fixed_point, tenure_whole_months
from employers.client.synthetic import synthetic_employees
from employers.client.vector import vector_from
from protocol.exact import group_sums, group_sums_of_squares, round_half_even_div
from protocol.layout import Aggregate, layout_for, regression_group_regressors
from protocol.taxonomy import load

TAX = load()


def test_a_tie_straddling_quarter_boundaries_is_shared_in_proportion():
    # n = 3, pay [10, 20, 20]: boundaries at 3, 6, 9 in rank units x4.
    # Person 0 spans [0, 4): 3/4 in Q1, 1/4 in Q2. The tie spans [4, 12): 2/8 Q2, 3/8 Q3, 3/8 Q4.
    pay = np.array([20, 10, 20])
    gender = np.array([0, 1, 1])  # the tie holds one woman and one man
    (millis,) = quartile_millis(pay, [(gender, 3)])
    assert millis.tolist() == [[0, 750, 0], [250, 250 + 250, 0], [375, 375, 0], [375, 375, 0]]


def test_everyone_on_the_same_pay_is_a_quarter_in_each_quarter():
    (millis,) = quartile_millis(np.full(5, 100), [(np.array([0, 0, 1, 2, 2]), 3)])
    assert millis.tolist() == [[500, 250, 500]] * 4


@settings(max_examples=100, deadline=None)
@given(pay=st.lists(st.integers(1, 6), min_size=1, max_size=40), data=st.data())
def test_quarter_millis_match_a_person_by_person_fraction_count(pay, data):
    codes = np.array(data.draw(st.lists(st.integers(0, 2), min_size=len(pay), max_size=len(pay))))
    pay = np.array(pay)
    (millis,) = quartile_millis(pay, [(codes, 3)])
    n = len(pay)
    expected = np.zeros((4, 3), dtype=np.int64)
    for value in np.unique(pay):
        group = np.flatnonzero(pay == value)
        start = int((pay < value).sum())
        lo, hi = 4 * start, 4 * (start + len(group))
        for q in range(4):
            overlap = max(0, min(hi, (q + 1) * n) - max(lo, q * n))
            for cat in range(3):
                c = int((codes[group] == cat).sum())
                expected[q, cat] += round(Fraction(1000 * c * overlap, 4 * len(group)))
    assert millis.tolist() == expected.tolist()
    assert abs(int(millis.sum()) - 1000 * n) <= 3 * 4 * len(np.unique(pay))  # rounding only


def test_half_way_rounding_goes_to_the_even_neighbour():
    assert [round_half_even_div(n, 2) for n in (1, 3, 5, -1, -3)] == [0, 2, 2, 0, -2]
    assert round_half_even_div(7, 3) == 2 and round_half_even_div(8, 3) == 3


def test_group_sums_are_exact_far_beyond_float_precision():
    values = np.array([2**61 + 1, 2**61 + 3, -(2**61), 7], dtype=np.int64)
    groups = np.array([0, 0, 1, 1])
    assert group_sums(values, groups, 2) == [2**62 + 4, -(2**61) + 7]
    big = np.array([10**10, 10**10 - 1], dtype=np.int64)
    assert group_sums_of_squares(big, np.array([0, 0]), 1) == [10**20 + (10**10 - 1) ** 2]


def test_pooled_regression_moments_equal_the_row_by_row_products():
    frame = synthetic_employees(n=400, seed=11)
    result = check_frame(frame)
    agg = Aggregate(layout_for(), vector_from(result, layout_for()))
    people = result.people
    names = regression_group_regressors(TAX)
    y = log_pay_fixed_point(people.compensation, 24).astype(object)
    m = tenure_whole_months(people.tenure).astype(object)
    codes = {"race": [c.code for c in TAX.race_ethnicity], "job": [c.code for c in TAX.job_category]}
    x = np.zeros((len(people), len(names)), dtype=object)
    for i in range(len(people)):
        tags = {"intercept", f"race:{codes['race'][people.race[i]]}", f"job:{codes['job'][people.job[i]]}"}
        x[i] = [1 if n in tags else 0 for n in names[:-2]] + [m[i], m[i] * m[i]]
    iu = np.triu_indices(len(names))
    for g in range(3):
        rows = people.gender == g
        xtx = (x[rows].T @ x[rows])[iu]
        assert agg.get("reg_xtx")[g].tolist() == xtx.tolist()
        assert agg.get("reg_xty")[g].tolist() == (x[rows].T @ y[rows]).tolist()
        assert agg.get("reg_yty")[g, 0] == int((y[rows] * y[rows]).sum())


def test_regression_log_pay_is_fixed_point_with_ties_to_even():
    assert log_pay_fixed_point(np.array([100]), 24).tolist() == [0]  # ln(1 dollar) = 0
    assert tenure_whole_months(np.array([2449, 2450, 2451])).tolist() == [24, 25, 25]


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.integers(-(2**62) + 1, 2**62 - 1), min_size=1, max_size=300), data=st.data())
def test_group_sums_equal_python_integer_sums(values, data):
    groups = data.draw(st.lists(st.integers(0, 4), min_size=len(values), max_size=len(values)))
    expected = [sum(v for v, g in zip(values, groups, strict=True) if g == k) for k in range(5)]
    assert group_sums(np.array(values, dtype=np.int64), np.array(groups), 5) == expected
