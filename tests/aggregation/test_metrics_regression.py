"""Adjusted gaps and Oaxaca–Blinder from summed moments equal statsmodels on the pooled rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.oaxaca import OaxacaBlinder

from aggregation.metrics.regression import (
    adjusted_gap,
    fit_group,
    fit_pooled,
    fit_within,
    oaxaca_two_fold,
)
from employers.client.check import check_frame
from employers.client.synthetic import synthetic_employees
from employers.client.vector import vector_from
from protocol import taxonomy
from protocol.layout import Aggregate, layout_for, regression_group_regressors
from protocol.sealing import ring_add

TAX = taxonomy.load()
LAYOUT = layout_for()
BITS = TAX.fixed_point_bits


@pytest.fixture(scope="module")
def compact():
    """Twelve employers of different sizes and gaps; their summed vector and their rows."""
    frames, total = [], np.zeros(LAYOUT.length, dtype=np.uint64)
    for i in range(12):
        frame = synthetic_employees(n=250 + 60 * i, seed=500 + i, gender_gap=0.05 + 0.01 * i)
        result = check_frame(frame)
        assert result.ok
        total = ring_add(total, vector_from(result, LAYOUT))
        frame = frame.assign(employer=i)
        frames.append(frame)
    return Aggregate(LAYOUT, total), pd.concat(frames, ignore_index=True)


def design(rows: pd.DataFrame, *, genders=True, const=True) -> pd.DataFrame:
    """The regressors in the order the metrics use, from the raw rows."""
    ref = TAX.regression_reference
    cols = {}
    if const:
        cols["intercept"] = np.ones(len(rows))
    for c in TAX.race_ethnicity:
        if c.code != ref["race_ethnicity"]:
            cols[f"race:{c.code}"] = (rows["Race/Ethnicity"] == c.label).astype(float)
    for c in TAX.job_category:
        if c.code != ref["job_category"]:
            cols[f"job:{c.code}"] = (rows["Job Category"] == c.label).astype(float)
    months = rows["Tenure (months)"].astype(float)
    cols["tenure_months"], cols["tenure_months_sq"] = months, months**2
    if genders:
        for c in TAX.gender:
            if c.code != ref["gender"]:
                cols[f"gender:{c.code}"] = (rows["Gender"] == c.label).astype(float)
    return pd.DataFrame(cols)


def log_pay(rows: pd.DataFrame, *, quantised: bool) -> np.ndarray:
    cents = np.round(rows["Annual Compensation"].to_numpy() * 100).astype(np.int64)
    y = np.log(cents / 100.0)
    return np.rint(y * (1 << BITS)) / (1 << BITS) if quantised else y


def rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-12)


@pytest.mark.parametrize("quantised", [True, False])
def test_the_pooled_model_matches_statsmodels(compact, quantised):
    aggregate, rows = compact
    ours = fit_pooled(aggregate)
    x = design(rows)[ours.names]
    model = sm.OLS(log_pay(rows, quantised=quantised), x).fit()
    tolerance = 1e-9 if quantised else 1e-6
    for name in ("gender:female", "gender:nonbinary", "tenure_months", "job:1.1", "race:black"):
        assert rel(ours.coef(name), model.params[name]) < tolerance, name
    assert rel(ours.stderr("gender:female"), model.bse["gender:female"]) < tolerance
    if quantised:
        assert np.allclose(ours.beta, model.params.to_numpy(), rtol=1e-9, atol=1e-12)
        assert np.allclose(ours.se, model.bse.to_numpy(), rtol=1e-8)


def test_employer_fixed_effects_match_statsmodels_with_employer_dummies(compact):
    aggregate, rows = compact
    ours = fit_within(aggregate)
    x = design(rows, const=False)
    dummies = pd.get_dummies(rows["employer"], prefix="employer", dtype=float)
    lsdv = pd.concat([x, dummies], axis=1)
    model = sm.OLS(log_pay(rows, quantised=True), lsdv).fit()
    for name in ours.names:
        assert rel(ours.coef(name), model.params[name]) < 1e-6, name
    assert rel(ours.stderr("gender:female"), model.bse["gender:female"]) < 1e-6
    assert ours.df_resid == model.df_resid


@pytest.mark.parametrize("quantised", [True, False])
def test_oaxaca_blinder_matches_statsmodels_pooled_two_fold(compact, quantised):
    aggregate, rows = compact
    mf = rows[rows["Gender"].isin(["Male", "Female"])]
    x = design(mf, genders=False)
    x["female"] = (mf["Gender"] == "Female").astype(float).to_numpy()
    ob = OaxacaBlinder(log_pay(mf, quantised=quantised), x.to_numpy(), bifurcate=x.columns.get_loc("female"),
                       hasconst=True)
    unexplained, explained, gap = ob.two_fold().params
    ours = oaxaca_two_fold(aggregate)
    tolerance = 1e-9 if quantised else 1e-6
    assert rel(ours.gap, gap) < tolerance
    assert rel(ours.explained, explained) < tolerance
    assert rel(ours.unexplained, unexplained) < tolerance
    assert abs(ours.explained + ours.unexplained - ours.gap) < 1e-12


def test_group_models_match_statsmodels(compact):
    aggregate, rows = compact
    women = rows[rows["Gender"] == "Female"]
    ours = fit_group(aggregate, "female")
    model = sm.OLS(log_pay(women, quantised=True), design(women, genders=False)).fit()
    assert np.allclose(ours.beta, model.params.to_numpy(), rtol=1e-9, atol=1e-12)
    assert ours.names == regression_group_regressors(TAX)


def test_the_adjusted_gap_has_a_95_percent_interval_around_it(compact):
    aggregate, _ = compact
    gap = adjusted_gap(fit_pooled(aggregate))
    low, high = gap["ci95"]
    assert low < gap["gap"] < high
    # Synthetic pay is 5-16 log points lower for women, other things equal.
    assert 0.04 < gap["gap"] < 0.17
