"""Wild cluster bootstrap: parity with the wildboottest package, inversion, enumeration, records."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from eah_eval.errors import EstimationError, OptionError
from eah_eval.inference.wild import (
    wild_draws,
    wild_influence,
    wild_linear,
)


def _panel(seed: int, n_clusters: int = 8, effect: float = 0.3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    unit = 0
    for g in range(n_clusters):
        for _ in range(int(rng.integers(2, 4))):
            for t in range(6):
                rows.append((g, unit, t))
            unit += 1
    df = pd.DataFrame(rows, columns=["g", "unit", "t"])
    waves = {g: 2 + g % 3 for g in range(n_clusters) if g < n_clusters - 3}
    df["d"] = [1.0 if g in waves and t >= waves[g] else 0.0
               for g, t in zip(df.g, df.t, strict=True)]
    df["cohort"] = [float(waves.get(g, 0)) for g in df.g]
    df["y"] = (effect * df.d + rng.normal(size=len(df)) + rng.normal(size=n_clusters)[df.g]
               + 0.2 * rng.normal(size=unit)[df.unit])
    return df


def _full_design(df: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(
        [df[["d"]], pd.get_dummies(df.unit, prefix="u", dtype=float),
         pd.get_dummies(df.t, prefix="t", drop_first=True, dtype=float)], axis=1)


def _wbt_distribution(df: pd.DataFrame, x: pd.DataFrame, impose_null: bool, weights: str,
                      draws: int, seed: int | None) -> tuple[float, np.ndarray, float]:
    """Run wildboottest's WildboottestCL step by step; return t, the |t*| draws and its p."""
    wbt = pytest.importorskip("wildboottest.wildboottest")
    r = np.zeros(x.shape[1])
    r[0] = 1.0
    boot = wbt.WildboottestCL(X=x.to_numpy(), Y=df.y.to_numpy(), cluster=df.g.to_numpy(),
                              R=r, B=draws, seed=seed, parallel=False)
    boot.get_scores(bootstrap_type="11", impose_null=impose_null)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot.get_weights(weights_type=weights)
    boot.get_numer()
    boot.get_denom()
    boot.get_tboot()
    boot.get_vcov()
    boot.get_tstat()
    boot.get_pvalue()
    return float(np.ravel(boot.t_stat)[0]), np.abs(np.ravel(boot.t_boot)), float(boot.pvalue)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("impose_null", [True, False])
def test_parity_with_wildboottest_full_enumeration(seed: int, impose_null: bool) -> None:
    """Same t, same bootstrap distribution (all 2^8 draws) and same p-value to 1e-8.

    wildboottest counts ``|t| < |t*|`` strictly; under WCR the all-ones draw (and its mirror)
    reproduces the sample, so ``|t*| = |t|`` up to rounding and its count depends on rounding.
    We count ties as at least as extreme; the p-value is compared with wildboottest's own
    bootstrap draws under that convention, and with its reported p-value up to those two draws.
    """
    df = _panel(seed)
    x = _full_design(df)
    t_ref, abs_tstar_ref, p_ref = _wbt_distribution(df, x, impose_null, "rademacher", 9999,
                                                    None)
    mine = wild_linear(x.to_numpy(), df.y, df.g, terms=[0], impose_null=impose_null,
                       conf_int=False)
    assert mine.enumerated and mine.draws == 2**8
    assert abs(mine.statistics[0] - t_ref) < 1e-8
    p_same_rule = float(np.mean(abs_tstar_ref >= abs(t_ref) * (1 - 1e-10)))
    assert abs(mine.pvalues[0] - p_same_rule) < 1e-8
    ties = int(np.sum(np.isclose(abs_tstar_ref, abs(t_ref), rtol=1e-10, atol=0)))
    assert ties == (2 if impose_null else 0)
    assert abs(mine.pvalues[0] - p_ref) <= ties / 2**8 + 1e-12


def test_wcr_interval_is_test_inversion() -> None:
    df = _panel(1, n_clusters=10)
    x = _full_design(df).to_numpy()
    res = wild_linear(x, df.y, df.g, draws=999, rng=3)
    lo, hi = res.ci_low[0], res.ci_high[0]
    assert lo < res.estimates[0] < hi
    eps = 1e-3 * res.std_errors[0]
    for end, outside in ((lo, lo - 50 * eps), (hi, hi + 50 * eps)):
        inside_p = wild_linear(x, df.y, df.g, draws=999, rng=3, null=end + (eps if end == lo
                               else -eps), conf_int=False).pvalues[0]
        out_p = wild_linear(x, df.y, df.g, draws=999, rng=3, null=outside,
                            conf_int=False).pvalues[0]
        assert inside_p >= 0.05 > out_p


