"""Adjusted pay gaps from summed regression moments: pooled OLS, employer fixed effects, and a
two-fold Oaxaca–Blinder split — none of it needs a single row (docs/metrics.md).

The vector carries, per gender, exact X'X, X'Y and Y'Y for log pay on race, job category and
tenure (docs/vector.md), and the within-employer (demeaned) moments of the same regression with
gender dummies. Summed over employers these are the sufficient statistics of:

- the pooled model ln pay = a + b_F·female + b_N·nonbinary + race + job + tenure + tenure² (male,
  White and 2 Professionals are the references), assembled from the per-gender blocks;
- the employer fixed-effects model, the same without the intercept on employer-demeaned data,
  with K employers absorbed (residual degrees of freedom n − K − p);
- the two-fold Oaxaca–Blinder decomposition of the male–female gap in mean log pay, with
  separate male and female regressions and, as reference coefficients, the pooled male+female
  regression with a group indicator (statsmodels' default "pooled" two-fold).

Guarantees: the arithmetic matches OLS on the pooled rows to floating-point accuracy (the tests
compare with statsmodels); categories absent from the data are dropped, not estimated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from protocol.layout import (
    Aggregate,
    regression_group_regressors,
    regression_within_regressors,
)

Z95 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class Fit:
    names: list[str]
    beta: np.ndarray
    se: np.ndarray
    n: int
    df_resid: int

    def coef(self, name: str) -> float:
        return float(self.beta[self.names.index(name)])

    def stderr(self, name: str) -> float:
        return float(self.se[self.names.index(name)])


@dataclass(frozen=True)
class GroupMoments:
    """Exact moments of one gender's rows: X'X (p x p), X'Y, Y'Y and n; floats in natural units."""

    xtx: np.ndarray
    xty: np.ndarray
    yty: float
    n: int


def _symmetric(triangle, p: int) -> np.ndarray:
    out = np.zeros((p, p), dtype=object)
    iu, ju = np.triu_indices(p)
    out[iu, ju] = list(triangle)
    out[ju, iu] = list(triangle)
    return out


def group_moments(aggregate: Aggregate) -> dict[str, GroupMoments]:
    """Per-gender moments by gender code, in natural units (Y = ln dollars)."""
    tax = aggregate.layout.taxonomy
    bits = tax.fixed_point_bits
    p = len(regression_group_regressors(tax))
    xtx, xty, yty = aggregate.get("reg_xtx"), aggregate.get("reg_xty"), aggregate.get("reg_yty")
    out = {}
    for g, gender in enumerate(tax.gender):
        matrix = _symmetric(xtx[g], p)
        out[gender.code] = GroupMoments(
            xtx=matrix.astype(float),
            xty=np.array([float(v) / (1 << bits) for v in xty[g]]),
            yty=float(yty[g][0]) / (1 << (2 * bits)),
            n=int(matrix[0, 0]),
        )
    return out


def _solve(xtx: np.ndarray, xty: np.ndarray, yty: float, n: int, names: list[str], absorbed: int = 0) -> Fit:
    """OLS from normal equations; drops regressors that never vary (all-zero columns)."""
    keep = [i for i in range(len(names)) if xtx[i, i] > 0]
    a = xtx[np.ix_(keep, keep)]
    b = xty[keep]
    scale = 1.0 / np.sqrt(np.diag(a))
    scaled = a * scale[:, None] * scale[None, :]
    inverse = np.linalg.inv(scaled) * scale[:, None] * scale[None, :]
    beta = inverse @ b
    df = n - absorbed - len(keep)
    rss = max(yty - float(beta @ b), 0.0)
    sigma2 = rss / df if df > 0 else float("nan")
    se = np.sqrt(np.maximum(np.diag(inverse) * sigma2, 0.0))
    return Fit(names=[names[i] for i in keep], beta=beta, se=se, n=n, df_resid=df)


def pooled_moments(groups: dict[str, GroupMoments], *, genders: list[str], indicators: list[str],
                   base_names: list[str]) -> tuple[np.ndarray, np.ndarray, float, int, list[str]]:
    """Moments of the regression over ``genders`` with an indicator column for each of
    ``indicators`` appended after the base regressors (whose first is the intercept)."""
    p = len(base_names)
    k = p + len(indicators)
    xtx, xty = np.zeros((k, k)), np.zeros(k)
    yty, n = 0.0, 0
    for code in genders:
        m = groups[code]
        xtx[:p, :p] += m.xtx
        xty[:p] += m.xty
        yty += m.yty
        n += m.n
        if code in indicators:
            j = p + indicators.index(code)
            xtx[:p, j] += m.xtx[:, 0]  # the intercept column sums x over the group's rows
            xtx[j, :p] += m.xtx[0, :]
            xtx[j, j] += m.n
            xty[j] += m.xty[0]
    names = base_names + [f"gender:{code}" for code in indicators]
    return xtx, xty, yty, n, names


def fit_pooled(aggregate: Aggregate) -> Fit:
    tax = aggregate.layout.taxonomy
    groups = group_moments(aggregate)
    reference = tax.regression_reference["gender"]
    present = [g.code for g in tax.gender if groups[g.code].n > 0]
    indicators = [code for code in present if code != reference]
    xtx, xty, yty, n, names = pooled_moments(
        groups, genders=present, indicators=indicators, base_names=regression_group_regressors(tax)
    )
    return _solve(xtx, xty, yty, n, names)


def fit_within(aggregate: Aggregate) -> Fit:
    """Employer fixed effects: OLS on employer-demeaned moments, K employers absorbed."""
    tax = aggregate.layout.taxonomy
    bits = tax.fixed_point_bits
    names = regression_within_regressors(tax)
    p = len(names)
    ztz = _symmetric(aggregate.get("within_ztz")[0], p).astype(float) / (1 << bits)
    zty = np.array([float(v) for v in aggregate.get("within_zty")[0]]) / (1 << (2 * bits))
    yty = float(aggregate.get("within_yty")[0, 0]) / (1 << (2 * bits))
    n = aggregate.scalar("within_n")
    k = aggregate.scalar("within_employers")
    return _solve(ztz, zty, yty, n, names, absorbed=k)


def fit_group(aggregate: Aggregate, gender: str) -> Fit:
    m = group_moments(aggregate)[gender]
    return _solve(m.xtx, m.xty, m.yty, m.n, regression_group_regressors(aggregate.layout.taxonomy))


@dataclass(frozen=True)
class Decomposition:
    """Two-fold Oaxaca–Blinder split of the gap in mean log pay, men minus women."""

    gap: float
    explained: float
    unexplained: float
    n_men: int
    n_women: int


def oaxaca_two_fold(aggregate: Aggregate, *, high: str = "male", low: str = "female") -> Decomposition:
    tax = aggregate.layout.taxonomy
    names = regression_group_regressors(tax)
    groups = group_moments(aggregate)
    g_high, g_low = groups[high], groups[low]
    # Both group models must estimate the same regressors for the split to be defined.
    keep = [i for i in range(len(names)) if g_high.xtx[i, i] > 0 and g_low.xtx[i, i] > 0]
    kept = [names[i] for i in keep]

    def restrict(m: GroupMoments) -> GroupMoments:
        return GroupMoments(xtx=m.xtx[np.ix_(keep, keep)], xty=m.xty[keep], yty=m.yty, n=m.n)

    hi, lo = restrict(g_high), restrict(g_low)
    beta_hi = _solve(hi.xtx, hi.xty, hi.yty, hi.n, kept).beta
    beta_lo = _solve(lo.xtx, lo.xty, lo.yty, lo.n, kept).beta
    xtx, xty, yty, n, pooled_names = pooled_moments(
        {high: hi, low: lo}, genders=[high, low], indicators=[low], base_names=kept
    )
    reference = _solve(xtx, xty, yty, n, pooled_names)
    t = reference.beta[: len(kept)]
    mean_hi, mean_lo = hi.xtx[0] / hi.n, lo.xtx[0] / lo.n
    gap = hi.xty[0] / hi.n - lo.xty[0] / lo.n
    explained = float((mean_hi - mean_lo) @ t)
    unexplained = float(mean_hi @ (beta_hi - t) + mean_lo @ (t - beta_lo))
    return Decomposition(gap=float(gap), explained=explained, unexplained=unexplained, n_men=hi.n, n_women=lo.n)


def adjusted_gap(fit: Fit, name: str = "gender:female") -> dict:
    """The gap implied by a log-pay coefficient b: 1 − e^b, with a 95% interval."""
    b, se = fit.coef(name), fit.stderr(name)
    low, high = b - Z95 * se, b + Z95 * se
    return {
        "log_points": -b,
        "gap": 1 - np.exp(b),
        "ci95": [float(1 - np.exp(high)), float(1 - np.exp(low))],
        "coefficient": b,
        "stderr": se,
        "n": fit.n,
        "df": fit.df_resid,
    }
