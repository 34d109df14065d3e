"""HonestDiD (Rambachan-Roth) sensitivity against the published R results.

Reference: /work/shared/reference/honestdid (HonestDiD 0.2.8 README, Medicaid expansion; and the
Advanced-DID exercise). Tolerances from its README: original CI 1e-10; Delta^RM (C-LF) two grid
steps (our least-favourable critical value uses different random draws); Delta^SD (FLCI) 1e-4
(R simulates the folded-normal quantile and searches numerically; we use the exact quantile).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from eah_eval.errors import EstimationWarning, OptionError
from eah_eval.sensitivity import (
    breakdown_value,
    honest_did,
    identified_set_rm,
    original_ci,
    plot_sensitivity,
    relative_magnitudes_ci,
    smoothness_flci,
)
from eah_eval.sensitivity.conditional_hybrid_test import (
    arp_accept,
    dual_vertices,
    lf_critical_value,
)
from eah_eval.sensitivity.honest_inputs import (
    check_alpha,
    check_event_study,
    max_pre_second_difference,
    target_sd,
)
from reference_data import reference_dir

REF = reference_dir() / "honestdid"


def _need_ref() -> None:
    if not (REF / "sensitivity.csv").exists():
        pytest.skip(f"HonestDiD reference files not found at {REF}")


def _load(scenario: str) -> tuple[np.ndarray, np.ndarray]:
    bh = pd.read_csv(REF / "es_betahat.csv")
    sg = pd.read_csv(REF / "es_sigma.csv")
    b = bh[bh.scenario == scenario].sort_values("year")
    yrs = list(b.year)
    s = (
        sg[sg.scenario == scenario]
        .pivot(index="row_year", columns="col_year", values="sigma")
        .loc[yrs, yrs]
        .to_numpy()
    )
    return b.betahat.to_numpy(), s


def _rows() -> list[tuple[str, str, str, float, float, float, str]]:
    if not (REF / "sensitivity.csv").exists():
        return []
    sens = pd.read_csv(REF / "sensitivity.csv").dropna(subset=["lb"])
    return [
        (r.scenario, r.target, r.restriction, float(r.M) if r.M == r.M else math.nan,
         float(r.lb), float(r.ub), str(r.grid_convention))
        for r in sens.itertuples()
    ]


L = {"first_post": [1.0, 0.0], "avg_post": [0.5, 0.5]}


@pytest.mark.parametrize("row", _rows(), ids=lambda r: f"{r[0]}-{r[1]}-{r[2]}-{r[3]}")
def test_reproduces_published_honestdid(row: tuple) -> None:
    _need_ref()
    scenario, target, restriction, m, lb, ub, grid = row
    b, s = _load(scenario)
    kw = {"num_pre_periods": 5, "num_post_periods": 2, "l_vec": L[target]}
    if restriction == "none":
        lo, hi = original_ci(b, s, **kw)
        assert lo == pytest.approx(lb, rel=1e-10, abs=1e-14)
        assert hi == pytest.approx(ub, rel=1e-10, abs=1e-14)
    elif restriction == "DeltaSD":
        lo, hi = smoothness_flci(b, s, m=m, **kw)
        assert abs(lo - lb) < 1e-4 and abs(hi - ub) < 1e-4
    else:
        rule = "identified_set" if grid == "idset_pm_20sd" else "zero"
        lo, hi = relative_magnitudes_ci(b, s, mbar=m, grid_rule=rule, **kw)
        sd = math.sqrt(np.array(L[target]) @ s[5:, 5:] @ np.array(L[target]))
        if rule == "zero":
            step = 40 * sd / 999
        else:
            idlo, idhi = identified_set_rm(b, mbar=m, **kw)
            step = (idhi - idlo + 40 * sd) / 999
        assert abs(lo - lb) <= 2 * step + 1e-12
        assert abs(hi - ub) <= 2 * step + 1e-12
        assert abs(lo - lb) < 1e-3 and abs(hi - ub) < 1e-3


def test_identified_set_rm_matches_closed_form() -> None:
    _need_ref()
    b, _ = _load("readme_main")
    # README: bounds theta-hat -/+ c Mbar m, m = largest |pre first difference| incl. step to 0
    m = 0.008621332836357552
    for mbar in (0.5, 1.0, 2.0):
        lo, hi = identified_set_rm(b, num_pre_periods=5, num_post_periods=2, mbar=mbar)
        assert lo == pytest.approx(b[5] - mbar * m, abs=1e-12)
        assert hi == pytest.approx(b[5] + mbar * m, abs=1e-12)
        lo, hi = identified_set_rm(
            b, num_pre_periods=5, num_post_periods=2, mbar=mbar, l_vec=[0.5, 0.5]
        )
        assert hi == pytest.approx(0.5 * (b[5] + b[6]) + 1.5 * mbar * m, abs=1e-12)


def test_flci_m0_is_min_variance_linear_trend_estimator() -> None:
    """Independent computation: with M = 0 the FLCI is the minimum-variance affine estimator that
    is unbiased under any linear trend, +/- 1.96 se (solved here by a KKT system)."""
    _need_ref()
    b, s = _load("readme_main")
    t_pre = np.arange(-6, -1, dtype=float)  # event times -6..-2; reference -1 omitted
    # estimator v'b with v_post = (1, 0); unbiased: sum_pre v_j t_j + v_post'(0, 1) = 0
    # the README's event times: pre periods 2008-2012 = -6..-2, post 2014 = 0, 2015 = 1,
    # reference 2013 = -1. Relative to the reference the times are -5..-1 and 1, 2.
    t_pre = t_pre + 1
    t_post = np.array([1.0, 2.0])
    lv = np.array([1.0, 0.0])
    spre, sprepost = s[:5, :5], s[:5, 5:]
    # minimise v'S_pre v + 2 v'S_prepost l subject to t_pre'v = -t_post'l
    kkt = np.block([[2 * spre, t_pre[:, None]], [t_pre[None, :], np.zeros((1, 1))]])
    rhs = np.concatenate([-2 * sprepost @ lv, [-t_post @ lv]])
    v = np.linalg.solve(kkt, rhs)[:5]
    full = np.concatenate([v, lv])
    est, se = full @ b, math.sqrt(full @ s @ full)
    lo, hi = smoothness_flci(b, s, num_pre_periods=5, num_post_periods=2, m=0.0)
    assert lo == pytest.approx(est - 1.959963984540054 * se, abs=1e-10)
    assert hi == pytest.approx(est + 1.959963984540054 * se, abs=1e-10)


def test_honest_did_front_door_and_breakdown() -> None:
    _need_ref()
    b, s = _load("readme_main")
    res = honest_did(b, s, num_pre_periods=5, num_post_periods=2, m_values=[0.5, 1, 1.5, 2])
    assert list(res.table.m) == [0.5, 1.0, 1.5, 2.0]
    assert list(res.table.excludes_zero) == [True, True, True, False]
    # published: breakdown Mbar "= 2" read off the grid {0.5, ..., 2}; so it lies in (1.5, 2)
    assert 1.5 < res.breakdown < 2.0
    assert not res.breakdown_capped
    frame = res.to_frame()
    assert frame.loc[0, "method"] == "original"
    assert "breakdown Mbar" in res.summary()
    sd = honest_did(b, s, num_pre_periods=5, num_post_periods=2, restriction="smoothness",
                    m_values=[0.0, 0.01, 0.02, 0.03])
    assert list(sd.table.excludes_zero) == [True, True, True, False]
    assert 0.02 < sd.breakdown < 0.03  # README reads about 0.03
    # the breakdown value sits where the set's lower end reaches zero
    lo, _ = smoothness_flci(b, s, num_pre_periods=5, num_post_periods=2, m=sd.breakdown)
    assert abs(lo) < 1e-4


def test_breakdown_nan_when_original_contains_zero() -> None:
    b = np.array([0.0, 0.01, 0.01])
    s = np.eye(3) * 0.01**2
    val, capped = breakdown_value(b, s, num_pre_periods=2, num_post_periods=1)
    assert math.isnan(val) and not capped


def test_one_post_period_no_nuisance_case() -> None:
    # one post period: the ARP test without nuisance parameters; Mbar = 0 set equals the
    # identified point +/- something, and the set widens with Mbar
    rng = np.random.default_rng(1)
    a = rng.normal(size=(4, 4))
    s = (a @ a.T + np.eye(4)) * 1e-4
    b = np.array([0.001, -0.002, 0.0015, 0.05])
    prev = (math.inf, -math.inf)
    for mbar in (0.0, 1.0, 2.0):
        lo, hi = relative_magnitudes_ci(b, s, num_pre_periods=3, num_post_periods=1, mbar=mbar)
        assert lo < 0.05 < hi
        assert lo <= prev[0] + 1e-12 and hi >= prev[1] - 1e-12
        prev = (lo, hi)


def test_invariance_to_scale() -> None:
    _need_ref()
    b, s = _load("exercise_never_only")
    lo, hi = smoothness_flci(b, s, num_pre_periods=5, num_post_periods=2, m=0.01)
    lo2, hi2 = smoothness_flci(10 * b, 100 * s, num_pre_periods=5, num_post_periods=2, m=0.1)
    assert lo2 == pytest.approx(10 * lo, rel=1e-6)
    assert hi2 == pytest.approx(10 * hi, rel=1e-6)


def test_seeded_rm_is_reproducible() -> None:
    _need_ref()
    b, s = _load("readme_main")
    kw = {"num_pre_periods": 5, "num_post_periods": 2, "mbar": 1.0}
    assert relative_magnitudes_ci(b, s, rng=3, **kw) == relative_magnitudes_ci(b, s, rng=3, **kw)


def test_errors_name_the_problem() -> None:
    b, s = np.zeros(3), np.eye(3)
    with pytest.raises(OptionError, match="betahat must have"):
        honest_did(b, s, num_pre_periods=3, num_post_periods=1)
    with pytest.raises(OptionError, match="sigma must be a 3 x 3"):
        honest_did(b, np.eye(2), num_pre_periods=2, num_post_periods=1)
    with pytest.raises(OptionError, match="restriction must be one of"):
        honest_did(b, s, num_pre_periods=2, num_post_periods=1, restriction="rm")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="method must be one of 'FLCI'"):
        honest_did(b, s, num_pre_periods=2, num_post_periods=1, restriction="smoothness",
                   method="C-LF")
    with pytest.raises(OptionError, match="l_vec must have"):
        honest_did(b, s, num_pre_periods=2, num_post_periods=1, l_vec=[1, 0])
    with pytest.raises(OptionError, match="alpha must lie"):
        original_ci(b, s, num_pre_periods=2, num_post_periods=1, alpha=1.5)
    with pytest.raises(OptionError, match="symmetric"):
        original_ci(b, np.triu(np.ones((3, 3))), num_pre_periods=2, num_post_periods=1)


def test_plot_draws(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    b = np.array([0.001, -0.002, 0.0015, 0.05, 0.06])
    s = np.diag([1e-5, 1e-5, 1e-5, 2e-5, 2e-5])
    res = honest_did(b, s, num_pre_periods=3, num_post_periods=2, m_values=[0, 1],
                     breakdown=False)
    ax = plot_sensitivity(res)
    assert ax.get_xlabel() == "Mbar"
    ax.figure.savefig(tmp_path / "s.png")
    assert (tmp_path / "s.png").stat().st_size > 0


def test_shared_input_helpers() -> None:
    b = np.array([0.3, -0.1, 0.2, 1.0, 2.0])
    # pre-periods with the reference 0 appended: 0.3, -0.1, 0.2, 0 -> second differences
    # 0.3 - 2(-0.1) + 0.2 = 0.7 and -0.1 - 2(0.2) + 0 = -0.5
    assert max_pre_second_difference(b, 3) == pytest.approx(0.7)
    with pytest.raises(OptionError, match=r"num_pre_periods must be at least 2 .*; got 1"):
        max_pre_second_difference(b, 1)
    s = np.diag([1.0, 1.0, 1.0, 4.0, 9.0])
    s[3, 4] = s[4, 3] = 1.0
    lv = np.array([0.5, 0.5])
    assert target_sd(s, lv, 3) == pytest.approx(math.sqrt(0.25 * 4 + 0.25 * 9 + 2 * 0.25))
    with pytest.raises(OptionError, match="alpha must lie strictly between 0 and 1; got 0"):
        check_alpha(0)
    bb, ss, ll = check_event_study(b, s, 3, 2, None)
    assert list(ll) == [1.0, 0.0] and ss.shape == (5, 5) and bb.shape == (5,)


def test_arp_pieces_without_nuisance_parameters() -> None:
    """One moment and no nuisance: vertices are e_i / sd_i, the conditioning interval is the
    whole line, and the conditional test is the one-sided z test of y / sd."""
    sd = np.array([2.0, 0.5])
    v = dual_vertices(sd, np.zeros((2, 0)))
    np.testing.assert_allclose(v, [[0.0, 2.0], [0.5, 0.0]])
    one = dual_vertices(np.array([2.0]), np.zeros((1, 0)))
    z95 = stats.norm.ppf(0.95)
    y = np.array([[2.0 * (z95 - 0.01)], [2.0 * (z95 + 0.01)], [-1.0]])
    acc = arp_accept(y, np.array([[4.0]]), one, alpha=0.05, lf_cv=None, kappa=0.005)
    assert list(acc) == [True, False, True]
    cv = lf_critical_value(one, np.array([[4.0]]), kappa=0.05, sims=200_000,
                           rng=np.random.default_rng(0))
    assert cv == pytest.approx(z95, abs=0.02)
    assert lf_critical_value(np.zeros((0, 1)), np.eye(1), kappa=0.05, sims=10,
                             rng=np.random.default_rng(0)) == -math.inf


def test_open_grid_warning_can_be_turned_off() -> None:
    b = np.array([0.001, -0.002, 0.0015, 0.05])
    s = np.eye(4) * 1e-4
    kw = {"num_pre_periods": 3, "num_post_periods": 1, "mbar": 1.0,
          "grid_bounds": (0.049, 0.051), "grid_points": 11}
    with pytest.warns(EstimationWarning, match="open at an end of the grid"):
        relative_magnitudes_ci(b, s, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lo, hi = relative_magnitudes_ci(b, s, warn_open=False, **kw)
    assert (lo, hi) == (0.049, 0.051)
