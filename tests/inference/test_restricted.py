"""Restricted wild cluster bootstrap for the imputation and CS estimators; CR2 of w'y."""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from eah_eval.did import aggregate, att_gt, imputation
from eah_eval.errors import EstimationError, OptionError
from eah_eval.inference.cr2 import cr2, cr2_imputation, cr2_linear
from eah_eval.inference.restricted import (
    cs_simple_estimator,
    wild_imputation_restricted,
    wild_restricted,
)
from eah_eval.inference.wild import wild_imputation

COLS = {"outcome": "y", "unit": "unit", "time": "t"}


def _council(n_clusters: int, seed: int, effect: float = 0.4) -> pd.DataFrame:
    """Schools (3 per cluster) x 7 terms; waves at terms 3, 5 and never, effect grows."""
    rng = np.random.default_rng(seed)
    waves = rng.permutation(np.array([(3, 5, 0)[c % 3] for c in range(n_clusters)]))
    unit = np.repeat(np.arange(3 * n_clusters), 7)
    cl = unit // 3
    t = np.tile(np.arange(1, 8), 3 * n_clusters)
    g = waves[cl]
    d = (g > 0) & (t >= g)
    y = (rng.normal(size=unit.max() + 1)[unit] + 0.2 * t + rng.normal(size=n_clusters)[cl]
         + rng.normal(size=(n_clusters, 7))[cl, t - 1] * 0.5 + rng.normal(size=unit.size)
         + effect * d * (1 + 0.3 * (t - g)))
    return pd.DataFrame({"unit": unit, "cl": cl, "t": t, "g": g, "y": y})


def _fit(df: pd.DataFrame) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return imputation(df, "y", "unit", "t", "g", cluster="cl")


def _brute_force_p(df: pd.DataFrame, tau0: float) -> float:
    """Enumerate all 2^G sign vectors, re-estimating imputation on each bootstrap sample."""
    fit = _fit(df)
    s = fit.sample()
    y = df.set_index(["unit", "t"]).loc[list(zip(s.unit, s.time.astype(int), strict=True)),
                                        "y"].to_numpy()
    d = s.treated.to_numpy().astype(float)
    x = np.column_stack([pd.get_dummies(s.unit, dtype=float),
                         pd.get_dummies(s.time, dtype=float).iloc[:, 1:]])
    ytil = y - tau0 * d
    fitted = x @ np.linalg.lstsq(x, ytil, rcond=None)[0]
    u = ytil - fitted
    cl = s.cluster.to_numpy().astype(int)
    t_obs = abs(fit.overall.estimates[0] - tau0) / fit.overall.std_errors[0]
    n_cl = int(cl.max()) + 1
    tstar = []
    for v in itertools.product([-1.0, 1.0], repeat=n_cl):
        ystar = fitted + tau0 * d + np.asarray(v)[cl] * u
        frame = pd.DataFrame({"unit": s.unit, "t": s.time, "g": s.cohort, "cl": cl,
                              "y": ystar})
        f2 = _fit(frame)
        tstar.append(abs(f2.overall.estimates[0] - tau0) / f2.overall.std_errors[0])
    return float(np.mean(np.asarray(tstar) >= t_obs * (1 - 1e-10)))


@pytest.mark.parametrize("tau0", [0.0, 0.35])
def test_wcr_imputation_matches_brute_force_enumeration(tau0: float) -> None:
    df = _council(6, seed=11)
    fit = _fit(df)
    res = wild_imputation_restricted(fit, df, **COLS, null=tau0, draws=999, conf_int=False)
    assert res.enumerated and res.draws == 64 and res.restricted
    assert res.pvalues[0] == pytest.approx(_brute_force_p(df, tau0), abs=1e-12)
    assert res.std_errors[0] == pytest.approx(fit.overall.std_errors[0], rel=1e-10)


def test_wcr_interval_is_the_inverted_test() -> None:
    df = _council(8, seed=3)
    fit = _fit(df)
    res = wild_imputation_restricted(fit, df, **COLS, draws=999, weight_type="rademacher")
    lo, hi, se = res.ci_low[0], res.ci_high[0], res.std_errors[0]
    assert lo < res.estimates[0] < hi
    for end, side in ((lo, -1), (hi, 1)):
        inside = wild_imputation_restricted(fit, df, **COLS, null=end - side * 1e-3 * se,
                                            conf_int=False).pvalues[0]
        outside = wild_imputation_restricted(fit, df, **COLS, null=end + side * 1e-3 * se,
                                             conf_int=False).pvalues[0]
        assert inside >= 0.05 > outside


