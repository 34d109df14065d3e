"""Aggregations reuse the group-time bootstrap's multipliers (no second draw).

The oracle draws the same Mammen multipliers ``v`` (same seed, one chunk) in double precision
and bootstraps each aggregate's own influence function, ``b = v'S / n``. The shared draws are
the group-time draws combined with the aggregation's loadings; they differ from the oracle only
by the single-precision products of the draws (relative 1e-6 at most here).
"""

from __future__ import annotations

import numpy as np
import pytest

from eah_eval.did import aggregate, att_gt
from eah_eval.did.bootstrap import cluster_sums, summarise_draws

KINDS = ("simple", "event", "group", "calendar")


def _oracle(agg, n_draws: int, seed: int) -> np.ndarray:
    """Standard errors from double-precision Mammen multipliers drawn as the package does."""
    s5 = np.sqrt(5.0)
    low, high, p_low = (1 - s5) / 2, (1 + s5) / 2, (s5 + 1) / (2 * s5)
    psi = np.column_stack([agg.influence, agg.overall_influence])
    sums = cluster_sums(psi, agg.cluster_codes)
    gen = np.random.default_rng(seed)
    v = np.where(gen.random((n_draws, sums.shape[0]), dtype=np.float32) >= p_low, high, low)
    draws = v @ sums / psi.shape[0]
    return summarise_draws(draws)[0]


def _unbalanced(df, seed=0):
    rng = np.random.default_rng(seed)
    return df[rng.random(len(df)) > 0.1]


@pytest.mark.parametrize("control_group", ["never_treated", "not_yet_treated"])
@pytest.mark.parametrize("cluster", [None, "cl"])
@pytest.mark.parametrize("balanced", [True, False])
def test_shared_draws_equal_own_draws(panel_maker, control_group, cluster, balanced):
    df = panel_maker(n_units=400, n_periods=6, seed=2)
    if not balanced:
        df = _unbalanced(df)
    gt = att_gt(df, "y", "id", "t", "g", control_group=control_group, cluster=cluster)
    boot = gt.with_bootstrap(299, rng=7)
    for kind in KINDS:
        agg = aggregate(boot, kind)
        assert agg.bootstrap is not None and agg.bootstrap.seed == 7
        assert agg.bootstrap.n_draws == 299
        want = _oracle(aggregate(gt, kind), 299, 7)
        got = np.r_[agg.std_errors, agg.overall_se]
        np.testing.assert_allclose(got, want, rtol=1e-5)


def test_shared_draws_do_not_depend_on_order(panel_maker):
    boot = att_gt(panel_maker(n_units=300, seed=4), "y", "id", "t", "g").with_bootstrap(199, rng=3)
    first = [aggregate(boot, k) for k in KINDS]
    second = [aggregate(boot, k) for k in reversed(KINDS)][::-1]
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a.std_errors, b.std_errors)
        assert a.table.critical_value == b.table.critical_value


def test_generator_rng_is_shared_too(panel_maker):
    # a Generator cannot be replayed; the aggregation still uses the group-time draws
    gt = att_gt(panel_maker(n_units=300, seed=5), "y", "id", "t", "g")
    boot = gt.with_bootstrap(199, rng=np.random.default_rng(9))
    es = aggregate(boot, "event")
    assert es.bootstrap is not None and es.bootstrap.seed == "generator"
    want = _oracle(aggregate(gt, "event"), 199, 9)
    np.testing.assert_allclose(np.r_[es.std_errors, es.overall_se], want, rtol=1e-5)


def test_own_draws_when_asked(panel_maker):
    gt = att_gt(panel_maker(n_units=300, seed=6), "y", "id", "t", "g").with_bootstrap(199, rng=1)
    own = aggregate(gt, "event", n_draws=199, rng=2)
    assert own.bootstrap is not None and own.bootstrap.seed == 2
    shared = aggregate(gt, "event")
    assert not np.array_equal(own.std_errors, shared.std_errors)


def test_left_out_cells_have_no_loading(panel_maker):
    # cohort 4 unobserved in period 2 leaves NaN cells (unbalanced panel); the shared draws
    # must skip them exactly as the aggregation's influence function does
    df = panel_maker(n_units=300, n_periods=6, seed=8)
    df = df[~((df["g"] == 4) & (df["t"] == 2))]
    with pytest.warns(Warning):
        gt = att_gt(df, "y", "id", "t", "g", control_group="not_yet_treated")
    assert np.isnan(gt.estimates).any()
    boot = gt.with_bootstrap(199, rng=5)
    for kind in KINDS:
        with pytest.warns(Warning):
            agg = aggregate(boot, kind)
        with pytest.warns(Warning):
            plain = aggregate(gt, kind)
        ok = np.isfinite(np.r_[plain.analytic_std_errors, plain.analytic_overall_se])
        got = np.r_[agg.std_errors, agg.overall_se]
        np.testing.assert_allclose(got[ok], _oracle(plain, 199, 5)[ok], rtol=1e-5)
