"""Sun-Abraham: exact equalities with Callaway-Sant'Anna, regression parity, known truth."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from dc_sim import staggered_panel
from linearmodels.panel import PanelOLS

from eah_eval.did.sun_abraham import sun_abraham
from eah_eval.errors import EstimationError, EstimationWarning, OptionError

att_gt = pytest.importorskip("eah_eval.did").__dict__.get("att_gt")
aggregate = pytest.importorskip("eah_eval.did").__dict__.get("aggregate")


def _dynamic(g, e):
    return 1.0 + 0.4 * e + 0.5 * (g == 4)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return staggered_panel(n_units=240, n_periods=9, cohorts=(0, 3, 5, 7), seed=21,
                           effect=_dynamic)


@pytest.mark.skipif(att_gt is None, reason="eah_eval.did.att_gt not importable yet")
def test_catt_equals_cs_universal_base_exactly(panel):
    # balanced panel, no covariates, never-treated controls: CATT(g, e) = ATT(g, g + e) with a
    # universal base period, estimates and influence-function SEs (algebraic identity)
    sa = sun_abraham(panel, outcome="y", unit="unit", time="time", cohort="cohort")
    gt = att_gt(panel, outcome="y", unit="unit", time="time", cohort="cohort",
                base_period="universal", method="reg", control_group="never_treated")
    cs = gt.table.to_frame()
    cs["event_time"] = (cs["time"] - cs["group"]).astype(int)
    cs = cs.loc[cs["event_time"] != -1]
    got = sa.cohort_effects.to_frame()
    merged = got.merge(cs, left_on=["cohort", "event_time"], right_on=["group", "event_time"],
                       validate="1:1")
    assert len(merged) == len(got) == len(cs)
    np.testing.assert_allclose(merged["estimate_x"], merged["estimate_y"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(merged["std_error_x"], merged["std_error_y"], rtol=0, atol=1e-8)

    ev = aggregate(gt, "event").table.to_frame()
    both = sa.to_frame().merge(ev, on="event_time", validate="1:1")
    assert len(both) == len(sa.to_frame())
    np.testing.assert_allclose(both["estimate_x"], both["estimate_y"], rtol=0, atol=1e-8)
    # SEs include the estimated cohort shares in both
    np.testing.assert_allclose(both["std_error_x"], both["std_error_y"], rtol=0, atol=1e-8)

    simple = aggregate(gt, "simple").overall.to_frame()
    assert abs(sa.overall.estimates[0] - simple["estimate"].iloc[0]) <= 1e-8
    assert abs(sa.overall.std_errors[0] - simple["std_error"].iloc[0]) <= 1e-8


@pytest.mark.skipif(att_gt is None, reason="eah_eval.did.att_gt not importable yet")
def test_catt_equals_cs_with_clusters(panel):
    df = panel.assign(cluster=panel["unit"] % 12)
    sa = sun_abraham(df, outcome="y", unit="unit", time="time", cohort="cohort",
                     cluster="cluster")
    gt = att_gt(df, outcome="y", unit="unit", time="time", cohort="cohort",
                base_period="universal", method="reg", cluster="cluster")
    ev = aggregate(gt, "event").table.to_frame()
    both = sa.to_frame().merge(ev, on="event_time", validate="1:1")
    np.testing.assert_allclose(both["estimate_x"], both["estimate_y"], rtol=0, atol=1e-8)
    # same sandwich up to a possible small-sample factor; report the ratio if it is not 1
    ratio = both["std_error_x"] / both["std_error_y"]
    np.testing.assert_allclose(ratio, ratio.iloc[0], rtol=1e-8)


def test_cohort_effects_match_panelols_saturated_regression():
    df = staggered_panel(n_units=120, n_periods=7, cohorts=(0, 3, 5), seed=4, effect=_dynamic,
                         n_clusters=15)
    df = df.iloc[3:].copy()  # unbalanced
    df["w"] = np.random.default_rng(1).uniform(0.5, 2.0, len(df))
    sa = sun_abraham(df, outcome="y", unit="unit", time="time", cohort="cohort",
                     cluster="cluster", weights="w", covariates=["x"])
    rel = df["time"] - df["cohort"]
    cols = {}
    for g in (3.0, 5.0):
        for e in sorted(rel[df["cohort"] == g].unique()):
            if e != -1:
                cols[(g, int(e))] = ((df["cohort"] == g) & (rel == e)).astype(float)
    exog = pd.DataFrame({f"{g}_{e}": v for (g, e), v in cols.items()})
    exog["x"] = df["x"]
    idx = pd.MultiIndex.from_arrays([df["unit"], df["time"]])
    exog.index = idx
    mod = PanelOLS(pd.Series(df["y"].to_numpy(), index=idx), exog,
                   weights=pd.Series(df["w"].to_numpy(), index=idx),
                   entity_effects=True, time_effects=True)
    fit = mod.fit(cov_type="clustered", clusters=pd.DataFrame({"c": df["cluster"].to_numpy()},
                  index=idx), debiased=False, auto_df=False, count_effects=False)
    got = sa.cohort_effects.to_frame()
    names = [f"{g}_{e}" for g, e in zip(got["cohort"], got["event_time"], strict=True)]
    np.testing.assert_allclose(got["estimate"], fit.params[names], rtol=0, atol=1e-8)
    np.testing.assert_allclose(got["std_error"], fit.std_errors[names], rtol=1e-7)


def test_weights_are_cohort_shares(panel):
    sa = sun_abraham(panel, outcome="y", unit="unit", time="time", cohort="cohort")
    w = sa.cell_weights
    np.testing.assert_allclose(w.groupby("event_time")["weight"].sum(), 1.0, atol=1e-12)
    sizes = panel.groupby("cohort")["unit"].nunique()
    e0 = w.loc[w["event_time"] == 0].set_index("cohort")["weight"]
    np.testing.assert_allclose(e0, sizes.loc[e0.index] / sizes.loc[e0.index].sum(), atol=1e-12)
    # influence functions carry the variance
    np.testing.assert_allclose(np.sqrt((sa.influence**2).sum(axis=0)), sa.std_errors)


def test_share_variance_switch(panel):
    a = sun_abraham(panel, outcome="y", unit="unit", time="time", cohort="cohort")
    b = sun_abraham(panel, outcome="y", unit="unit", time="time", cohort="cohort",
                    share_variance=False)
    np.testing.assert_allclose(a.estimates, b.estimates)
    assert not np.allclose(a.std_errors, b.std_errors)
    assert "fixed" in b.summary()


def _heterogeneous(g, e):
    # cohort 3's effect grows, the others' fade: dynamics differ across cohorts
    return np.where(g == 3, 0.5 * e, 2.0 - 0.2 * e)


def test_known_truth_recovered_where_twfe_is_biased():
    from eah_eval.did.twfe import twfe

    df = staggered_panel(n_units=1500, n_periods=10, cohorts=(0, 3, 5, 7), seed=8,
                         effect=_heterogeneous, noise=0.5)
    treated = df.loc[(df["cohort"] > 0) & (df["time"] >= df["cohort"])]
    truth = treated.groupby(treated["time"] - treated["cohort"])["tau"].mean()
    sa = sun_abraham(df, outcome="y", unit="unit", time="time", cohort="cohort")
    es = twfe(df, outcome="y", unit="unit", time="time", cohort="cohort", kind="event")
    idx = sa.table.index.to_numpy()
    target = truth.reindex(idx).fillna(0.0).to_numpy()  # zero before treatment
    z_sa = (sa.estimates - target) / sa.std_errors
    z_tw = (es.estimates - target) / es.std_errors
    assert list(es.table.index) == list(idx)
    assert np.all(np.abs(z_sa) < 4), z_sa
    # TWFE event study is contaminated by other periods' effects (Sun and Abraham 2021)
    assert np.max(np.abs(z_tw)) > 8, z_tw
    true_att = treated["tau"].mean()
    static = twfe(df, outcome="y", unit="unit", time="time", cohort="cohort")
    assert abs(static.estimates[0] - true_att) > 5 * static.std_errors[0]
    assert abs(sa.overall.estimates[0] - true_att) < 4 * sa.overall.std_errors[0]


def test_last_treated_control():
    df = staggered_panel(n_units=600, n_periods=10, cohorts=(3, 5, 8), seed=3,
                         effect=lambda g, e: 2.0 + 0 * e, noise=0.5)
    with pytest.raises(EstimationError, match="control='last_treated'"):
        sun_abraham(df, outcome="y", unit="unit", time="time", cohort="cohort")
    sa = sun_abraham(df, outcome="y", unit="unit", time="time", cohort="cohort",
                     control="last_treated")
    assert sa.table.index.max() <= 8 - 1 - 3
    assert set(sa.cell_weights["cohort"]) == {3.0, 5.0}
    post = sa.estimates[sa.table.index >= 0]
    se = sa.std_errors[sa.table.index >= 0]
    assert np.all(np.abs(post - 2.0) < 4 * se)


def test_invariances(panel):
    base = sun_abraham(panel, outcome="y", unit="unit", time="time", cohort="cohort")
    other = panel.sample(frac=1.0, random_state=9)
    other = other.assign(unit="u" + (other["unit"] * 31 % 997).astype(str), y=other["y"] - 50)
    alt = sun_abraham(other, outcome="y", unit="unit", time="time", cohort="cohort")
    np.testing.assert_allclose(base.estimates, alt.estimates, atol=1e-9)
    np.testing.assert_allclose(base.std_errors, alt.std_errors, rtol=1e-9)
    pd.testing.assert_index_equal(base.table.index, alt.table.index)


def test_always_treated_dropped_and_errors(panel):
    df = panel.copy()
    df.loc[df["unit"] < 5, "cohort"] = 1.0
    with pytest.warns(EstimationWarning, match="5 unit"):
        sun_abraham(df, outcome="y", unit="unit", time="time", cohort="cohort")
    with pytest.raises(OptionError, match="control must be one of"):
        sun_abraham(panel, outcome="y", unit="unit", time="time", cohort="cohort",
                    control="clean")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="min_e must not exceed max_e"):
        sun_abraham(panel, outcome="y", unit="unit", time="time", cohort="cohort", min_e=2,
                    max_e=1)
    split = panel.assign(cl=np.arange(len(panel)) % 3)
    with pytest.raises(EstimationError, match="must contain whole units"):
        sun_abraham(split, outcome="y", unit="unit", time="time", cohort="cohort", cluster="cl")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w = sun_abraham(panel, outcome="y", unit="unit", time="time", cohort="cohort", min_e=-3,
                        max_e=2)
    assert list(w.table.index) == [-3, -2, 0, 1, 2]


def test_coverage_over_seeds():
    hits = []
    for seed in range(60):
        df = staggered_panel(n_units=120, n_periods=6, cohorts=(0, 3, 4, 5), seed=2000 + seed,
                             effect=lambda g, e: 1.0 + 0.5 * e + (g == 3))
        res = sun_abraham(df, outcome="y", unit="unit", time="time", cohort="cohort")
        treated = df.loc[(df["cohort"] > 0) & (df["time"] == df["cohort"])]
        ci = res.conf_int().loc[res.table.index == 0].to_numpy()[0]
        hits.append(ci[0] <= treated["tau"].mean() <= ci[1])
    # 60 draws: the rate's sd is about 0.03 around 0.95
    assert 0.85 <= np.mean(hits) <= 1.0, np.mean(hits)


@pytest.mark.skipif(att_gt is None, reason="eah_eval.did.att_gt not importable yet")
def test_doubly_robust_without_covariates_is_the_same_identity(panel):
    sa = sun_abraham(panel, outcome="y", unit="unit", time="time", cohort="cohort")
    gt = att_gt(panel, outcome="y", unit="unit", time="time", cohort="cohort",
                base_period="universal", method="dr")
    ev = aggregate(gt, "event").table.to_frame()
    both = sa.to_frame().merge(ev, on="event_time", validate="1:1")
    np.testing.assert_allclose(both["estimate_x"], both["estimate_y"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(both["std_error_x"], both["std_error_y"], rtol=0, atol=1e-8)