def test_wcr_all_targets_and_generic_engine_agree() -> None:
    df = _council(7, seed=5)
    fit = _fit(df)
    res = wild_imputation_restricted(fit, df, **COLS, targets="all", draws=999, rng=1)
    assert res.terms[0] == "overall" and len(res.terms) == 1 + len(fit.table.to_frame())
    np.testing.assert_allclose(res.estimates[1:], fit.estimates, rtol=1e-10)

    def est(frame: pd.DataFrame) -> tuple[float, np.ndarray]:
        f = _fit(frame)
        return float(f.overall.estimates[0]), f.influence[:, 0]

    gen = wild_restricted(df, est, **COLS, cohort="g", cluster="cl", draws=999, rng=1)
    assert gen.pvalues[0] == pytest.approx(res.pvalues[0], abs=1e-12)
    assert gen.ci_low[0] == pytest.approx(res.ci_low[0], rel=1e-6)
    assert gen.ci_high[0] == pytest.approx(res.ci_high[0], rel=1e-6)


def test_wcr_all_targets_are_named_by_event_time() -> None:
    df = _council(6, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        later = imputation(df, "y", "unit", "t", "g", cluster="cl", horizons=[2, 3])
        antic = imputation(df, "y", "unit", "t", "g", cluster="cl", anticipation=1)
    res = wild_imputation_restricted(later, df, **COLS, targets="all", draws=99, rng=1)
    assert res.terms == ("overall", "e=2", "e=3")
    np.testing.assert_allclose(res.estimates[1:], later.estimates, rtol=1e-10)
    res = wild_imputation_restricted(antic, df, **COLS, targets="all", draws=99, rng=1)
    assert res.terms[:3] == ("overall", "e=-1", "e=0")
    assert res.terms[1:] == tuple(f"e={e}" for e in antic.table.index)
    # the score bootstrap names the same targets the same way
    assert wild_imputation(antic, draws=99, rng=1).terms == res.terms


def test_wcr_seeded_reproducible_and_recorded() -> None:
    df = _council(8, seed=4)
    fit = _fit(df)
    a = wild_imputation_restricted(fit, df, **COLS, weight_type="webb", draws=499, rng=7)
    b = wild_imputation_restricted(fit, df, **COLS, weight_type="webb", draws=499, rng=7)
    assert not a.enumerated and a.draws == 499
    assert a.info()["seed"] == 7 and a.info()["variant"] == "WCR"
    np.testing.assert_array_equal(a.to_frame().to_numpy(), b.to_frame().to_numpy())


def test_wcr_invariances() -> None:
    df = _council(6, seed=8)
    base = wild_imputation_restricted(_fit(df), df, **COLS, null=0.2)
    # unit-specific constants and a period trend are absorbed: nothing changes
    shifted = df.assign(y=df.y + 3.0 * (df.unit % 4) - 0.7 * df.t)
    r = wild_imputation_restricted(_fit(shifted), shifted, **COLS, null=0.2)
    np.testing.assert_allclose(r.to_frame().to_numpy(), base.to_frame().to_numpy(),
                               rtol=1e-6, atol=1e-8)
    # row order and cluster labels do not matter (full enumeration)
    perm = df.sample(frac=1.0, random_state=2).assign(cl=lambda d: 100 - d.cl)
    r = wild_imputation_restricted(_fit(perm), perm, **COLS, null=0.2)
    np.testing.assert_allclose(r.to_frame().to_numpy(), base.to_frame().to_numpy(),
                               rtol=1e-6, atol=1e-8)
    # adding c to every treated outcome moves the estimate and the interval by c
    moved = df.assign(y=df.y + 0.5 * ((df.g > 0) & (df.t >= df.g)))
    r = wild_imputation_restricted(_fit(moved), moved, **COLS, null=0.7)
    assert r.pvalues[0] == pytest.approx(base.pvalues[0], abs=1e-12)
    assert r.ci_low[0] == pytest.approx(base.ci_low[0] + 0.5, abs=1e-5)


def test_wcr_errors() -> None:
    df = _council(6, seed=9)
    fit = _fit(df)
    with pytest.raises(OptionError, match="not in data"):
        wild_imputation_restricted(fit, df[df.t > 1], **COLS)
    with pytest.raises(EstimationError, match="does not reproduce"):
        wild_imputation_restricted(fit, df.assign(y=df.y * 2), **COLS)
    with pytest.raises(OptionError, match="tau_bar_groups"):
        wild_imputation_restricted(fit, df, **COLS, tau_bar_groups="horizon")
    with pytest.raises(OptionError, match="targets"):
        wild_imputation_restricted(fit, df, **COLS, targets="some")
    cov = df.assign(x=np.random.default_rng(0).normal(size=len(df)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit_x = imputation(cov, "y", "unit", "t", "g", cluster="cl", covariates=["x"])
    with pytest.raises(EstimationError, match="without covariates"):
        wild_imputation_restricted(fit_x, cov, **COLS)


def test_wcr_cs_simple_identity_draw_and_linearity_check() -> None:
    df = _council(8, seed=2)
    est = cs_simple_estimator(outcome="y", unit="unit", time="t", cohort="g", cluster="cl",
                              control_group="not_yet_treated")
    res = wild_restricted(df, est, **COLS, cohort="g", cluster="cl", draws=999)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        agg = aggregate(att_gt(df, "y", "unit", "t", "g", cluster="cl",
                               control_group="not_yet_treated"), "simple")
    assert res.estimates[0] == pytest.approx(agg.overall_att, rel=1e-10)
    assert res.std_errors[0] == pytest.approx(agg.overall_se, rel=1e-8)
    assert res.ci_low[0] < agg.overall_att < res.ci_high[0]

    def squared(frame: pd.DataFrame) -> tuple[float, np.ndarray]:
        a, s = est(frame)
        return a**2, s

    with pytest.raises(EstimationError, match="not linear"):
        wild_restricted(df, squared, **COLS, cohort="g", cluster="cl", draws=99)
    with pytest.raises(OptionError, match="covariates"):
        cs_simple_estimator(outcome="y", covariates=["x"])


# ---- CR2 of a linear estimator ----------------------------------------------------------------
def _dense_cr2(w: np.ndarray, x: np.ndarray, y: np.ndarray, cl: np.ndarray
               ) -> tuple[float, float, float]:
    """Brute force from the formulas on the full design: se, df and tr(Omega)."""
    h = x @ np.linalg.pinv(x.T @ x) @ x.T
    m = np.eye(len(y)) - h
    e = m @ y
    v = 0.0
    p = []
    for g in np.unique(cl):
        i = np.flatnonzero(cl == g)
        lam, vec = np.linalg.eigh(m[np.ix_(i, i)])
        k = lam > 1e-10
        a_g = vec[:, k] @ np.diag(lam[k] ** -0.5) @ vec[:, k].T
        a = a_g @ w[i]
        v += float(a @ e[i]) ** 2
        full = np.zeros(len(y))
        full[i] = a
        p.append(m @ full)
    om = np.asarray(p) @ np.asarray(p).T
    return float(np.sqrt(v)), float(np.trace(om) ** 2 / np.sum(om**2)), float(np.trace(om))


def test_cr2_imputation_matches_dense_brute_force_and_is_unbiased() -> None:
    df = _council(7, seed=6)
    fit = _fit(df)
    res = cr2_imputation(fit, df, **COLS)
    s = fit.sample()
    w = fit.weights[:, 0]
    y = df.set_index(["unit", "t"]).loc[list(zip(s.unit, s.time.astype(int), strict=True)),
                                        "y"].to_numpy()
    tr = s.treated.to_numpy()
    cell = pd.Series([f"{c}_{t}" if d else "none" for c, t, d in
                      zip(s.cohort, s.time, tr, strict=True)])
    x = np.column_stack([pd.get_dummies(s.unit, dtype=float),
                         pd.get_dummies(s.time, dtype=float).iloc[:, 1:],
                         pd.get_dummies(cell, dtype=float).drop(columns="none")])
    se, df_, trace = _dense_cr2(w, x, y, s.cluster.to_numpy())
    assert res.estimate == pytest.approx(fit.overall.estimates[0], rel=1e-10)
    assert res.std_error == pytest.approx(se, rel=1e-9)
    assert res.df == pytest.approx(df_, rel=1e-9)
    # Bell-McCaffrey: under iid working errors E[V_CR2] = s^2 tr(Omega) = s^2 w'w = var(w'y)
    assert trace == pytest.approx(float(w @ w), rel=1e-9)
    lo, hi = res.conf_int(0.9)
    assert lo < res.estimate < hi


def test_cr2_linear_equals_coefficient_cr2() -> None:
    rng = np.random.default_rng(1)
    n, cl = 60, np.repeat(np.arange(6), 10)
    x = np.column_stack([np.ones(n), rng.normal(size=n), (cl % 2).astype(float)])
    y = x @ np.array([1.0, 0.5, -0.2]) + rng.normal(size=n) + rng.normal(size=6)[cl]
    w = x @ np.linalg.inv(x.T @ x)[:, 1]  # w'y is the OLS coefficient of column 1
    lin = cr2_linear(w, x, y, cl)
    coef = cr2(x, y, cl).test(1)
    assert lin.estimate == pytest.approx(coef.estimate, rel=1e-10)
    assert lin.std_error == pytest.approx(coef.std_error, rel=1e-9)
    assert lin.df == pytest.approx(coef.df, rel=1e-9)


def test_cr2_linear_errors() -> None:
    x = np.ones((6, 1))
    with pytest.raises(OptionError, match="sum to zero"):
        cr2_linear(np.ones(6), x, np.arange(6.0), [0, 0, 1, 1, 2, 2], absorb=[0, 0, 1, 1, 2, 2])
    with pytest.raises(OptionError, match="one entry per row"):
        cr2_linear(np.ones(5), x, np.arange(6.0), [0, 0, 1, 1, 2, 2])
