"""Simulated staggered panels with known effects for the comparator-estimator tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from reference_data import reference_dir as _shared_reference_dir


def reference_dir() -> Path:
    return _shared_reference_dir()


def staggered_panel(
    n_units: int = 300,
    n_periods: int = 10,
    cohorts: tuple[float, ...] = (0, 4, 6, 8),
    probs: tuple[float, ...] | None = None,
    effect: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    noise: float = 1.0,
    seed: int = 0,
    n_clusters: int | None = None,
) -> pd.DataFrame:
    """Balanced panel, periods 1..n_periods, cohort 0 = never treated.

    ``effect(g, e)`` gives the treatment effect of cohort g at event time e >= 0 (default 1).
    Columns: unit, time, cohort, y, y0 (untreated outcome), tau (true effect), cluster, x.
    """
    rng = np.random.default_rng(seed)
    p = np.full(len(cohorts), 1 / len(cohorts)) if probs is None else np.asarray(probs)
    g_unit = rng.choice(np.asarray(cohorts, dtype=float), size=n_units, p=p)
    alpha = rng.normal(size=n_units) + 0.5 * (g_unit > 0) * np.where(g_unit > 0, 10 - g_unit, 0)
    lam = np.cumsum(rng.normal(0.3, 0.5, size=n_periods))
    unit = np.repeat(np.arange(n_units), n_periods)
    time = np.tile(np.arange(1, n_periods + 1), n_units).astype(float)
    g = g_unit[unit]
    y0 = alpha[unit] + lam[time.astype(int) - 1] + noise * rng.normal(size=unit.size)
    treated = (g > 0) & (time >= g)
    e = time - g
    if effect is None:
        tau = np.where(treated, 1.0, 0.0)
    else:
        tau = np.where(treated, effect(g, e), 0.0)
    n_cl = n_clusters or n_units
    cluster = (np.arange(n_units) % n_cl)[unit]
    x = rng.normal(size=unit.size)
    return pd.DataFrame(
        {
            "unit": unit,
            "time": time,
            "cohort": g,
            "y": y0 + tau,
            "y0": y0,
            "tau": tau,
            "cluster": cluster,
            "x": x,
        }
    )
