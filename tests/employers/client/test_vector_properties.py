"""Properties of the vector over random extracts (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from employers.client.check import check_frame
from employers.client.synthetic import synthetic_employees
from employers.client.vector import vector_from
from protocol.histogram import interpolated_median
from protocol.layout import Aggregate, layout_for
from protocol.taxonomy import load

LAYOUT = layout_for()
TAX = load()
# Sums over people: the vector of two extracts concatenated is the sum of their vectors.
ADDITIVE = (
    "headcount", "comp_sum", "perf_sum", "tenure_sum", "row_headcount", "row_comp_sum", "row_perf_sum",
    "row_tenure_sum", "perf_recipients", "hours_headcount", "hours_sum", "hours_comp_sum", "comp_sumsq",
    "perf_sumsq", "tenure_sumsq", "comp_hist", "perf_hist", "reg_xtx", "reg_xty", "reg_yty",
)
# Per employer by definition: counted once per submission, or squares/ranks/means of its totals.
PER_EMPLOYER = (
    "submissions", "row_submissions", "workbook_submissions", "employers", "row_employers",
    "headcount_dominance", "comp_dominance", "perf_dominance", "quartile_millis", "quartile_employers",
    "quartile_dominance", "within_ztz", "within_zty", "within_yty", "within_n", "within_employers",
)

JOB_SPELLINGS = ["2 Professionals", "1.1", "EEO-1 1.2", "Technicians", "9", "Sales", "bogus job"]
RACE_SPELLINGS = ["White", "Hispanic/Latinx", "Asian", "Black", "MENA", "", "Martian"]
GENDER_SPELLINGS = ["F", "Male", "Nonbinary", "woman", "", "?"]
MONEY = st.one_of(
    st.integers(0, 10**12).map(lambda c: f"{c // 100}.{c % 100:02d}"),
    st.integers(1, 10**9).map(lambda c: f"${c // 100:,}.{c % 100:02d}"),
    st.sampled_from(["", "-5", "abc", "1.234", "(3.00)", "100000000.01"]),
)
ROW = st.tuples(
    st.integers(0, 40).map(lambda i: f"E{i}"),
    st.sampled_from(JOB_SPELLINGS), st.sampled_from(RACE_SPELLINGS), st.sampled_from(GENDER_SPELLINGS),
    MONEY, st.one_of(st.just(""), MONEY),
    st.one_of(st.integers(0, 1300).map(str), st.sampled_from(["", "x", "12.5"])),
    st.one_of(st.just(""), st.integers(0, 9000).map(str)),
)
HEADER = ["Employee ID", "Job Category", "Race/Ethnicity", "Gender", "Annual Compensation",
          "Performance Pay", "Tenure (months)", "Annual Hours"]


def test_the_blocks_are_classified_as_additive_or_per_employer_without_gaps():
    assert sorted(ADDITIVE + PER_EMPLOYER) == sorted(b.name for b in LAYOUT.blocks)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(ROW, min_size=1, max_size=40))
def test_no_row_is_lost_or_counted_twice(rows):
    result = check_frame(pd.DataFrame(rows, columns=HEADER))
    summary = result.summary
    assert summary.rows_read == len(rows)
    assert summary.rows_used + summary.rows_excluded == summary.rows_read
    assert summary.people == summary.rows_used == len(result.people)
    if result.ok:
        agg = Aggregate(LAYOUT, vector_from(result, LAYOUT))
        assert agg.get("headcount").sum() == summary.rows_used
        assert agg.get("comp_hist").sum() == 2 * summary.rows_used
        by_jg = agg.get("headcount").reshape(10, 9, 3).sum(axis=1)
        assert by_jg.tolist() == [list(r) for r in summary.headcount_by_job_gender]
    else:
        assert summary.rows_excluded > 0


def _vector(frame: pd.DataFrame) -> Aggregate:
    result = check_frame(frame)
    assert result.ok, [i.message for i in result.issues[:3]]
    return Aggregate(LAYOUT, vector_from(result, LAYOUT))


@settings(max_examples=15, deadline=None)
@given(seed_a=st.integers(0, 49_999), seed_b=st.integers(50_000, 99_999),
       n_a=st.integers(1, 300), n_b=st.integers(1, 300))
def test_two_extracts_concatenated_give_the_sum_of_their_vectors_on_additive_blocks(seed_a, seed_b, n_a, n_b):
    a = synthetic_employees(n=n_a, seed=seed_a)
    b = synthetic_employees(n=n_b, seed=seed_b, with_hours=seed_b % 2 == 0)
    if "Annual Hours" not in b:
        b["Annual Hours"] = np.nan
    both = _vector(pd.concat([a, b], ignore_index=True))
    va, vb = _vector(a), _vector(b)
    for name in ADDITIVE:
        summed = np.asarray(va.get(name), dtype=object) + np.asarray(vb.get(name), dtype=object)
        assert (np.asarray(both.get(name), dtype=object) == summed).all(), name
    # and the per-employer blocks really are not sums in general:
    assert both.scalar("submissions") == 1 and both.scalar("within_n") == n_a + n_b


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(200, 3000), gap=st.floats(0.0, 0.3))
def test_medians_from_the_vector_are_within_two_percent_of_the_exact_medians(seed, n, gap):
    frame = synthetic_employees(n=n, seed=seed, gender_gap=gap)
    agg = _vector(frame)
    hist = agg.get("comp_hist")
    jobs, genders = TAX.labels("job_category"), TAX.labels("gender")
    edges = TAX.compensation_bins_dollars
    checked = 0
    for j, job in enumerate(jobs):
        for g, gender in enumerate(genders):
            cents = np.round(frame.loc[(frame["Job Category"] == job) & (frame["Gender"] == gender),
                                       "Annual Compensation"].to_numpy() * 100).astype(np.int64)
            if len(cents) < 5:
                continue
            middle = np.sort(cents)[[(len(cents) - 1) // 2, len(cents) // 2]] / 100
            if middle.min() < 19_240 or middle.max() >= 500_000:
                continue
            exact = float(np.median(cents)) / 100
            estimate = interpolated_median(hist[j * 3 + g], edges)
            assert abs(estimate - exact) / exact < 0.02, (job, gender, estimate, exact)
            checked += 1
    assert checked >= 3
