"""Two-way fixed effects: parity with dummy-variable OLS, exposed design, options, errors."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from dc_sim import staggered_panel

from eah_eval.did.bacon import bacon
from eah_eval.did.twfe import twfe
from eah_eval.errors import EstimationError, OptionError, OptionTypeError

KW = {"outcome": "y", "unit": "unit", "time": "time", "cohort": "cohort"}


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    df = staggered_panel(n_units=90, n_periods=7, cohorts=(0, 3, 5), seed=13, n_clusters=9,
                         effect=lambda g, e: 1.0 + 0.3 * e)
    df = df.iloc[4:].copy()  # unbalanced
    df["w"] = np.random.default_rng(8).uniform(0.5, 2.0, len(df))
    return df


def _dummy_ols(df: pd.DataFrame, regressors: pd.DataFrame, weights: np.ndarray):
    dummies = pd.get_dummies(df[["unit", "time"]].astype(str), drop_first=True, dtype=float)
    x = pd.concat([regressors.reset_index(drop=True), dummies.reset_index(drop=True)], axis=1)
    x = sm.add_constant(x)
    return sm.WLS(df["y"].to_numpy(), x, weights=weights).fit(
        cov_type="cluster", cov_kwds={"groups": df["cluster"].to_numpy(), "use_correction": False}
    )


def test_static_matches_dummy_variable_wls(panel):
    res = twfe(panel, cluster="cluster", weights="w", covariates=["x"], **KW)
    d = ((panel["cohort"] > 0) & (panel["time"] >= panel["cohort"])).astype(float)
    ref = _dummy_ols(panel, pd.DataFrame({"D": d, "x": panel["x"]}), panel["w"].to_numpy())
    assert abs(res.estimates[0] - ref.params["D"]) < 1e-10
    assert abs(res.std_errors[0] - ref.bse["D"]) < 1e-10
    np.testing.assert_allclose(np.sqrt(np.diag(res.covariance)), ref.bse[["D", "x"]], rtol=1e-9)
    assert res.n_clusters == 9 and res.kind == "static"


def test_event_study_matches_dummy_variable_ols(panel):
    res = twfe(panel, kind="event", cluster="cluster", min_e=-3, max_e=2, **KW)
    rel = (panel["time"] - panel["cohort"]).where(panel["cohort"] > 0)
    binned = rel.clip(-3, 2)
    cols = {f"e{e}": (binned == e).astype(float) for e in (-3, -2, 0, 1, 2)}
    ref = _dummy_ols(panel, pd.DataFrame(cols), np.ones(len(panel)))
    assert list(res.table.index) == [-3, -2, 0, 1, 2]
    np.testing.assert_allclose(res.estimates, ref.params[list(cols)], atol=1e-10)
    np.testing.assert_allclose(res.std_errors, ref.bse[list(cols)], atol=1e-10)


def test_design_pieces_reproduce_fit(panel):
    res = twfe(panel, cluster="cluster", weights="w", covariates=["x"], **KW)
    des = res.design
    np.testing.assert_allclose(des.cluster_robust_cov(), res.covariance, rtol=1e-8, atol=1e-14)
    assert des.scores().shape == (9, 2)
    full = des.full_design().toarray()
    sw = np.sqrt(des.weights)
    y = panel["y"].to_numpy()
    beta = np.linalg.lstsq(full * sw[:, None], y * sw, rcond=None)[0]
    np.testing.assert_allclose(beta[:2], des.params, atol=1e-9)
    np.testing.assert_allclose(y - full @ beta, des.residuals, atol=1e-9)
    assert des.columns == ("treated", "x")


def test_small_sample_factor(panel):
    plain = twfe(panel, cluster="cluster", **KW)
    adj = twfe(panel, cluster="cluster", small_sample=True, **KW)
    n = plain.n_obs
    assert abs(adj.std_errors[0] ** 2 / plain.std_errors[0] ** 2 - 9 / 8 * (n - 1) / n) < 1e-9
    assert "G/(G-1)" in adj.summary()


def test_static_equals_bacon_twfe_and_recovers_homogeneous_effect():
    df = staggered_panel(n_units=400, n_periods=8, cohorts=(0, 3, 5), seed=2,
                         effect=lambda g, e: 2.0 + 0 * e)
    res = twfe(df, **KW)
    assert abs(res.estimates[0] - bacon(df, **KW).twfe_estimate) < 1e-10
    assert abs(res.estimates[0] - 2.0) < 4 * res.std_errors[0]


def test_event_options_and_collinearity():
    df = staggered_panel(n_units=200, n_periods=8, cohorts=(3, 5, 6), seed=6)
    with pytest.raises(EstimationError, match=r"collinear .*rank \d+ < \d+ columns.*at least "
                       r"two relative periods.*necessary but not always sufficient \(when"):
        twfe(df, kind="event", **KW)
    res = twfe(df, kind="event", reference=(-1, -5), **KW)
    assert -1 not in res.table.index and -5 not in res.table.index
    assert res.reference == (-1, -5)
    dropped = twfe(df, kind="event", min_e=-2, max_e=1, binning="drop", reference=(-1, -2), **KW)
    assert list(dropped.table.index) == [0, 1]
    assert dropped.n_obs < len(df)


@pytest.mark.parametrize(("cohorts", "gap"), [((3, 5, 7), 2), ((2, 5, 8), 3)])
def test_event_without_never_treated_names_the_common_gap(cohorts, gap):
    # cohorts 3, 5, 7: relative time modulo 2 is fixed by the period, so leaving out two
    # relative periods is not enough; the message says how many and gives a working choice
    df = staggered_panel(n_units=90, n_periods=10, cohorts=cohorts, seed=6)
    refs = tuple(range(-1, -gap - 2, -1))
    shown = ", ".join(str(c) for c in cohorts)
    expected = (f"first treated periods ({shown}) differ by multiples of {gap}, so relative "
                f"time modulo {gap} is fixed by the period and {gap + 1} consecutive relative "
                f"periods must be left out, e.g. reference={refs}")
    with pytest.raises(EstimationError, match=re.escape(expected)):
        twfe(df, kind="event", reference=refs[:-1], **KW)
    res = twfe(df, kind="event", reference=refs, **KW)
    assert res.reference == refs


def test_invariances(panel):
    base = twfe(panel, kind="event", cluster="cluster", **KW)
    other = panel.sample(frac=1, random_state=1)
    other = other.assign(unit="id" + other["unit"].astype(str), y=other["y"] * 1 + 7.5)
    alt = twfe(other, kind="event", cluster="cluster", **KW)
    np.testing.assert_allclose(base.estimates, alt.estimates, atol=1e-9)
    np.testing.assert_allclose(base.std_errors, alt.std_errors, rtol=1e-8)


def test_errors_and_display(panel):
    with pytest.raises(OptionError, match="kind must be one of 'static', 'event'; got 'dyn'"):
        twfe(panel, kind="dyn", **KW)  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="binning must be one of"):
        twfe(panel, kind="event", binning="pool", **KW)  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="min_e must not exceed max_e"):
        twfe(panel, kind="event", min_e=3, max_e=0, **KW)
    with pytest.raises(OptionTypeError, match="reference must be"):
        twfe(panel, kind="event", reference="-1", **KW)  # type: ignore[arg-type]
    with pytest.raises(EstimationError, match="no treated observations"):
        twfe(panel.assign(cohort=0), **KW)
    with pytest.raises(OptionTypeError, match="data must be a pandas DataFrame"):
        twfe(panel.to_dict(), **KW)  # type: ignore[arg-type]
    with pytest.raises(EstimationError, match="weights column 'w' must be positive"):
        twfe(panel.assign(w=-1.0), weights="w", **KW)
    with pytest.warns(Warning, match="1 row"):
        twfe(panel.assign(y=panel["y"].where(panel.index != panel.index[3])), **KW)
    res = twfe(panel, **KW)
    assert "Two-way fixed effects (static)" in str(res)
    assert "<table" in res._repr_html_()
    assert {"estimate", "std_error", "ci_low"} <= set(res.to_frame().columns)
    assert res.conf_int(0.9).shape == (1, 2)
