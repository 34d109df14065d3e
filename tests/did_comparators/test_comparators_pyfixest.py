"""Outside checks against pyfixest: TWFE vs feols, Sun-Abraham vs the saturated event study,
imputation vs Gardner's two-stage did2s, on panels built here.

Tolerance 1e-8 on estimates and on standard errors where the definitions match (they agree to
about 1e-14; the margin is for other BLAS builds). Where the definitions differ by design the test
asserts the documented factor, or rebuilds the reference's formula from our estimator's pieces
and asserts equality, so a change on either side is caught. The example ratios quoted in
docs/guide/comparators.md are asserted too (to 5e-4, the precision quoted).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from dc_sim import staggered_panel

from eah_eval.did.imputation import ImputationResult, imputation
from eah_eval.did.sun_abraham import sun_abraham
from eah_eval.did.twfe import twfe

pf = pytest.importorskip(
    "pyfixest",
    reason="pyfixest is a development extra (pip install -e '.[dev]'); the outside checks "
           "against feols, did2s and the saturated event study need it",
)

KW = {"outcome": "y", "unit": "unit", "time": "time", "cohort": "cohort"}
G, T = 12, 8
TOL = 1e-8


def _effect(g: np.ndarray, e: np.ndarray) -> np.ndarray:
    return np.where(g == 3, 0.5 * e, 2.0 - 0.2 * e)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """120 schools in 12 clusters, 8 terms, cohorts 3, 5, 7 and never; effects vary."""
    df = staggered_panel(n_units=120, n_periods=T, cohorts=(0, 3, 5, 7), seed=4,
                         effect=_effect, n_clusters=G)
    d = (df["cohort"] > 0) & (df["time"] >= df["cohort"])
    # pupil-count style weights, constant within a school: few distinct values keep pyfixest's
    # recovery of the first-stage fixed effects (lsqr, tolerance 1e-6) exact
    w = np.array([1.0, 2.0, 3.0])[df["unit"].to_numpy() % 3]
    ever = df["cohort"] > 0
    return df.assign(D=d, Df=d.astype(float), w=w,
                     rel=np.where(d, df["time"] - df["cohort"], -1).astype(int),
                     rel_all=np.where(ever, df["time"] - df["cohort"], -1).astype(int))


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyfixest's beta notice for the saturated study
        yield


def _ssc(n_obs: int, k: int) -> float:
    """pyfixest's default clustered factor: G/(G-1) (N-1)/(N-K), K = k + periods.

    Unit effects are nested in the clusters, so pyfixest's default ``k_fixef="nonnested"``
    counts only the period effects (all T of them: the unit block is dropped and one level added
    back).
    """
    return G / (G - 1) * (n_obs - 1) / (n_obs - (k + T))


# ------------------------------------------------------------------------------- TWFE vs feols
@pytest.mark.parametrize("kind", ["static", "event"])
def test_twfe_matches_feols(panel, kind):
    res = twfe(panel, kind=kind, cluster="cluster", **KW)
    fml = "y ~ Df | unit + time" if kind == "static" else "y ~ i(rel_all, ref=-1) | unit + time"
    ref = pf.feols(fml, data=panel, vcov={"CRV1": "cluster"})
    plain = pf.feols(fml, data=panel, vcov={"CRV1": "cluster"},
                     ssc=pf.ssc(k_adj=False, G_adj=False))
    g_only = pf.feols(fml, data=panel, vcov={"CRV1": "cluster"},
                      ssc=pf.ssc(k_adj=False, G_adj=True))
    k, n = len(res.estimates), res.n_obs
    np.testing.assert_allclose(res.estimates, ref.coef().to_numpy(), rtol=0, atol=TOL)
    # the same sandwich without small-sample factors
    np.testing.assert_allclose(res.std_errors, plain.se().to_numpy(), rtol=TOL)
    # pyfixest's default: G/(G-1) (N-1)/(N-K); ours by default: none
    np.testing.assert_allclose((ref.se().to_numpy() / res.std_errors) ** 2, _ssc(n, k),
                               rtol=TOL)
    # small_sample=True: G/(G-1) (n-1)/n, i.e. pyfixest's G/(G-1) times (n-1)/n
    adj = twfe(panel, kind=kind, cluster="cluster", small_sample=True, **KW)
    np.testing.assert_allclose((adj.std_errors / g_only.se().to_numpy()) ** 2, (n - 1) / n,
                               rtol=TOL)
    if kind == "static":
        # figures quoted in docs/guide/comparators.md (N = 960 school-terms, K = 1 + 8)
        assert ref.se().iloc[0] / res.std_errors[0] == pytest.approx(1.0488, abs=5e-4)
        assert adj.std_errors[0] / ref.se().iloc[0] == pytest.approx(0.9953, abs=5e-4)


def test_twfe_weighted_unbalanced_with_covariate_matches_feols(panel):
    df = panel.loc[~(panel["time"].eq(2) & panel["unit"].lt(10))]
    res = twfe(df, cluster="cluster", weights="w", covariates=["x"], **KW)
    ref = pf.feols("y ~ Df + x | unit + time", data=df, weights="w", vcov={"CRV1": "cluster"},
                   ssc=pf.ssc(k_adj=False, G_adj=False), fixef_tol=1e-14)
    np.testing.assert_allclose(res.estimates, ref.coef().to_numpy()[:1], rtol=0, atol=TOL)
    np.testing.assert_allclose(np.sqrt(np.diag(res.covariance)), ref.se().to_numpy(), rtol=TOL)


# ------------------------------------------------------ Sun-Abraham vs saturated event study
def _saturated(panel: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    fit = pf.event_study(panel, yname="y", idname="unit", tname="time", gname="cohort",
                         estimator="saturated", cluster="cluster")
    tidy = fit.tidy()
    cells = tidy.index.str.extract(r"rel_time::(?P<e>[-\d.]+):first_treated_period::(?P<g>\d+)")
    cohort = pd.DataFrame({"cohort": cells["g"].astype(float).to_numpy(),
                           "event_time": cells["e"].astype(float).astype(int).to_numpy(),
                           "estimate": tidy["Estimate"].to_numpy(dtype=float),
                           "std_error": tidy["Std. Error"].to_numpy(dtype=float)})
    agg = fit.aggregate()
    by_e = pd.DataFrame({"event_time": agg.index.to_numpy(dtype=float).astype(int),
                         "estimate": agg["Estimate"].to_numpy(dtype=float),
                         "std_error": agg["Std. Error"].to_numpy(dtype=float)})
    return cohort.set_index(["cohort", "event_time"]), by_e.set_index("event_time")


def test_sun_abraham_matches_saturated_event_study(panel):
    ref_cells, ref_e = _saturated(panel)
    fixed = sun_abraham(panel, cluster="cluster", share_variance=False, **KW)
    full = sun_abraham(panel, cluster="cluster", **KW)
    ours = fixed.cohort_effects.to_frame().set_index(["cohort", "event_time"])
    joined = ours.join(ref_cells, rsuffix="_ref", how="inner")
    assert len(joined) == len(ours) == len(ref_cells) == 21
    np.testing.assert_allclose(joined["estimate"], joined["estimate_ref"], rtol=0, atol=TOL)
    factor = _ssc(fixed.n_obs, len(ours))
    np.testing.assert_allclose((joined["std_error_ref"] / joined["std_error"]) ** 2, factor,
                               rtol=TOL)
    # share-weighted by event time: same estimates; pyfixest holds the shares fixed
    es = fixed.to_frame().set_index("event_time").join(ref_e, rsuffix="_ref", how="inner")
    assert len(es) == len(ref_e) == 11
    np.testing.assert_allclose(es["estimate"], es["estimate_ref"], rtol=0, atol=TOL)
    np.testing.assert_allclose((es["std_error_ref"] / es["std_error"]) ** 2, factor, rtol=TOL)
    np.testing.assert_allclose(full.estimates, fixed.estimates, rtol=0, atol=1e-12)
    # figures quoted in docs/guide/comparators.md: the share term moves the SEs by -5% to +13%
    ratio = full.std_errors / fixed.std_errors
    assert ratio.min() == pytest.approx(0.9538, abs=5e-4)
    assert ratio.max() == pytest.approx(1.1275, abs=5e-4)
    assert np.sqrt(factor) == pytest.approx(1.0601, abs=5e-4)


# -------------------------------------------------------------------- imputation vs did2s
def _did2s(panel: pd.DataFrame, second: str, weights: str | None = None):
    # time effects as regressors and unit effects absorbed: one-way demeaning is exact, so the
    # reference's first stage has no iteration tolerance in it
    return pf.did2s(panel, yname="y", first_stage="~C(time)|unit", second_stage=second,
                    treatment="D", cluster="cluster", weights=weights)


def _conservative_se(res: ImputationResult, target: int, avg_weight: np.ndarray) -> float:
    """BJS's cluster sum of ``v eps`` with ``eps = tau - mean within horizon`` on treated rows.

    ``avg_weight`` weights the mean: ``v**2`` is BJS (what ``imputation`` does), the sampling
    weight is the weighted second-stage regression of did2s. One mean per horizon of the target.
    """
    s = res.sample()
    v = res.weights[:, target]
    rel = (s["time"] - s["cohort"]).to_numpy()
    eps = np.where(res.treated, 0.0, res.residuals)
    for h in np.unique(rel[res.treated & (v != 0)]):
        rows = res.treated & (v != 0) & (rel == h)
        eps[rows] = res.tau_hat[rows] - np.sum(avg_weight[rows] * res.tau_hat[rows]) / np.sum(
            avg_weight[rows])
    codes = pd.factorize(s["cluster"])[0]
    return float(np.sqrt(np.sum(np.bincount(codes, v * eps) ** 2)))


def _pooled_se(res: ImputationResult) -> float:
    """Overall SE with one mean over all treated rows (did2s's static second stage)."""
    s = res.sample()
    v = res.weights[:, 0]
    tr = res.treated
    eps = np.where(tr, res.tau_hat - np.sum(v[tr] * res.tau_hat[tr]) / np.sum(v[tr]),
                   res.residuals)
    codes = pd.factorize(s["cluster"])[0]
    return float(np.sqrt(np.sum(np.bincount(codes, v * eps) ** 2)))


def test_imputation_matches_did2s(panel):
    default = imputation(panel, cluster="cluster", **KW)
    horizon = imputation(panel, cluster="cluster", tau_bar_groups="horizon", **KW)
    static = _did2s(panel, "~D")
    event = _did2s(panel, "~i(rel, ref=-1)")
    assert list(event.coef().index) == [f"rel::{e}" for e in default.table.index]
    assert abs(default.overall.estimates[0] - static.coef().iloc[0]) < TOL
    np.testing.assert_allclose(default.estimates, event.coef().to_numpy(), rtol=0, atol=TOL)
    # event time: Gardner's GMM variance is BJS's with tau averaged by horizon
    np.testing.assert_allclose(horizon.std_errors, event.se().to_numpy(), rtol=TOL)
    # overall: did2s averages tau over all treated rows, which no tau_bar_groups option does
    assert _pooled_se(default) == pytest.approx(static.se().iloc[0], rel=TOL)
    # the default (cohort x horizon) differs; figures quoted in docs/guide/comparators.md
    assert default.overall.std_errors[0] / static.se().iloc[0] == pytest.approx(0.9979,
                                                                             abs=5e-4)
    ratio = default.std_errors / event.se().to_numpy()
    assert ratio.min() == pytest.approx(0.7788, abs=5e-4)
    assert ratio.max() == pytest.approx(1.0310, abs=5e-4)


def test_weighted_imputation_matches_did2s_up_to_the_averaging_weight(panel):
    res = imputation(panel, cluster="cluster", weights="w", tau_bar_groups="horizon", **KW)
    static = _did2s(panel, "~D", weights="w")
    event = _did2s(panel, "~i(rel, ref=-1)", weights="w")
    assert abs(res.overall.estimates[0] - static.coef().iloc[0]) < TOL
    np.testing.assert_allclose(res.estimates, event.coef().to_numpy(), rtol=0, atol=TOL)
    sw = res.sample()["weight"].to_numpy()
    for j in range(len(res.estimates)):
        v = res.weights[:, j + 1]
        # ours: BJS averages weighted by v^2 (proportional to w^2 within a horizon) ...
        assert _conservative_se(res, j + 1, v**2) == pytest.approx(res.std_errors[j], rel=TOL)
        # ... did2s: the weighted second-stage regression averages weighted by w
        assert _conservative_se(res, j + 1, sw) == pytest.approx(event.se().iloc[j], rel=TOL)
    assert not np.allclose(res.std_errors, event.se().to_numpy(), rtol=1e-4)
