"""Intervals and p-values from an estimator's own clustered standard error.

Two references: the normal (method ``analytic``) and Student's ``t`` with ``G - 1`` degrees of
freedom after scaling the standard error by ``sqrt(G/(G-1))`` (method ``small_sample_t``).
Both under-cover with few clusters (``docs/inference.md``); the second much less so, which is
why it is the fallback where the restricted bootstrap cannot be applied.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from eah_eval.errors import EstimationError, OptionError

__all__ = ["normal_interval", "small_sample_t_interval"]

Interval = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]


def _check_level(level: float) -> float:
    if not 0 < float(level) < 1:
        raise OptionError(f"level must lie strictly between 0 and 1; got {level}")
    return float(level)


def _reference(est: NDArray[np.float64], se: NDArray[np.float64], q: float,
               sf: Callable[[Any], Any], null: float) -> Interval:
    with np.errstate(invalid="ignore", divide="ignore"):
        p = 2 * sf(np.abs((est - null) / se))
        p = np.where(se > 0, p, np.nan)
    return est - q * se, est + q * se, np.asarray(p, dtype=float)


def normal_interval(estimates: ArrayLike, std_errors: ArrayLike, level: float = 0.95,
                    null: float = 0.0) -> Interval:
    """Return a normal interval and two-sided p-value from standard errors.

    Parameters
    ----------
    estimates, std_errors : array_like
        Point estimates and their standard errors (same shape).
    level : float, default 0.95
        Confidence level.
    null : float, default 0
        Hypothesised value of the p-values.

    Returns
    -------
    tuple of numpy.ndarray
        ``(ci_low, ci_high, p_value)``; ``p`` is NaN where the standard error is not positive.

    Raises
    ------
    OptionError
        For a level outside (0, 1).

    Notes
    -----
    ``estimate +/- z se`` with ``z = Phi^{-1}(0.5 + level/2)``; ``p = 2 (1 - Phi(|est - null| /
    se))``.
    """
    lv = _check_level(level)
    est = np.asarray(estimates, dtype=float)
    se = np.asarray(std_errors, dtype=float)
    return _reference(est, se, float(stats.norm.ppf(0.5 + lv / 2)), stats.norm.sf, null)


def small_sample_t_interval(estimates: ArrayLike, std_errors: ArrayLike, n_clusters: int,
                            level: float = 0.95, null: float = 0.0) -> Interval:
    """Return an interval and p-value with the ``G/(G-1)`` correction and a ``t(G-1)`` reference.

    Parameters
    ----------
    estimates, std_errors : array_like
        Point estimates and their clustered standard errors (same shape).
    n_clusters : int
        Number of clusters ``G`` (at least 2).
    level : float, default 0.95
        Confidence level.
    null : float, default 0
        Hypothesised value of the p-values.

    Returns
    -------
    tuple of numpy.ndarray
        ``(ci_low, ci_high, p_value)``.

    Raises
    ------
    OptionError
        For a level outside (0, 1).
    EstimationError
        For fewer than two clusters.

    Notes
    -----
    With ``s = se sqrt(G/(G-1))`` the interval is ``estimate +/- t_{G-1}(0.5 + level/2) s`` and
    ``p = 2 P(T_{G-1} > |est - null| / s)`` (Cameron and Miller 2015, sec. VI).

    References
    ----------
    Cameron, A. C. and Miller, D. L. (2015). A practitioner's guide to cluster-robust
    inference. *Journal of Human Resources* 50(2), 317-372.
    """
    lv = _check_level(level)
    g = int(n_clusters)
    if g < 2:
        raise EstimationError(f"the small-sample t reference needs at least 2 clusters; got {g}")
    est = np.asarray(estimates, dtype=float)
    se = np.asarray(std_errors, dtype=float) * math.sqrt(g / (g - 1))
    df = g - 1
    return _reference(est, se, float(stats.t.ppf(0.5 + lv / 2, df)),
                      lambda x: stats.t.sf(x, df), null)
