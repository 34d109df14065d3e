"""Imputation (Borusyak-Jaravel-Spiess): linear form, exact equalities, known truth, tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dc_sim import staggered_panel

from eah_eval.did.imputation import imputation
from eah_eval.did.twfe import twfe
from eah_eval.errors import EstimationError, EstimationWarning, OptionError, OptionTypeError

_did = pytest.importorskip("eah_eval.did")
att_gt = getattr(_did, "att_gt", None)
aggregate = getattr(_did, "aggregate", None)
needs_cs = pytest.mark.skipif(att_gt is None, reason="eah_eval.did.att_gt not importable yet")

KW = {"outcome": "y", "unit": "unit", "time": "time", "cohort": "cohort"}


def _heterogeneous(g, e):
    return np.where(g == 3, 0.5 * e, 2.0 - 0.2 * e)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return staggered_panel(n_units=300, n_periods=9, cohorts=(0, 3, 5, 7), seed=31,
                           effect=_heterogeneous, n_clusters=30)


def test_linear_weights_reproduce_estimates_and_kill_fixed_effects(panel):
    df = panel.loc[~(panel["time"].eq(2) & panel["unit"].lt(7))]  # unbalanced
    df = df.assign(w=np.random.default_rng(2).uniform(0.5, 2, len(df)))
    res = imputation(df, cluster="cluster", weights="w", covariates=["x"], **KW)
    rows = res.sample()
    y = df["y"].to_numpy()  # the sample keeps the input row order when nothing is dropped
    np.testing.assert_allclose(rows["time"].to_numpy(), df["time"].to_numpy())
    est = res.estimate_from(y)
    np.testing.assert_allclose(est, np.r_[res.overall.estimates, res.estimates], atol=1e-10)
    v = pd.DataFrame(res.weights)
    # sum_t v_it = 0 for each unit and sum_i v_it = 0 for each period (unbiased under FE model)
    assert np.abs(v.groupby(rows["unit"].to_numpy()).sum().to_numpy()).max() < 1e-10
    assert np.abs(v.groupby(rows["time"].to_numpy()).sum().to_numpy()).max() < 1e-10
    # and orthogonal to the covariate
    assert np.abs(res.weights.T @ df["x"].to_numpy()).max() < 1e-10
    np.testing.assert_allclose(np.sqrt((res.influence**2).sum(axis=0)),
                               np.r_[res.overall.std_errors, res.std_errors])


def test_adding_unit_and_period_effects_changes_nothing(panel):
    base = imputation(panel, cluster="cluster", **KW)
    rng = np.random.default_rng(5)
    a = rng.normal(size=panel["unit"].max() + 1) * 10
    lam = rng.normal(size=20) * 10
    shifted = panel.assign(y=panel["y"] + a[panel["unit"]] + lam[panel["time"].astype(int)])
    other = imputation(shifted, cluster="cluster", **KW)
    np.testing.assert_allclose(base.estimates, other.estimates, atol=1e-8)
    np.testing.assert_allclose(base.std_errors, other.std_errors, rtol=1e-7)


@needs_cs
def test_single_cohort_one_pre_period_equals_cs_exactly():
    # one treated cohort first treated in period 2 (a single pre-period), never-treated
    # controls, balanced, no covariates: the imputed counterfactual is y_i1 plus the
    # never-treated change, so each horizon equals CS ATT(2, 2 + e) exactly
    df = staggered_panel(n_units=200, n_periods=6, cohorts=(0, 2), seed=7,
                         effect=lambda g, e: 1.0 + e)
    bjs = imputation(df, **KW)
    for control in ("never_treated", "not_yet_treated"):
        gt = att_gt(df, control_group=control, method="reg", **KW)
        cs = gt.table.to_frame()
        cs = cs.loc[cs["time"] >= cs["group"]].assign(event_time=lambda d: d.time - d.group)
        merged = bjs.to_frame().merge(cs, on="event_time", validate="1:1")
        assert len(merged) == 5
        np.testing.assert_allclose(merged["estimate_x"], merged["estimate_y"], atol=1e-8)
        simple = aggregate(gt, "simple").overall.estimates[0]
        assert abs(bjs.overall.estimates[0] - simple) <= 1e-8
        # standard errors differ by construction (conservative BJS vs influence function)
        ratio = merged["std_error_x"] / merged["std_error_y"]
        assert ratio.between(0.8, 1.25).all(), ratio


@needs_cs
def test_agrees_with_cs_under_homogeneous_effects():
    df = staggered_panel(n_units=800, n_periods=8, cohorts=(0, 3, 5, 6), seed=12,
                         effect=lambda g, e: 1.5 + 0 * e)
    bjs = imputation(df, **KW)
    gt = att_gt(df, control_group="not_yet_treated", method="reg", **KW)
    cs = aggregate(gt, "simple").overall
    # same estimand, different (both unbiased) estimators: they agree in expectation
    assert abs(bjs.overall.estimates[0] - cs.estimates[0]) < 2 * cs.std_errors[0]
    assert abs(bjs.overall.estimates[0] - 1.5) < 4 * bjs.overall.std_errors[0]
    # BJS is efficient with i.i.d. errors: no larger SE than CS here
    assert bjs.overall.std_errors[0] <= cs.std_errors[0] * 1.05


def test_known_truth_where_twfe_is_biased():
    df = staggered_panel(n_units=1500, n_periods=10, cohorts=(0, 3, 5, 7), seed=8,
                         effect=_heterogeneous, noise=0.5)
    res = imputation(df, **KW)
    treated = df.loc[(df["cohort"] > 0) & (df["time"] >= df["cohort"])]
    truth = treated.groupby(treated["time"] - treated["cohort"])["tau"].mean()
    target = truth.reindex(res.table.index).to_numpy()
    assert np.all(np.abs((res.estimates - target) / res.std_errors) < 4)
    att = treated["tau"].mean()
    assert abs(res.overall.estimates[0] - att) < 4 * res.overall.std_errors[0]
    static = twfe(df, **KW)
    assert abs(static.estimates[0] - att) > 5 * static.std_errors[0]


def test_coverage_over_seeds():
    hits = []
    for seed in range(60):
        df = staggered_panel(n_units=120, n_periods=6, cohorts=(0, 3, 4, 5), seed=1000 + seed,
                             effect=lambda g, e: 1.0 + 0.5 * e + (g == 3))
        res = imputation(df, **KW)
        treated = df.loc[(df["cohort"] > 0) & (df["time"] >= df["cohort"])]
        ci = res.overall.conf_int().to_numpy()[0]
        hits.append(ci[0] <= treated["tau"].mean() <= ci[1])
    rate = np.mean(hits)
    # conservative SEs: at least nominal up to simulation noise (60 draws: sd about 0.03)
    assert rate >= 0.87, rate


def test_anticipation():
    df = staggered_panel(n_units=1000, n_periods=8, cohorts=(0, 4, 6), seed=3, noise=0.5)
    df.loc[(df["cohort"] > 0) & (df["time"] == df["cohort"] - 1), "y"] += 0.8
    naive = imputation(df, **KW)
    aware = imputation(df, anticipation=1, **KW)
    assert aware.table.index[0] == -1
    est = pd.Series(aware.estimates, aware.table.index)
    se = pd.Series(aware.std_errors, aware.table.index)
    assert abs(est.loc[-1] - 0.8) < 4 * se.loc[-1]
    assert np.all(np.abs(est.loc[0:] - 1.0) < 4 * se.loc[0:])
    # ignoring anticipation pushes the effects down by the contaminated base
    assert naive.overall.estimates[0] < 1.0 - 4 * naive.overall.std_errors[0]
    assert "anticipation: 1" in aware.summary()


def test_pretrend_test():
    clean = staggered_panel(n_units=600, n_periods=8, cohorts=(0, 4, 6), seed=17)
    res = imputation(clean, pretrend_leads=2, **KW)
    assert res.pretrend is not None
    assert list(res.pretrend.table.index) == [-1, -2]
    assert res.pretrend.pvalue > 0.01
    trend = clean.copy()
    trend["y"] += np.where(trend["cohort"] == 6, 0.3 * trend["time"], 0.0)
    bad = imputation(trend, pretrend_leads=2, **KW)
    assert bad.pretrend is not None and bad.pretrend.pvalue < 0.001
    assert "Wald test of 2 leads" in str(bad.pretrend)
    with pytest.raises(OptionError, match="leads"):
        imputation(clean, pretrend_leads=7, **KW)


def test_unidentified_rows_warn():
    df = staggered_panel(n_units=200, n_periods=6, cohorts=(1, 3, 5), seed=2)
    # cohort 1 is treated throughout (no untreated row), and period 6 has no untreated unit
    with pytest.warns(EstimationWarning, match="cannot be imputed"):
        res = imputation(df, **KW)
    sample = res.sample()
    assert not sample.loc[sample["cohort"] == 1, "identified"].any()
    assert not sample.loc[sample["time"] == 6, "identified"].any()
    assert np.isfinite(res.estimates).all()


def test_invariances_and_options(panel):
    base = imputation(panel, cluster="cluster", **KW)
    shuffled = panel.sample(frac=1.0, random_state=3)
    shuffled = shuffled.assign(unit="s" + (shuffled["unit"] * 7 % 1009).astype(str),
                               y=shuffled["y"] + 42.0)
    other = imputation(shuffled, cluster="cluster", **KW)
    np.testing.assert_allclose(base.estimates, other.estimates, atol=1e-9)
    np.testing.assert_allclose(base.std_errors, other.std_errors, rtol=1e-9)
    ones = imputation(panel.assign(w=3.0), cluster="cluster", weights="w", **KW)
    np.testing.assert_allclose(base.estimates, ones.estimates, atol=1e-10)
    np.testing.assert_allclose(base.std_errors, ones.std_errors, rtol=1e-9)
    sub = imputation(panel, horizons=[0, 2], **KW)
    assert list(sub.table.index) == [0, 2]
    np.testing.assert_allclose(sub.estimates, base.estimates[[0, 2]], atol=1e-12)
    by_h = imputation(panel, tau_bar_groups="horizon", **KW)
    np.testing.assert_allclose(by_h.estimates, base.estimates, atol=1e-12)
    with pytest.raises(OptionError, match="tau_bar_groups must be one of"):
        imputation(panel, tau_bar_groups="unit", **KW)  # type: ignore[arg-type]
    with pytest.raises(OptionError, match=r"horizons \[40\]"):
        imputation(panel, horizons=[40], **KW)
    with pytest.raises(OptionTypeError, match="anticipation must be an int"):
        imputation(panel, anticipation=0.5, **KW)  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="anticipation must be >= 0"):
        imputation(panel, anticipation=-1, **KW)
    with pytest.raises(EstimationError, match="no treated observations"):
        imputation(panel.assign(cohort=0), **KW)
    with pytest.raises(OptionError, match="rows"):
        base.estimate_from(np.zeros(3))


def test_covariates_known_truth():
    df = staggered_panel(n_units=800, n_periods=8, cohorts=(0, 4, 6), seed=41,
                         effect=lambda g, e: 2.0 + 0 * e, noise=0.5)
    df["y"] += 1.5 * df["x"]
    res = imputation(df, covariates=["x"], **KW)
    assert abs(res.overall.estimates[0] - 2.0) < 4 * res.overall.std_errors[0]
    assert "x" in res.summary()
