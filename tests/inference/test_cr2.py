"""CR2 + Satterthwaite against independent computations.

1. A dense brute-force implementation written here from the formulas (full dummy design, explicit
   hat-matrix blocks, Moore-Penrose inverse square roots by eigen-decomposition, Satterthwaite df
   from the n x n residual-maker): agreement to 1e-10 with and without absorbed effects and weights.
2. statsmodels' HC2 (one observation per cluster: CR2 reduces to HC2).
3. Closed form: for a difference in means with one observation per cluster, the Bell-McCaffrey
   degrees of freedom equal Welch's formula evaluated at equal variances
   (1/n1 + 1/n2)^2 / (1/(n1^2 (n1-1)) + 1/(n2^2 (n2-1))) (Imbens and Kolesar 2016, section 3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from eah_eval.errors import EstimationError, OptionError
from eah_eval.inference import cr2


def _psqrt_inv(m: np.ndarray) -> np.ndarray:
    lam, vec = np.linalg.eigh(m)
    f = np.where(lam > 1e-10, 1 / np.sqrt(np.clip(lam, 1e-300, None)), 0.0)
    return (vec * f) @ vec.T


def _dense_cr2(x, y, cl, w, c):
    """Full-design brute force (x already includes all dummies)."""
    sw = np.sqrt(w)
    z, yz = x * sw[:, None], y * sw
    bread = np.linalg.pinv(z.T @ z)
    beta = bread @ z.T @ yz
    e = yz - z @ beta
    h = z @ bread @ z.T
    n = len(y)
    meat = np.zeros((x.shape[1], x.shape[1]))
    gs = []
    for g in np.unique(cl):
        idx = np.flatnonzero(cl == g)
        a = _psqrt_inv(np.eye(len(idx)) - h[np.ix_(idx, idx)])
        s = z[idx].T @ a @ e[idx]
        meat += np.outer(s, s)
        ag = a @ z[idx] @ bread @ c
        pad = np.zeros(n)
        pad[idx] = ag
        gs.append((np.eye(n) - h) @ pad)
    v = bread @ meat @ bread
    gmat = np.array(gs)
    omega = gmat @ gmat.T
    df = np.trace(omega) ** 2 / np.sum(omega**2)
    return beta, v, df


def _panel(seed=0, n_clusters=6, weights=False):
    rng = np.random.default_rng(seed)
    rows = []
    unit = 0
    for g in range(n_clusters):
        for _ in range(rng.integers(2, 4)):
            for t in range(5):
                rows.append((g, unit, t))
            unit += 1
    df = pd.DataFrame(rows, columns=["g", "unit", "t"])
    treated_g = rng.permutation(n_clusters)[: n_clusters // 2]
    start = {g: 2 + (i % 2) for i, g in enumerate(treated_g)}
    df["d"] = [
        1.0 if (g in start and t >= start[g]) else 0.0
        for g, t in zip(df.g, df.t, strict=True)
    ]
    df["x2"] = rng.normal(size=len(df))
    df["y"] = (0.5 * df.d + 0.2 * df.x2 + rng.normal(size=len(df))
               + rng.normal(size=n_clusters)[df.g] + 0.1 * df.unit)
    df["w"] = rng.uniform(0.5, 2.0, len(df)) if weights else 1.0
    return df


@pytest.mark.parametrize("weights", [False, True])
def test_absorbed_equals_dense_full_design(weights: bool) -> None:
    df = _panel(1, weights=weights)
    t_d = pd.get_dummies(df.t, drop_first=True, dtype=float).to_numpy()
    u_d = pd.get_dummies(df.unit, dtype=float).to_numpy()
    x_small = np.column_stack([df.d, df.x2, t_d])
    fit = cr2(x_small, df.y, df.g, weights=df.w, absorb=df.unit)
    x_full = np.column_stack([df.d, df.x2, t_d, u_d])
    c = np.zeros(x_full.shape[1])
    c[0] = 1
    beta, v, dfree = _dense_cr2(x_full, df.y.to_numpy(), df.g.to_numpy(), df.w.to_numpy(), c)
    assert fit.params[0] == pytest.approx(beta[0], abs=1e-10)
    assert fit.vcov[0, 0] == pytest.approx(v[0, 0], rel=1e-9)
    assert fit.vcov[1, 1] == pytest.approx(v[1, 1], rel=1e-9)
    assert fit.satterthwaite_df(0) == pytest.approx(dfree, rel=1e-9)
    # a two-coefficient contrast too
    c2 = np.zeros(x_small.shape[1])
    c2[:2] = [1.0, -2.0]
    cf = np.zeros(x_full.shape[1])
    cf[:2] = [1.0, -2.0]
    _, vf, dff = _dense_cr2(x_full, df.y.to_numpy(), df.g.to_numpy(), df.w.to_numpy(), cf)
    assert c2 @ fit.vcov @ c2 == pytest.approx(cf @ vf @ cf, rel=1e-9)
    assert fit.satterthwaite_df(c2) == pytest.approx(dff, rel=1e-9)


def test_no_absorb_equals_dense() -> None:
    df = _panel(2)
    x = np.column_stack([np.ones(len(df)), df.d, df.x2])
    fit = cr2(x, df.y, df.g)
    beta, v, dfree = _dense_cr2(x, df.y.to_numpy(), df.g.to_numpy(), np.ones(len(df)),
                                np.array([0.0, 1.0, 0.0]))
    np.testing.assert_allclose(fit.params, beta, atol=1e-12)
    np.testing.assert_allclose(fit.vcov, v, rtol=1e-9, atol=1e-14)
    assert fit.satterthwaite_df(1) == pytest.approx(dfree, rel=1e-9)


def test_singleton_clusters_give_statsmodels_hc2() -> None:
    rng = np.random.default_rng(3)
    x = sm.add_constant(rng.normal(size=(40, 2)))
    y = x @ [1.0, 0.5, -0.3] + rng.normal(size=40) * (1 + np.abs(x[:, 1]))
    fit = cr2(x, y, np.arange(40))
    ref = sm.OLS(y, x).fit(cov_type="HC2")
    np.testing.assert_allclose(fit.vcov, ref.cov_params(), rtol=1e-10)


def test_difference_in_means_df_is_welch_at_equal_variances() -> None:
    rng = np.random.default_rng(4)
    n1, n2 = 7, 12
    grp = np.r_[np.zeros(n1), np.ones(n2)]
    y = rng.normal(size=n1 + n2) + grp
    fit = cr2(np.column_stack([np.ones(n1 + n2), grp]), y, np.arange(n1 + n2))
    expected = (1 / n1 + 1 / n2) ** 2 / (1 / (n1**2 * (n1 - 1)) + 1 / (n2**2 * (n2 - 1)))
    assert fit.satterthwaite_df(1) == pytest.approx(expected, rel=1e-10)
    # and the CR2 variance is the unpooled s1^2/n1 + s2^2/n2
    s1, s2 = np.var(y[:n1], ddof=1), np.var(y[n1:], ddof=1)
    assert fit.vcov[1, 1] == pytest.approx(s1 / n1 + s2 / n2, rel=1e-10)


def test_cr1_and_contrast_test() -> None:
    df = _panel(5)
    x = np.column_stack([np.ones(len(df)), df.d])
    fit = cr2(x, df.y, df.g, columns=("const", "d"))
    res = sm.OLS(df.y, x).fit(cov_type="cluster", cov_kwds={"groups": df.g.to_numpy()})
    np.testing.assert_allclose(fit.vcov_cr1, res.cov_params(), rtol=1e-10)
    t2 = fit.test("d")
    assert t2.vcov_type == "CR2" and t2.df < fit.n_clusters - 1 + 1e-9
    lo, hi = t2.conf_int(0.95)
    assert lo < t2.estimate < hi
    t1 = fit.test("d", vcov_type="CR1", null=0.1)
    assert t1.df == fit.n_clusters - 1 and t1.null == 0.1


def test_errors() -> None:
    df = _panel(6)
    x = np.column_stack([df.d, df.d])
    with pytest.raises(EstimationError, match="collinear"):
        cr2(x, df.y, df.g)
    with pytest.raises(EstimationError, match="nested within clusters"):
        cr2(df[["d"]].to_numpy(), df.y, df.g, absorb=df.t)
    with pytest.raises(EstimationError, match="at least two clusters"):
        cr2(df[["d"]].to_numpy(), df.y, np.zeros(len(df)))
    with pytest.raises(OptionError, match="weights must be positive"):
        cr2(df[["d"]].to_numpy(), df.y, df.g, weights=-np.ones(len(df)))
    fit = cr2(np.column_stack([np.ones(len(df)), df.d]), df.y, df.g)
    with pytest.raises(OptionError, match="is not a column"):
        fit.test("nope")


def test_cr2_twfe_adapter_matches_dense() -> None:
    twfe = pytest.importorskip("eah_eval.did.twfe").twfe
    from eah_eval.inference import cr2_twfe

    df = _panel(7, n_clusters=8)
    df["cohort"] = df.groupby("unit")["d"].transform(
        lambda s: float(df.loc[s.index, "t"][s > 0].min()) if (s > 0).any() else 0.0)
    res = twfe(df, outcome="y", unit="unit", time="t", cohort="cohort", cluster="g")
    fit = cr2_twfe(res)
    assert fit.params[0] == pytest.approx(float(res.estimates[0]), abs=1e-10)
    t_d = pd.get_dummies(df.t, drop_first=True, dtype=float).to_numpy()
    u_d = pd.get_dummies(df.unit, dtype=float).to_numpy()
    x_full = np.column_stack([df.d, t_d, u_d])
    c = np.zeros(x_full.shape[1])
    c[0] = 1
    _, v, dfree = _dense_cr2(x_full, df.y.to_numpy(), df.g.to_numpy(), np.ones(len(df)), c)
    assert fit.vcov[0, 0] == pytest.approx(v[0, 0], rel=1e-9)
    assert fit.satterthwaite_df(0) == pytest.approx(dfree, rel=1e-9)
