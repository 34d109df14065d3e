from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest


def true_effect(g: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Heterogeneous, dynamic effect: grows with event time, differs by cohort."""
    e = t - g
    return np.where((g > 0) & (e >= 0), (1.0 + 0.5 * e) * (1.0 + 0.1 * g), 0.0)


def make_panel(n_units: int = 600, n_periods: int = 6, seed: int = 0,
               cohorts: tuple[int, ...] = (0, 3, 4, 5), covariate_confounding: bool = False,
               noise: float = 1.0) -> pd.DataFrame:
    """Staggered panel with known ATT(g,t) = true_effect(g, t); parallel trends hold
    unconditionally, or only given x when covariate_confounding is True."""
    rng = np.random.default_rng(seed)
    g = rng.choice(np.asarray(cohorts), size=n_units)
    x = rng.normal(size=n_units) + 0.8 * (g > 0)
    unit = np.repeat(np.arange(n_units), n_periods)
    t = np.tile(np.arange(1, n_periods + 1), n_units)
    gg, xx = np.repeat(g, n_periods), np.repeat(x, n_periods)
    alpha = np.repeat(rng.normal(size=n_units) + 0.5 * (g > 0), n_periods)
    trend = 0.3 * t + (0.4 * t * xx if covariate_confounding else 0.0)
    y = alpha + trend + true_effect(gg, t) + noise * rng.normal(size=unit.size)
    return pd.DataFrame({"id": unit, "t": t, "g": gg, "x": xx, "y": y,
                         "cl": unit % 25})


@pytest.fixture
def panel_maker() -> Callable[..., pd.DataFrame]:
    return make_panel


@pytest.fixture
def truth() -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    return true_effect
