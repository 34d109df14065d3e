"""Invariances: row order, unit labels, outcome shifts; seeded bootstrap reproduces exactly."""

from __future__ import annotations

import numpy as np
import pytest

from eah_eval.did import aggregate, att_gt, multiplier_bootstrap


@pytest.fixture
def df(panel_maker):
    return panel_maker(n_units=400, seed=21)


def _same(a, b, atol=1e-12):
    np.testing.assert_allclose(a.estimates, b.estimates, rtol=0, atol=atol)
    np.testing.assert_allclose(a.std_errors, b.std_errors, rtol=1e-10, atol=atol)


@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
def test_row_order(df, method):
    shuffled = df.sample(frac=1.0, random_state=3)
    _same(att_gt(df, "y", "id", "t", "g", method=method, covariates=["x"]),
          att_gt(shuffled, "y", "id", "t", "g", method=method, covariates=["x"]))


def test_unit_relabel(df):
    rng = np.random.default_rng(0)
    new = {i: f"school-{k:05d}" for i, k in zip(range(400), rng.permutation(400), strict=True)}
    relabelled = df.assign(id=df["id"].map(new))
    a = att_gt(df, "y", "id", "t", "g", cluster="cl")
    b = att_gt(relabelled, "y", "id", "t", "g", cluster="cl")
    _same(a, b)
    for kind in ("simple", "event", "group", "calendar"):
        x, y = aggregate(a, kind), aggregate(b, kind)
        assert abs(x.overall_att - y.overall_att) < 1e-12
        assert abs(x.overall_se - y.overall_se) < 1e-12
    assert a.pretest.statistic == pytest.approx(b.pretest.statistic, rel=1e-10)


def test_outcome_shift(df):
    a = att_gt(df, "y", "id", "t", "g", covariates=["x"])
    b = att_gt(df.assign(y=df["y"] + 1000.0), "y", "id", "t", "g", covariates=["x"])
    _same(a, b, atol=1e-9)


def test_seeded_bootstrap_reproduces_exactly(df):
    gt = att_gt(df, "y", "id", "t", "g", cluster="cl")
    a = multiplier_bootstrap(gt, 199, rng=42)
    b = gt.with_bootstrap(199, rng=42)
    np.testing.assert_array_equal(a.std_errors, b.std_errors)
    assert a.table.critical_value == b.table.critical_value
    assert a.metadata["bootstrap_seed"] == 42
    c = gt.with_bootstrap(199, rng=43)
    assert not np.array_equal(a.std_errors, c.std_errors)
    ea, eb = aggregate(a, "event"), aggregate(b, "event")
    np.testing.assert_array_equal(ea.std_errors, eb.std_errors)
    assert ea.metadata["bootstrap_draws"] == 199


def test_bootstrap_se_close_to_analytic(df):
    gt = att_gt(df, "y", "id", "t", "g")
    boot = gt.with_bootstrap(2000, rng=1)
    ok = ~np.isnan(gt.std_errors)
    ratio = boot.std_errors[ok] / gt.std_errors[ok]
    assert np.all(np.abs(ratio - 1) < 0.12), ratio
    crit = boot.table.critical_value
    assert crit is not None and 1.96 < crit < 4.0
    frame = boot.to_frame()
    assert (frame["ci_low_simultaneous"] <= frame["ci_low"]).all()


@pytest.mark.parametrize("weight_type", ["mammen", "rademacher", "webb"])
def test_bootstrap_weight_types_recorded(df, weight_type):
    gt = att_gt(df, "y", "id", "t", "g", cluster="cl")
    es = aggregate(gt, "event", n_draws=299, weight_type=weight_type, rng=5)
    assert es.bootstrap is not None and es.bootstrap.weight_type == weight_type
    assert es.bootstrap.n_clusters == 25
    assert np.all(np.isfinite(es.std_errors[es.table.index != -1]))


def test_input_frame_is_not_modified(df):
    import pandas as pd

    floats = df.assign(g=df["g"].astype(float), t=df["t"].astype(float))
    before, before_floats = df.copy(), floats.copy()
    att_gt(floats, "y", "id", "t", "g", never_treated_value=0)
    gt = att_gt(df, "y", "id", "t", "g", covariates=["x"], cluster="cl")
    aggregate(gt, "event")
    pd.testing.assert_frame_equal(df, before)
    pd.testing.assert_frame_equal(floats, before_floats)


@pytest.mark.parametrize(("scale", "shift"), [(2.0, 2000.0), (0.5, 0.25)])
def test_period_relabel(df, scale, shift):
    # an increasing relabelling of periods (whole or fractional) changes nothing
    relabelled = df.assign(t=df["t"] * scale + shift,
                           g=np.where(df["g"] > 0, df["g"] * scale + shift, 0.0))
    a = att_gt(df, "y", "id", "t", "g")
    b = att_gt(relabelled, "y", "id", "t", "g")
    np.testing.assert_allclose(a.estimates, b.estimates, atol=1e-12)
    np.testing.assert_allclose(a.std_errors, b.std_errors, atol=1e-12)
    np.testing.assert_allclose(b.times, a.times * scale + shift)


@pytest.mark.parametrize(("weight_type", "third"), [("mammen", 1.0), ("rademacher", 0.0),
                                                    ("webb", 0.0)])
def test_multiplier_moments(weight_type, third):
    from eah_eval.did.bootstrap import draw_multipliers

    v = draw_multipliers(np.random.default_rng(0), (400, 1000), weight_type).astype(float)
    assert abs(v.mean()) < 0.01
    assert abs(v.var() - 1.0) < 0.01
    assert abs((v**3).mean() - third) < 0.03
