from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from eah_eval.errors import OptionError, OptionTypeError
from eah_eval.sensitivity.power import (
    mde_from_interval,
    mde_from_se,
    se_from_interval,
    simulate_power,
)

Z = stats.norm.ppf(0.975)


def _pre_data(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"cl": np.repeat(np.arange(n), 2), "t": np.tile([0, 1], n),
                         "y": rng.normal(size=2 * n)})


def _ztest(frame: pd.DataFrame) -> float:
    """Known-variance z test of the two-period DiD (sigma = 1)."""
    y = frame["y"].to_numpy()
    dy = y[1::2] - y[::2]  # rows are sorted by cluster, then t = 0, 1
    treated = frame["cohort"].to_numpy()[::2] == 1
    n1, n0 = int(treated.sum()), int((~treated).sum())
    est = dy[treated].mean() - dy[~treated].mean()
    se = math.sqrt(2 * (1 / n1 + 1 / n0))
    return float(2 * stats.norm.sf(abs(est) / se))


def test_power_and_mde_match_normal_theory() -> None:
    n = 200
    data = _pre_data(n)
    waves = [1] * (n // 2) + [0] * (n // 2)
    se = math.sqrt(2 * (2 / n + 2 / n))
    deltas = [0.0, 1.5 * se, 2.8 * se]
    res = simulate_power(data, _ztest, outcome="y", time="t", cluster="cl", waves=waves,
                         effects=deltas, n_sims=300, rng=1, mde_tol=0.02 * se)
    theory = [stats.norm.cdf(d / se - Z) + stats.norm.cdf(-d / se - Z) for d in deltas]
    for got, want in zip(res.table["power"], theory, strict=True):
        assert abs(got - want) < 0.08
    assert res.mde == pytest.approx(mde_from_se(se), rel=0.12)
    assert "could detect a change of" in res.summary()
    assert res.seed == 1 and res.n_sims == 300


def test_seeded_and_errors() -> None:
    data = _pre_data(20)
    waves = [1] * 10 + [0] * 10
    kw = {"outcome": "y", "time": "t", "cluster": "cl", "waves": waves, "effects": [0.5],
          "n_sims": 30, "mde": False}
    a = simulate_power(data, _ztest, rng=3, **kw)
    b = simulate_power(data, _ztest, rng=3, **kw)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert math.isnan(a.mde)
    with pytest.raises(OptionError, match="one go-live period per cluster"):
        simulate_power(data, _ztest, **{**kw, "waves": [1, 0]})


# --------------------------------------------------------------------------------------------
# minimum detectable effect from the headline interval
# --------------------------------------------------------------------------------------------
Z975, Z80 = 1.959964, 0.841621  # hand values from a normal table


def test_mde_is_2_8016_standard_errors_at_the_defaults() -> None:
    assert mde_from_se(1.0) == pytest.approx(Z975 + Z80, abs=1e-6)
    assert round(mde_from_se(1.0), 4) == 2.8016
    assert mde_from_se(0.37) == pytest.approx(0.37 * (Z975 + Z80), abs=1e-6)
    # a Wald interval gives back its standard error, and the MDE is 2.8016 of them
    est, se = 0.4, 0.25
    lo, hi = est - Z975 * se, est + Z975 * se
    assert se_from_interval(lo, hi) == pytest.approx(se, rel=1e-6)
    assert mde_from_interval(lo, hi) == pytest.approx((Z975 + Z80) * se, rel=1e-6)
    assert mde_from_interval(lo, hi) / se_from_interval(lo, hi) == pytest.approx(2.8016, abs=5e-5)


def test_one_sided_and_other_levels() -> None:
    assert mde_from_se(1.0, two_sided=False) == pytest.approx(1.644854 + Z80, abs=1e-6)
    assert mde_from_se(1.0, alpha=0.1, power=0.9) == pytest.approx(1.644854 + 1.281552, abs=1e-6)
    # a 90% interval: SE from the 0.95 quantile, MDE at alpha = 0.10
    se = se_from_interval(-1.644854, 1.644854, level=0.9)
    assert se == pytest.approx(1.0, abs=1e-6)
    assert mde_from_interval(-1.644854, 1.644854, level=0.9) == pytest.approx(
        1.644854 + Z80, abs=1e-6
    )


def test_t_reference_uses_t_quantiles() -> None:
    df = 7
    t975, t80 = stats.t.ppf(0.975, df), stats.t.ppf(0.8, df)
    assert (t975, t80) == pytest.approx((2.364624, 0.896030), abs=1e-6)  # t table, 7 df
    lo, hi = 1.0 - 3.0 * t975, 1.0 + 3.0 * t975
    assert se_from_interval(lo, hi, df=df) == pytest.approx(3.0, rel=1e-12)
    assert mde_from_se(3.0, df=df) == pytest.approx(3.0 * (t975 + t80), rel=1e-12)
    assert mde_from_interval(lo, hi, df=df) == pytest.approx(3.0 * (t975 + t80), rel=1e-12)
    # non-integer df (Satterthwaite / CR2) and one-sided
    assert mde_from_se(1.0, df=4.6, two_sided=False) == pytest.approx(
        stats.t.ppf(0.95, 4.6) + stats.t.ppf(0.8, 4.6), rel=1e-12
    )
    # fewer degrees of freedom, larger MDE; infinite df is the normal
    assert mde_from_se(1.0, df=3) > mde_from_se(1.0, df=30) > mde_from_se(1.0)
    assert mde_from_se(1.0, df=math.inf) == pytest.approx(mde_from_se(1.0), rel=1e-12)


def test_power_at_the_mde_is_80_percent() -> None:
    """Known truth: the two-sided z test's power at effect d is Phi(d/se - z) + Phi(-d/se - z)."""
    z = stats.norm.ppf(0.975)
    for se in (0.01, 1.0, 42.0):
        d = mde_from_se(se)
        power = stats.norm.cdf(d / se - z) + stats.norm.cdf(-d / se - z)
        # the wrong-direction tail adds Phi(-2z - z_0.8) ~ 1e-6
        assert power == pytest.approx(0.8, abs=2e-6)
        assert power >= 0.8
        one = mde_from_se(se, two_sided=False)
        assert stats.norm.cdf(one / se - stats.norm.ppf(0.95)) == pytest.approx(0.8, abs=1e-12)
    d = mde_from_se(1.0, power=0.9)
    assert stats.norm.cdf(d - z) + stats.norm.cdf(-d - z) == pytest.approx(0.9, abs=2e-6)


def test_mde_ignores_the_interval_location_and_scales_with_it() -> None:
    lo, hi = -0.3, 1.1
    base = mde_from_interval(lo, hi)
    assert mde_from_interval(lo + 5.0, hi + 5.0) == pytest.approx(base, rel=1e-12)
    assert mde_from_interval(10 * lo, 10 * hi) == pytest.approx(10 * base, rel=1e-12)
    # an asymmetric (test-inversion) interval: only its width matters
    assert mde_from_interval(-0.1, 1.3) == pytest.approx(base, rel=1e-12)


def test_unbounded_interval_gives_infinite_mde() -> None:
    assert se_from_interval(-math.inf, 1.0) == math.inf
    assert se_from_interval(0.0, math.inf) == math.inf
    assert mde_from_interval(-math.inf, math.inf) == math.inf
    assert mde_from_interval(0.2, math.inf, df=5) == math.inf
    assert mde_from_se(math.inf) == math.inf
    assert mde_from_interval(0.5, 0.5) == 0.0


def test_mde_errors_name_the_argument() -> None:
    with pytest.raises(OptionError, match=r"level must lie strictly between 0 and 1; got 1\.5"):
        se_from_interval(0.0, 1.0, level=1.5)
    with pytest.raises(OptionError, match="level must lie strictly between 0 and 1; got 0"):
        mde_from_interval(0.0, 1.0, level=0)
    with pytest.raises(OptionError, match="ci_low must be a finite number or -inf; got nan"):
        se_from_interval(math.nan, 1.0)
    with pytest.raises(OptionError, match="ci_low must be a finite number or -inf; got inf"):
        mde_from_interval(math.inf, math.inf)
    with pytest.raises(OptionError, match=r"ci_high must be a finite number or \+inf; got nan"):
        mde_from_interval(0.0, math.nan)
    with pytest.raises(OptionError, match=r"ci_high must be a finite number or \+inf; got -inf"):
        se_from_interval(-math.inf, -math.inf)
    with pytest.raises(OptionError, match=r"interval is reversed: ci_low = 2\.0 is above "
                                          r"ci_high = 1\.0"):
        mde_from_interval(2.0, 1.0)
    df_msg = r"df must be a positive number of degrees of freedom \(or None for the normal "
    with pytest.raises(OptionError, match=df_msg + r"reference\); got 0"):
        se_from_interval(0.0, 1.0, df=0)
    with pytest.raises(OptionError, match=df_msg + r"reference\); got nan"):
        mde_from_se(1.0, df=math.nan)
    with pytest.raises(OptionError, match=r"se must be a non-negative number \(or inf\); got -1"):
        mde_from_se(-1.0)
    with pytest.raises(OptionError, match=r"se must be a non-negative number \(or inf\); got nan"):
        mde_from_se(math.nan)
    with pytest.raises(OptionError, match=r"alpha must lie strictly between 0 and 1; got 1\.0"):
        mde_from_se(1.0, alpha=1.0)
    with pytest.raises(OptionError, match=r"power must lie strictly between alpha \(0\.05\) and "
                                          r"1; got 1\.0"):
        mde_from_se(1.0, power=1.0)
    with pytest.raises(OptionError, match=r"power must lie strictly between alpha \(0\.05\) and "
                                          r"1; got 0\.04"):
        mde_from_se(1.0, power=0.04)
    with pytest.raises(OptionError, match=r"power must lie strictly between alpha .* got 0\.01"):
        mde_from_interval(0.0, 1.0, level=0.9, power=0.01)
    with pytest.raises(OptionTypeError, match="ci_low must be a real number; got str '0'"):
        se_from_interval("0", 1.0)  # type: ignore[arg-type]
    with pytest.raises(OptionTypeError, match="se must be a real number; got NoneType None"):
        mde_from_se(None)  # type: ignore[arg-type]
    with pytest.raises(OptionTypeError, match="level must be a real number; got bool True"):
        se_from_interval(0.0, 1.0, level=True)
    with pytest.raises(OptionTypeError, match="two_sided must be a bool; got int 1"):
        mde_from_se(1.0, two_sided=1)  # type: ignore[arg-type]


@given(
    lo=st.floats(-1e6, 1e6),
    width=st.floats(0.0, 1e6),
    level=st.floats(0.5, 0.999),
    df=st.one_of(st.none(), st.floats(1.0, 1e4)),
)
def test_mde_from_interval_is_the_two_steps(
    lo: float, width: float, level: float, df: float | None
) -> None:
    hi = lo + width
    se = se_from_interval(lo, hi, level=level, df=df)
    assert se >= 0.0
    mde = mde_from_interval(lo, hi, level=level, df=df)
    assert mde == pytest.approx(mde_from_se(se, alpha=1 - level, df=df), rel=1e-12, abs=1e-300)
    # at 80% power the multiplier exceeds the interval's own quantile: MDE above half-width
    assert mde >= (hi - lo) / 2 * (1 - 1e-12)