def test_seeded_reproducible_and_recorded() -> None:
    df = _panel(2, n_clusters=16)
    x = _full_design(df).to_numpy()
    a = wild_linear(x, df.y, df.g, weight_type="webb", draws=499, rng=7)
    b = wild_linear(x, df.y, df.g, weight_type="webb", draws=499, rng=7)
    np.testing.assert_array_equal(a.pvalues, b.pvalues)
    np.testing.assert_array_equal(a.ci_low, b.ci_low)
    assert not a.enumerated and a.seed == 7 and a.draws == 499 and a.n_clusters == 16
    info = a.info()
    assert info == {"method": "wild", "variant": "WCR", "weights": "webb", "draws": 499,
                    "requested_draws": 499, "enumerated": False, "seed": 7,
                    "n_clusters": 16, "level": 0.95}
    with pytest.raises(AttributeError):
        a.pvalues = np.zeros(1)  # type: ignore[misc]


def test_enumeration_rules() -> None:
    assert wild_draws(8, 256).enumerated
    assert not wild_draws(9, 256, rng=1).enumerated
    w = wild_draws(4, 9999, weight_type="webb")
    assert w.enumerated and w.v.shape == (6**4, 4)
    assert not wild_draws(3, 9999, weight_type="mammen", rng=0).enumerated
    v = wild_draws(4, 100).v
    assert len({tuple(r) for r in v}) == 16


def test_invariant_to_outcome_shift_and_relabelling() -> None:
    df = _panel(4)
    x = _full_design(df).to_numpy()
    a = wild_linear(x, df.y, df.g, conf_int=False)
    b = wild_linear(x, df.y + 100.0, df.g.map(lambda g: f"c{g}"), conf_int=False)
    assert a.pvalues[0] == pytest.approx(b.pvalues[0], abs=1e-12)


def test_twfe_adapter_equals_full_design() -> None:
    twfe = pytest.importorskip("eah_eval.did.twfe").twfe
    from eah_eval.inference.wild import wild_twfe

    df = _panel(6, n_clusters=9)
    res = twfe(df, outcome="y", unit="unit", time="t", cohort="cohort", cluster="g")
    w = wild_twfe(res, draws=999, rng=1, conf_int=False)
    ref = wild_linear(_full_design(df).to_numpy(), df.y, df.g, draws=999, rng=1,
                      conf_int=False)
    assert w.estimates[0] == pytest.approx(ref.estimates[0], abs=1e-10)
    assert w.pvalues[0] == pytest.approx(ref.pvalues[0], abs=1e-12)


def test_wild_influence_matches_analytic_se_and_is_wcu() -> None:
    rng = np.random.default_rng(0)
    psi = rng.normal(size=(60, 2))
    cl = np.repeat(np.arange(12), 5)
    res = wild_influence(psi, [0.5, 0.0], cl, draws=999, rng=2, names=["a", "b"])
    sums = pd.DataFrame(psi).groupby(cl).sum().to_numpy()
    np.testing.assert_allclose(res.std_errors, np.sqrt((sums**2).sum(0)) / 60)
    assert not res.restricted and list(res.to_frame().index) == ["a", "b"]
    assert res.ci_low[1] < 0 < res.ci_high[1]


def test_errors() -> None:
    df = _panel(0)
    x = _full_design(df).to_numpy()
    with pytest.raises(OptionError, match="weight_type must be one of"):
        wild_linear(x, df.y, df.g, weight_type="normal")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="terms must be column indices"):
        wild_linear(x, df.y, df.g, terms=[999])
    with pytest.raises(EstimationError, match="at least 2 clusters"):
        wild_linear(x, df.y, np.zeros(len(df)))
    with pytest.raises(OptionError, match="draws must be a positive"):
        wild_draws(5, 0)


def test_imputation_and_aggregate_adapters() -> None:
    did = pytest.importorskip("eah_eval.did")
    from eah_eval.inference.wild import wild_aggregate, wild_imputation

    df = _panel(8, n_clusters=10)
    imp = did.imputation(df, "y", "unit", "t", "cohort", cluster="g")
    r = wild_imputation(imp, draws=999, rng=1)
    assert r.terms[0] == "overall" and r.n_clusters == 10
    assert r.std_errors[0] == pytest.approx(float(imp.overall.std_errors[0]), rel=1e-10)
    assert r.estimates[0] == pytest.approx(float(imp.overall.estimates[0]))
    gt = did.att_gt(df, outcome="y", unit="unit", time="t", cohort="cohort", cluster="g")
    ev = did.aggregate(gt, "event")
    w = wild_aggregate(ev, draws=999, rng=1)
    assert w.terms[-1] == "overall" and len(w.terms) == len(ev.estimates) + 1
    np.testing.assert_allclose(w.std_errors[:-1], ev.analytic_std_errors, rtol=1e-8)
