from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from eah_eval.errors import OptionError
from eah_eval.sensitivity.power import simulate_power

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
    assert res.mde == pytest.approx((Z + stats.norm.ppf(0.8)) * se, rel=0.12)
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
