"""Known-truth checks: generated staggered panels with heterogeneous, dynamic effects."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from eah_eval.did import aggregate, att_gt
from eah_eval.errors import EstimationWarning


def _post_truth_error(res, truth):
    post = res.post
    true = truth(res.groups[post], res.times[post])
    return np.abs(res.estimates[post] - true), res.std_errors[post]


@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
@pytest.mark.parametrize("control_group", ["never_treated", "not_yet_treated"])
def test_recovers_group_time_effects(panel_maker, truth, method, control_group):
    df = panel_maker(n_units=3000, seed=1, noise=0.5)
    res = att_gt(df, "y", "id", "t", "g", method=method, control_group=control_group)
    err, se = _post_truth_error(res, truth)
    assert np.all(err < 4 * se), (err, se)
    pre = ~res.post
    assert np.all(np.abs(res.estimates[pre]) < 4 * res.std_errors[pre])


def test_event_study_recovers_dynamic_path(panel_maker, truth):
    df = panel_maker(n_units=4000, seed=2, noise=0.5)
    res = att_gt(df, "y", "id", "t", "g")
    es = aggregate(res, "event")
    shares = res.cohort_shares
    for e, est, se in zip(es.table.index, es.estimates, es.std_errors, strict=True):
        gs = [g for g in shares.index if g + e <= 6 and g + e >= 2]
        w = np.array([shares[g] for g in gs]) / sum(shares[g] for g in gs)
        true = float(np.sum(w * truth(np.array(gs, float), np.array(gs, float) + e)))
        assert abs(est - true) < 4 * se, (e, est, true, se)


def test_covariates_restore_conditional_parallel_trends(panel_maker, truth):
    df = panel_maker(n_units=4000, seed=3, covariate_confounding=True, noise=0.5)
    naive = att_gt(df, "y", "id", "t", "g", method="reg")
    err_naive, se_naive = _post_truth_error(naive, truth)
    assert np.max(err_naive / se_naive) > 6  # unconditional parallel trends fail
    for method in ("dr", "ipw", "reg"):
        res = att_gt(df, "y", "id", "t", "g", method=method, covariates=["x"])
        err, se = _post_truth_error(res, truth)
        assert np.all(err < 4 * se), (method, err, se)


def test_unbalanced_panel_missing_at_random(panel_maker, truth):
    df = panel_maker(n_units=4000, seed=4, noise=0.5)
    rng = np.random.default_rng(0)
    df = df[rng.random(len(df)) > 0.25]
    res = att_gt(df, "y", "id", "t", "g")
    assert res.metadata["panel"].startswith("unbalanced")
    err, se = _post_truth_error(res, truth)
    assert np.all(err < 4 * se)
    simple = aggregate(res, "simple")
    assert np.isfinite(simple.overall_se)


def test_unbalanced_schools_open_and_close(panel_maker, truth):
    df = panel_maker(n_units=4000, seed=5, noise=0.5)
    rng = np.random.default_rng(1)
    opens = rng.integers(1, 3, size=4000)   # some units open in period 2
    closes = rng.integers(5, 7, size=4000)  # some close after period 5
    keep = (df["t"] >= opens[df["id"]]) & (df["t"] <= closes[df["id"]])
    res = att_gt(df[keep.to_numpy()], "y", "id", "t", "g")
    err, se = _post_truth_error(res, truth)
    assert np.all(err < 4 * se)


def test_balanced_subset_of_unbalanced_gives_same_cells_when_complete(panel_maker):
    # a unit missing only period 6 leaves every cell not involving period 6 unchanged
    df = panel_maker(n_units=500, seed=6)
    full = att_gt(df, "y", "id", "t", "g")
    part = att_gt(df[~((df["id"] == 7) & (df["t"] == 6))], "y", "id", "t", "g")
    cells = full.times < 6
    np.testing.assert_allclose(part.estimates[cells], full.estimates[cells], atol=1e-12)


def test_coverage_of_simple_att_over_seeds(panel_maker, truth):
    hits, n_rep = 0, 150
    for seed in range(n_rep):
        df = panel_maker(n_units=200, n_periods=4, seed=1000 + seed, cohorts=(0, 3, 4))
        res = att_gt(df, "y", "id", "t", "g")
        agg = aggregate(res, "simple")
        post = res.post
        pg = res.cohort_shares[res.groups[post]].to_numpy()
        true = float(np.sum(pg * truth(res.groups[post], res.times[post])) / pg.sum())
        ci = agg.overall.conf_int().iloc[0]
        hits += int(ci["ci_low"] <= true <= ci["ci_high"])
    assert 0.89 <= hits / n_rep <= 0.99, hits / n_rep


def test_anticipation_shifts_base_period(panel_maker):
    df = panel_maker(n_units=3000, seed=7, cohorts=(0, 4, 5), noise=0.3)
    # units react one period early by +1.0
    early = (df["g"] > 0) & (df["t"] == df["g"] - 1)
    df.loc[early, "y"] += 1.0
    naive = att_gt(df, "y", "id", "t", "g")
    fixed = att_gt(df, "y", "id", "t", "g", anticipation=1)
    on_impact = (naive.times == naive.groups)
    # naive base period g-1 is contaminated: effect at e=0 is biased down by ~1
    base = fixed.to_frame().set_index(["group", "time"])
    for g in (4, 5):
        assert base.loc[(g, g), "base_period"] == g - 2
    bias = naive.estimates[on_impact] - fixed.estimates[fixed.times == fixed.groups]
    assert np.all(np.abs(bias + 1.0) < 0.15)


def test_universal_base_period(panel_maker):
    df = panel_maker(n_units=800, seed=8)
    var = att_gt(df, "y", "id", "t", "g")
    uni = att_gt(df, "y", "id", "t", "g", base_period="universal")
    post_v = var.to_frame()[var.post].set_index(["group", "time"])["estimate"]
    post_u = uni.to_frame()[uni.post].set_index(["group", "time"])["estimate"]
    np.testing.assert_allclose(post_u.loc[post_v.index], post_v, atol=1e-12)
    ref = uni.to_frame().query("time == group - 1")
    assert (ref["estimate"] == 0).all() and ref["std_error"].isna().all()
    es = aggregate(uni, "event")
    assert es.to_frame().set_index("event_time").loc[-1, "estimate"] == 0


def test_cell_without_comparison_units_is_nan_with_warning(panel_maker):
    df = panel_maker(n_units=400, seed=9)
    # never-treated units all miss period 6: cells (g, 6) have no comparison units
    df = df[~((df["g"] == 0) & (df["t"] == 6))]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = att_gt(df, "y", "id", "t", "g")
    texts = [str(w.message) for w in caught if issubclass(w.category, EstimationWarning)]
    for g in (3, 4, 5):
        assert any(f"ATT(g={g}, t=6)" in t and "no comparison units" in t for t in texts)
    bad = res.times == 6
    assert np.isnan(res.estimates[bad]).all() and np.isnan(res.std_errors[bad]).all()
    assert np.isfinite(res.estimates[~bad]).all()
    with pytest.warns(EstimationWarning, match="left out"):
        agg = aggregate(res, "event")
    assert np.isfinite(agg.overall_att)


def test_weights_equal_duplicating_units(panel_maker):
    df = panel_maker(n_units=300, seed=10)
    dup_ids = np.arange(0, 300, 3)
    extra = df[df["id"].isin(dup_ids)].assign(id=lambda d: d["id"] + 10_000)
    doubled = att_gt(pd_concat(df, extra), "y", "id", "t", "g", method="dr")
    weighted = att_gt(df.assign(w=np.where(df["id"].isin(dup_ids), 2.0, 1.0)), "y", "id", "t",
                      "g", weights="w", method="dr")
    np.testing.assert_allclose(weighted.estimates, doubled.estimates, atol=1e-10)
    for kind in ("simple", "event", "group", "calendar"):
        assert abs(aggregate(weighted, kind).overall_att
                   - aggregate(doubled, kind).overall_att) < 1e-10


def pd_concat(a, b):
    import pandas as pd

    return pd.concat([a, b], ignore_index=True)


def test_clustered_se_sums_influence_within_clusters(panel_maker):
    df = panel_maker(n_units=500, seed=11)
    unit = att_gt(df, "y", "id", "t", "g")
    own = att_gt(df.assign(c=df["id"]), "y", "id", "t", "g", cluster="c")
    np.testing.assert_allclose(own.std_errors, unit.std_errors, rtol=1e-12)
    cl = att_gt(df, "y", "id", "t", "g", cluster="cl")
    np.testing.assert_allclose(cl.estimates, unit.estimates)
    psi = cl.influence
    codes = df.groupby("id")["cl"].first().to_numpy()
    sums = np.zeros((25, psi.shape[1]))
    np.add.at(sums, codes, psi)
    manual = np.sqrt((sums**2).sum(axis=0)) / psi.shape[0]
    np.testing.assert_allclose(cl.std_errors, manual, rtol=1e-12)
    assert cl.n_clusters == 25


def test_no_never_treated_uses_last_cohort(panel_maker):
    df = panel_maker(n_units=600, seed=12, cohorts=(3, 4, 6))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = att_gt(df, "y", "id", "t", "g")
    assert any("no never-treated units" in str(w.message) for w in caught)
    assert set(np.unique(res.groups)) == {3.0, 4.0}
    assert res.times.max() == 5
