"""Laney p' and u' charts: hand-worked limits, invariances and errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from eah_eval.errors import EstimationError, OptionError, TrialLimitsWarning
from eah_eval.monitor import p_prime, u_prime, xmr


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrialLimitsWarning)
        return fn(*args, **kwargs)


def test_p_prime_by_hand() -> None:
    # p = .10, .15, .20, .20; p-bar = 100/600 = 1/6; sigma_i = sqrt(5)/6/sqrt(n_i)
    data = pd.DataFrame({"x": [10, 30, 20, 40], "n": [100, 200, 100, 200], "t": [1, 2, 3, 4]})
    with pytest.warns(TrialLimitsWarning):
        chart = p_prime(data, "x", "n", "t")
    p = chart.points
    z = np.array([-4 / math.sqrt(5), -math.sqrt(0.4), 2 / math.sqrt(5), math.sqrt(40) / 5])
    np.testing.assert_allclose(p["z"], z, rtol=1e-12)
    sigma_z = np.mean(np.abs(np.diff(z))) / 1.128
    sigma_i = math.sqrt(5) / 6 / np.sqrt([100, 200, 100, 200])
    np.testing.assert_allclose(p["centre"], 1 / 6, rtol=1e-12)
    np.testing.assert_allclose(p["upper"], 1 / 6 + 3 * sigma_i * sigma_z, rtol=1e-12)
    np.testing.assert_allclose(p["lower"], 1 / 6 - 3 * sigma_i * sigma_z, rtol=1e-12)
    np.testing.assert_allclose(p["near_upper"], 1 / 6 + 2 * sigma_i * sigma_z, rtol=1e-12)
    np.testing.assert_allclose(p["value"], [0.1, 0.15, 0.2, 0.2])
    assert chart.segments["sigma_z"].iloc[0] == pytest.approx(sigma_z)
    assert list(p.columns[:6]) == ["period", "value", "numerator", "denominator", "z", "sigma"]


def test_u_prime_by_hand_and_lower_limit_clipped_at_zero() -> None:
    data = pd.DataFrame({"x": [2, 9, 1, 12, 3, 8], "n": [10.0, 20.0, 5.0, 30.0, 10.0, 25.0]})
    chart = _quiet(u_prime, data, "x", "n")
    ubar = 35 / 100
    u = data["x"] / data["n"]
    sigma_i = np.sqrt(ubar / data["n"])
    z = (u - ubar) / sigma_i
    sigma_z = np.mean(np.abs(np.diff(z))) / 1.128
    np.testing.assert_allclose(chart.points["upper"], ubar + 3 * sigma_i * sigma_z, rtol=1e-12)
    np.testing.assert_allclose(
        chart.points["lower"], np.maximum(ubar - 3 * sigma_i * sigma_z, 0.0), rtol=1e-12
    )
    assert (chart.points["lower"] >= 0).all()


def test_multiplier_scales_values_limits_and_target() -> None:
    rng = np.random.default_rng(7)
    n = rng.integers(200, 400, 20)
    data = pd.DataFrame({"x": rng.binomial(n, 0.2), "n": n})
    base = p_prime(data, "x", "n")
    pct = p_prime(data, "x", "n", multiplier=100, improvement_direction="higher", target=10.0)
    for col in ("value", "centre", "lower", "upper"):
        np.testing.assert_allclose(pct.points[col], base.points[col] * 100, rtol=1e-12)
    assert list(pct.points["rule"]) == list(base.points["rule"])
    assert pct.assurance == "consistently_passes"


def test_laney_limits_do_not_shrink_with_larger_denominators() -> None:
    # between-period variation is real: multiplying every count by 4 leaves p' limits unchanged
    rng = np.random.default_rng(11)
    n = rng.integers(500, 900, 16)
    x = rng.binomial(n, 0.3)
    small = p_prime(pd.DataFrame({"x": x, "n": n}), "x", "n")
    big = p_prime(pd.DataFrame({"x": 4 * x, "n": 4 * n}), "x", "n")
    for col in ("centre", "lower", "upper", "near_lower", "near_upper"):
        np.testing.assert_allclose(big.points[col], small.points[col], rtol=1e-12)
    assert list(big.points["rule"]) == list(small.points["rule"])


def test_p_prime_flags_a_spike_and_applies_rules() -> None:
    n = np.array([400, 420, 380, 410, 390, 405, 415, 395, 400, 410, 385, 400, 420, 400, 390])
    rate = np.array([0.20, 0.21, 0.19, 0.20, 0.22, 0.20, 0.19, 0.21, 0.20, 0.19, 0.21, 0.20,
                     0.20, 0.21, 0.40])
    data = pd.DataFrame({"x": np.round(n * rate), "n": n, "term": range(1, 16)})
    chart = p_prime(data, "x", "n", "term", improvement_direction="lower", fix_after_n_points=14)
    assert chart.latest["rule"] == "outside_limits"
    assert chart.variation == "special_cause_concern"
    assert chart.points["rule"].iloc[:-1].isna().all()


def test_laney_rebase_gives_each_segment_its_own_centre() -> None:
    n = np.full(28, 300)
    x = np.r_[np.full(14, 30), np.full(14, 60)] + np.tile([0, 2, -1, 1], 7)
    chart = p_prime(pd.DataFrame({"x": x, "n": n, "t": range(28)}), "x", "n", "t", rebase=[14])
    seg = chart.segments
    assert seg["centre"].iloc[0] == pytest.approx(x[:14].sum() / n[:14].sum())
    assert seg["centre"].iloc[1] == pytest.approx(x[14:].sum() / n[14:].sum())


def test_laney_with_equal_denominators_matches_xmr_on_the_rates() -> None:
    # with constant n, z is a linear map of p, so sigma_z puts the limits at p-bar +/- 3 mR/1.128
    rng = np.random.default_rng(3)
    x = rng.binomial(500, 0.25, 20)
    chart = p_prime(pd.DataFrame({"x": x, "n": 500}), "x", "n")
    rates = x / 500
    mean_mr = np.mean(np.abs(np.diff(rates)))
    np.testing.assert_allclose(chart.points["upper"], rates.mean() + 3 * mean_mr / 1.128)
    np.testing.assert_allclose(chart.points["lower"], rates.mean() - 3 * mean_mr / 1.128)
    # XmR uses the published 2.66 (= 3 / 1.128 to two decimals)
    ref = xmr(rates)
    np.testing.assert_allclose(ref.points["upper"], rates.mean() + 2.66 * mean_mr)


@pytest.mark.parametrize(
    ("frame", "error", "match"),
    [
        (pd.DataFrame({"x": [1, 2], "n": [0, 5]}), EstimationError, "must be positive"),
        (pd.DataFrame({"x": [1, 9], "n": [5, 5]}), EstimationError, "numerator <= denominator"),
        (pd.DataFrame({"x": [-1, 2], "n": [5, 5]}), EstimationError, "must not be negative"),
        (pd.DataFrame({"x": [0, 0], "n": [5, 5]}), EstimationError, "events and non-events"),
        (pd.DataFrame({"x": [1, None], "n": [5, 5]}), EstimationError, "missing or infinite"),
        (pd.DataFrame({"y": [1, 2], "n": [5, 5]}), OptionError, "not in data"),
    ],
)
def test_p_prime_errors(frame: pd.DataFrame, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        _quiet(p_prime, frame, "x", "n")


def test_u_prime_needs_events() -> None:
    with pytest.raises(EstimationError, match="no events"):
        _quiet(u_prime, pd.DataFrame({"x": [0, 0, 0], "n": [5, 5, 5]}), "x", "n")
