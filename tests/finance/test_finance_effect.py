"""The programme's effect as a distribution: from an interval, from draws, errors by message."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from eah_eval.errors import OptionError, OptionTypeError
from eah_eval.finance import EffectDistribution


def test_from_interval_recovers_centre_and_width() -> None:
    eff = EffectDistribution.from_interval(-0.2, -0.3, -0.1, n_draws=200_000, seed=3)
    # normal with sd = 0.2 / (2 x 1.96) (interval width 0.2): tolerances about 4 Monte Carlo
    # standard errors
    assert np.median(eff.draws) == pytest.approx(-0.2, abs=0.001)
    assert eff.draws.std() == pytest.approx(0.2 / (2 * norm.ppf(0.975)), rel=0.01)
    _, lo, hi = eff.summary()
    assert lo == pytest.approx(-0.3, abs=0.002) and hi == pytest.approx(-0.1, abs=0.002)


def test_per_1000_uses_the_baseline() -> None:
    eff = EffectDistribution.from_draws([-1.2, -0.6, 0.0], scale="per_1000",
                                        baseline_per_1000=6.0)
    assert eff.relative().tolist() == pytest.approx([-0.2, -0.1, 0.0])


def test_relative_floored_at_minus_one() -> None:
    assert EffectDistribution.from_draws([-1.5, 0.2]).relative().tolist() == [-1.0, 0.2]


def test_sample_keeps_draws_when_counts_match() -> None:
    eff = EffectDistribution.from_draws([0.1, 0.2, 0.3])
    rng = np.random.default_rng(0)
    assert eff.sample(3, rng).tolist() == [0.1, 0.2, 0.3]
    assert set(eff.sample(50, rng).tolist()) <= {0.1, 0.2, 0.3}


def test_errors_by_message() -> None:
    with pytest.raises(OptionError, match=r"baseline_per_1000 must be given with "
                                          r"scale='per_1000'"):
        EffectDistribution.from_interval(-1.0, -2.0, 0.0, scale="per_1000")
    with pytest.raises(OptionError, match=r"interval must contain the estimate: expected "
                                          r"ci_low <= estimate <= ci_high; got -0.1 <= -0.2"):
        EffectDistribution.from_interval(-0.2, -0.1, 0.0)
    with pytest.raises(OptionError, match=r"scale must be one of 'relative', 'per_1000'; "
                                          r"got 'percent'"):
        EffectDistribution.from_draws([0.1], scale="percent")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match=r"draws must be a non-empty array of finite "
                                          r"numbers; got 2 value\(s\), 1 not finite"):
        EffectDistribution.from_draws([0.1, np.nan])
    with pytest.raises(OptionTypeError, match=r"estimate must be a number; got str"):
        EffectDistribution.from_interval("a", 0, 1)  # type: ignore[arg-type]
    with pytest.raises(OptionError, match=r"level must be between 0 and 1; got 95"):
        EffectDistribution.from_interval(0.0, -1.0, 1.0, level=95)
